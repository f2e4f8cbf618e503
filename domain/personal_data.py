"""Which fields of which events are personal information (POPIA), and how to reach them.

One catalogue for every layer: the event store encrypts these paths with the household's data
key (``adapters.shredding``), erasure blanks them in the aggregate, and read shaping hides them
(``domain.access.visibility``). A path is a tuple of keys; ``[]`` steps into every item of a
list. Everything not listed (ward, needs, risk, dates, statuses) stays readable for statistics;
special personal information (health, disability, social ills) is listed like names, and
statistics read the facts counted from it when it was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from domain.profile import (
    MEMBER_PERSONAL_FIELDS,
    MEMBER_SPECIAL_FIELDS,
    PROFILE_PERSONAL_FIELDS,
    PROFILE_SPECIAL_FIELDS,
)

Path = tuple[str, ...]

#: What a personal field reads as once its household's data key is destroyed.
ERASED: Final = "[erased]"
#: What a personal field reads as to a caller who may not see it.
WITHHELD: Final = "[withheld]"

#: Free text a field worker may write about a member (names, illness, circumstances).
MEMBER_FREE_TEXT: Final = ("schooling.school_name", "schooling.reason_not_attending")


def _profile_paths(prefix: Path) -> tuple[Path, ...]:
    members = [
        (*prefix, "members", "[]", *name.split("."))
        for name in (*MEMBER_PERSONAL_FIELDS, *MEMBER_FREE_TEXT, *MEMBER_SPECIAL_FIELDS)
    ]
    household = (*PROFILE_PERSONAL_FIELDS, *PROFILE_SPECIAL_FIELDS)
    return (*members, *((*prefix, *name.split(".")) for name in household))


#: The profile's personal paths, relative to the profile itself.
PROFILE_PATHS: Final = _profile_paths(())

_NOTE: Final[tuple[Path, ...]] = (("note",),)
_REASON: Final[tuple[Path, ...]] = (("reason",),)

#: Personal paths of each event, by the event's qualified name (``Household.VisitRecorded``).
EVENT_PATHS: Final[dict[str, tuple[Path, ...]]] = {
    "Household.Registered": (("village",), ("gps",)),
    "Household.ProfileSubmitted": _profile_paths(("profile",)),
    "Household.ProfileMerged": _profile_paths(("profile",)),
    # A contested answer may be any field of the profile, so every candidate value is sealed.
    "Household.ProfileConflictRecorded": (("candidates", "[]", "value"),),
    "Household.ProfileConflictResolved": (("value",),),
    # A derived need's source item names the answer it came from ("members[1].health.pregnant").
    "Household.NeedIdentified": (("note",), ("source_item",)),
    "Household.NeedResolved": _NOTE,
    "Household.VisitRecorded": _NOTE,
    "Household.InterventionDelivered": (("description",),),
    "Household.Moved": _REASON,
    "Household.Reopened": _REASON,
    "Household.ConsentGiven": _NOTE,
    "Household.ConsentWithdrawn": _NOTE,
    "Referral.Made": (("note",), ("consent_override_reason",)),
    "Referral.Acknowledged": _NOTE,
    "Referral.Rejected": _NOTE,
    "Referral.Reassigned": _REASON,
    "Referral.Escalated": _REASON,
    "Referral.ServiceDelivered": (("description",),),
    "Referral.DeliveryVerified": _NOTE,
    "Referral.DeliveryDisputed": _REASON,
    "Referral.Reopened": _REASON,
    "Referral.Closed": _NOTE,
    "Referral.Cancelled": _REASON,
    "Referral.FeedbackGiven": (("comment",),),
    # What a field app sent: a refused form's raw XML, an applied one's files.
    "Quarantine.Quarantined": (("xml",),),
    "Quarantine.Corrected": (("xml",),),
    "Attachments.Stored": (("files", "[]", "data"),),
}

#: Free text of the war rooms (members' names, meeting notes, action items): no household's,
#: so not shaped on read (whoever may read the war room reads it) nor erased with a household,
#: but sealed at rest like personal fields, under the war room's own data key, so that a copy
#: of the database without the master key reads none of it.
FREE_TEXT_PATHS: Final[dict[str, tuple[Path, ...]]] = {
    "WarRoom.MemberJoined": (("name",),),
    "WarRoom.MemberLeft": _REASON,
    "WarRoom.MeetingHeld": (("notes",),),
    "WarRoom.ActionItemAgreed": (("text",),),
    "WarRoom.ActionItemDone": _NOTE,
    "WarRoom.ImbizoQuestionRecorded": (("question",),),
    "WarRoom.ImbizoQuestionAnswered": (("answer",),),
}

#: What people write on alerts (notes, resolution reasons: anything, names, illness): sealed
#: under a key of the alert's own, destroyed with its household's when the alert is about one
#: (a household, or one of its referrals); the alert view keeps neither, and a read shows
#: them only with pii:read.
ALERT_PATHS: Final[dict[str, tuple[Path, ...]]] = {
    "Alert.Acknowledged": _NOTE,
    "Alert.Resolved": _REASON,  # a person's (an automatic resolution records none)
}

#: Every path the event store seals, by event.
SEALED_PATHS: Final[dict[str, tuple[Path, ...]]] = {
    **EVENT_PATHS,
    **FREE_TEXT_PATHS,
    **ALERT_PATHS,
}

#: Events whose aggregate is not a household, and the field naming their household (if any).
HOUSEHOLD_LINK: Final = {
    "Referral.Made": "household_id",
    "Alert.Acknowledged": "household_id",
    "Alert.Resolved": "household_id",
    "Quarantine.Quarantined": "household_id",  # None when the form named no household
    "Attachments.Stored": "household_id",
}

#: The household's contact, which a department officer needs to act on a referral.
HEAD_CONTACT_FIELDS: Final = ("first_name", "surname", "phone")


def leaves(data: Any, path: Path) -> Iterator[tuple[Any, str | int]]:
    """Each (container, key) the path reaches in ``data`` (missing steps are skipped)."""
    if not path:
        return
    step, rest = path[0], path[1:]
    if step == "[]":
        if isinstance(data, list):
            for index, item in enumerate(data):
                if rest:
                    yield from leaves(item, rest)
                else:
                    yield data, index
        return
    if not isinstance(data, dict) or step not in data:
        return
    if rest:
        yield from leaves(data[step], rest)
    else:
        yield data, step


def replace_paths(data: Any, paths: tuple[Path, ...], new: Callable[[Any], Any]) -> None:
    """Replace, in place, every value the paths reach (``None`` stays ``None``: nothing to hide)."""
    for path in paths:
        for container, key in leaves(data, path):
            value = container[key]
            if value is not None:
                container[key] = new(value)
