"""Charts where a reader would rather look than read: an indicator's course zoomed around its figures and
target, participants per place over time, and spending in euros against the elapsed-time line per wijk.

Each chart is drawn once from its content (the same figures give the same chart, whichever audience
shows it), as one PNG at one and a half times screen resolution that the HTML file, the PDF and the email
all show: mail clients show no SVG, and WeasyPrint laid out a matplotlib SVG (its text through Pango, its
styles through a CSS parser) in about as long as a page of tables, where it places a PNG at once. Every
chart carries a text alternative that says in words what it shows.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from kansenmonitor.catalogue import indicator
from kansenmonitor.dutch import axis_period, euros, format_target, format_value, months_of, number, plain_number
from kansenmonitor.periods import Period

matplotlib.rcParams.update({"font.size": 8, "font.family": "DejaVu Sans"})
COLOURS = ["#1f5f8b", "#e08a1e", "#3a8f5c", "#8b3a62", "#6b6b6b", "#b5a01c", "#4a4aa8", "#a8452e"]
TARGET_COLOUR = "#a0281e"
WIDTH, HEIGHT, DPI = 6.4, 2.3, 110  # inches, and the pixels per inch of the 640-pixel-wide screen image
SHARPNESS = 1.5  # pixels drawn per screen pixel: sharp on paper and on high-density screens, small in a mail
Points = tuple[tuple[Period, float | None], ...]


@dataclass(eq=False)
class Chart:
    """One drawing as PNG, with its caption, the content id it has in an email, its text alternative (the
    figures it shows, in words) and the figure it was drawn from."""

    name: str
    title: str
    png: bytes
    alt: str
    figure: Figure = field(repr=False)

    @property
    def cid(self) -> str:
        return f"{self.name}@kansenmonitor"


def trimmed(points: Points) -> Points:
    """The periods from the first with a figure on: a programme that started years earlier without
    measuring does not fill the axis with empty periods."""
    first = next((n for n, (_, value) in enumerate(points) if value is not None), len(points))
    return points[first:]


def _axes(height: float = HEIGHT):
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    axes = figure.add_subplot()
    _style(axes)
    return figure, axes


def _style(axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dde3ea", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=8)


def _chart(kind: str, content: tuple, figure: Figure, title: str, alt: str) -> Chart:
    """The figure as an RGB PNG, named by what it shows so equal content gets an equal name. The figure is
    opaque white, so dropping matplotlib's alpha channel changes no pixel, while WeasyPrint would otherwise
    split every chart into a colour image and an alpha mask and encode both again in every PDF."""
    rgba = io.BytesIO()
    figure.savefig(rgba, format="rgba", dpi=DPI * SHARPNESS, facecolor="white")
    width = int(figure.get_figwidth() * DPI * SHARPNESS)  # as matplotlib sizes its canvas: whole pixels, cut off
    height, rest = divmod(len(rgba.getbuffer()), 4 * width)
    if rest:
        raise RuntimeError(f"the drawing of {kind} is not {width} pixels wide")
    png = io.BytesIO()
    Image.frombuffer("RGBA", (width, height), rgba.getbuffer()).convert("RGB").save(png, format="png")
    digest = hashlib.sha1(repr(content).encode("utf-8")).hexdigest()[:10]
    return Chart(f"{kind}-{digest}", title, png.getvalue(), alt, figure)


def _zoom(values: list[float], percentage: bool, whole: bool) -> tuple[float, float]:
    """An axis around the figures and the target with some room, so 85 against 90 does not look flat;
    never below zero and, for percentages, never above 100; for counts (`whole`) room for whole-number ticks."""
    low, high = min(values), max(values)
    span = max(high - low, 10.0 if percentage else 4.0 if whole else max(1.0, abs(high) * 0.1))
    bottom, top = low - span * 0.25, high + span * 0.25
    bottom = max(0.0, bottom)
    return bottom, min(103.0, top) if percentage and high <= 100 else top


def _percent_axis(axes) -> None:
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{plain_number(round(value, 1))}%"))


def _dutch_axis(axes) -> None:
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: plain_number(round(value, 1))))


def _period_axis(axes, periods: list[Period]) -> None:
    """The periods under the axis in the tables' Dutch wording (short month names, the year below)."""
    axes.set_xticks(range(len(periods)), [axis_period(p) for p in periods])
    axes.set_xlim(-0.5, len(periods) - 0.5)


