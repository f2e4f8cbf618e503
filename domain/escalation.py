"""The escalation ladder that referrals and alerts both climb (Operation Sukuma Sakhe's structures).

A level is an int as stored in events: 1 the ward's war room, 2 the local task team (LTT),
3 the district task team (DTT), 4 the province (PTT / Office of the Premier). Escalation only
goes up, and may skip levels.
"""

from __future__ import annotations

from typing import Final

LADDER: Final = {
    1: "war room",
    2: "local task team (LTT)",
    3: "district task team (DTT)",
    4: "province (PTT / Office of the Premier)",
}
FIRST_LEVEL: Final = min(LADDER)
TOP_LEVEL: Final = max(LADDER)


def is_on_ladder(level: int) -> bool:
    """Whether ``level`` is a rung of the ladder."""
    return FIRST_LEVEL <= level <= TOP_LEVEL
