"""Build a period's advisory reports: the Stuurgroep (whole coalition, with advice), the Lokale Coalitie
(the analysis, every village or wijk and school) and a core team per village or wijk (its own figures).

Each report is one rendering of one template set and one stylesheet: the email body refers to its
charts by content id, the HTML file and the PDF carry them inside, so every copy says the same. A chart
is drawn once per content and reused by every audience that shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kansenmonitor.config import AUDIENCES, Config
from kansenmonitor.dutch import months_of, period_label
from kansenmonitor.periods import Period, elapsed_share, parse_period, periods_of_school_year, programme_periods
from kansenmonitor.publication import COALITION, Coverage, PeriodPublication, coverages, report_name, slug
from kansenmonitor.safe_output import reject_line_breaks
from reports.analysis import GoalView, Readings, goal_view, indicator_view
from reports.charts import Chart, participants_chart, spending_chart, trend_chart
from reports.npo import half_year_spending, missing_pillars, spending_table
from reports.plaintext import plain_text
from reports.render import Printer, chart_url, email_html, render_html, with_data_uris, young_heap_only
from reports.scorecard import scorecard
from reports.summary import build_summary
from reports.voices import interpretations, voices
from reports.yearly import partner_progress, year_overview

SUBJECT_ENDINGS = {
    "stuurgroep": "advies voor de stuurgroep",
    "lokale_coalitie": "analyse voor de lokale coalitie",
    "kernteam": "cijfers voor het kernteam {area}",
    "jaarverslag": "jaarverslag",
    "vervolgbesluit": "verslag voor het besluit over het vervolg",
}
AUDIENCE_LABELS = {"stuurgroep": "stuurgroep", "lokale_coalitie": "lokale coalitie", "kernteam": "kernteam {area}",
                   "jaarverslag": "jaarverslag", "vervolgbesluit": "besluit over het vervolg"}
EMAIL_LIMIT = 100_000  # bytes of the HTML part; Gmail clips a message from about 102 KB
DETAIL_COLUMNS = 3  # indicators per breakdown table: more are split over the next table, never cut off
SCORECARD_COLUMNS = 4  # places or schools per scorecard table, for the same reason
TOC_FROM_ROWS = 30  # a table of contents (with page numbers, which cost WeasyPrint a second layout pass) for
# the reports that run long: this many rows of breakdown per place and school


@dataclass(frozen=True)
class Report:
    """One rendered report. `html` is the email body (charts as `cid:`); the files stand on their own."""

    audience: str
    area: str | None
    subject: str
    html: str
    text: str
    html_path: Path
    pdf_path: Path
    charts: list[Chart]
    recipients: list[str]
    sender_name: str = ""
    reply_to: tuple[str, ...] = ()
    attachment_name: str = ""

    @property
    def name(self) -> str:
        return report_name(self.audience, self.area)


def subject_for(config: Config, period: str, audience: str, area: str | None = None) -> str:
    """`Kansenmonitor Backpack Borger-Odoorn — eerste meetmoment (augustus–december 2024) — advies voor de
    stuurgroep`."""
    for what, value in (("programme name", config.programme.name), ("period", period), ("area", area or "")):
        reject_line_breaks(what, value)
    ending = SUBJECT_ENDINGS[audience].format(area=area)
    return f"Kansenmonitor {config.programme.name} — {period_label(config, parse_period(period, config))} — {ending}"


def _spending(config: Config, readings: Readings, periods: list[str], coverage: Coverage) -> Chart | None:
    """Cumulative euros per wijk against budget × elapsed time, for the wijken the report covers."""
    by_name = {p.name: p for p in programme_periods(config)}
    areas = [a.name for a in config.areas] if coverage.main == COALITION else [coverage.main[1]]
    series = []
    for area in areas:
        found = [readings.reading(p, "besteding", ("area", area)) for p in periods]
        budgets = [r.denominator for r in found if r is not None and r.denominator]
        if budgets:
            series.append((area, tuple(r.numerator if r else None for r in found), budgets[-1]))
    expected = tuple(elapsed_share(config, by_name[p]) for p in periods)
    return spending_chart(tuple(by_name[p] for p in periods), tuple(series), expected, config.programme.area_label)


def _charts(config: Config, readings: Readings, period: str, goals: list[GoalView],
            coverage: Coverage) -> dict[str, list[Chart]]:
    """Per indicator the charts to show: its course with the target, participants per place, spending
    against elapsed time."""
    periods = readings.periods[: readings.periods.index(period) + 1]
    by_name = {p.name: p for p in programme_periods(config)}
    charts: dict[str, list[Chart]] = {}
    for view in (v for goal in goals for v in goal.indicators):
        indicator_id = view.figure.indicator
        if indicator_id == "besteding":
            chart = _spending(config, readings, periods, coverage)
        else:
            target = config.targets.get(indicator_id)
            value = target.value if target and target.tolerance is None else None
            chart = trend_chart(indicator_id, tuple((by_name[p], v) for p, v in view.points), value,
                                target.comparison if target else ">=")
        charts[indicator_id] = [c for c in [chart] if c]
    if coverage.main == COALITION and "deelnemers" in charts:
        series = tuple((a.name, tuple(value for _, value in indicator_view(readings, period, "deelnemers",
                                                                          ("area", a.name)).points))
                       for a in config.areas)
        chart = participants_chart(tuple(by_name[p] for p in periods), series, config.programme.area_label)
        charts["deelnemers"] += [c for c in [chart] if c]
    return charts


@young_heap_only()
def build_reports(config: Config, period: Period, publication: PeriodPublication, out_dir: Path,
                  audiences: list[str] | None = None) -> list[Report]:
    """Render every audience's report (or only `audiences`) and write them to `out_dir/reports/<period>/`."""
    periods = publication.periods
    every_area = frozenset(i for i, target in config.targets.items() if target.every_area)
    readings = Readings(publication.readings, periods, config.min_respondents, every_area,
                        tuple(a.name for a in config.areas))
    wanted = list(audiences or AUDIENCES)
    labels = {p.name: period_label(config, p) for p in programme_periods(config)}
    previous = periods[-2] if len(periods) > 1 else None
    previous_label = labels[previous].split(" (")[0] if previous else None
    shared = {
        "programme": config.programme.name, "period": labels.get(period.name, period.name),
        "period_start": period.start, "period_end": period.end, "generated": dt.date.today(),
        "area_label": config.programme.area_label, "area_label_plural": config.programme.area_label_plural,
        "min_respondents": config.min_respondents, "previous_period": labels.get(previous) if previous else None,
        "period_label": labels.get(period.name, period.name).split(" (")[0], "detail_columns": DETAIL_COLUMNS,
        "scorecard_columns": SCORECARD_COLUMNS, "school_year": period.name[:9],
        "sources": publication.sources,
        "history_labels": {p: months_of(parse_period(p, config)) for p in periods},
    }
    gate = publication.gate
    places = {*config.schools(), *(a.name for a in config.areas)}
    folder = Path(out_dir) / "reports" / period.name
    folder.mkdir(parents=True, exist_ok=True)
    reports = []
    school_year = [p.name for p in periods_of_school_year(int(period.name[:4]), config) if p.name in periods]
    with Printer() as pdf:
        for coverage in coverages(config, wanted, period.name):
            goals = [goal_view(config, readings, period.name, g, coverage.main, coverage.details, coverage.below,
                               coverage.learn, previous_label) for g in config.goals]
            charts = _charts(config, readings, period.name, goals, coverage)
            subject = subject_for(config, period.name, coverage.audience, coverage.area)
            audience_label = AUDIENCE_LABELS[coverage.audience].format(area=coverage.area)
            missing = [m for m in publication.missing if m.school in coverage.schools]
            own = {*coverage.schools, coverage.area}
            own_gate = gate and dict(checks=gate.checks, findings=[
                f for f in gate.findings if f.scope_name not in places or f.scope_name in own])
            context = dict(shared, subject=subject, area=coverage.area, goals=goals, charts=charts,
                           audience=coverage.audience, audience_label=audience_label, details=True, long_tables=True,
                           toc=sum(len(goal.details) for goal in goals) >= TOC_FROM_ROWS,
                           summary=build_summary(config, readings, period.name, coverage.audience, goals, coverage.main,
                                                 coverage.below, previous_label, publication.responses,
                                                 publication.sources, missing, own_gate),
                           scorecards=[scorecard(config, readings, period.name, title, scopes)
                                       for title, scopes in coverage.scorecards],
                           voices=voices(config, publication.said, publication.register_names, coverage.audience,
                                         coverage.area),
                           missing=missing, gate=own_gate, has_schools=bool(coverage.schools),
                           **_plan_context(config, readings, period.name, publication, coverage, school_year, labels))
            template = f"advies/{coverage.audience}.html.j2"
            shown = list({c.name: c for cs in charts.values() for c in cs}.values())
            printed = render_html(template, context, chart_url)
            html_path, pdf_path = folder / f"{coverage.name}.html", folder / f"{coverage.name}.pdf"
            html_path.write_text(with_data_uris(printed, shown), encoding="utf-8")
            pdf.write_pdf(printed, pdf_path, shown)
            body = _email_body(template, context)
            reports.append(Report(coverage.audience, coverage.area, subject, body, plain_text(body), html_path,
                                  pdf_path, shown,
                                  config.recipients_for(coverage.audience, coverage.area),
                                  f"Kansenmonitor {config.programme.name}", tuple(config.steward),
                                  f"{slug(config.programme.name)}-{period.name}-{coverage.name}.pdf"))
    return reports


