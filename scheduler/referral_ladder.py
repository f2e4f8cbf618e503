"""Overdue referrals climb the escalation ladder by themselves: the statement that finds them.

The early-warning clocks of EW-01 and EW-02 say since when each referral has been past its
standard (``ack_by`` while made, ``deliver_by`` while acknowledged: ``domain.escalation.
overdue_from``); the nerve centre's referral rows hold each one's escalation level. Only the
referrals whose delay has reached a level above their own come back (one index range over
the clocks); the sweep then issues ``follow_escalation_ladder``, and the referral itself
decides from its own events, so a view that lags, a repeated sweep or a second scheduler
changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.escalation import FIRST_LEVEL, TOP_LEVEL, Ladder

#: The clocks of a referral past its standard (the kinds ``referral_clocks`` writes).
OVERDUE_KINDS = ("referral_unacknowledged", "referral_undelivered")

_LEVEL_BY_DELAY = (
    "CASE "
    + " ".join(
        f"WHEN c.since <= %(reached_{level})s THEN {level}"
        for level in range(TOP_LEVEL, FIRST_LEVEL, -1)
    )
    + f" ELSE {FIRST_LEVEL} END"
)

BEHIND_THE_LADDER = f"""
SELECT c.subject AS referral_id, r.escalation_level, {_LEVEL_BY_DELAY} AS reached
FROM {{clocks}} c JOIN {{referrals}} r ON r.referral_id = c.subject::uuid
WHERE c.kind = ANY(%(kinds)s) AND c.active AND c.since <= %(reached_{FIRST_LEVEL})s
  AND r.escalation_level < {_LEVEL_BY_DELAY}
ORDER BY c.since
"""


def ladder_parameters(ladder: Ladder, now: datetime) -> dict[str, Any]:
    """``reached_<n>``: a referral overdue since then or earlier has reached level ``n``."""
    return {
        "kinds": list(OVERDUE_KINDS),
        **{
            f"reached_{level}": now - ladder.age_at(level)
            for level in range(FIRST_LEVEL, TOP_LEVEL + 1)
        },
    }
