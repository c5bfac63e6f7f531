"""Charts where a reader would rather look than read: an indicator's course with its target line, and
participants per village per period. PNG images, drawn headless (Agg), the same for email and PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from kansenmonitor.catalogue import indicator  # noqa: E402

COLOURS = ["#1f5f8b", "#e08a1e", "#3a8f5c", "#8b3a62", "#6b6b6b", "#b5a01c", "#4a4aa8", "#a8452e"]
TARGET_COLOUR = "#a0281e"


@dataclass(frozen=True)
class Chart:
    """A PNG with the content id it has in an email and the text a screen reader reads for it."""

    name: str
    png: bytes
    alt: str

    @property
    def cid(self) -> str:
        return f"{self.name}@kansenmonitor"


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _axes(width: float = 6.4, height: float = 2.0):
    figure, axes = plt.subplots(figsize=(width, height))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dde3ea", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def trend_chart(name: str, indicator_id: str, points: list[tuple[str, float | None]],
                target: float | None) -> Chart | None:
    """The indicator over the periods so far, with the target as a red dashed line; None without figures."""
    if all(value is None for _, value in points):
        return None
    scale = 100 if indicator(indicator_id).is_percentage else 1
    periods = [p for p, _ in points]
    values = [None if v is None else v * scale for _, v in points]
    figure, axes = _axes()
    shown = [(x, v) for x, v in enumerate(values) if v is not None]
    axes.plot([x for x, _ in shown], [v for _, v in shown], marker="o", color=COLOURS[0], linewidth=2)
    axes.set_xticks(range(len(periods)), periods)
    axes.set_xlim(-0.4, len(periods) - 0.6)
    if target is not None:
        axes.axhline(target * scale, color=TARGET_COLOUR, linestyle="--", linewidth=1.2, label="doel")
        axes.legend(loc="lower right", frameon=False, fontsize=8)
    top = max([v for _, v in shown] + ([target * scale] if target is not None else []))
    axes.set_ylim(0, 105 if scale == 100 else max(1.0, top * 1.2))
    axes.set_ylabel("%" if scale == 100 else "", fontsize=8)
    if indicator(indicator_id).kind == "count":
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    line = "; de rode stippellijn is het doel" if target is not None else ""
    return Chart(name, _png(figure), f"{indicator(indicator_id).label}, per periode{line}")


def participants_chart(name: str, periods: list[str], series: dict[str, list[float | None]],
                       area_label: str) -> Chart | None:
    """Distinct children per village (or wijk) per period, as grouped bars; None without figures."""
    if not any(v is not None for values in series.values() for v in values):
        return None
    figure, axes = _axes(height=2.4)
    width = 0.8 / max(1, len(series))
    for n, (area, values) in enumerate(series.items()):
        xs = [i + n * width - 0.4 + width / 2 for i in range(len(periods))]
        axes.bar(xs, [v or 0 for v in values], width=width, label=area, color=COLOURS[n % len(COLOURS)])
    axes.set_xticks(range(len(periods)), periods)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return Chart(name, _png(figure), f"Aantal deelnemende kinderen per {area_label} per periode")
