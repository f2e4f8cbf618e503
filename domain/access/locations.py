"""Where each kind of aggregate lives, for the access policy (unknown kinds live nowhere)."""

from __future__ import annotations

from collections.abc import Mapping

from eventsourcing.domain import Aggregate

from domain.access.policy import NOWHERE, Location
from domain.alerts.model import Alert
from domain.delivery.model import Priority, Target
from domain.delivery.solution import Solution
from domain.delivery.stocktake import Stocktake
from domain.delivery.taskteam import TaskTeam
from domain.delivery.teams import team_location
from domain.fieldworkers.model import FieldWorker
from domain.households.model import Household
from domain.reference.geography import PROVINCE_CODE
from domain.referrals.model import Referral
from domain.submissions.model import Attachments, Quarantine
from domain.warrooms.model import WarRoom


def location_of(aggregate: Aggregate) -> Location:
    """An aggregate's wards (and a referral's department). A new kind with no entry here is
    placed nowhere, so only an administrator could see it: scoping fails closed."""
    if isinstance(aggregate, Household):
        return Location.ward(aggregate.ward_id)
    if isinstance(aggregate, Referral):
        return Location.ward(aggregate.ward_id, aggregate.department)
    if isinstance(aggregate, WarRoom):
        return Location.ward(aggregate.ward_id)
    if isinstance(aggregate, Alert):
        return alert_location(aggregate.scope)
    if isinstance(aggregate, Quarantine):
        return Location(frozenset(aggregate.wards))
    if isinstance(aggregate, Attachments):
        return Location.ward(aggregate.ward_id)
    if isinstance(aggregate, Priority | Target | Stocktake):
        return team_location(aggregate.team, aggregate.team_code)
    if isinstance(aggregate, Solution):  # where the war room or task team that agreed it is
        if aggregate.team is not None and aggregate.team_code is not None:
            return team_location(aggregate.team, aggregate.team_code)
        return Location.ward(aggregate.ward_id) if aggregate.ward_id else NOWHERE
    if isinstance(aggregate, TaskTeam):
        return team_location(aggregate.kind, aggregate.code)
    if isinstance(aggregate, FieldWorker):
        return Location(frozenset(aggregate.ward_ids))
    return NOWHERE


def alert_location(scope: Mapping[str, str | None]) -> Location:
    """Where an alert lives, from its scope (``ward_id``, ``municipality``, ``district``,
    ``department``): its ward if it has one, else the municipality or district it is about,
    else the province (a PTT's alert: EW-14 of its stocktakes, EW-12 of its targets, whose
    rows name no smaller area). The same for the stored alert and the notice the sweep sends
    of it: placed nowhere, no reader would see it and no subscriber hear of it."""
    ward = scope.get("ward_id")
    municipality, district = scope.get("municipality"), scope.get("district")
    return Location(
        frozenset({ward}) if ward else frozenset(),
        scope.get("department"),
        municipality=municipality,
        district=district,
        province=None if ward or municipality or district else PROVINCE_CODE,
    )
