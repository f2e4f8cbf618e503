"""The register template: its columns, where each goes in the API's bodies, and the isiZulu
words accepted beside the English values (docs/import/README.md documents the same)."""

from __future__ import annotations

from typing import Final

#: Said once per household (on each of its rows; the first row's value is used, a different
#: value on a later row is reported). Each maps to a path in the profile body, or to the
#: registration body ("register.<field>").
HOUSEHOLD_COLUMNS: Final[dict[str, str]] = {
    "household_key": "",
    "ward_id": "register.ward_id",
    "dwelling_type": "dwelling.type",
    "tenure": "dwelling.tenure",
    "rooms": "dwelling.rooms",
    "village": "dwelling.village",
    "language": "language",
    "main_income_source": "livelihood.main_income_source",
    "income_band": "livelihood.income_band",
    "days_skipped_meal_last_7": "food_security.days_skipped_meal_last_7",
    "child_went_hungry": "food_security.child_went_hungry",
    "water_source": "basic_services.water_source",
    "water_distance_m": "basic_services.water_distance_m",
    "sanitation": "basic_services.sanitation",
    "electricity": "basic_services.electricity",
    "refuse_removal": "basic_services.refuse_removal",
    "consent_given": "consent.given",
    "consent_given_by": "consent.given_by",
}

#: One row per member.
MEMBER_COLUMNS: Final[dict[str, str]] = {
    "first_name": "first_name",
    "surname": "surname",
    "sex": "sex",
    "date_of_birth": "date_of_birth",
    "relation": "relation",
    "id_number": "id_number",
    "document_status": "document_status",
    "citizenship": "citizenship",
    "phone": "phone",
    "employment": "employment",
    "grants_receiving": "grants",
    "disability_type": "disability.type",
    "orphan_status": "orphan_status",
}

COLUMNS: Final = (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS)
#: May be left out of the file altogether (an empty cell means "not given").
OPTIONAL_COLUMNS: Final = frozenset(
    {
        "village",
        "language",
        "id_number",
        "citizenship",
        "phone",
        "grants_receiving",
        "disability_type",
        "orphan_status",
    }
)
BOOLEAN_COLUMNS: Final = frozenset({"child_went_hungry", "refuse_removal", "consent_given"})
INTEGER_COLUMNS: Final = frozenset({"rooms", "days_skipped_meal_last_7", "water_distance_m"})

YES: Final = frozenset({"yes", "y", "true", "1", "yebo"})
NO: Final = frozenset({"no", "n", "false", "0", "cha"})

#: isiZulu words accepted for a column's values (matched without regard to case).
ISIZULU: Final[dict[str, dict[str, str]]] = {
    "sex": {"owesifazane": "female", "owesilisa": "male"},
    "relation": {
        "inhloko": "head",
        "umlingani": "spouse",
        "ingane": "child",
        "umzukulu": "grandchild",
        "umzali": "parent",
        "umfowabo": "sibling",
        "udadewabo": "sibling",
        "isihlobo": "other_relative",
        "akusona isihlobo": "non_relative",
    },
    "document_status": {"unawo": "has", "ufakile": "applied", "akanawo": "none"},
    "dwelling_type": {
        "indlu yesimanje": "formal",
        "umjondolo": "informal",
        "indlu yesintu": "traditional",
        "egcekeni": "backyard",
    },
    "employment": {
        "uyasebenza": "employed",
        "uyazisebenzela": "self_employed",
        "akasebenzi": "unemployed_seeking",
        "umfundi": "student",
        "uthathe umhlalaphansi": "retired",
    },
    "electricity": {"akukho": "none"},
    "sanitation": {"akukho": "none"},
    "main_income_source": {"akukho": "none", "amaholo": "salary", "izibonelelo": "grants"},
    "income_band": {"akukho": "none"},
    "disability_type": {"akukho": "none"},
    "orphan_status": {"akukho": "none"},
}
