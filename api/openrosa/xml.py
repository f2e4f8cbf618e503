"""XML in and out of the OpenRosa layer: parsed without entities or DTDs (no XXE, no bombs)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree

XFORMS_NS = "http://www.w3.org/2002/xforms"
XHTML_NS = "http://www.w3.org/1999/xhtml"
OPENROSA_NS = "http://openrosa.org/http/response"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"


class BadXml(ValueError):
    """Not well-formed, or forbidden XML (a DTD, an entity)."""


def parse(raw: bytes) -> Element:
    try:
        root: Element = SafeTree.fromstring(raw, forbid_dtd=True)
    except SafeTree.ParseError as exc:
        raise BadXml(f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # defusedxml's DTD/entity refusals are ValueErrors
        raise BadXml(f"forbidden XML: {exc}") from None
    return root


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rpartition("}")[2]
