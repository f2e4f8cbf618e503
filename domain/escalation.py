"""The escalation ladder that referrals and alerts both climb (Operation Sukuma Sakhe's structures).

A level is an int as stored in events: 1 the ward's war room, 2 the local task team (LTT),
3 the district task team (DTT), 4 the province (PTT / Office of the Premier). Escalation only
goes up, and may skip levels.
"""

from __future__ import annotations

from typing import Final

#: Each level's short name, bottom to top.
LADDER: Final = {1: "war room", 2: "LTT", 3: "DTT", 4: "province"}
FIRST_LEVEL: Final = min(LADDER)
TOP_LEVEL: Final = max(LADDER)


def is_on_ladder(level: int) -> bool:
    """Whether ``level`` is a rung of the ladder."""
    return FIRST_LEVEL <= level <= TOP_LEVEL


def ladder_summary() -> str:
    """``1 war room, 2 LTT, 3 DTT, 4 province``: the ladder in one line, for documentation."""
    return ", ".join(f"{level} {name}" for level, name in LADDER.items())
