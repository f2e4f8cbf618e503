"""The open data's data dictionary: what is counted, what each column means, how it is protected."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from api.schemas.open_data import ColumnDoc, DictionaryRead, MeasureDoc, OpenMeasure

_MEASURES = [
    MeasureDoc(name=OpenMeasure.HOUSEHOLDS_PROFILED, dim="", suppressed=True,
               meaning="Households profiled for the first time in the month"),
    MeasureDoc(name=OpenMeasure.NEEDS, dim="need category", suppressed=True,
               meaning="Needs identified in the month (a household may have several)"),
    MeasureDoc(name=OpenMeasure.REFERRALS_MADE, dim="department", suppressed=True,
               meaning="Referrals made to the department in the month"),
    MeasureDoc(name=OpenMeasure.REFERRALS_DELIVERED, dim="department", suppressed=True,
               meaning="Referrals whose service the department delivered in the month, with "
               "the median days from referral to delivery and the median service standard "
               "(days allowed) of those referrals"),
    MeasureDoc(name=OpenMeasure.RATINGS, dim="department", suppressed=True,
               meaning="Households that rated a delivery (1-5) with their feedback code in the "
               "month, with the median rating"),
    MeasureDoc(name=OpenMeasure.NOT_RECEIVED, dim="department", suppressed=True,
               meaning="Households that said, with their feedback code, that a delivery "
               "recorded for them never reached them"),
    MeasureDoc(name=OpenMeasure.MEETINGS, dim="", suppressed=False,
               meaning="War-room meetings held in the month (not about households: never "
               "suppressed)"),
]  # fmt: skip
_COLUMNS = [
    ColumnDoc(name="month", meaning="The calendar month (YYYY-MM) the events happened in"),
    ColumnDoc(name="measure", meaning="What is counted (see measures)"),
    ColumnDoc(name="level", meaning="province, district, municipality or ward"),
    ColumnDoc(name="code", meaning="The area's code (wards: <municipality>-W<number>)"),
    ColumnDoc(name="name", meaning="The area's name"),
    ColumnDoc(name="dim", meaning="The need category or department code; empty when none"),
    ColumnDoc(name="value", meaning="The count; empty (null) when suppressed"),
    ColumnDoc(name="suppressed", meaning="true when the count is withheld"),
    ColumnDoc(name="median_days", meaning="referrals_delivered: median days to delivery"),
    ColumnDoc(name="standard_days", meaning="referrals_delivered: median days the "
              "department's service standard allowed"),
    ColumnDoc(name="median_rating", meaning="ratings: the median rating, 1 (poor) to 5"),
]  # fmt: skip
_RULES = [
    "A month is released once, a week after it ends, and never revised: events recorded "
    "later are not added to it, so no two versions of a month's figures exist.",
    "Each month counts only what happened in it (no running totals).",
    "A count from fewer than k households (k is in each release, at least 3) is suppressed, "
    "zeros included.",
    "Areas inside a suppressed area are suppressed too and not listed.",
    "Under a published area, suppressed areas are none or at least two (another area is "
    "suppressed beside a lone one), so a suppressed count cannot be worked out from the "
    "area's total and the other published counts.",
    "No total across categories or departments is published.",
    "Medians are shown only where the count is published.",
]


@dataclass(frozen=True)
class Dictionary:
    body: DictionaryRead
    etag: str


def _build() -> Dictionary:
    body = DictionaryRead(
        about="Sukuma's open data: monthly counts of service delivery by area, with small "
        "counts suppressed. One table per measure and month: GET /open/v1/releases.",
        measures=_MEASURES,
        columns=_COLUMNS,
        disclosure_control=_RULES,
    )
    return Dictionary(body, hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:32])


DICTIONARY = _build()
