"""The names view as ``bench.web`` needs it: every filled household's head named, sealed as the
event store seals a profile's names, and its data key wrapped by the master key the served app
uses, so a named list does at scale exactly what it does in production (one query for the
page's sealed names and keys, a key unwrapped and two names opened a row).

One data key is shared by every household here (generating and wrapping 3 million keys would
only slow the fill): each household's row still holds its own wrap (bound to its id), and a
page unwraps and opens each row's as it would distinct keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice
from uuid import UUID

import orjson
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.data_keys import KeyWrapper
from adapters.shredding import seal
from bench._bulk import indexes_after
from projections.names.view import HEADS, REFERRALS
from projections.nerve_centre.tables import HOUSEHOLDS
from projections.nerve_centre.tables import REFERRALS as CASE_REFERRALS

KEYS_TABLE = "sukuma_data_keys"
FIRST = ("Nomvula", "Themba", "Sipho", "Thandi", "Lindiwe", "Bongani", "Zanele", "Mandla")
SURNAMES = ("Dlamini", "Ngcobo", "Zulu", "Mkhize", "Khumalo", "Ndlovu", "Cele", "Mthembu")
BATCH = 50_000


def _rows(
    households: Iterator[tuple[UUID, str]], wrapper: KeyWrapper, key: bytes
) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]:
    cipher = AESGCM(key)
    for index, (household_id, ward_id) in enumerate(households):
        parts = FIRST[index % len(FIRST)], SURNAMES[(index // len(FIRST)) % len(SURNAMES)]
        first, surname = (
            orjson.dumps(seal(cipher, household_id, ("profile", "members", "[]", p), v)).decode()
            for p, v in zip(("first_name", "surname"), parts, strict=True)
        )
        head = (household_id, ward_id, "given", "m1", first, surname)
        yield head, (household_id, household_id, wrapper.wrap(household_id, key))


def fill_names(url: str, master_key: str) -> int:
    """Name every household of the nerve-centre view; half the referrals share personal data.
    Returns the households named."""
    with psycopg.connect(url, autocommit=True) as conn:
        with indexes_after(conn, [HEADS, KEYS_TABLE]):
            named = _copy_heads(url, KeyWrapper(master_key), os.urandom(32))
        conn.execute(
            f"INSERT INTO {REFERRALS} SELECT referral_id, household_id FROM {CASE_REFERRALS} "
            "WHERE get_byte(uuid_send(referral_id), 0) % 2 = 0 ON CONFLICT DO NOTHING"
        )
        conn.execute(f"VACUUM ANALYZE {HEADS}, {REFERRALS}, {KEYS_TABLE}")
    return named


def _copy_heads(url: str, wrapper: KeyWrapper, key: bytes) -> int:
    named = 0
    with psycopg.connect(url) as reader, psycopg.connect(url) as writer:
        with reader.cursor(name="households") as households:
            households.itersize = BATCH
            households.execute(f"SELECT household_id, ward_id FROM {HOUSEHOLDS}")
            rows = _rows(iter(households), wrapper, key)
            while batch := list(islice(rows, BATCH)):
                with writer.cursor() as curs:
                    columns = "household_id, ward_id, consent, head_member_id, first_name, surname"
                    with curs.copy(f"COPY {HEADS} ({columns}) FROM STDIN") as copy:
                        for head, _ in batch:
                            copy.write_row(head)
                    keys = f"COPY {KEYS_TABLE} (aggregate_id, household_id, wrapped_key) FROM STDIN"
                    with curs.copy(keys) as copy:
                        for _, wrapped in batch:
                            copy.write_row(wrapped)
                writer.commit()
                named += len(batch)
    return named
