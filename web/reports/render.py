"""A gathered report as HTML (the workspace's Jinja2 templates and catalogs, one self-contained
page: its style sheet inline, its charts as ``data:`` images) and as PDF (WeasyPrint, from the
same HTML, never fetching anything: every resource is in the page)."""

from __future__ import annotations

from collections.abc import Callable

from weasyprint import HTML, URLFetcher

from web.i18n import environment, gettext_for
from web.labels import N_
from web.nerve import INDICATORS
from web.reports import charts
from web.reports.gather import Report
from web.reports.ward import suppressed
from web.results import PROBLEM_LEVELS, RATINGS

TEMPLATES = {
    "imbizo": "report_imbizo.html",
    "meeting-pack": "report_meeting_pack.html",
    "monthly": "report_monthly.html",
    "stocktake-pack": "report_stocktake_pack.html",
    "monthly-note": "report_monthly_note.html",
}
#: The page's own content security policy: nothing but its inline style sheet and images.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

OUTCOMES = {
    None: N_("No answer yet"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "not_possible": N_("Not possible"),
}
AGENDA = {
    "attendance": N_("Welcome, attendance and apologies"),
    "action_items": N_("Matters arising: action items still open"),
    "overdue_referrals": N_("Overdue referrals"),
    "alerts": N_("Open alerts"),
    "absent_departments": N_("Departments absent from recent meetings"),
    "imbizo_questions": N_("Imbizo questions still waiting"),
    "other_business": N_("Other business and the date of the next meeting"),
}
TRENDS = {"up": N_("Up"), "down": N_("Down"), "same": N_("No change")}


#: The monthly report's charts: (title, its lines as (name, figure, from the trends' weeks or
#: the indicators' weeks), drawn as shares).
MONTHLY_CHARTS = (
    (
        N_("Referrals made and completed"),
        (("Referrals made", "referrals_made", "weeks"),
         ("Referrals completed", "referrals_completed", "weeks")),
        False,
    ),
    (
        N_("Needs identified and profiles recorded"),
        (("Needs identified", "needs", "weeks"), ("Profiles recorded", "profiles", "weeks")),
        False,
    ),
    (
        N_("Acknowledged and delivered within standard"),
        (("Acknowledged within standard", "M5_acknowledged_within_standard", "weekly"),
         ("Delivered within standard", "M6_delivered_within_standard", "weekly")),
        True,
    ),
)  # fmt: skip


def _monthly_charts(report: Report, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """Each chart as a ``data:`` image, its words in the reader's language (the lines' names
    are the trends' and indicators' own messages, translated in ``web.nerve``)."""
    weeks = report.data["weeks"]
    rows = {"weeks": weeks, "weekly": report.data["weekly"][-len(weeks) :]}
    days = [w["week_start"] for w in weeks]
    drawn = []
    for title, lines, share in MONTHLY_CHARTS:
        series = [(_(name), [r[key] for r in rows[source]]) for name, key, source in lines]
        svg = charts.weekly_lines(days, series, share=share)
        drawn.append((_(title), charts.data_uri(svg)))
    return drawn


def _trajectories(report: Report, _: Callable[[str], str]) -> dict[str, str]:
    """A stocktake pack's chart of each target (by id), as a ``data:`` image."""
    drawn = {}
    for priority in report.data["priorities"]:
        for t in priority["targets"]:
            months = t["months"]
            lines = (
                (_("Planned"), [m["planned"] for m in months]),
                (_("Actual"), [m["actual"] for m in months]),
            )
            svg = charts.trajectory([m["month"] for m in months], lines)
            drawn[str(t["target"]["target_id"])] = charts.data_uri(svg)
    return drawn


def html(report: Report, language: str) -> str:
    """The report's page in ``language``."""
    _ = gettext_for(language)
    kind = report.request.kind
    drawn = _monthly_charts(report, _) if kind == "monthly" else []
    trajectories = _trajectories(report, _) if kind == "stocktake-pack" else {}
    return (
        environment(language)
        .get_template(TEMPLATES[kind])
        .render(
            report=report,
            small=suppressed,
            outcome=lambda value: _(OUTCOMES[value]),
            agenda_item=lambda key: _(AGENDA[key]),
            trend_label=lambda key: _(TRENDS[key]),
            indicators=INDICATORS,
            charts=drawn,
            trajectories=trajectories,
            rating=lambda value: _(RATINGS[value]) if value else "—",
            problem_level=lambda value: _(PROBLEM_LEVELS[value]) if value else "—",
        )
    )


def pdf(page: str) -> bytes:
    """The page as a PDF (blocking: seconds of CPU for a long report)."""
    # Only the page's own data: images: a report fetches nothing from anywhere. A fetcher
    # per document: it keeps the request it is opening.
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    document: bytes = HTML(string=page, url_fetcher=fetcher).write_pdf()
    return document
