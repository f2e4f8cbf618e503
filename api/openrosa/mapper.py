"""A submitted form instance, read into the commands the JSON API takes (no HTTP here).

The instance is read by the form's own structure (groups become objects, repeats lists, empty
answers are left out), then each form's values are checked by the very models the JSON API's
routes use (``api.schemas``), so a value refused there is refused here, with the field named
by its path in the form. Every answer must be read: the profile's model forbids unknown keys,
so a question added to a form without a place in the profile is refused, not dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ValidationError

from api.openrosa.xml import BadXml, local, parse
from api.schemas.households import IdentifyNeed, RecordVisit, RegisterHousehold
from api.schemas.profile import Profile

#: Where an OpenRosa instance's identity lives (``meta`` is consumed whole).
META = "meta"
#: Answers every form carries that are not a command's value.
TIMES = ("start", "end")
_IDS = uuid.UUID("0d3c4c8e-5b8f-4b7e-9f3a-2f0c6f7c1a11")
M = TypeVar("M", bound=BaseModel)


class Unreadable(Exception):
    """A submission that cannot become a command; ``field`` is its path in the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Instance:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None
    start: datetime | None
    end: datetime | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Registration:
    household: RegisterHousehold
    profile: dict[str, Any]
    #: The consent signature's file name (an attachment of the submission), if one was taken.
    signature: str | None


@dataclass(frozen=True)
class Visit:
    household_id: UUID
    visit: RecordVisit


@dataclass(frozen=True)
class Need:
    household_id: UUID
    need: IdentifyNeed


Command = Registration | Visit | Need


def derived_id(instance_id: str, what: str) -> UUID:
    """The id a submission gives what it creates: the same on every resubmission."""
    return uuid.uuid5(_IDS, f"{instance_id}:{what}")


def read_instance(raw: bytes, repeats_of: Callable[[str], frozenset[str]]) -> Instance:
    """The instance's identity and answers (``repeats_of``: a form's repeat paths)."""
    try:
        root = parse(raw)
    except BadXml as exc:
        raise Unreadable("xml_submission_file", str(exc)) from None
    form_id = root.get("id")
    if not form_id:
        raise Unreadable("id", "the instance's root has no form id")
    data = _tree(root, "", repeats_of(form_id))
    meta = data.pop(META, {})
    instance_id = meta.get("instanceID") if isinstance(meta, dict) else None
    if not instance_id:
        raise Unreadable("meta/instanceID", "is required")
    return Instance(
        form_id=form_id,
        version=root.get("version", ""),
        instance_id=instance_id,
        deprecated_id=meta.get("deprecatedID") or None,
        start=_time(data.pop("start", None), "start"),
        end=_time(data.pop("end", None), "end"),
        data=data,
    )


def _tree(node: Element, path: str, repeats: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in node:
        name = local(child.tag)
        child_path = f"{path}/{name}" if path else name
        if len(child):
            value: Any = _tree(child, child_path, repeats)
        else:
            value = (child.text or "").strip() or None
        if child_path in repeats:
            out.setdefault(name, []).append(value if isinstance(value, dict) else {})
        elif value is not None:
            out[name] = value
    return out


def _time(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Unreadable(field, f"{value!r} is not a date and time") from None


def _field(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a path in the form (XPath's 1-based positions)."""
    parts: list[str] = []
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step + 1}]"
        else:
            parts.append(step)
    return "/".join(parts)


def _checked(model: type[M], values: Mapping[str, Any], prefix: str = "") -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Unreadable(prefix + _field(tuple(first["loc"])), first["msg"]) from None


def _gps(value: Any) -> dict[str, float] | None:
    """An ODK geopoint (``lat lon altitude accuracy``) as the API's ``{lat, lon}``."""
    if value is None:
        return None
    parts = str(value).split()
    try:
        return {"lat": float(parts[0]), "lon": float(parts[1])}
    except (IndexError, ValueError):
        raise Unreadable("dwelling/gps", f"{value!r} is not a geopoint") from None


def _household_id(data: dict[str, Any]) -> UUID:
    try:
        return UUID(str(data.pop("household_id")))
    except (KeyError, ValueError):
        raise Unreadable("household_id", "must name a household (its id)") from None


def registration(instance: Instance) -> Registration:
    data = dict(instance.data)
    household_id = _household_id(data)
    ward_id = data.pop("ward_id", None)
    dwelling = dict(data.get("dwelling") or {})
    dwelling["gps"] = _gps(dwelling.get("gps"))
    consent = dict(data.get("consent") or {})
    signature = consent.pop("signature", None)
    profile = _checked(
        Profile,
        {**data, "instrument_version": "oss-profile-1", "dwelling": dwelling, "consent": consent},
    )
    household = _checked(
        RegisterHousehold,
        {
            "id": household_id,
            "ward_id": ward_id,
            "dwelling_type": profile.dwelling.type,
            "village": profile.dwelling.village,
            "gps": dwelling["gps"],
        },
    )
    return Registration(household, profile.model_dump(mode="json"), signature)


def visit(instance: Instance) -> Visit:
    data = dict(instance.data)
    household_id = _household_id(data)
    body = {"visit_id": derived_id(instance.instance_id, "visit"), **data}
    return Visit(household_id, _checked(RecordVisit, body))


def need(instance: Instance) -> Need:
    data = dict(instance.data)
    household_id = _household_id(data)
    body = {"need_id": derived_id(instance.instance_id, "need"), **data}
    return Need(household_id, _checked(IdentifyNeed, body))


#: Each served form's reader.
READERS: dict[str, Callable[[Instance], Command]] = {
    "household_registration": registration,
    "followup_visit": visit,
    "need_identification": need,
}


def commands_of(instance: Instance) -> Command:
    reader = READERS.get(instance.form_id)
    if reader is None:
        raise Unreadable("id", f"unknown form {instance.form_id!r}")
    result: Command = reader(instance)
    return result
