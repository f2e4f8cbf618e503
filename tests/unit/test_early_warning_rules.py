"""Rules as pure functions over matches (no database): levels, evidence, the rules file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.rules.config import load_rules_file
from scheduler.rules.definitions import BY_ID, RULES, Match, parameters

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)  # a Monday
CONFIG = load_rules_file()
SCOPE = {"ward_id": "W", "municipality": "M", "district": "D", "department": None}


def match(days_ago: float, **facts: object) -> Match:
    return Match("s", NOW - timedelta(days=days_ago), 0, SCOPE, dict(facts))


def test_every_rule_has_a_version_and_a_start_level_in_the_rules_file() -> None:
    for rule in RULES:
        cfg = CONFIG.rules[rule.id]
        assert cfg.version and 1 <= cfg.level <= 4, rule.id
    assert CONFIG.escalation.after_days == [3, 7, 14]


def test_ew01_starts_at_level_2_for_child_protection_or_critical_severity() -> None:
    rule, cfg = BY_ID["EW-01"], CONFIG.rules["EW-01"]

    routine = rule.decide(match(2, category="social_grant", severity="high"), NOW, cfg)
    child = rule.decide(match(2, category="child_protection", severity="high"), NOW, cfg)
    critical = rule.decide(match(2, category="water", severity="critical"), NOW, cfg)

    assert (routine.level, child.level, critical.level) == (1, 2, 2)
    assert routine.evidence["days_overdue"] == 2
    assert routine.evidence["since"] == (NOW - timedelta(days=2)).isoformat()


def test_ew05_rises_to_level_3_after_30_days_and_ew08_to_level_2_after_28() -> None:
    ew05, ew08 = BY_ID["EW-05"], BY_ID["EW-08"]

    assert ew05.decide(match(20), NOW, CONFIG.rules["EW-05"]).level == 2
    assert ew05.decide(match(30), NOW, CONFIG.rules["EW-05"]).level == 3
    assert ew08.decide(match(27), NOW, CONFIG.rules["EW-08"]).level == 1
    assert ew08.decide(match(28), NOW, CONFIG.rules["EW-08"]).level == 2


def test_thresholds_are_bound_parameters_from_the_rules_file() -> None:
    cfg = CONFIG.rules["EW-03"]
    params = parameters(BY_ID["EW-03"], NOW, cfg)

    assert params["cutoff"] == NOW - timedelta(days=14)
    spike = parameters(BY_ID["EW-13"], NOW, CONFIG.rules["EW-13"])  # NOW is a Monday
    assert (spike["week"], spike["trailing_from"]) == (NOW.date(), NOW.date() - timedelta(weeks=8))
