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
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from domain.alerts.model import TOP_LEVEL
from domain.application import Sukuma
from domain.context import CommandContext
from projections.rules.config import RulesFile
from projections.rules.definitions import BY_ID, RULES, Decision, Match, Rule, parameters
from scheduler.notify import AlertNotice, Notifier

log = logging.getLogger(__name__)

ACTOR = "system:scheduler"
SWEEP_LOCK_KEY = 0x5355_4B41  # one scheduler acts at a time across replicas

DIFF = """
WITH m AS MATERIALIZED ({matches})
SELECT 'raise' AS action, m.subject, m.since, m.param, m.ward_id, m.municipality, m.district,
       m.department, m.facts, a.alert_id, a.level, a.status
FROM m LEFT JOIN {alerts} a ON a.rule = %(rule)s AND a.subject = m.subject
WHERE a.alert_id IS NULL
   OR (a.status = 'resolved' AND (a.resolved_automatically OR a.resolved_at < m.since))
   OR (%(rises)s AND a.status <> 'resolved' AND a.level < %(top)s)
UNION ALL
SELECT 'resolve', a.subject, NULL, NULL, a.ward_id, a.municipality, a.district, a.department,
       a.evidence, a.alert_id, a.level, a.status
FROM {alerts} a
WHERE a.rule = %(rule)s AND a.status <> 'resolved'
  AND NOT EXISTS (SELECT 1 FROM m WHERE m.subject = a.subject)
"""

DUE_ESCALATIONS = """
SELECT alert_id, rule, subject, level, ward_id, municipality, district, department, evidence
FROM {alerts}
WHERE status = 'open' AND level < %(top)s AND level_since <= %(earliest)s
  AND level_since + make_interval(secs => (%(after)s::float8[])[level] * 86400) <= %(now)s
"""


@dataclass
class Summary:
    """What a sweep did, per rule (escalations by schedule under ``escalation``)."""

    raised: Counter[str] = field(default_factory=Counter)
    escalated: Counter[str] = field(default_factory=Counter)
    resolved: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    skipped: bool = False

    def total(self) -> dict[str, int]:
        return {
            "raised": self.raised.total(),
            "escalated": self.escalated.total(),
            "resolved": self.resolved.total(),
            "failed": self.failed.total(),
        }


def _scope(row: dict[str, Any]) -> dict[str, str | None]:
    return {k: row[k] for k in ("ward_id", "municipality", "district", "department")}


class Sweeper:
    """Runs sweeps for one application; thread-safe only one sweep at a time (lock)."""

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
        schema = self.datastore.schema
        self.tables = {
            "clocks": Identifier(schema, "early_warning_clocks"),
            "department_days": Identifier(schema, "early_warning_department_days"),
            "need_days": Identifier(schema, "early_warning_need_days"),
            "alerts": Identifier(schema, "alerts_alerts"),
        }

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

    def run(self, ids: Sequence[str] = ()) -> Summary:
        """Sweep the rules (all, or those named), unless another scheduler is sweeping."""
        rules = self.rules(ids)
        with self._lock() as acquired:
            if not acquired:
                log.info("another scheduler holds the sweep lock: skipping this sweep")
                return Summary(skipped=True)
            now = self.clock()
            summary = Summary()
            notices: list[AlertNotice] = []
            for rule in rules:
                try:
                    self._evaluate(rule, now, summary, notices)
                except Exception:  # one broken rule never stops the others
                    log.exception("rule %s failed", rule.id)
                    summary.failed[rule.id] += 1
            if not ids:
                self._escalate(now, summary, notices)
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
        self, rule: Rule, now: datetime, summary: Summary, notices: list[AlertNotice]
    ) -> None:
        cfg = self.config.rules[rule.id]
        params = {
            **parameters(rule, now, cfg),
            "rule": rule.id,
            "rises": rule.rises,
            "top": cfg.high_level or cfg.level,
        }
        matches = SQL(rule.matches).format(**self.tables)
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        for row in self._query(DIFF, params, matches=matches):
            try:
                if row["action"] == "resolve":
                    self.app.clear_alert(
                        row["alert_id"], cfg.version, {"cleared_at": now.isoformat()}, ctx
                    )
                    summary.resolved[rule.id] += 1
                    continue
                match = Match(row["subject"], row["since"], row["param"], _scope(row), row["facts"])
                decision = rule.decide(match, now, cfg)
                self._raise_or_rise(rule, cfg.version, row, match, decision, ctx, summary, notices)
            except Exception:  # one bad subject never stops the sweep
                log.exception("rule %s, subject %s", rule.id, row["subject"])
                summary.failed[rule.id] += 1

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
    ) -> None:
        is_open = row["alert_id"] is not None and row["status"] != "resolved"
        if is_open and decision.level > row["level"]:
            kind, counter = "escalated", summary.escalated
            written = self.app.escalate_alert(
                row["alert_id"],
                row["level"],
                decision.level,
                f"{rule.title}: the situation has lasted {decision.evidence.get('days')} days",
                ctx,
            )
        elif not is_open:
            kind, counter = "raised", summary.raised
            written = self.app.raise_alert(
                rule.id,
                version,
                match.subject,
                decision.level,
                decision.evidence,
                match.scope,
                match.since,
                ctx,
            )
        else:
            return
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

    def _escalate(self, now: datetime, summary: Summary, notices: list[AlertNotice]) -> None:
        """Unacknowledged alerts move up a level after the configured days at their level."""
        after = self.config.escalation.after_days
        params = {
            "top": TOP_LEVEL,
            "after": after,
            "now": now,
            "earliest": now - timedelta(days=min(after)),
        }
        ctx = CommandContext(actor=ACTOR, occurred_at=now)
        for row in self._query(DUE_ESCALATIONS, params):
            level = row["level"]
            try:
                written = self.app.escalate_alert(
                    row["alert_id"],
                    level,
                    level + 1,
                    f"unacknowledged for {after[level - 1]:g} days at level {level}",
                    ctx,
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
