"""Reading the names view: a page's heads, sealed, with their households' wrapped data keys in
the same query, then opened here (AES-GCM, microseconds a name) with the data-key store.

A destroyed key (erasure) is a tombstone whose wrapped key is NULL: the name no longer opens,
whatever the view still holds.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.data_keys import DataKeyStore
from adapters.shredding import is_sealed, unseal
from domain.personal_data import ERASED, WITHHELD, Path
from projections.names.view import HEADS, PARTS, REFERRALS
from projections.scoping import Db

#: Where the event store sealed each part: a profile's member field, or a conflict's value.
_PROFILE_PATH: dict[str, Path] = {p: ("profile", "members", "[]", p) for p in PARTS}
_VALUE_PATH: Path = ("value",)


@dataclass(frozen=True)
class SealedHead:
    """One household's row of the names view, with its data key as stored (still wrapped)."""

    household_id: UUID
    ward_id: str
    consent: str | None
    parts: dict[str, Any]  # first_name, surname: as the events hold them
    resolved: frozenset[str]  # parts a conflict's resolution set (sealed as its value)
    keyed: bool  # the household has a key row (once erased: a tombstone)
    wrapped_key: bytes | None
    shared_referrals: frozenset[UUID]  # of those asked about, the ones sharing personal data

    @property
    def erased(self) -> bool:
        return self.keyed and self.wrapped_key is None


@dataclass(frozen=True)
class PageHeads:
    """What a page's names need, from one query: the heads the view holds of the households
    asked about, and which of those households' keys are destroyed (every one asked about,
    named in the view or not: the erasures' own look-up, folded in)."""

    heads: dict[UUID, SealedHead]
    erased: frozenset[UUID]


async def sealed_heads(
    db: Db,
    keys_table: str,
    household_ids: Collection[UUID],
    referral_ids: Collection[UUID] = (),
) -> PageHeads:
    """The heads of these households (one query), with the given referrals that share
    personal data; a household the view has not seen yet is missing from the heads."""
    # Driven by the ids asked about (index look-ups each): a referral filter of the form
    # ``referral_id = ANY($2)`` let the planner scan the whole referrals table, testing every
    # row against the page's 200 ids (5 ms at 100k households), and so did a join of the ids
    # to it (hashing its 25,136 rows at 100k: 11 of the query's 13 ms); a scalar subquery a
    # referral is never turned into a join, so each is one look-up by its key. The key row is
    # read for every household asked about, so the page's erasures come with its names.
    rows = await db.fetch(
        f"WITH found AS MATERIALIZED (SELECT asked.referral_id, (SELECT r.household_id "
        f"FROM {REFERRALS} r WHERE r.referral_id = asked.referral_id) AS household_id "
        f"FROM unnest($2::uuid[]) AS asked(referral_id)), "
        f"shared AS (SELECT household_id, array_agg(referral_id) AS ids FROM found "
        f"WHERE household_id IS NOT NULL GROUP BY household_id) "
        f"SELECT asked.household_id, h.household_id IS NOT NULL AS named, h.ward_id, "
        f"h.consent, h.first_name::text AS first_name, h.surname::text AS surname, h.resolved, "
        f"k.aggregate_id IS NOT NULL AS keyed, k.wrapped_key, s.ids AS shared "
        f"FROM unnest($1::uuid[]) AS asked(household_id) "
        f"LEFT JOIN {HEADS} h ON h.household_id = asked.household_id "
        f"LEFT JOIN {keys_table} k ON k.aggregate_id = asked.household_id "
        f"LEFT JOIN shared s ON s.household_id = asked.household_id",
        list(household_ids),
        list(referral_ids),
    )
    return PageHeads(
        heads={r["household_id"]: _head(r) for r in rows if r["named"]},
        erased=frozenset(
            r["household_id"] for r in rows if r["keyed"] and r["wrapped_key"] is None
        ),
    )


def _head(row: Any) -> SealedHead:
    return SealedHead(
        household_id=row["household_id"],
        ward_id=row["ward_id"],
        consent=row["consent"],
        parts={p: orjson.loads(row[p]) if row[p] is not None else None for p in PARTS},
        resolved=frozenset(row["resolved"]),
        keyed=row["keyed"],
        wrapped_key=row["wrapped_key"],
        shared_referrals=frozenset(row["shared"] or ()),
    )


def open_name(head: SealedHead, keys: DataKeyStore) -> str | None:
    """The head's name in plain text, or None: no head, a part missing, erased or withheld,
    or a key no configured master key opens."""
    if head.erased:
        return None
    cipher: AESGCM | None = None
    parts = []
    try:
        for part in PARTS:
            value = head.parts[part]
            if is_sealed(value):
                if cipher is None:
                    key = keys.opened(head.household_id, head.wrapped_key)
                    if not isinstance(key, bytes):
                        return None
                    cipher = AESGCM(key)
                path = _VALUE_PATH if part in head.resolved else _PROFILE_PATH[part]
                value = unseal(cipher, head.household_id, path, value)
            if part in head.resolved and isinstance(value, str):  # a resolved value: JSON text
                value = orjson.loads(value)
            if not isinstance(value, str) or not value or value in (ERASED, WITHHELD):
                return None
            parts.append(value)
    except (InvalidTag, orjson.JSONDecodeError):
        return None  # a key no configured master key opens, or a tampered copy
    return " ".join(parts)
