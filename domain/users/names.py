"""User names: one rule for every way a user is added (the API's schema, the CLI, the domain).

A name is ASCII letters, digits and ``.``, ``_``, ``-`` or ``@`` (2-64, starting with a letter
or a digit), kept in lower case. ASCII only, because Unicode offers look-alikes: a Cyrillic
``а`` in ``demo-аdmin`` would sign in as a different user that reads as the administrator,
and NFKC normalisation does not map confusables (it maps full-width ``ｔ`` to ``t``, but
leaves Cyrillic ``а`` as it is). The check runs before lower-casing, since ``str.lower`` maps
some non-ASCII letters to ASCII ones (the Kelvin sign ``K`` to ``k``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from domain.errors import InvalidCommand

#: The rule as a JSON-schema pattern (upper case is accepted, and stored in lower case).
USERNAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"
USERNAME_RULE: Final = (
    "a user name is 2-64 ASCII letters, digits, '.', '_', '-' or '@', "
    "starting with a letter or a digit"
)
_NAME = re.compile(USERNAME_PATTERN.strip("^$"))


def normalise_username(raw: str) -> str:
    """The name as stored (lower case); ``InvalidCommand`` naming what is wrong otherwise."""
    if _NAME.fullmatch(raw) is None:
        raise InvalidCommand("username", f"{USERNAME_RULE}; {_what_is_wrong(raw)}")
    return raw.lower()


def _what_is_wrong(raw: str) -> str:
    for char in raw:
        if not (char.isascii() and (char.isalnum() or char in "._-@")):
            return f"{_shown(raw)} has {_named(char)}"
    if not 2 <= len(raw) <= 64:
        return f"{_shown(raw)} has {len(raw)} characters"
    return f"{_shown(raw)} starts with {raw[0]!r}"


def _shown(raw: str) -> str:
    # The name escaped (an invisible or control character shows), and bounded.
    shown = ascii(raw)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def _named(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{char!a} ({code} {name})" if name else f"{char!a} ({code})"
