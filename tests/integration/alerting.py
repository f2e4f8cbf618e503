"""Driving early-warning sweeps in tests: project the log, sweep with the test's clock, read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.alerts.model import alert_id
from domain.sukuma import Sukuma
from projections.alerts.view import ALERTS
from projections.registry import open_projections
from projections.runner import BatchRunner
from scheduler.notify import Notifier
from scheduler.rules.config import RulesFile, load_rules_file
from scheduler.summary import Summary
from scheduler.sweeper import Sweeper
from tests.integration.conftest import Clock


@dataclass
class Alerting:
    app: Sukuma
    clock: Clock
    sweeper: Sweeper
    runner: BatchRunner

    def project(self) -> None:
        self.runner.run_once()

    def sweep(self, *rules: str) -> Summary:
        """Catch the views up, sweep, and project the sweep's own alert events."""
        self.project()
        summary = self.sweeper.run(rules)
        self.project()
        return summary

    def alert(self, rule: str, subject: str) -> dict[str, Any] | None:
        with self.app.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
            curs.execute(f"SELECT * FROM {ALERTS} WHERE alert_id = %s", (alert_id(rule, subject),))
            row = curs.fetchone()
            return dict(row) if row else None

    def alerts(self, rule: str) -> list[dict[str, Any]]:
        with self.app.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
            curs.execute(f"SELECT * FROM {ALERTS} WHERE rule = %s ORDER BY subject", (rule,))
            return [dict(r) for r in curs.fetchall()]


def alerting(
    app: Sukuma, clock: Clock, config: RulesFile | None = None, notifier: Notifier | None = None
) -> Alerting:
    datastore = app.factory.datastore  # type: ignore[attr-defined]
    runner = BatchRunner(app.recorder, app.name, open_projections(datastore))  # type: ignore[arg-type]
    sweeper = Sweeper(app, config or load_rules_file(), clock, notifier)
    return Alerting(app, clock, sweeper, runner)


def at_once(*steps: Callable[[], None]) -> None:
    """Run the steps in threads released together (racing replicas), and wait for them all."""
    start = threading.Barrier(len(steps))

    def run(step: Callable[[], None]) -> None:
        start.wait()
        step()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
