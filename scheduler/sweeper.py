"""One early-warning sweep: evaluate the rules over the views, then raise, escalate and resolve
alerts through the application's commands (never by writing alert rows).

Each rule is one statement: its matches (``Rule.matches``) beside the open alerts of that
rule, returning only the differences: subjects with no open alert (raise or reopen), open
alerts whose subject no longer matches (resolve) and, for rules whose level rises with age,
open alerts below their top level. A second sweep over unchanged views returns nothing and
changes nothing. Commands are idempotent too (deterministic alert ids), so a sweep that races
another, or reads a view that lags its own commands, changes nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from domain.alerts.application import NewAlert
from domain.alerts.model import alert_id
from domain.context import CommandContext, Written
from domain.escalation import TOP_LEVEL
from domain.sukuma import Sukuma
from projections.alerts import view as alerts
from projections.delivery import view as delivery
from projections.early_warning import view as early_warning
from projections.nerve_centre import tables as nerve_centre
from scheduler.diff import DIFF, DUE_ESCALATIONS, INCREMENTAL, diff_parameters
from scheduler.marks import Mark, Positions, SweepMarks, incremental
from scheduler.notify import AlertNotice, Notifier
from scheduler.referral_ladder import LADDER_MARK, ladder_mark, ladder_sweep
from scheduler.rules.config import RulesFile
from scheduler.rules.definitions import BY_ID, RULES, Decision, Match, Rule, raised_level
from scheduler.summary import Summary

log = logging.getLogger(__name__)

ACTOR = "system:scheduler"
SWEEP_LOCK_KEY = 0x5355_4B41  # one scheduler acts at a time across replicas


class SweepStopped(Exception):
    """The process is stopping: the sweep ends after the subject in hand."""


def _scope(row: dict[str, Any]) -> dict[str, str | None]:
    return {k: row[k] for k in ("ward_id", "municipality", "district", "department")}


class Sweeper:
    """Sweeps for one application; across processes one sweep at a time (advisory lock)."""

    def __init__(
        self,
        application: Sukuma,
        config: RulesFile,
        clock: Callable[[], datetime],
        notifier: Notifier | None = None,
    ) -> None:
        self.app = application
        self.config = config
        self.clock = clock
        self.notifier = notifier
        self.datastore: PostgresDatastore = application.factory.datastore  # type: ignore[attr-defined]
        self.stopping = threading.Event()
        schema = self.datastore.schema
        self.marks = SweepMarks(self.datastore)
        self.tables = {
            "clocks": Identifier(schema, early_warning.CLOCKS),
            "department_days": Identifier(schema, early_warning.DEPARTMENT_DAYS),
            "need_weeks": Identifier(schema, early_warning.NEED_WEEKS),
            "alerts": Identifier(schema, alerts.ALERTS),
            "referrals": Identifier(schema, nerve_centre.REFERRALS),
            "area_daily": Identifier(schema, nerve_centre.AREA_DAILY),
            "targets": Identifier(schema, delivery.TARGETS),
            "stocktakes": Identifier(schema, delivery.STOCKTAKES),
        }

    def stop(self) -> None:
        """End a sweep in progress after the subject in hand, and run no more: the process is
        stopping and will close the application's pool. What is left is swept next time (a
        rule's mark moves only when its whole sweep was done)."""
        self.stopping.set()

    def _check(self) -> None:
        if self.stopping.is_set():
            raise SweepStopped

    def rules(self, ids: Sequence[str] = ()) -> list[Rule]:
        unknown = set(ids) - BY_ID.keys()
        if unknown:
            raise KeyError(f"unknown rule(s): {', '.join(sorted(unknown))}")
        return [
            r
            for r in RULES
            if (not ids or r.id in ids)
            and r.id in self.config.rules
            and self.config.rules[r.id].enabled
        ]

    def run(self, ids: Sequence[str] = (), *, full: bool = False) -> Summary:
        """Sweep the rules (all, or those named), unless another scheduler is sweeping.

        ``full`` compares every match with every open alert, and checks every overdue
        referral's level, even where the last sweep's marks would allow an incremental sweep (a
        periodic reconciliation, or after a restore).
        """
        rules = self.rules(ids)
        with self._lock() as acquired:
            if not acquired:
                log.info("another scheduler holds the sweep lock: skipping this sweep")
                return Summary(skipped=True)
            now = self.clock()
            summary = Summary()
            notices: list[AlertNotice] = []
            marks, views, done = self.marks.load(), self.marks.positions(), []
            for rule in rules:
                started = time.perf_counter()
                try:
                    self._check()
                    mark = marks.get(rule.id)
                    done.append(self._evaluate(rule, now, mark, full, views, summary, notices))
                except SweepStopped:
                    break
                except Exception:  # one broken rule never stops the others
                    log.exception("rule %s failed", rule.id)
                    summary.failed[rule.id] += 1
                summary.seconds[rule.id] = time.perf_counter() - started
            self.marks.save(done)
            if not ids and not self.stopping.is_set():
                started = time.perf_counter()
                self._escalate(now, summary, notices)
                summary.seconds["escalation"] = time.perf_counter() - started
                started = time.perf_counter()
                self._escalate_referrals(now, summary, full=full)
                summary.seconds["referrals"] = time.perf_counter() - started
            summary.stopped = self.stopping.is_set()
        if self.notifier is not None and notices:
            self.notifier.send(notices)  # in the background: a failing endpoint never blocks
        return summary

    @contextmanager
    def _lock(self) -> Iterator[bool]:
        kwargs = cast("dict[str, Any]", self.datastore.pool.kwargs)
        with psycopg.Connection.connect(**kwargs, autocommit=True) as conn:
            # The pool's connections return dict rows.
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s) AS acquired", (SWEEP_LOCK_KEY,)
            ).fetchone()
            acquired = bool(row and cast("dict[str, Any]", row)["acquired"])
            try:
                yield acquired
            finally:
                if acquired:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (SWEEP_LOCK_KEY,))

    def _query(self, template: str, params: dict[str, Any], **parts: Any) -> list[dict[str, Any]]:
        query: Composed = SQL(template).format(**self.tables, **parts)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return [dict(row) for row in curs.fetchall()]

    def _evaluate(
        self,
        rule: Rule,
        now: datetime,
        mark: Mark | None,
        full: bool,
        views: Positions,
        summary: Summary,
        notices: list[AlertNotice],
    ) -> Mark:
        """Sweep one rule; returns its new mark."""
        cfg = self.config.rules[rule.id]
        params = diff_parameters(rule, now, cfg)
        caught_up = mark is None or views.alerts >= mark.commands_position
        if (
            rule.clock
            and not full
            and mark
            and incremental(mark, cfg.version, params["cutoff"], views)
        ):
            template = INCREMENTAL
            params.update(
                kind=rule.clock,
                last_position=mark.position,
                last_cutoff=mark.cutoff,
                last_rise_cutoff=mark.rise_cutoff,
            )
        else:
            template = DIFF
        matches = SQL(rule.matches).format(**self.tables)
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        ladder = self.config.escalation.ladder
        commands = mark.commands_position if mark else 0
        rows = self._query(template, params, matches=matches)
        new: list[tuple[NewAlert, AlertNotice]] = []
        clear: list[UUID] = []
        for row in rows:
            self._check()
            try:
                if row["action"] == "resolve":
                    clear.append(row["alert_id"])
                    continue
                match = Match(row["subject"], row["since"], row["param"], _scope(row), row["facts"])
                decision = rule.decide(match, now, cfg)
                if row["alert_id"] is None or row["status"] == "resolved":
                    # raised now: at the level the situation's age has already reached
                    level = raised_level(rule, match, decision, now, cfg, ladder)
                    decision = replace(decision, level=level)
                if row["alert_id"] is None:  # the common case: batched below
                    new.append(
                        (
                            NewAlert(
                                rule.id,
                                cfg.version,
                                match.subject,
                                decision.level,
                                decision.evidence,
                                match.scope,
                                match.since,
                            ),
                            AlertNotice(
                                "raised",
                                alert_id(rule.id, match.subject),
                                rule.id,
                                match.subject,
                                decision.level,
                                match.scope,
                                decision.evidence,
                            ),
                        )
                    )
                    continue
                written = self._raise_or_rise(
                    rule, cfg.version, row, match, decision, ctx, summary, notices
                )
                commands = max(commands, written.position or 0)
            except Exception:  # one bad subject never stops the sweep
                log.exception("rule %s, subject %s", rule.id, row["subject"])
                summary.failed[rule.id] += 1
        for written, (_, notice) in zip(
            self.app.raise_alerts([n for n, _ in new], ctx), new, strict=True
        ):
            if written.position is not None:
                summary.raised[rule.id] += 1
                notices.append(notice)
                commands = max(commands, written.position)
        for written in self.app.clear_alerts(
            clear, cfg.version, {"cleared_at": now.isoformat()}, ctx
        ):
            summary.resolved[rule.id] += written.position is not None
            commands = max(commands, written.position or 0)
        # Only a sweep that saw every earlier command's alert may move the mark on.
        keep = mark if mark and not caught_up else None
        return Mark(
            rule.id,
            keep.version if keep else cfg.version,
            keep.cutoff if keep else params["cutoff"],
            keep.rise_cutoff if keep else params["rise_cutoff"],
            keep.position if keep else views.early_warning,
            commands,
        )

    def _raise_or_rise(
        self,
        rule: Rule,
        version: str,
        row: dict[str, Any],
        match: Match,
        decision: Decision,
        ctx: CommandContext,
        summary: Summary,
        notices: list[AlertNotice],
    ) -> Written:
        is_open = row["alert_id"] is not None and row["status"] != "resolved"
        if is_open and decision.level > row["level"]:
            kind, counter = "escalated", summary.escalated
            written = self.app.escalate_alert(
                aid=row["alert_id"],
                from_level=row["level"],
                to_level=decision.level,
                reason=(
                    f"{rule.title}: the situation has lasted {decision.evidence.get('days')} days"
                ),
                ctx=ctx,
            )
        elif not is_open:
            kind, counter = "raised", summary.raised
            written = self.app.raise_alert(
                rule=rule.id,
                rule_version=version,
                subject=match.subject,
                level=decision.level,
                evidence=decision.evidence,
                scope=match.scope,
                since=match.since,
                ctx=ctx,
            )
        else:
            return Written(row["alert_id"], 0, None)
        if written.position is not None:  # None: nothing changed (another sweep did it)
            counter[rule.id] += 1
            notices.append(
                AlertNotice(
                    kind,
                    written.id,
                    rule.id,
                    match.subject,
                    decision.level,
                    match.scope,
                    decision.evidence,
                )
            )
        return written

    def _escalate(self, now: datetime, summary: Summary, notices: list[AlertNotice]) -> None:
        """Unacknowledged alerts move up a level after the configured days at their level."""
        after = self.config.escalation.after_days
        ladder = self.config.escalation.ladder
        params = {f"due_{n}": now - ladder.age_at(n + 1, start=n) for n in range(1, TOP_LEVEL)}
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        for row in self._query(DUE_ESCALATIONS, params):
            if self.stopping.is_set():
                return
            level = row["level"]
            try:
                written = self.app.escalate_alert(
                    aid=row["alert_id"],
                    from_level=level,
                    to_level=level + 1,
                    reason=f"unacknowledged for {after[level - 1]:g} days at level {level}",
                    ctx=ctx,
                )
            except Exception:
                log.exception("escalating alert %s", row["alert_id"])
                summary.failed["escalation"] += 1
                continue
            if written.position is not None:
                summary.escalated["escalation"] += 1
                notices.append(
                    AlertNotice(
                        "escalated",
                        written.id,
                        row["rule"],
                        row["subject"],
                        level + 1,
                        _scope(row),
                        row["evidence"],
                    )
                )

    def _escalate_referrals(self, now: datetime, summary: Summary, *, full: bool = False) -> None:
        """Overdue referrals climb to the level their delay has reached (one event per level):
        after a first whole pass, only those changed or crossing a level since the ladder's
        mark. The mark moves only when a whole pass issued every command it found, so the
        next covers a failed or stopped one's window again."""
        ladder = self.config.escalation.ladder
        views = self.marks.positions()
        # A clock whose referral row the nerve centre had not written yet is looked at again.
        seen = min(views.early_warning, views.nerve_centre)
        mark = self.marks.load().get(LADDER_MARK)
        template, params = ladder_sweep(ladder, now, mark, seen, full=full)
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        commands, whole = 0, True
        for row in self._query(template, params):
            if self.stopping.is_set():
                return
            try:
                written = self.app.follow_escalation_ladder(UUID(row["referral_id"]), ladder, ctx)
            except Exception:  # one bad referral never stops the others
                log.exception("escalating referral %s", row["referral_id"])
                summary.failed["referrals"] += 1
                whole = False
                continue
            summary.escalated["referrals"] += written.position is not None
            commands = max(commands, written.position or 0)
        if whole:
            self.marks.save([ladder_mark(ladder, now, seen, commands)])