def _plan_context(config: Config, readings: Readings, period: str, publication: PeriodPublication,
                  coverage: Coverage, school_year: list[str], labels: dict[str, str]) -> dict:
    """What the plan asks beyond the figures: the lokale coalitie's interpretation per goal, the euros per
    bestedingspunt and the pillars without an action; for a yearly report the school year side by side."""
    yearly = next((y for y in config.reporting.yearly if y.audience == coverage.audience), None)
    scopes = [COALITION, *(("area", a.name) for a in config.areas)] if coverage.main == COALITION \
        else [coverage.main]
    areas = [name for kind, name in scopes if kind == "area"]
    short = {p: labels[p].split(" (")[0] for p in school_year}  # the period is the school year's last so far
    shown_periods = school_year if yearly else [period]
    context = dict(
        interpretations=interpretations(config, publication.interpretations, publication.register_names,
                                        coverage.audience, shown_periods, approved_only=yearly is not None),
        interpretation_labels=short,
        spending=spending_table(config, readings, period, short[period], scopes),
        pillars_missing=missing_pillars(config, publication.actions, period, areas), yearly=None)
    if yearly:
        context["yearly"] = dict(
            readers=yearly.readers, periods=[short[p] for p in school_year],
            goals=year_overview(config, readings, school_year),
            spending=half_year_spending(config, readings, school_year, short, scopes),
            partners=partner_progress(config, readings, publication.actions, school_year)
            if any(i == "voortgang_partners" for g in config.goals for i in g.indicators) else [])
    return context


def _email_body(template: str, context: dict) -> str:
    """The whole report when it fits under the size where mail clients clip it; otherwise without the
    breakdown per place and school, and if still too large also without the scorecards and the list of
    missing deliveries: the attached PDF holds them all."""
    for shorter in ({}, {"details": False}, {"details": False, "long_tables": False}):
        html = email_html(template, dict(context, **shorter))
        if len(html.encode("utf-8")) < EMAIL_LIMIT:
            break
    return html
