"""The answers of the household profile's closed questions, labelled (English: the catalog's
source), in the instrument's order (``domain.profile``'s literals)."""

from __future__ import annotations

from typing import Any

from domain import profile as instrument
from web.labels import N_

#: The answers of each closed question, labelled, in the instrument's order (``get_args``).
CHOICES: dict[str, tuple[Any, dict[str, str]]] = {
    "dwelling.type": (
        instrument.DwellingType,
        {
            "formal": N_("Formal house or flat"),
            "informal": N_("Informal dwelling (shack)"),
            "traditional": N_("Traditional dwelling"),
            "backyard": N_("Backyard room"),
        },
    ),
    "dwelling.tenure": (
        instrument.Tenure,
        {
            "owned": N_("Owned"),
            "rented": N_("Rented"),
            "rent_free": N_("Lives there without paying rent"),
            "informal_occupation": N_("Occupied informally"),
        },
    ),
    "language": (
        instrument.Language,
        {
            "zu": N_("Zulu (isiZulu)"),
            "en": N_("English"),
            "xh": N_("Xhosa (isiXhosa)"),
            "af": N_("Afrikaans"),
            "st": N_("Sesotho"),
            "other": N_("Another language"),
        },
    ),
    "sex": (instrument.Sex, {"female": N_("Female"), "male": N_("Male")}),
    "relation": (
        instrument.Relation,
        {
            "head": N_("Head of the household"),
            "spouse": N_("Spouse or partner"),
            "child": N_("Child"),
            "grandchild": N_("Grandchild"),
            "parent": N_("Parent"),
            "sibling": N_("Brother or sister"),
            "other_relative": N_("Other relative"),
            "non_relative": N_("Not related"),
        },
    ),
    "document_status": (
        instrument.DocumentStatus,
        {
            "has": N_("Has an ID or birth certificate"),
            "applied": N_("Has applied for one"),
            "none": N_("Has none"),
        },
    ),
    "employment": (
        instrument.Employment,
        {
            "employed": N_("Employed"),
            "self_employed": N_("Works for themselves"),
            "unemployed_seeking": N_("Unemployed, looking for work"),
            "unemployed_not_seeking": N_("Unemployed, not looking for work"),
            "student": N_("Learner or student"),
            "retired": N_("Retired"),
            "unable_to_work": N_("Unable to work"),
        },
    ),
    "grant_type": (
        instrument.GrantType,
        {
            "child_support": N_("Child support grant"),
            "foster_child": N_("Foster child grant"),
            "care_dependency": N_("Care dependency grant"),
            "older_persons": N_("Older persons grant"),
            "disability": N_("Disability grant"),
            "grant_in_aid": N_("Grant-in-aid"),
            "war_veterans": N_("War veterans grant"),
            "srd": N_("Social relief of distress (SRD)"),
        },
    ),
    "disability.type": (
        instrument.DisabilityType,
        {
            "none": N_("No disability"),
            "physical": N_("Physical"),
            "visual": N_("Sight"),
            "hearing": N_("Hearing"),
            "intellectual": N_("Intellectual"),
            "psychosocial": N_("Psychosocial"),
            "multiple": N_("More than one"),
        },
    ),
    "health.chronic_condition_category": (
        instrument.ChronicConditionCategory,
        {
            "none": N_("No chronic illness"),
            "cardiovascular": N_("Heart or blood pressure"),
            "metabolic": N_("Diabetes or another metabolic illness"),
            "respiratory": N_("Lungs or breathing"),
            "infectious_chronic": N_("A long-term infection"),
            "mental": N_("Mental health"),
            "other": N_("Another chronic illness"),
        },
    ),
    "livelihood.main_income_source": (
        instrument.IncomeSource,
        {
            "none": N_("No income"),
            "salary": N_("Wages or salary"),
            "grants": N_("Social grants"),
            "informal_trade": N_("Informal trading"),
            "remittances": N_("Money sent by family"),
            "pension": N_("Pension"),
            "other": N_("Another source"),
        },
    ),
    "livelihood.income_band": (
        instrument.IncomeBand,
        {
            "none": N_("Nothing"),
            "under_1000": N_("Less than R1,000"),
            "1000_3499": N_("R1,000 to R3,499"),
            "3500_6999": N_("R3,500 to R6,999"),
            "7000_plus": N_("R7,000 or more"),
        },
    ),
    "basic_services.water_source": (
        instrument.WaterSource,
        {
            "piped_in_dwelling": N_("Tap inside the home"),
            "piped_yard": N_("Tap in the yard"),
            "communal_tap": N_("Communal tap"),
            "borehole": N_("Borehole"),
            "river_or_dam": N_("River, stream or dam"),
            "tanker": N_("Water tanker"),
        },
    ),
    "basic_services.sanitation": (
        instrument.Sanitation,
        {
            "flush": N_("Flush toilet"),
            "vip": N_("Ventilated pit latrine (VIP)"),
            "pit": N_("Pit latrine"),
            "bucket": N_("Bucket toilet"),
            "none": N_("No toilet"),
        },
    ),
    "basic_services.electricity": (
        instrument.Electricity,
        {
            "grid": N_("Electricity on a meter"),
            "prepaid": N_("Prepaid electricity"),
            "none": N_("No electricity"),
        },
    ),
    "consent.basis": (
        instrument.ConsentBasis,
        {
            "consent": N_("The household's consent"),
            "public_law_duty": N_("A duty in law of a public body"),
            "child_protection_law": N_("The law protecting children"),
        },
    ),
    "consent.given_by": (
        instrument.ConsentGivenBy,
        {"self": N_("The member answering"), "competent_person": N_("A competent person for them")},
    ),
    "citizenship": (
        instrument.Citizenship,
        {
            "citizen": N_("South African citizen"),
            "permanent_resident": N_("Permanent resident"),
            "permit": N_("Has a permit (work, study or asylum)"),
            "undocumented": N_("No papers to be in the country"),
        },
    ),
    "orphan_status": (
        instrument.OrphanStatus,
        {
            "none": N_("Both parents alive"),
            "maternal": N_("Mother has died"),
            "paternal": N_("Father has died"),
            "double": N_("Both parents have died"),
        },
    ),
    "grant_status": (
        instrument.GrantStatus,
        {
            "receiving": N_("Receives it"),
            "applied": N_("Has applied"),
            "eligible_not_receiving": N_("Qualifies, has not applied"),
            "not_eligible": N_("Does not qualify"),
        },
    ),
}
