"""What each role may do to each kind of object it sees: the one table of permissions."""

from __future__ import annotations

from typing import Final

from domain.access.principal import Role

# Kinds that are not placed in a ward: only an administrator sees them, wherever they are.
ADMIN_KINDS: Final = frozenset({"user", "fieldworker", "audit", "servicecatalogue", "device"})
# Kinds a department officer sees only when addressed to one of its departments.
DEPARTMENT_KINDS: Final = frozenset({"referral", "alert"})

ALERT_RESPONSE: Final = frozenset({"read", "acknowledge", "resolve"})
#: A task team, its priorities and targets, read by the war rooms and departments in its area.
DELIVERY_READ: Final = {
    "priority": frozenset({"read"}),
    "target": frozenset({"read"}),
    "taskteam": frozenset({"read"}),
    "stocktake": frozenset({"read"}),
    "solution": frozenset({"read"}),
}

#: The kind of the aggregated views of an area: dashboards, indicators, trends, the needs heat
#: map and the department league table. They hold figures, no object (no case, no person), so
#: a role may read them without reading the objects counted. A view that lists objects is read
#: as their kind instead (field-worker activity: ``fieldworker``), see ``sees_area``.
AREA_VIEW: Final = "area_view"

# What each role may do to the kinds it sees ("read" makes the kind visible to the role).
PERMISSIONS: Final[dict[Role, dict[str, frozenset[str]]]] = {
    Role.FIELD_WORKER: {
        # "consent": record and withdraw it, since field workers capture it at the door.
        "household": frozenset({"read", "register", "profile", "need", "visit", "consent"}),
        "referral": frozenset({"read", "verify", "dispute"}),
        "warroom": frozenset({"read"}),
        "fieldworker": frozenset({"read"}),
        "alert": frozenset({"read"}),
        AREA_VIEW: frozenset({"read"}),
    },
    Role.CONVENER: {
        "household": frozenset(
            {
                "read",
                "register",
                "profile",
                "need",
                "resolve",
                "visit",
                "intervention",
                "move",
                "assign",  # to a field worker of its ward: its caseload (households.handover)
                "graduate",
                "reopen",
                "refer",
                "consent",
                "override_consent",
                "resolve_conflict",  # a contested profile field (domain.households.revisions)
                # Review a pair that may be one household twice: dismiss, merge, undo a merge
                # (on both households: domain.duplicates.application).
                "merge",
            }
        ),
        "referral": frozenset(
            {"read", "escalate", "verify", "dispute", "reopen", "close", "cancel"}
        ),
        "warroom": frozenset({"read", "establish", "member", "meeting", "action_item"}),
        "fieldworker": frozenset({"read"}),
        "alert": ALERT_RESPONSE,
        **DELIVERY_READ,
        # Solutions its war room agrees for a problem, and their progress.
        "solution": frozenset({"read", "agree", "report"}),
        AREA_VIEW: frozenset({"read"}),
        # Field-app submissions that could not be applied, in its wards: fix, or discard.
        "quarantine": frozenset({"read", "reapply", "discard"}),
    },
    Role.DEPARTMENT_OFFICER: {
        "referral": frozenset({"read", "acknowledge", "reject", "reassign", "deliver"}),
        "warroom": frozenset({"read"}),
        "alert": ALERT_RESPONSE,
        **DELIVERY_READ,
        # Its area's figures (the league table ranks its department among the others), but no
        # field worker: not their activity either.
        AREA_VIEW: frozenset({"read"}),
    },
    Role.ANALYST: {
        "household": frozenset({"read"}),
        "referral": frozenset({"read"}),
        "warroom": frozenset({"read"}),
        "fieldworker": frozenset({"read"}),
        # Responding to early warnings is the nerve centre's job (its response times are
        # measured), though it changes no case.
        "alert": ALERT_RESPONSE,
        AREA_VIEW: frozenset({"read"}),
        # The nerve centre prepares the Results and Delivery routine for its task teams:
        # priorities, targets and their trajectories, and the ratings agreed at stocktakes.
        "priority": frozenset({"read", "define", "note"}),
        "target": frozenset({"read", "set", "revise", "rate", "chain"}),
        "solution": frozenset({"read", "agree", "report"}),
        # Its task teams' secretariat: who sits, meetings, action items.
        "taskteam": frozenset({"read", "establish", "member", "meeting", "action_item"}),
        "stocktake": frozenset({"read", "hold", "action"}),
    },
    Role.ADMIN: {
        "user": frozenset(
            # "link": to the field-worker record the user works as (its caseload).
            {"read", "create", "grant", "revoke", "scope", "password", "deactivate", "link"}
        ),
        "fieldworker": frozenset({"read", "register", "assign", "deactivate"}),
        # Data-subject requests (POPIA): consent records and erasure, in the admin's area.
        "household": frozenset({"read", "consent", "erase"}),
        "audit": frozenset({"read"}),
        # Departments, NGOs and their service standards (everyone signed in reads them).
        "servicecatalogue": frozenset({"read", "change"}),
        # Who holds a war room's seats, as with field workers: seat and unseat its members.
        "warroom": frozenset({"read", "member"}),
        # App tokens of field devices (ODK Collect), each acting as one user.
        "device": frozenset({"read", "issue", "revoke"}),
        # No AREA_VIEW: an administrator runs accounts, field workers and data-subject requests,
        # not the casework an area's figures count.
    },
}
