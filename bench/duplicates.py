"""Duplicate candidates for 10,000 new households against 3 million indexed ones.

    python -m bench.duplicates [--existing 3000000] [--new 10000] [--batch 100] [--planted 0.1]

The matcher's tables (``matcher_keys``, ``matcher_cards``) are filled with synthetic
households (KwaZulu-Natal names, birth dates over 80 years, a phone for most heads, an ID
number for most adults), their keys blinded and cards sealed by the real ``CardKeys``. The new
households are fresh ones and, for a share of them (``--planted``), an existing household
written down again with the usual slips (a misspelt surname, another phone format, a birth
date's day and month swapped, the ID number left out). Then, in the same run, on the same
database, batch by batch:

- the baseline: blocking alone, the candidate households each new one's blind keys reach
  (one query per batch, each key's block capped as in production), nothing scored;
- the matcher: ``PostgresDuplicateIndex.matches``, the same blocking, then every candidate's
  card opened and scored (rapidfuzz), the pairs to propose kept, one batch after another;
- the matcher pipelined: ``PostgresDuplicateIndex.matches_many``, each batch opened and
  scored in a worker process while the next batch's block is read (two cores at once); its
  pairs must be the very same as the matcher's.

The fill ends with ``VACUUM (ANALYZE)``, as autovacuum leaves a settled index (so the covering
index's scans read no heap); ``--compare-index`` then runs all three again on the plain
``(key)`` index that migration 0027 replaced. It prints the times, the candidates reached
and proposed and the planted duplicates found. Target: the matcher under 60 s for 10,000 new
against 3 million on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL

from adapters.database import create_database, drop_database, libpq_url
from adapters.matching.cards import CardKeys, card_of
from adapters.matching.index import BLOCK_LIMIT, PostgresDuplicateIndex
from adapters.migrations import migrate
from bench._server import server
from domain.duplicates.ports import IndexEntry
from domain.reference.geography import geography
from domain.reference.said import generate_sa_id

FIRST = [
    "Zanele",
    "Sipho",
    "Thabo",
    "Nomvula",
    "Bongani",
    "Ayanda",
    "Mbali",
    "Sanele",
    "Themba",
    "Precious",
    "Lindiwe",
    "Nokuthula",
    "Sibusiso",
    "Thandeka",
    "Mandla",
    "Nomsa",
    "Siyabonga",
    "Zodwa",
    "Lungelo",
    "Thulani",
    "Nonhlanhla",
    "Sifiso",
    "Busisiwe",
    "Mthokozisi",
    "Khanyisile",
    "Nkosinathi",
    "Hlengiwe",
    "Andile",
    "Zinhle",
    "Musa",
    "Phindile",
    "Sizwe",
    "Lwazi",
    "Nandi",
    "Xolani",
    "Ntombi",
    "Bheki",
    "Gugu",
    "Vusi",
    "Thembeka",
]
SURNAMES = [
    "Dlamini",
    "Zulu",
    "Ngcobo",
    "Mkhize",
    "Khumalo",
    "Ndlovu",
    "Mthembu",
    "Shabalala",
    "Buthelezi",
    "Cele",
    "Zungu",
    "Gumede",
    "Mhlongo",
    "Ntuli",
    "Nxumalo",
    "Sithole",
    "Hlongwane",
    "Mabaso",
    "Mnguni",
    "Majola",
    "Msomi",
    "Ngubane",
    "Nkosi",
    "Mchunu",
    "Xulu",
    "Ndlela",
    "Mbatha",
    "Zondi",
    "Shange",
    "Luthuli",
    "Magwaza",
    "Hadebe",
    "Ximba",
    "Khanyile",
    "Mdlalose",
    "Kubheka",
    "Ngema",
    "Maphumulo",
    "Dube",
    "Mbhele",
]
EPOCH = date(1940, 1, 1)


def person(rng: random.Random, surname: str, head: bool) -> dict[str, Any]:
    born = EPOCH + timedelta(days=rng.randrange(80 * 365))
    sex = rng.choice(("female", "male"))
    adult = born.year < 2008
    return {
        "first_name": rng.choice(FIRST),
        "surname": surname,
        "date_of_birth": born.isoformat(),
        "phone": f"+27 7{rng.randrange(10)} {rng.randrange(10**7):07}" if head else None,
        "id_number": generate_sa_id(born, sex, True, rng) if adult and rng.random() < 0.7 else None,
    }


def household(rng: random.Random) -> dict[str, Any]:
    surname = rng.choice(SURNAMES)
    members = [person(rng, surname, head=n == 0) for n in range(rng.choice((1, 2, 2, 3, 4)))]
    return {"members": members}


def misspell(rng: random.Random, name: str) -> str:
    at = rng.randrange(1, len(name))
    return name[:at] + rng.choice("hlaeiou") + name[at:]


def written_again(rng: random.Random, profile: dict[str, Any]) -> dict[str, Any]:
    """The same household as another field worker writes it down."""
    members = []
    for m in profile["members"]:
        m = dict(m)
        slip = rng.randrange(4)
        if slip == 0:
            m["surname"] = misspell(rng, m["surname"])
        elif slip == 1 and m["phone"]:
            m["phone"] = "0" + m["phone"].replace(" ", "")[3:]
        elif slip == 2 and int(m["date_of_birth"][8:]) <= 12 and m["id_number"] is None:
            y, mo, d = m["date_of_birth"].split("-")
            m["date_of_birth"] = f"{y}-{d}-{mo}"
        if rng.random() < 0.5:
            m["id_number"] = None
        members.append(m)
    return {"members": members}


def fill(
    datastore: PostgresDatastore, url: str, keys: CardKeys, existing: int, seed: int
) -> list[Any]:
    """Index ``existing`` households; returns a sample of them (id, ward, profile) to plant."""
    rng = random.Random(seed)
    wards = [w.id for w in geography().wards]
    sample: list[Any] = []
    for start in range(0, existing, 100_000):
        rows_k: list[tuple[int, uuid.UUID]] = []
        rows_c: list[tuple[uuid.UUID, str, bytes]] = []
        for n in range(start, min(start + 100_000, existing)):
            hid = uuid.UUID(int=rng.getrandbits(128), version=4)
            ward = wards[n % len(wards)]
            profile = household(rng)
            card = card_of(profile)
            rows_k.extend((key, hid) for key in keys.keys_of(card))
            rows_c.append((hid, ward, keys.seal(hid, card)))
            if n % 97 == 0:
                sample.append((hid, ward, profile))
        with datastore.transaction(commit=True) as curs:
            with curs.copy(SQL("COPY matcher_keys (key, household_id) FROM STDIN")) as k:
                for key_row in rows_k:
                    k.write_row(key_row)
            with curs.copy(SQL("COPY matcher_cards (household_id, ward_id, card) FROM STDIN")) as c:
                for card_row in rows_c:
                    c.write_row(card_row)
        print(f"  indexed {min(start + 100_000, existing):,} households", flush=True)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) matcher_keys")
        conn.execute("VACUUM (ANALYZE) matcher_cards")
    return sample


def new_households(
    rng: random.Random, count: int, planted: float, sample: list[Any]
) -> tuple[list[IndexEntry], dict[uuid.UUID, uuid.UUID]]:
    """``count`` new households, a share of them written again from ``sample``; returns them
    and, for the planted ones, the existing household each copies."""
    entries, truth = [], {}
    wards = [w.id for w in geography().wards]
    for _ in range(count):
        hid = uuid.UUID(int=rng.getrandbits(128), version=4)
        if rng.random() < planted:
            original, ward, profile = rng.choice(sample)
            entries.append(IndexEntry(hid, ward, written_again(rng, profile)))
            truth[hid] = original
        else:
            entries.append(IndexEntry(hid, rng.choice(wards), household(rng)))
    return entries, truth


def blocking_only(datastore: PostgresDatastore, keys: CardKeys, entries: list[IndexEntry]) -> int:
    """The baseline: the candidate households each batch's keys reach, nothing more."""
    wanted = sorted({k for e in entries for k in keys.keys_of(card_of(e.profile))})
    with datastore.transaction(commit=False) as curs:
        curs.execute(
            SQL(
                "SELECT DISTINCT b.household_id FROM unnest(%s::bigint[]) AS q(key) "
                "CROSS JOIN LATERAL (SELECT household_id FROM matcher_keys k "
                "WHERE k.key = q.key LIMIT {0}) b"
            ).format(BLOCK_LIMIT),
            (wanted,),
        )
        return len(curs.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--existing", type=int, default=3_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--planted", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--compare-index",
        action="store_true",
        help="then run it all again on the plain (key) index the covering one replaced",
    )
    args = parser.parse_args()

    # Here, not at the top: the scoring worker is spawned, and imports this module again.
    from sukuma.settings import Settings
    from sukuma.wiring import build_application

    with server(Path(tempfile.mkdtemp(prefix="sukuma-bench-"))) as admin:
        name = f"bench_dupes_{uuid.uuid4().hex[:6]}"
        url = create_database(admin, name)
        try:
            migrate(url, "public")
            settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))
            app = build_application(settings, url)
            index = app.duplicate_index
            assert isinstance(index, PostgresDuplicateIndex)
            datastore, keys = index.datastore, index.keys
            started = time.perf_counter()
            sample = fill(datastore, url, keys, args.existing, args.seed)
            print(f"indexed {args.existing:,} households in {time.perf_counter() - started:.0f} s")
            rng = random.Random(args.seed + 1)
            entries, truth = new_households(rng, args.new, args.planted, sample)
            batches = [entries[i : i + args.batch] for i in range(0, len(entries), args.batch)]
            print("-- covering index (key) INCLUDE (household_id):")
            report(index, datastore, keys, batches, truth)
            if args.compare_index:
                print("-- plain index (key), as before migration 0027:")
                with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                    conn.execute("CREATE INDEX matcher_keys_key ON matcher_keys (key)")
                    conn.execute("DROP INDEX matcher_keys_key_household")
                    conn.execute("ANALYZE matcher_keys")
                report(index, datastore, keys, batches, truth)
            app.close()
        finally:
            drop_database(admin, name)


