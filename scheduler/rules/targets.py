"""The Results and Delivery rules.

EW-12, a target off its trajectory (oss-domain.md §8): at the end of each of the last
``min_count`` months (2) its actual value was behind the trajectory's by more than
``min_share`` (10%) of it. Level 2, or ``high_level`` (3) when the rating the last month's
gap suggests is red. It resolves once a month's end finds the target back within reach.

The actual values come from the same statement as the API's (``projections.delivery``).

EW-14, a stocktake action past its date (the manual's "overdue action item", for the task
teams' stocktakes): raised at the agreeing team's ladder level, resolved once it is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.delivery.rating import RED, proposed_rating
from domain.delivery.trajectory import add_months, month_of
from projections.delivery.actuals import actuals_sql
from scheduler.rules.config import RuleConfig

# Only complete months count: those before this month, back ``min_count`` of them.
EW_12 = f"""
SELECT t.target_id::text AS subject, %(months_from)s AS since, count(*)::int AS param,
       NULL::text AS ward_id, t.municipality, t.district, NULL::text AS department,
       jsonb_build_object('target_id', t.target_id, 'priority_id', t.priority_id,
                          'indicator', t.indicator, 'level', t.level, 'code', t.code,
                          'months', jsonb_agg(jsonb_build_object('month', a.month,
                              'planned', a.planned, 'actual', a.actual) ORDER BY a.month))
           AS facts
FROM ({actuals_sql("%(today)s", "t.due_on >= %(month_from)s")}) a
JOIN {{targets}} t USING (target_id)
WHERE a.month >= %(month_from)s AND a.month < %(this_month)s
GROUP BY t.target_id, t.priority_id, t.indicator, t.level, t.code, t.municipality, t.district
HAVING count(*) FILTER (WHERE a.actual < a.planned * (1 - %(min_share)s)) >= %(min_count)s
"""


def ew12_params(now: datetime, cfg: RuleConfig) -> dict[str, Any]:
    this_month = month_of(now.date())
    month_from = add_months(this_month, -max(cfg.min_count, 1))
    return {
        "this_month": this_month,
        "month_from": month_from,
        "months_from": datetime.combine(month_from, datetime.min.time(), now.tzinfo),
    }


def ew12_level(facts: dict[str, Any], cfg: RuleConfig) -> tuple[int, int]:
    """The level and the rating the last month's gap suggests."""
    last = facts["months"][-1]
    rating = proposed_rating(last["planned"], last["actual"], cfg.rating.thresholds)
    return (cfg.high_level or cfg.level) if rating == RED else cfg.level, rating


# A stocktake action still open the day after its date (plus the rule's days); it lands at the
# ladder level of the team that agreed it (2 LTT, 3 DTT, 4 PTT) and resolves once done.
EW_14 = """
SELECT a->>'action_id' AS subject,
       (((a->>'due_on')::date + 1)::timestamp AT TIME ZONE 'UTC') AS since,
       CASE s.team WHEN 'LTT' THEN 2 WHEN 'DTT' THEN 3 ELSE 4 END AS param,
       NULL::text AS ward_id, s.municipality, s.district, NULL::text AS department,
       jsonb_build_object('stocktake_id', s.stocktake_id, 'team', s.team,
                          'team_code', s.team_code, 'held_on', s.held_on,
                          'priority_id', a->>'priority_id', 'owner', a->>'owner',
                          'due_on', a->>'due_on') AS facts
FROM {stocktakes} s CROSS JOIN LATERAL jsonb_array_elements(s.actions) a
WHERE a->>'status' = 'open' AND (a->>'due_on')::date + %(days)s::int < %(today)s
"""
