"""A target's actual value per month, from the nerve centre's daily roll-ups, in SQL.

Each target indicator (``domain.delivery.indicators``) is a daily metric of
``nerve_centre_area_daily`` (a running total of it by the month's end), or a share of two
(the month's numerator over its denominator, in percent). One statement serves the API's
reads of one target and EW-12's sweep over every target, so both see the same numbers; it
counts only days up to ``as_of`` (the month's value so far for the month ``as_of`` is in).
"""

from __future__ import annotations

from typing import Final

#: indicator -> (numerator metric, denominator metric or None for a running total); every
#: target indicator has one (tests/unit/test_delivery.py)
METRICS: Final[dict[str, tuple[str, str | None]]] = {
    "M1": ("households_profiled", None),
    "M4": ("needs_referred_14d", "needs_referable"),
    "M5": ("acknowledged_within", "acknowledged"),
    "M6": ("delivered_within", "delivered"),
    "M12": ("graduations", None),
}
_VALUES = ", ".join(
    "('{}', '{}', {})".format(code, numerator, f"'{denominator}'" if denominator else "NULL")
    for code, (numerator, denominator) in METRICS.items()
)


def actuals_sql(as_of: str, where: str = "true") -> str:
    """``(target_id, month, planned, actual)`` for every point of the targets' current
    trajectories up to the month of ``as_of`` (a bound parameter's placeholder), over the
    tables ``{targets}`` and ``{area_daily}`` (format fields); ``where`` filters targets ``t``.
    ``actual`` is NULL for a share whose denominator is 0 that month."""
    return f"""
SELECT t.target_id, p.month, p.planned,
       CASE WHEN m.denominator IS NULL THEN a.num
            WHEN a.den > 0 THEN round((100.0 * a.num / a.den)::numeric, 2)::float8 END AS actual
FROM {{targets}} t
JOIN (VALUES {_VALUES}) m (indicator, numerator, denominator) ON m.indicator = t.indicator
CROSS JOIN LATERAL (
    SELECT (e->>'month')::date AS month, (e->>'value')::float8 AS planned
    FROM jsonb_array_elements(t.points) e) p
CROSS JOIN LATERAL (
    SELECT coalesce(sum(d.value) FILTER (WHERE d.metric = m.numerator), 0)::float8 AS num,
           coalesce(sum(d.value) FILTER (WHERE d.metric = m.denominator), 0)::float8 AS den
    FROM {{area_daily}} d
    WHERE d.level = t.level AND d.code = t.code
      AND d.metric IN (m.numerator, m.denominator)
      AND d.day < (p.month + interval '1 month')::date AND d.day <= {as_of}::date
      AND (m.denominator IS NULL OR d.day >= p.month)) a
WHERE p.month <= {as_of}::date AND ({where})
"""