def report(
    index: PostgresDuplicateIndex,
    datastore: PostgresDatastore,
    keys: CardKeys,
    batches: list[list[IndexEntry]],
    truth: dict[uuid.UUID, uuid.UUID],
) -> None:
    started = time.perf_counter()
    blocked = sum(blocking_only(datastore, keys, b) for b in batches)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    matches = [m for b in batches for m in index.matches(b)]
    matched = time.perf_counter() - started
    started = time.perf_counter()
    piped = [m for found in index.matches_many(batches) for m in found]
    pipelined = time.perf_counter() - started
    found = {m.household_id for m in matches if truth.get(m.household_id) == m.other_id}
    others = sum(1 for m in matches if truth.get(m.household_id) != m.other_id)
    new = sum(len(b) for b in batches)
    print(
        f"machine: {os.cpu_count()} cores; {new:,} new households in batches of {len(batches[0])}"
    )
    print(f"blocking only : {baseline:6.1f} s  ({blocked:,} candidate households reached)")
    print(f"matcher       : {matched:6.1f} s  ({len(matches):,} pairs proposed)  target < 60 s")
    print(f"pipelined     : {pipelined:6.1f} s  ({len(piped):,} pairs proposed)  target < 60 s")
    print(
        f"ratio matcher / blocking: {matched / baseline:.2f}; pipelined / blocking: "
        f"{pipelined / baseline:.2f}; pipelined / matcher: {pipelined / matched:.2f}"
    )
    print(
        f"planted duplicates found: {len(found):,} of {len(truth):,}; other proposals: {others:,}"
    )
    if piped != matches:
        raise SystemExit("the pipelined matcher's pairs differ from the matcher's")
    print("pipelined pairs: the same as the matcher's")


if __name__ == "__main__":
    main()
