"""The statements of a sweep: each rule's matches beside its open alerts, and due escalations.

``DIFF`` compares every match of a rule with the rule's alerts and returns only the
differences: subjects with no open alert (raise, or reopen), open alerts whose subject no
longer matches (resolve) and, for rules whose level rises with age, open alerts below their top
level whose situation is old enough to rise. ``INCREMENTAL`` does the same over only the clocks
changed since the rule's last sweep, or crossing a cutoff since then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.escalation import TOP_LEVEL
from scheduler.rules.config import RuleConfig
from scheduler.rules.definitions import Rule, parameters

DIFF = """
WITH m AS MATERIALIZED ({matches})
SELECT 'raise' AS action, m.subject, m.since, m.param, m.ward_id, m.municipality, m.district,
       m.department, m.facts, a.alert_id, a.level, a.status
FROM m LEFT JOIN {alerts} a ON a.rule = %(rule)s AND a.subject = m.subject
WHERE a.alert_id IS NULL
   OR (a.status = 'resolved' AND (a.resolved_automatically OR a.resolved_at < m.since))
   OR (%(rises)s AND a.status <> 'resolved' AND a.level < %(top)s AND m.since <= %(rise_cutoff)s)
UNION ALL
SELECT 'resolve', a.subject, NULL, NULL, a.ward_id, a.municipality, a.district, a.department,
       a.evidence, a.alert_id, a.level, a.status
FROM {alerts} a
WHERE a.rule = %(rule)s AND a.status <> 'resolved'
  AND NOT EXISTS (SELECT 1 FROM m WHERE m.subject = a.subject)
"""

# The same differences, over only the clocks changed since the last sweep (``position``) or
# whose situation crossed a cutoff since then: the steady state reads almost nothing.
INCREMENTAL = """
WITH c AS MATERIALIZED (
  SELECT subject, since, param, ward_id, municipality, district, department, facts,
         active AND since <= %(cutoff)s AS holds
  FROM {clocks}
  WHERE kind = %(kind)s
    AND (position > %(last_position)s
         OR (active AND since > %(last_cutoff)s AND since <= %(cutoff)s)
         OR (%(rises)s AND active AND since > %(last_rise_cutoff)s
             AND since <= %(rise_cutoff)s)))
SELECT 'raise' AS action, c.subject, c.since, c.param, c.ward_id, c.municipality, c.district,
       c.department, c.facts, a.alert_id, a.level, a.status
FROM c LEFT JOIN {alerts} a ON a.rule = %(rule)s AND a.subject = c.subject
WHERE c.holds AND (
      a.alert_id IS NULL
   OR (a.status = 'resolved' AND (a.resolved_automatically OR a.resolved_at < c.since))
   OR (%(rises)s AND a.status <> 'resolved' AND a.level < %(top)s
       AND c.since <= %(rise_cutoff)s))
UNION ALL
SELECT 'resolve', a.subject, NULL, NULL, a.ward_id, a.municipality, a.district, a.department,
       a.evidence, a.alert_id, a.level, a.status
FROM c JOIN {alerts} a ON a.rule = %(rule)s AND a.subject = c.subject
WHERE NOT c.holds AND a.status <> 'resolved'
"""

# One index range per level (alerts_alerts_due): only the alerts due come back.
DUE_ESCALATIONS = " UNION ALL ".join(
    "SELECT alert_id, rule, subject, level, ward_id, municipality, district, department, "
    f"evidence FROM {{alerts}} WHERE status = 'open' AND level = {level} "
    f"AND level_since <= %(due_{level})s"
    for level in range(1, TOP_LEVEL)
)


def diff_parameters(rule: Rule, now: datetime, cfg: RuleConfig) -> dict[str, Any]:
    """The bound parameters of a rule's DIFF statement."""
    return {
        **parameters(rule, now, cfg),
        "rule": rule.id,
        "rises": rule.rises,
        "top": cfg.high_level or cfg.level,
        "rise_cutoff": now - timedelta(days=cfg.high_level_after_days or 0),
    }
