"""Event handlers of the alerts projection: each Alert event updates its row and its history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from psycopg.types.json import Jsonb

from domain.alerts.model import AUTOMATIC_REASON, Alert, AlertStatus
from domain.personal_data import WITHHELD
from projections.alerts.view import AlertsView
from projections.base import BufferedProjection

CACHE_LIMIT = 100_000


class AlertsProjection(BufferedProjection):
    name = "alerts"

    def __init__(self, view: AlertsView) -> None:
        super().__init__(view)
        self.av: AlertsView = view
        self.cache: dict[UUID, dict[str, Any]] = {}

    def prefetch(self, events: Sequence[Any]) -> None:
        wanted = {
            e.originator_id
            for e in events
            if isinstance(e, Alert.Event) and e.originator_version > 1
        }
        self.cache.update(self.av.load_alerts(wanted - self.cache.keys()))

    def forget(self) -> None:
        self.cache.clear()

    def cache_full(self) -> bool:
        return len(self.cache) > CACHE_LIMIT

    def _record(self, e: Any, detail: dict[str, Any], **changes: Any) -> None:
        row = self.cache.get(e.originator_id)
        if row is None:
            return
        row.update(changes, position=self.position)
        self.av.alerts[e.originator_id] = row
        event_type = type(e).__qualname__.split(".")[-1]
        self.av.events.append(
            (
                e.originator_id,
                e.originator_version,
                event_type,
                e.occurred_at,
                e.actor,
                Jsonb(detail),
                e.timestamp,  # recorded: kept apart from the event's row (event_times)
            )
        )

    @singledispatchmethod
    def handle(self, domain_event: Any) -> None:
        """Other events only advance the position."""

    @handle.register
    def _(self, e: Alert.Raised) -> None:
        self.cache[e.originator_id] = {
            "alert_id": e.originator_id,
            "rule": e.rule,
            "rule_version": e.rule_version,
            "subject": e.subject,
            "level": e.level,
            "status": AlertStatus.OPEN,
            "episode": 1,
            "ward_id": e.scope.get("ward_id"),
            "municipality": e.scope.get("municipality"),
            "district": e.scope.get("district"),
            "department": e.scope.get("department"),
            "evidence": e.evidence,
            "raised_at": e.occurred_at,
            "level_since": e.occurred_at,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "resolved_at": None,
            "resolved_by": None,
            "resolution": None,
            "resolved_automatically": False,
        }
        self._record(e, {"rule_version": e.rule_version, "level": e.level, "evidence": e.evidence})

    @handle.register
    def _(self, e: Alert.Acknowledged) -> None:
        self._record(
            e,
            # The note is sealed (and old ones personal all the same): only that there is one.
            {"note": None if e.note is None else WITHHELD},
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_at=e.occurred_at,
            acknowledged_by=e.actor,
        )

    @handle.register
    def _(self, e: Alert.Escalated) -> None:
        self._record(
            e,
            {"from_level": e.from_level, "to_level": e.to_level, "reason": e.reason},
            level=e.to_level,
            level_since=e.occurred_at,
        )

    @handle.register
    def _(self, e: Alert.Resolved) -> None:
        # A person's reason is sealed (and old ones personal all the same): only that there is one.
        reason = AUTOMATIC_REASON if e.automatic else WITHHELD
        self._record(
            e,
            {"automatic": e.automatic, "reason": reason, "evidence": e.evidence},
            status=AlertStatus.RESOLVED,
            resolved_at=e.occurred_at,
            resolved_by=e.actor,
            resolution=reason,
            resolved_automatically=e.automatic,
        )

    @handle.register
    def _(self, e: Alert.Reopened) -> None:
        self._record(
            e,
            {
                "episode": e.episode,
                "rule_version": e.rule_version,
                "level": e.level,
                "evidence": e.evidence,
            },
            status=AlertStatus.OPEN,
            episode=e.episode,
            level=e.level,
            rule_version=e.rule_version,
            evidence=e.evidence,
            raised_at=e.occurred_at,
            level_since=e.occurred_at,
            acknowledged_at=None,
            acknowledged_by=None,
            resolved_at=None,
            resolved_by=None,
            resolution=None,
            resolved_automatically=False,
        )
