"""Outcome charts: a client's trajectory on one instrument, as PNG or SVG bytes.

:func:`draw_trajectory` draws the totals over time on the instrument's severity bands (shaded and
labelled), the dosing sessions as vertical lines, and the baseline, response and remission
thresholds of :mod:`kapnotes.outcomes` as horizontal lines. Incomplete administrations (no total)
are marked along the bottom.

matplotlib is imported inside the drawing function only, so ``import kapnotes.charts`` stays
cheap; drawing uses the Agg canvas (``FigureCanvasAgg``) and never touches pyplot or the
process-wide backend. The output is deterministic: a fixed font (DejaVu Sans, shipped with
matplotlib), text as paths in SVG, a fixed ``svg.hashsalt`` for SVG element ids, and no date or
software version in the metadata (PNG ``Software`` and SVG ``Date`` are removed).

Times are drawn in each score's recorded local time (its UTC offset dropped), which is what the
notes show.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from kapnotes.errors import KapnotesError
from kapnotes.outcomes import (
    DEFAULT_PARAMS,
    InstrumentOutcome,
    OutcomeParams,
    instrument_outcome,
)

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.instruments.base import Instrument
    from kapnotes.model import TreatmentCourse

__all__ = ["FORMATS", "ChartError", "draw_trajectory"]

ChartFormat = Literal["png", "svg"]
FORMATS: tuple[str, ...] = ("png", "svg")

#: Settings that make the output the same on every machine and run.
RC: dict[str, Any] = {
    "svg.hashsalt": "kapnotes",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
}
#: Metadata that would change from run to run (dates, versions) is left out.
METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": "kapnotes"},
}

#: Band fills, mildest first (a band takes the colour at its relative position).
BAND_COLOURS = ("#e3f2e1", "#f4f7d9", "#fff1cc", "#ffe0c2", "#fbd0cc")
LINE = "#1f3a93"
DOSE = "#6a3d9a"
BASELINE = "#555555"
RESPONSE = "#1f78b4"
REMISSION = "#2e7d32"
INCOMPLETE = "#9e9e9e"
#: A white box behind the value labels, so that no line runs through a number.
LABEL_BOX: dict[str, Any] = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                             "alpha": 0.85}


class ChartError(KapnotesError):
    """A chart cannot be drawn as asked (unknown format, instrument without a total range)."""


def _resolve(instrument: str | Instrument) -> Instrument:
    from kapnotes.instruments.base import Instrument as InstrumentClass

    if isinstance(instrument, InstrumentClass):
        return instrument
    from kapnotes.scoring import get_instrument

    return get_instrument(instrument)


def _local(moment: dt.datetime) -> dt.datetime:
    """The recorded wall-clock time (naive), so that a chart shows what the notes show."""
    return moment.replace(tzinfo=None)


def _dose_times(course: TreatmentCourse) -> list[dt.datetime]:
    return [
        _local(s.dosing.administered_at if s.dosing is not None else s.start)
        for s in course.dosing_sessions
    ]


def _band_colour(index: int, count: int) -> str:
    if count <= 1:
        return BAND_COLOURS[0]
    return BAND_COLOURS[round(index * (len(BAND_COLOURS) - 1) / (count - 1))]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# --- drawing ----------------------------------------------------------------------------------


def _draw_bands(ax: Any, inst: Instrument, top: float) -> None:
    """Shade each band from ``low - 0.5`` to ``high + 0.5`` and label it at the right edge."""
    from matplotlib.transforms import blended_transform_factory

    label_at = blended_transform_factory(ax.transAxes, ax.transData)
    count = len(inst.bands)
    for k, band in enumerate(inst.bands):
        low, high = band.low - 0.5, min(band.high + 0.5, top)
        ax.axhspan(low, high, color=_band_colour(k, count), zorder=0, linewidth=0)
        if k:
            ax.axhline(low, color="#ffffff", linewidth=0.8, zorder=0.5)
        text = textwrap.fill(f"{band.label} ({band.low}–{band.high})", 20)
        ax.text(1.01, (low + high) / 2, text, transform=label_at, va="center", ha="left",
                fontsize=7.5, color="#333333", clip_on=False)


def _draw_doses(ax: Any, doses: Sequence[dt.datetime]) -> None:
    from matplotlib.transforms import blended_transform_factory

    at_top = blended_transform_factory(ax.transData, ax.transAxes)
    for k, when in enumerate(doses, 1):
        ax.axvline(when, color=DOSE, linestyle="-", linewidth=1.0, alpha=0.75, zorder=2,
                   label="Dosing session (dose given)" if k == 1 else None)
        ax.text(when, 1.01, f"D{k}", transform=at_top, ha="center", va="bottom", fontsize=7.5,
                color=DOSE, clip_on=False)


def _draw_thresholds(ax: Any, outcome: InstrumentOutcome) -> None:
    if outcome.baseline is not None:
        ax.axhline(outcome.baseline.value, color=BASELINE, linestyle="--", linewidth=1.0,
                   zorder=2, label=f"Baseline {_fmt(outcome.baseline.value)}")
    if outcome.response_threshold is not None and outcome.baseline is not None:
        pct = round(outcome.response_reduction * 100)
        ax.axhline(outcome.response_threshold, color=RESPONSE, linestyle="-.", linewidth=1.1,
                   zorder=2,
                   label=f"Response ≤ {_fmt(outcome.response_threshold)} (≥{pct}% drop)")
    rule = outcome.remission_rule
    if rule is not None:
        ax.axhline(rule.max_total, color=REMISSION, linestyle=":", linewidth=1.6, zorder=2,
                   label=f"Remission {rule.text}")


def _draw_scores(ax: Any, outcome: InstrumentOutcome, bottom: float) -> None:
    usable = [p for p in outcome.scores if p.usable]
    xs = [_local(p.administered_at) for p in usable]
    ys = [float(p.value) for p in usable]
    if usable:
        ax.plot(xs, ys, color=LINE, linewidth=2.0, marker="o", markersize=5.5, zorder=4,
                label=f"{outcome.title} total")
        for x, y in zip(xs, ys, strict=True):
            ax.annotate(_fmt(y), (x, y), textcoords="offset points", xytext=(-5, 5),
                        ha="right", va="bottom", fontsize=8, color=LINE, zorder=6,
                        bbox=LABEL_BOX)
    if outcome.baseline is not None:
        ax.plot([_local(outcome.baseline.administered_at)], [float(outcome.baseline.value)],
                marker="o", markersize=10, markerfacecolor="none", markeredgecolor=BASELINE,
                markeredgewidth=1.4, linestyle="none", zorder=5)
    home = [p for p in usable if p.at_home]
    if home:  # answered at home (format 1.3): a square around the point
        ax.plot([_local(p.administered_at) for p in home], [float(p.value) for p in home],
                marker="s", markersize=9, markerfacecolor="none", markeredgecolor=LINE,
                markeredgewidth=1.0, linestyle="none", zorder=5, label="At home")
    missing = [_local(p.administered_at) for p in outcome.scores if not p.usable]
    if missing:
        ax.plot(missing, [bottom + 0.6] * len(missing), linestyle="none", marker="x",
                color=INCOMPLETE, markersize=6, zorder=4, label="Incomplete (no total)")


def _x_limits(outcome: InstrumentOutcome, doses: Sequence[dt.datetime]) -> tuple[Any, Any]:
    moments = [_local(p.administered_at) for p in outcome.scores] + list(doses)
    if not moments:
        return None, None
    low, high = min(moments), max(moments)
    pad = max((high - low) * 0.04, dt.timedelta(days=2))
    return low - pad, high + pad


def _format_x(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def _title(outcome: InstrumentOutcome) -> str:
    return f"{outcome.title}: {outcome.client_id} ({outcome.course_id})"


def _draw(figure: Any, outcome: InstrumentOutcome, inst: Instrument,
          doses: Sequence[dt.datetime], title: str | None) -> None:
    assert inst.total_range is not None
    low, high = float(inst.total_range[0]), float(inst.total_range[1])
    bottom, top = low - 0.5, high + 0.5
    ax = figure.add_axes((0.08, 0.25, 0.70, 0.66))
    _draw_bands(ax, inst, top)
    _draw_doses(ax, doses)
    _draw_thresholds(ax, outcome)
    _draw_scores(ax, outcome, bottom)
    ax.set_ylim(bottom, top)
    left, right = _x_limits(outcome, doses)
    if left is not None:
        ax.set_xlim(left, right)
        _format_x(ax)
    if not any(p.usable for p in outcome.scores):
        ax.text(0.5, 0.5, "No complete scores", transform=ax.transAxes, ha="center",
                va="center", color="#555555")
    ax.set_ylabel(f"{inst.title} total (range {_fmt(low)}–{_fmt(high)})")
    ax.set_title(title or _title(outcome), loc="left", pad=14)
    ax.grid(axis="x", color="#ffffff", linewidth=0.6, zorder=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3,
                  frameon=False, handlelength=2.6, columnspacing=1.4)


def draw_trajectory(
    course: TreatmentCourse,
    instrument: str | Instrument,
    format: str = "png",
    *,
    params: OutcomeParams = DEFAULT_PARAMS,
    outcome: InstrumentOutcome | None = None,
    width_in: float = 8.0,
    height_in: float = 4.6,
    dpi: int = 150,
    title: str | None = None,
) -> bytes:
    """The trajectory of ``course`` on ``instrument`` as PNG or SVG bytes.

    :param instrument: a registry name or alias (``"PHQ-9"``), or an Instrument.
    :param format: ``"png"`` or ``"svg"``.
    :param params: thresholds for the baseline, response and remission lines.
    :param outcome: an outcome already computed for this course and instrument (saves work).
    :raises ChartError: for another format, or an instrument without a total range.
    :raises kapnotes.errors.UnknownNameError: for an instrument no plugin registers.
    """
    fmt = format.lower()
    if fmt not in FORMATS:
        raise ChartError(f"unknown chart format {format!r}; use one of: {', '.join(FORMATS)}")
    inst = _resolve(instrument)
    if inst.total_range is None:
        raise ChartError(f"{inst.title} has no total range: it cannot be charted as a total")
    found = outcome if outcome is not None else instrument_outcome(course, inst, params)

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, RC)):
        figure = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
        FigureCanvasAgg(figure)
        _draw(figure, found, inst, _dose_times(course), title)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt], facecolor="white")
    return buffer.getvalue()
