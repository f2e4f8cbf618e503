"""Form instances as ODK Collect writes them and posts them (multipart layout, headers):
for the OpenRosa benchmark and the tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

#: Collect's request headers on every OpenRosa call.
COLLECT_HEADERS = {
    "X-OpenRosa-Version": "1.0",
    "User-Agent": "org.odk.collect.android/v2024.3.5 okhttp/4.12.0",
    "Accept-Encoding": "gzip",
}


def answers(value: Any) -> Any:
    """A profile's JSON as a form's answers: yes/no, numbers as text, geopoints, None left out."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if set(value) == {"lat", "lon"}:
            return f"{value['lat']} {value['lon']} 0.0 5.0"
        return {k: answers(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [answers(v) for v in value]
    return str(value)


def _fill(parent: Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            child = SubElement(parent, name)
            if isinstance(item, dict):
                _fill(child, item)
            else:
                child.text = item


def instance_xml(
    form_id: str,
    version: str,
    values: dict[str, Any],
    *,
    instance_id: str | None = None,
    deprecated_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[bytes, str]:
    """The instance file Collect saves (root ``data``, ``meta`` last) and its instanceID."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    root = Element(
        "data",
        {
            "id": form_id,
            "version": version,
            "xmlns:jr": "http://openrosa.org/javarosa",
            "xmlns:orx": "http://openrosa.org/xforms",
        },
    )
    if start is not None and end is not None:
        _fill(root, {"start": start.isoformat(timespec="milliseconds")})
        _fill(root, {"end": end.isoformat(timespec="milliseconds")})
    _fill(root, values)
    meta = SubElement(root, "meta")
    SubElement(meta, "instanceID").text = instance_id
    if deprecated_id:
        SubElement(meta, "deprecatedID").text = deprecated_id
    xml = b"<?xml version='1.0' ?>" + tostring(root)
    return xml, instance_id


def multipart(xml: bytes, attachments: dict[str, tuple[bytes, str]] | None = None) -> Any:
    """httpx ``files=``: ``xml_submission_file`` first (text/xml, the instance's file name),
    then each attachment as a part named by its file name, as Collect's uploader lays it out."""
    parts: list[tuple[str, tuple[str, bytes, str]]] = [
        ("xml_submission_file", ("instance.xml", xml, "text/xml; charset=utf-8"))
    ]
    for name, (data, content_type) in (attachments or {}).items():
        parts.append((name, (name, data, content_type)))
    return parts
