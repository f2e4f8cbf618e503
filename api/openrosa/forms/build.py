"""Writes the XLSForms served to ODK Collect (``*.xlsx`` beside this file) from readable rows.

Run ``python -m api.openrosa.forms.build`` after changing a form, and commit both this script
and the workbooks: the workbooks are what pyxform converts (and what a form designer opens in
a spreadsheet); this script is what a reviewer diffs. Choice lists come from the domain's
vocabularies, so a value the API accepts is spelled once. Group and field names follow the
profile's JSON (``api/schemas/profile.py``): the mapper reads a submission by those names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from openpyxl import Workbook

from domain import profile as p
from domain.vocabulary import NeedCategory, Severity, VisitOutcome

HERE = Path(__file__).parent
#: Bumped when a form changes: Collect replaces a form whose version differs.
VERSION = "2026120601"

Row = dict[str, str]


def _q(kind: str, name: str, label: str = "", **extra: str) -> Row:
    return {"type": kind, "name": name, "label": label, **extra}


def _yes_no(name: str, label: str, required: bool = True) -> Row:
    return _q("select_one yes_no", name, label, required="yes" if required else "")


def _choices(list_name: str, values: tuple[Any, ...]) -> list[Row]:
    return [
        {"list_name": list_name, "name": str(v), "label": str(v).replace("_", " ")} for v in values
    ]


def _req(row: Row) -> Row:
    return {**row, "required": "yes"}


MEMBER = [
    _q("calculate", "member_id", calculation="once(uuid())"),
    _req(_q("text", "first_name", "First name")),
    _req(_q("text", "surname", "Surname")),
    _req(_q("select_one sex", "sex", "Sex")),
    _req(_q("date", "date_of_birth", "Date of birth")),
    _req(_q("select_one relation", "relation", "Relation to the head")),
    _q(
        "text",
        "id_number",
        "SA ID number (13 digits)",
        constraint="regex(., '^[0-9]{13}$')",
    ),
    _req(_q("select_one document_status", "document_status", "ID or birth certificate")),
    _req(_q("select_one citizenship", "citizenship", "Citizenship")),
    _q("text", "phone", "Phone", constraint="regex(., '^\\+?[0-9 ]{9,15}$')"),
    _q("begin repeat", "grants", "Grants"),
    _req(_q("select_one grant_type", "grant_type", "Grant")),
    _req(_q("select_one grant_status", "status", "Status")),
    _q("end repeat", ""),
    _q("begin group", "disability", "Disability"),
    _req(_q("select_one disability_type", "type", "Disability")),
    _yes_no("assistive_device_needed", "Needs an assistive device"),
    _q("end group", ""),
    _q("begin group", "health", "Health (categories, never diagnoses)"),
    _req(_q("select_one chronic_category", "chronic_condition_category", "Chronic condition")),
    _yes_no("tb_symptom_screen_positive", "TB symptom screen positive"),
    _yes_no("on_treatment", "On treatment"),
    _yes_no("defaulting_treatment", "Defaulting treatment"),
    _yes_no("pregnant", "Pregnant"),
    _yes_no("missed_immunisation", "Missed an immunisation"),
    _yes_no("suspected_malnutrition", "Suspected malnutrition"),
    _q("end group", ""),
    _q("begin group", "schooling", "Schooling"),
    _yes_no("attending", "Attending school", required=False),
    _q("text", "grade", "Grade"),
    _q("text", "school_name", "School"),
    _q("text", "reason_not_attending", "Why not attending"),
    _yes_no("ecd_attendance", "Attends early childhood development", required=False),
    _q("end group", ""),
    _req(_q("select_one orphan_status", "orphan_status", "Orphan status")),
    _req(_q("select_one employment", "employment", "Employment")),
]

REGISTRATION = [
    _q("start", "start"),
    _q("end", "end"),
    _q("calculate", "household_id", calculation="once(uuid())"),
    _req(_q("select_one_from_file wards.csv", "ward_id", "Ward")),
    _req(_q("select_one language", "language", "Language of the interview")),
    _q("begin group", "dwelling", "Dwelling"),
    _req(_q("select_one dwelling_type", "type", "Dwelling type")),
    _req(_q("select_one tenure", "tenure", "Tenure")),
    _req(_q("integer", "rooms", "Rooms", constraint=". >= 0 and . <= 50")),
    _q("text", "village", "Village or street"),
    _q("geopoint", "gps", "Location"),
    _q("end group", ""),
    _q("begin repeat", "members", "Household members"),
    *MEMBER,
    _q("end repeat", ""),
    _q("begin group", "livelihood", "Livelihood"),
    _req(_q("select_one income_source", "main_income_source", "Main income source")),
    _req(_q("select_one income_band", "income_band", "Monthly income")),
    _yes_no("livelihood_link", "Linked to EPWP, NYDA or a co-op"),
    _q("end group", ""),
    _q("begin group", "food_security", "Food security"),
    _req(
        _q(
            "integer",
            "days_skipped_meal_last_7",
            "Days a meal was skipped (last 7)",
            constraint=". >= 0 and . <= 7",
        )
    ),
    _yes_no("child_went_hungry", "A child went hungry"),
    _yes_no("food_garden", "Food garden"),
    _yes_no("receives_food_parcels", "Receives food parcels"),
    _q("end group", ""),
    _q("begin group", "basic_services", "Basic services"),
    _req(_q("select_one water_source", "water_source", "Water source")),
    _req(_q("integer", "water_distance_m", "Distance to water (m)", constraint=". >= 0")),
    _req(_q("select_one sanitation", "sanitation", "Sanitation")),
    _req(_q("select_one electricity", "electricity", "Electricity")),
    _yes_no("refuse_removal", "Refuse removal"),
    _q("end group", ""),
    _q("begin group", "social_ills", "Social ills (in confidence)"),
    _yes_no("substance_abuse", "Substance abuse"),
    _yes_no("gbv_disclosed_or_suspected", "Gender-based violence disclosed or suspected"),
    _yes_no("child_abuse_concern", "Child abuse concern"),
    _yes_no("crime_victim", "Victim of crime"),
    _q("end group", ""),
    _q("begin group", "consent", "Consent (POPIA)"),
    _yes_no("given", "Consent given"),
    _req(_q("select_one consent_given_by", "given_by", "Given by")),
    _req(_q("select_one consent_basis", "basis", "Basis")),
    _q("image", "signature", "Signature", appearance="signature", parameters="max-pixels=1024"),
    _q("end group", ""),
]

VISIT = [
    _q("start", "start"),
    _q("end", "end"),
    _req(_q("select_one_from_file households.csv", "household_id", "Household")),
    _req(_q("select_one visit_outcome", "outcome", "Outcome")),
    _q(
        "integer",
        "days_skipped_meal_last_7",
        "Days a meal was skipped (last 7)",
        constraint=". >= 0 and . <= 7",
    ),
    _q("text", "note", "Note"),
]

NEED = [
    _q("start", "start"),
    _q("end", "end"),
    _req(_q("select_one_from_file households.csv", "household_id", "Household")),
    _req(_q("select_one need_category", "category", "Need")),
    _req(_q("select_one severity", "severity", "Severity")),
    _q("text", "note", "Note"),
]

CHOICES = [
    *_choices("yes_no", ("yes", "no")),
    *_choices("language", get_args(p.Language)),
    *_choices("dwelling_type", get_args(p.DwellingType)),
    *_choices("tenure", get_args(p.Tenure)),
    *_choices("sex", get_args(p.Sex)),
    *_choices("relation", get_args(p.Relation)),
    *_choices("document_status", get_args(p.DocumentStatus)),
    *_choices("citizenship", get_args(p.Citizenship)),
    *_choices("grant_type", get_args(p.GrantType)),
    *_choices("grant_status", get_args(p.GrantStatus)),
    *_choices("disability_type", get_args(p.DisabilityType)),
    *_choices("chronic_category", get_args(p.ChronicConditionCategory)),
    *_choices("orphan_status", get_args(p.OrphanStatus)),
    *_choices("employment", get_args(p.Employment)),
    *_choices("income_source", get_args(p.IncomeSource)),
    *_choices("income_band", get_args(p.IncomeBand)),
    *_choices("water_source", get_args(p.WaterSource)),
    *_choices("sanitation", get_args(p.Sanitation)),
    *_choices("electricity", get_args(p.Electricity)),
    *_choices("consent_given_by", get_args(p.ConsentGivenBy)),
    *_choices("consent_basis", get_args(p.ConsentBasis)),
    *_choices("visit_outcome", tuple(VisitOutcome)),
    *_choices("need_category", tuple(NeedCategory)),
    *_choices("severity", tuple(Severity)),
]

#: form_id -> (title, survey rows)
FORMS: dict[str, tuple[str, list[Row]]] = {
    "household_registration": ("Household registration and profile", REGISTRATION),
    "followup_visit": ("Follow-up visit", VISIT),
    "need_identification": ("Need identification", NEED),
}

SURVEY_COLUMNS = (
    "type", "name", "label", "required", "constraint", "calculation", "appearance", "parameters",
)  # fmt: skip


def _sheet(wb: Workbook, title: str, columns: tuple[str, ...], rows: list[Row]) -> None:
    sheet = wb.create_sheet(title)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c, "") or None for c in columns])


def write(form_id: str, directory: Path = HERE) -> Path:
    """Write one form's workbook (survey, choices, settings) and return its path."""
    title, survey = FORMS[form_id]
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    _sheet(wb, "survey", SURVEY_COLUMNS, survey)
    used = {row["type"].split()[1] for row in survey if row["type"].startswith("select_one ")}
    _sheet(wb, "choices", ("list_name", "name", "label"), [
        c for c in CHOICES if c["list_name"] in used
    ])  # fmt: skip
    _sheet(
        wb,
        "settings",
        ("form_title", "form_id", "version", "instance_name"),
        [{"form_title": title, "form_id": form_id, "version": VERSION, "instance_name": ""}],
    )
    path = directory / f"{form_id}.xlsx"
    wb.save(path)
    return path


if __name__ == "__main__":
    for name in FORMS:
        print(write(name))
