"""Overdue referrals climb the escalation ladder by themselves: the statements that find them.

The early-warning clocks of EW-01 and EW-02 say since when each referral has been past its
standard (``ack_by`` while made, ``deliver_by`` while acknowledged: ``domain.escalation.
overdue_from``); the nerve centre's referral rows hold each one's escalation level. Only the
referrals whose delay has reached a level above their own come back; the sweep then issues
``follow_escalation_ladder``, and the referral itself decides from its own events, so a view
that lags, a repeated sweep or a second scheduler changes nothing twice.

``BEHIND_THE_LADDER`` checks every overdue referral (the first sweep, the full
reconciliation). After it, the ladder's mark (``LADDER_MARK``) says where the last whole pass
left off, and ``CHANGED_BEHIND_THE_LADDER`` looks only at the clocks that can have fallen
behind since: those changed since the mark's position, and those whose delay crossed a
level's age since the mark's ``now``. A referral that was at its level then, and whose clock
has not changed, is still at it unless its delay crossed a level.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.escalation import FIRST_LEVEL, TOP_LEVEL, Ladder
from scheduler.marks import Mark

#: The clocks of a referral past its standard (the kinds ``referral_clocks`` writes).
OVERDUE_KINDS = ("referral_unacknowledged", "referral_undelivered")
#: The ladder's row in ``alert_sweep_marks`` (beside the rules').
LADDER_MARK = "referral-ladder"
_LEVELS = range(FIRST_LEVEL, TOP_LEVEL + 1)

_LEVEL_BY_DELAY = (
    "CASE "
    + " ".join(
        f"WHEN c.since <= %(reached_{level})s THEN {level}"
        for level in range(TOP_LEVEL, FIRST_LEVEL, -1)
    )
    + f" ELSE {FIRST_LEVEL} END"
)

_BEHIND = f"""
SELECT c.subject AS referral_id, r.escalation_level, {_LEVEL_BY_DELAY} AS reached
FROM {{clocks}} c JOIN {{referrals}} r ON r.referral_id = c.subject::uuid
WHERE c.kind = ANY(%(kinds)s) AND c.active AND c.since <= %(reached_{FIRST_LEVEL})s
  AND r.escalation_level < {_LEVEL_BY_DELAY}
"""

BEHIND_THE_LADDER = _BEHIND + "ORDER BY c.since\n"

# Changed since the mark, or crossed level n's age since: one index range each
# (early_warning_clocks_position, early_warning_clocks_since).
CHANGED_BEHIND_THE_LADDER = (
    _BEHIND
    + "  AND (c.position > %(last_position)s"
    + "".join(
        f"\n       OR (c.since > %(last_reached_{level})s AND c.since <= %(reached_{level})s)"
        for level in _LEVELS
    )
    + ")\nORDER BY c.since\n"
)


def ladder_parameters(ladder: Ladder, now: datetime) -> dict[str, Any]:
    """``reached_<n>``: a referral overdue since then or earlier has reached level ``n``."""
    return {
        "kinds": list(OVERDUE_KINDS),
        **{f"reached_{level}": now - ladder.age_at(level) for level in _LEVELS},
    }


def ladder_version(ladder: Ladder) -> str:
    """The fingerprint of what the ladder's sweep decides by: another means a full pass."""
    return "days_at_level=" + ",".join(repr(d) for d in ladder.days_at_level)


def ladder_sweep(
    ladder: Ladder, now: datetime, mark: Mark | None, position: int, *, full: bool = False
) -> tuple[str, dict[str, Any]]:
    """The statement and parameters of a ladder pass at ``now``, with the views seen up to
    ``position``: only what changed or crossed a level since ``mark``, if it is usable (the
    same ladder, neither the clock nor the views gone back since), else every overdue
    referral."""
    params = ladder_parameters(ladder, now)
    usable = (
        mark is not None
        and mark.version == ladder_version(ladder)
        and mark.cutoff <= now
        and mark.position <= position
    )
    if full or mark is None or not usable:
        return BEHIND_THE_LADDER, params
    last = ladder_parameters(ladder, mark.cutoff)
    params["last_position"] = mark.position
    params.update({f"last_{k}": v for k, v in last.items() if k.startswith("reached_")})
    return CHANGED_BEHIND_THE_LADDER, params


def ladder_mark(ladder: Ladder, now: datetime, position: int, commands: int) -> Mark:
    """Where a whole pass at ``now`` over the views seen up to ``position`` left off."""
    return Mark(LADDER_MARK, ladder_version(ladder), now, now, position, commands)
