"""The forms served to field apps: XLSForms in ``forms/`` converted by pyxform, once per process.

Which user sees which form follows the access policy's table: a form is listed to a user one
of whose roles may do every household action its submission becomes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyxform.xls2xform import convert

from api.openrosa.xml import XFORMS_NS, XHTML_NS, local, parse
from domain.access.policy import PERMISSIONS
from domain.access.principal import Principal

FORMS_DIR = Path(__file__).parent / "forms"


@dataclass(frozen=True)
class Form:
    form_id: str
    title: str
    version: str
    xml: bytes
    #: The household actions its submission needs (``household.<verb>``).
    verbs: frozenset[str]
    #: The per-user CSV files its choice lists read (``select_one_from_file``).
    media: tuple[str, ...]
    #: Paths of its repeats (``members``, ``members/grants``): lists in a submission.
    repeats: frozenset[str]

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml, usedforsecurity=False).hexdigest()

    def open_to(self, principal: Principal) -> bool:
        return any(
            self.verbs <= PERMISSIONS[role].get("household", frozenset())
            for role in principal.roles
        )


# form id -> (household verbs, media files); titles and versions come from the workbooks.
_SUBMITS = {
    "household_registration": (frozenset({"register", "profile"}), ("wards.csv",)),
    "followup_visit": (frozenset({"visit"}), ("households.csv",)),
    "need_identification": (frozenset({"need"}), ("households.csv",)),
}


def xform_of(form_id: str, *, validate: bool = False) -> str:
    """The XForm pyxform makes of a workbook (``validate``: also run ODK Validate, in Java)."""
    result = convert(FORMS_DIR / f"{form_id}.xlsx", validate=validate)
    if result.warnings:
        raise ValueError(f"{form_id}.xlsx: {result.warnings}")
    xform: str = result.xform
    return xform


def _described(xml: str) -> tuple[str, str, frozenset[str]]:
    """The form's title, version and repeat paths, as its XForm says."""
    root = parse(xml.encode())
    title = root.findtext(f"{{{XHTML_NS}}}head/{{{XHTML_NS}}}title")
    data = root.find(f".//{{{XFORMS_NS}}}instance/*")
    assert title is not None and data is not None, "pyxform always writes both"
    prefix = f"/{local(data.tag)}/"
    repeats = frozenset(
        r.get("nodeset", "").removeprefix(prefix) for r in root.iter(f"{{{XFORMS_NS}}}repeat")
    )
    return title, data.get("version", ""), repeats


@cache
def forms() -> dict[str, Form]:
    """Every served form by id (converted on first use: pyxform takes a fraction of a second)."""
    served = {}
    for form_id, (verbs, media) in _SUBMITS.items():
        xml = xform_of(form_id)
        title, version, repeats = _described(xml)
        served[form_id] = Form(form_id, title, version, xml.encode(), verbs, media, repeats)
    return served
