"""What the matcher keeps of a household: normalised names, birth dates, phones, ID numbers.

A card is built in memory from a profile in plain text, sealed (AES-GCM under a key derived
from the master key, the household's id as associated data) before it is stored, and opened
only in memory to score a pair. Its blocking keys are keyed hashes (HMAC-SHA256 under another
derived key), truncated to 64 bits: equal values give equal keys, and without the master key
a key reveals nothing, not even for ID numbers, whose few billion values a plain hash would
let anyone enumerate.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Mapping
from itertools import starmap
from typing import Any, Final, NamedTuple
from uuid import UUID

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.reference.said import is_valid_sa_id

NONCE_BYTES: Final = 12


class Person(NamedTuple):
    """One member as the matcher compares them (normalised; empty string: not known). A named
    tuple: a block's cards are opened by the hundred thousand, and a tuple is made fastest."""

    first: str
    surname: str
    born: str  # YYYY-MM-DD
    phone: str  # digits, national form (0...)
    id_number: str  # only a checksum-valid South African ID number


Card = tuple[Person, ...]


def _letters(value: object) -> str:
    """Lower case, accents dropped, letters only ("Nomsa-Thandi " -> "nomsathandi")."""
    if not isinstance(value, str):
        return ""
    if value.isascii():  # most names: nothing to fold but case (several times faster)
        return "".join(filter(str.isalpha, value.lower()))
    folded = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in folded if c.isalpha() and c.isascii())


def _phone(value: object) -> str:
    digits = "".join(c for c in value if c.isdigit()) if isinstance(value, str) else ""
    if digits.startswith("27") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def card_of(profile: Mapping[str, Any] | None) -> Card:
    """The members of a profile as the matcher sees them (erased or withheld fields: unknown)."""
    members = (profile or {}).get("members") or []
    people = []
    for member in members:
        if not isinstance(member, Mapping):
            continue
        id_number = member.get("id_number")
        born = member.get("date_of_birth")
        people.append(
            Person(
                first=_letters(member.get("first_name")),
                surname=_letters(member.get("surname")),
                born=born if isinstance(born, str) and len(born) == 10 else "",
                phone=_phone(member.get("phone")),
                id_number=id_number
                if isinstance(id_number, str) and is_valid_sa_id(id_number)
                else "",
            )
        )
    return tuple(p for p in people if p.first or p.surname or p.id_number)


def blocking_values(person: Person) -> list[str]:
    """The plain values a person is blocked on (hashed before they leave memory): the same
    ID number; the same phone; surname's first four letters with the first initial and the
    birth month; the same first name and birth date (a surname changed on marriage)."""
    values = []
    if person.id_number:
        values.append(f"id|{person.id_number}")
    if person.phone:
        values.append(f"ph|{person.phone}")
    if person.surname and person.first and person.born:
        values.append(f"sm|{person.surname[:4]}|{person.first[0]}|{person.born[:7]}")
        values.append(f"fd|{person.first}|{person.born}")
    return values


class Carded(NamedTuple):
    """A household's card made ahead, with its blocking keys and sealed as stored: an
    import's worker process makes these, and its writer matches and indexes them as they
    are (``IndexEntry.card``)."""

    card: Card
    keys: frozenset[int]
    sealed: bytes


class CardKeys:
    """The matcher's two keys, derived (HKDF, one per purpose) from the matcher's data key:
    a random key kept wrapped by the master key like every data key, so ``sukuma keys
    rotate`` rewraps it and the index stays readable across a rotation."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret  # only for ``__reduce__``: a scoring worker gets the same keys
        # HMAC-SHA256 (RFC 2104) with its key's two padded blocks hashed once, here: each
        # blocking key then copies the two SHA-256 states (``hmac.digest`` set them up anew
        # for each value, about 2.5 against 1.1 us; a household has six to eight keys).
        block = self._derive(secret, b"sukuma duplicate blocking keys").ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._aead = AESGCM(self._derive(secret, b"sukuma duplicate cards"))

    def __reduce__(self) -> tuple[type[CardKeys], tuple[bytes]]:
        return CardKeys, (self._secret,)

    @staticmethod
    def _derive(secret: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    def blind(self, value: str) -> int:
        """A signed 64-bit key (a PostgreSQL bigint) for a blocking value."""
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(value.encode())
        outer.update(inner.digest())
        return int.from_bytes(outer.digest()[:8], "big", signed=True)

    def keys_of(self, card: Card) -> set[int]:
        return {self.blind(v) for person in card for v in blocking_values(person)}

    def carded(self, household_id: UUID, profile: Mapping[str, Any] | None) -> Carded:
        card = card_of(profile)
        return Carded(card, frozenset(self.keys_of(card)), self.seal(household_id, card))

    def seal(self, household_id: UUID, card: Card) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        plain = orjson.dumps([list(p) for p in card])
        return nonce + self._aead.encrypt(nonce, plain, household_id.bytes)

    def open(self, household_id: UUID, sealed: bytes) -> Card:
        plain = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], household_id.bytes)
        return tuple(starmap(Person, orjson.loads(plain)))