@lru_cache(maxsize=1024)
def trend_chart(indicator_id: str, points: Points, target: float | None, comparison: str = ">=") -> Chart | None:
    """The indicator over the run's periods, zoomed, with the target as a labelled dashed line; None
    without figures."""
    points = trimmed(points)
    if not points:
        return None
    percentage = indicator(indicator_id).is_percentage
    scale = 100 if percentage else 1
    figure, axes = _axes()
    shown = [(x, v * scale) for x, (_, v) in enumerate(points) if v is not None]
    axes.plot([x for x, _ in shown], [v for _, v in shown], marker="o", color=COLOURS[0], linewidth=2)
    for x, v in shown:
        axes.annotate(format_value(indicator_id, v / scale), (x, v), textcoords="offset points", xytext=(0, 6),
                      ha="center", fontsize=8, color=COLOURS[0])
    _period_axis(axes, [p for p, _ in points])
    target_text = ""
    if target is not None:
        target_text = format_target(indicator_id, target, comparison)
        axes.axhline(target * scale, color=TARGET_COLOUR, linestyle="--", linewidth=1.2)
        # Beside the plot, right of the line's end, where no figure's label can cover it.
        axes.annotate(f"doel\n{target_text}", (1, target * scale), xycoords=("axes fraction", "data"),
                      xytext=(4, 0), textcoords="offset points", ha="left", va="center", fontsize=8,
                      color=TARGET_COLOUR)
    whole = indicator(indicator_id).kind == "count"
    axes.set_ylim(*_zoom([v for _, v in shown] + ([target * scale] if target is not None else []), percentage,
                         whole))
    if percentage:
        _percent_axis(axes)
    else:
        _dutch_axis(axes)
    if whole:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.subplots_adjust(left=0.09, right=0.9, top=0.9, bottom=0.2)
    figures = ", ".join(f"{months_of(p)} {format_value(indicator_id, v)}" for p, v in points if v is not None)
    alt = f"{indicator(indicator_id).label} per meetmoment: {figures}"
    alt += f"; doel {target_text}." if target_text else "."
    title = f"{indicator(indicator_id).label}, per meetmoment"
    title += "; de rode stippellijn is het doel" if target_text else ""
    return _chart(f"verloop-{indicator_id.replace('_', '-')}", (indicator_id, points, target, comparison), figure,
                  title, alt)


@lru_cache(maxsize=256)
def participants_chart(periods: tuple[Period, ...], series: tuple[tuple[str, tuple[float | None, ...]], ...],
                       area_label: str) -> Chart | None:
    """Children who took part per village (or wijk) over the run's periods, a line per place; None
    without figures."""
    first = next((n for n in range(len(periods)) if any(values[n] is not None for _, values in series)), None)
    if first is None:
        return None
    periods = periods[first:]
    series = tuple((area, values[first:]) for area, values in series)
    rows = (len(series) + 3) // 4
    figure, axes = _axes(HEIGHT + 0.2 * rows)
    for n, (area, values) in enumerate(series):
        shown = [(x, v) for x, v in enumerate(values) if v is not None]
        axes.plot([x for x, _ in shown], [v for _, v in shown], marker="o", linewidth=2, label=area,
                  color=COLOURS[n % len(COLOURS)], linestyle="-" if n < len(COLOURS) else "--")
    _period_axis(axes, list(periods))
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _dutch_axis(axes)
    axes.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.2 + 0.1 * rows)
    described = "; ".join(
        f"{area}: " + ", ".join(f"{months_of(p)} {number(v, 0)}" for p, v in zip(periods, values)
                                if v is not None)
        for area, values in series if any(v is not None for v in values))
    title = f"Aantal deelnemende kinderen per {area_label} per meetmoment"
    return _chart("deelnemers", (periods, series, area_label), figure, title, f"{title}. {described}.")


@lru_cache(maxsize=256)
def spending_chart(periods: tuple[Period, ...], series: tuple[tuple[str, tuple[float | None, ...], float], ...],
                   expected: tuple[float, ...], area_label: str) -> Chart | None:
    """Per wijk the euros spent since the start, cumulative, against the line where spending would be if
    the budget went evenly over the run (budget × elapsed time); one small panel per wijk; None without
    figures."""
    series = tuple(s for s in series if any(v is not None for v in s[1]))
    if not series:
        return None
    first = min(next(n for n, v in enumerate(values) if v is not None) for _, values, _ in series)
    periods, expected = periods[first:], expected[first:]
    series = tuple((area, values[first:], budget) for area, values, budget in series)
    columns = min(2, len(series))
    rows = (len(series) + columns - 1) // columns
    figure = Figure(figsize=(WIDTH, 1.9 * rows + 0.3), dpi=DPI)
    grid = figure.subplots(rows, columns, squeeze=False)
    labels = [months_of(p) for p in periods]
    described = []
    for n, (area, values, budget) in enumerate(series):
        axes = grid[n // columns][n % columns]
        _style(axes)
        line = [budget * share for share in expected]
        axes.plot(range(len(periods)), line, color=TARGET_COLOUR, linestyle="--", linewidth=1.2,
                  label="verstreken tijd × budget")
        shown = [(x, v) for x, v in enumerate(values) if v is not None]
        axes.plot([x for x, _ in shown], [v for _, v in shown], marker="o", color=COLOURS[0], linewidth=2,
                  label="besteed")
        axes.set_title(f"{area} (budget {euros(budget)})", fontsize=8, loc="left")
        _period_axis(axes, list(periods))
        axes.set_ylim(0, max([budget * 0.2] + line + [v for _, v in shown]) * 1.15)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: euros(value)))
        axes.yaxis.set_major_locator(MaxNLocator(4))
        described.append(f"{area}: " + ", ".join(
            f"{label} {euros(v)} besteed, verwacht {euros(budget * share)}"
            for label, v, share in zip(labels, values, expected) if v is not None))
    for n in range(len(series), rows * columns):
        grid[n // columns][n % columns].set_visible(False)
    grid[0][0].legend(frameon=False, fontsize=7, loc="upper left")
    figure.subplots_adjust(left=0.13, right=0.98, top=1 - 0.35 / (1.9 * rows + 0.3), bottom=0.35 / rows,
                           hspace=0.8, wspace=0.35)
    title = (f"Besteed per {area_label} sinds de start, in euro's, tegen de rode stippellijn van de verstreken "
             f"tijd (wat bij gelijkmatig besteden op zou zijn)")
    return _chart("besteding", (periods, series, expected), figure, title, f"{title}. {'; '.join(described)}.")
