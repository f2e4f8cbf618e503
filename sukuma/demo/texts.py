"""Words the demo puts in events: referral notes, reasons, deliveries, direct interventions."""

from __future__ import annotations

from typing import Final

# Where a need goes when its department is the wrong one, or refuses it.
_ALTERNATIVE: Final = {
    "SASSA": "DSD",
    "DSD": "SASSA",
    "SAPS": "NGO:LIFELINE",
    "DHS": "MUNI",
    "MUNI": "DHS",
    "DEL": "NYDA",
    "NYDA": "DEL",
    "DOH": "DSD",
    "DBE": "DSD",
    "DHA": "DSD",
    "DARD": "DSD",
}
_ALTERNATIVE_BY_CATEGORY: Final = {
    "child_protection": "NGO:CHILDLINE",
    "gbv": "NGO:LIFELINE",
    "substance_abuse": "NGO:LIFELINE",
}


def alternative(department: str, category: str) -> str:
    """Another department or NGO that can take a need this one did not."""
    by_category = _ALTERNATIVE_BY_CATEGORY.get(category)
    if by_category is not None and by_category != department:
        return by_category
    return _ALTERNATIVE.get(department, "DSD" if department != "DSD" else "SASSA")


_NOTES: Final = {
    "documents": "Assist with late birth registration or an ID application",
    "social_grant": "Assess and process the grant application",
    "disability": "Assess for a disability-related grant or an assistive device",
    "health_tb": "TB symptom screen positive: test at the clinic",
    "health_chronic": "Trace and restart treatment",
    "health_maternal": "Antenatal care or immunisation catch-up",
    "nutrition": "Nutrition assessment at the clinic",
    "food_security": "Food parcel and food security assessment",
    "education": "Place the child at school",
    "child_protection": "Child protection assessment (Form 22 where abuse is suspected)",
    "gbv": "Protection, counselling and a safety plan",
    "substance_abuse": "Assessment and referral to a treatment programme",
    "housing": "Add to the housing needs register",
    "water": "Safe water within 200 m",
    "sanitation": "Toilet (VIP) for the household",
    "electricity": "Electricity connection",
    "livelihood": "EPWP, NYDA or One Home One Garden support",
    "other": "Victim support",
}


def referral_note(category: str, severity: str) -> str:
    note = _NOTES.get(category, "Please assist the household")
    return f"{note} ({severity} need, referred by the war room)"


REJECTIONS: Final[tuple[tuple[tuple[str, str | None], float], ...]] = (
    (("wrong_department", None), 25.0),
    (("not_eligible", None), 25.0),
    (("insufficient_info", None), 25.0),
    (("duplicate", None), 8.0),
    (("household_declined", None), 12.0),
    (("other", "the referral form was lost: please resend it"), 5.0),
)
CANCEL_REASONS: Final = (
    ("the need was met by another service", 40.0),
    ("duplicate referral", 20.0),
    ("the household no longer wants the service", 25.0),
    ("referred to the wrong department by mistake", 15.0),
)
DISPUTE_REASONS: Final = (
    ("the household says nothing was delivered", 40.0),
    ("the grant has not been paid yet", 20.0),
    ("the document has errors and must be reissued", 15.0),
    ("only part of the service was delivered", 25.0),
)
DELIVERIES: Final = {
    "documents": ("document_issued", "Birth certificate or ID issued"),
    "social_grant": ("grant_approved", "Grant application approved"),
    "disability": ("grant_approved", "Disability assessment done; grant or device approved"),
    "health_tb": ("referral_to_clinic", "Tested at the clinic and started on treatment"),
    "health_chronic": ("referral_to_clinic", "Traced and back on treatment"),
    "health_maternal": ("referral_to_clinic", "Antenatal booking or immunisation catch-up"),
    "nutrition": ("referral_to_clinic", "Assessed; nutritional supplements given"),
    "food_security": ("food_parcel", "Food parcel delivered"),
    "education": ("school_placement", "Placed at a school"),
    "child_protection": ("counselling", "Social worker assessment and a safety plan"),
    "gbv": ("counselling", "Protection order assistance and counselling"),
    "substance_abuse": ("counselling", "Admitted to a treatment programme"),
    "housing": ("service", "Added to the housing needs register"),
    "water": ("service", "Standpipe installed within 200 m"),
    "sanitation": ("service", "VIP toilet built"),
    "electricity": ("service", "Prepaid electricity connected"),
    "livelihood": ("service", "EPWP placement or a garden starter pack"),
    "other": ("counselling", "Victim support"),
}
# A field worker's or partner's direct help with a need nobody was referred for.
DIRECT: Final = {
    "education": ("home_visit", "DBE", "Parents helped to enrol the child at ECD or school"),
    "livelihood": ("service", "DARD", "Seeds and a garden starter pack (One Home One Garden)"),
    "electricity": ("other", "MUNI", "Helped to apply for an indigent electricity connection"),
    "housing": ("other", "MUNI", "Helped to register on the housing needs register"),
    "food_security": ("food_parcel", "DSD", "Emergency food parcel"),
    "other": ("counselling", "NGO:LIFELINE", "Victim support counselling"),
    "health_maternal": ("referral_to_clinic", "DOH", "Walked to the clinic for immunisation"),
    "health_chronic": ("home_visit", "DOH", "Treatment adherence support at home"),
    "substance_abuse": ("counselling", "NGO:LIFELINE", "Counselling session"),
}
MOVE_REASONS: Final = (
    ("moved to relatives in another ward", 40.0),
    ("allocated an RDP house", 25.0),
    ("moved closer to work", 20.0),
    ("evicted", 15.0),
)
