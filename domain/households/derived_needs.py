"""Needs derived from the household's current profile, whatever order its profiles arrived in.

The open derived needs are a function of the current profile (itself the latest observed, by
``occurred_at``, or the merge of offline edits: ``households.revisions``), not of which
profile happened to arrive first: see ``derive_profile_needs``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from domain.households.model import Household
from domain.profile import Profile
from domain.rules.flags import HouseholdFlags
from domain.rules.needs import NEEDS_RULE_VERSION, DerivedNeed, derive_needs


def uuid5_bytes(namespace: bytes, name: str) -> bytes:
    """``uuid.uuid5``'s 16 bytes for a namespace given as its bytes (made once by the caller)."""
    sha1 = hashlib.sha1(namespace + name.encode(), usedforsecurity=False)
    digest = bytearray(sha1.digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(digest)


def uuid5_text(namespace: UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, the same text, without making a ``UUID`` on the
    way (its constructor and ``str`` were about half of a derived need's id; an imported
    household derives three or so)."""
    h = uuid5_bytes(namespace.bytes, name).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def derived_need_id(household_id: UUID, basis: str, need: DerivedNeed, taken: set[str]) -> str:
    """Deterministic from the profile that derives it (``basis``: its time) and what it is, so
    a replayed demo, a retried command or another arrival order yields the same id."""
    key = f"{basis}:{need.category}:{need.member_id or '-'}:{need.severity}:{need.department}"
    found, n = uuid5_text(household_id, key), 0
    while found in taken:  # the same need derived again after it was superseded (rare)
        n += 1
        found = uuid5_text(household_id, f"{key}:{n}")
    return found


def derive_profile_needs(
    household: Household,
    profile: Profile,
    occurred_at: datetime,
    actor: str,
    flags: HouseholdFlags | None = None,
) -> None:
    """Make the household's open derived needs those its current profile derives, whatever
    order its profiles and edits arrived in.

    A derived need no one has acted on (no referral, no intervention) that the current
    profile no longer derives, or derives otherwise (another severity or department), is
    superseded; each need the profile derives that is not open yet is identified. A need a
    person identified or acted on stands: it is theirs, not the rule's.

    ``flags``: the profile's as of ``occurred_at``'s day, if the caller has them already
    (used only when the needs are derived as of that day).
    """
    basis = household.profile_at or occurred_at
    as_of = basis.date()
    if as_of != occurred_at.date():
        flags = None
    wanted = {(str(n.category), n.member_id): n for n in derive_needs(profile, as_of, flags)}
    for need in household.open_needs:
        if not need.untouched_derivation:
            continue
        derived = wanted.get((need.category, need.member_id))
        if derived is None or (str(derived.severity), derived.department) != (
            need.severity,
            need.department,
        ):
            household.supersede_derived_need(
                need.need_id, f"not derived as it is by the profile of {basis.date()}",
                occurred_at, actor,
            )  # fmt: skip
    stamp = basis.isoformat()  # once, not once a need (about 1 us each)
    for new in wanted.values():
        if household.has_open_need(new.category, new.member_id):
            continue
        household.identify_need(
            need_id=derived_need_id(household.id, stamp, new, set(household.needs)),
            category=str(new.category),
            severity=str(new.severity),
            department=new.department,
            occurred_at=occurred_at,
            actor=actor,
            member_id=new.member_id,
            source=NEEDS_RULE_VERSION,
            source_item=new.source_item,
            note=new.reason,
        )
