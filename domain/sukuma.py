"""The Sukuma application: every context's commands over one event store and one log."""

from __future__ import annotations

from domain.alerts.application import AlertCommands
from domain.delivery.application import DeliveryCommands
from domain.delivery.solution_commands import SolutionCommands
from domain.delivery.stocktake_commands import StocktakeCommands
from domain.delivery.team_commands import TaskTeamCommands
from domain.devices.application import DeviceCommands
from domain.duplicates.application import DuplicateCommands
from domain.fieldworkers.application import FieldWorkerCommands
from domain.households.handover import CaseloadCommands
from domain.households.privacy import PrivacyCommands
from domain.imports.application import ImportCommands
from domain.reference.application import ReferenceCommands
from domain.referrals.application import ReferralCommands
from domain.referrals.feedback_app import FeedbackCommands
from domain.submissions.application import SubmissionCommands
from domain.users.application import UserCommands
from domain.warrooms.application import WarRoomCommands


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

    name = "sukuma"
