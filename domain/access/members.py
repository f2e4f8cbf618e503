"""A task team's own members run its routine: the users seated in a team (linked to a seat)
may do what the team does, wherever their scopes are, besides the analysts of its area.

What a member may do is this table, by kind; the application hands the policy the team's
linked users (``TaskTeam.users``), the policy decides.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from domain.access.principal import Principal

#: What a seated member of the owning team may do to each kind (reading them included, at
#: the command level: the views' lists stay scoped by area).
MEMBER_ACTIONS: Final[dict[str, frozenset[str]]] = {
    "taskteam": frozenset({"read", "meeting", "action_item"}),
    "priority": frozenset({"read", "define", "note"}),
    "target": frozenset({"read", "set", "revise", "rate", "chain"}),
    "stocktake": frozenset({"read", "hold", "action"}),
    "solution": frozenset({"read", "agree", "report"}),
}


def member_may(principal: Principal, action: str, team_users: Collection[str]) -> bool:
    """Whether ``principal``, if one of the owning team's seated users, may do ``action``."""
    kind, _, verb = action.partition(".")
    return principal.username in team_users and verb in MEMBER_ACTIONS.get(kind, frozenset())
