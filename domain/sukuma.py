"""The Sukuma application: every context's commands over one event store and one log."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.persistence import JSONTranscoder

from domain import LOG_NAME
from domain.alerts.application import AlertCommands
from domain.application import replay
from domain.bodies import ActionItem, Meeting, Member
from domain.delivery.application import DeliveryCommands
from domain.delivery.solution_commands import SolutionCommands
from domain.delivery.stocktake_commands import StocktakeCommands
from domain.delivery.taskteam import TaskTeam
from domain.delivery.team_commands import TaskTeamCommands
from domain.devices.application import DeviceCommands
from domain.duplicates.application import DuplicateCommands
from domain.fieldworkers.application import FieldWorkerCommands
from domain.households.handover import CaseloadCommands
from domain.households.model import Household
from domain.households.privacy import PrivacyCommands
from domain.households.records import Intervention, Need, Visit
from domain.imports.application import ImportCommands
from domain.reference.application import ReferenceCommands
from domain.referrals.application import ReferralCommands
from domain.referrals.feedback_app import FeedbackCommands
from domain.referrals.model import Referral
from domain.snapshots import SNAPSHOT_INTERVAL, RecordAsDict
from domain.submissions.application import SubmissionCommands
from domain.users.application import UserCommands
from domain.warrooms.application import WarRoomCommands
from domain.warrooms.model import ImbizoQuestion, WarRoom

#: The aggregates whose histories grow as long as a case runs (visits, escalations, meetings).
SNAPSHOTTED: tuple[type[Any], ...] = (Household, Referral, WarRoom, TaskTeam)
#: The dataclasses their states hold.
RECORDS = (Need, Intervention, Visit, Member, ActionItem, Meeting, ImbizoQuestion)


class Sukuma(
    FeedbackCommands,
    ReferralCommands,
    CaseloadCommands,
    PrivacyCommands,
    ImportCommands,
    DuplicateCommands,
    WarRoomCommands,
    FieldWorkerCommands,
    UserCommands,
    AlertCommands,
    ReferenceCommands,
    DeviceCommands,
    SubmissionCommands,
    DeliveryCommands,
    TaskTeamCommands,
    StocktakeCommands,
    SolutionCommands,
):
    """One application (one notification log) so a saga's aggregates save in one transaction."""

    name = LOG_NAME  # set on each class: the library names a subclass after itself

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        SNAPSHOTTED, SNAPSHOT_INTERVAL
    )
    snapshotting_projectors: ClassVar[dict[type[Any], Any]] = dict.fromkeys(SNAPSHOTTED, replay)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for record in RECORDS:
            transcoder.register(RecordAsDict(record))
