"""The journey-map view: stages as columns, touchpoints in channel lanes, the emotion curve beneath.

The picture a CX team draws on a wall, drawn from :func:`journeymine.journey_map` figures:

- **stages** as columns, in the order of the map; each header gives the customers who reached
  the stage and their share of the segment;
- **touchpoints** as cards in **channel lanes**: a card sits in the lane of the channel most of
  its customers used there (a strip along its top shows the whole channel mix), in map order
  from left to right (a card starts to the right of the one before it). Each card gives the
  touchpoint's reach (share of the segment's customers, and how many), its target attainment (or
  ``–`` without a target), the median time spent (in human units), and the drop-off after it
  (the share of those who reached it whose last step on the map it was, without completing);
- the **emotion curve** beneath: the mean sentiment per touchpoint on a -1 ... 1 scale (wider
  when the data are), with its confidence interval as a band and whiskers, and a zero line;
- the **moments of truth** marked with a star and their rank (those with a q-value below 0.05),
  and explained beneath the map.

Missing values are shown as ``–``, never as NaN. A segmented result (``journey_map(...,
by=...)``) is drawn one segment at a time: ``segment=`` picks one, by default the first in the
documented order, and the picture names the others. The output is hand-written SVG, laid out by
fixed arithmetic with rounded coordinates: the same figures give byte-identical output.

Examples
--------
>>> import journeymine as jm
>>> log = jm.datasets.load_demo_log()
>>> result = jm.journey_map(log, jm.datasets.load_demo_map(), by="segment")
>>> svg = JourneyView().render(result, format="svg", segment="mover")
>>> svg.startswith("<svg") and svg.count('class="jm-touchpoint"') == 18
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeymine.display import format_count, format_duration, format_share, is_missing
from journeymine.errors import ArgumentError
from journeymine.hookspecs import hookimpl
from journeymine.journeymap.result import JourneyMapResult
from journeymine.views.style import FONT, INK, MUTED, NO_CHANNEL, channel_colours
from journeymine.views.variantview import (
    check_format,
    check_title,
    check_width,
    esc,
    fit_text,
    html_figure,
    num,
    pick_segment,
    segment_label,
    svg_text,
    text_width,
    wrap_text,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MOMENT_Q", "JourneyView"]

#: a moment of truth is marked when its q-value (Benjamini-Hochberg) is below this
MOMENT_Q = 0.05

_L = 24  # left margin
_LANE_W = 104  # lane labels
_CARD_W = 142
_CARD_H = 112
_NAME_LINE = 15  # a second line of a card's name
_EMO_SLOT = 88  # room for one point of the emotion curve
_GAP = 10  # between two cards of one lane
_STAGE_GAP = 14
_STAGE_PAD = 10
_LANE_PAD = 9
_HEAD_H = 62
_EMO_H = 180
_GOOD = "#009E73"
_BAD = "#D55E00"
_DROP = "#c2410c"
_REACH = "#5b8fc7"
_STAR = "#f2a900"
_LINE = "#d1d5db"
_NOT_REACHED = "(not reached)"


@dataclass
class _Card:
    index: int
    name: str
    stage: int
    lane: str
    mix: list[tuple[str, float]]
    row: dict[str, Any]
    target: str | None
    x: float = 0.0
    y: float = 0.0
    rank: int | None = None
    lines: list[str] = field(default_factory=list)
    worst: bool = False


@dataclass
class _Stage:
    name: str
    row: dict[str, Any]
    cards: list[_Card] = field(default_factory=list)
    x0: float = 0.0
    x1: float = 0.0


class JourneyView:
    """The journey-map picture of a :class:`~journeymine.JourneyMapResult`.

    Options
    -------
    segment : optional
        The segment to draw (its value; ``"(none)"`` for customers without one). By default
        the whole log when the map was computed without ``by=``, else the first segment in the
        documented order (the picture names the others).
    title : str, optional
        The heading (default: the journey's name and ``customer journey map``).
    width : number, optional
        The picture's width in pixels (at least 480); by default its natural width. The layout
        is fixed: a narrower picture is the same picture, scaled.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> result = jm.journey_map(log, jm.datasets.load_demo_map())
    >>> html = JourneyView().render(result, format="html", title="Mortgage")
    >>> html.startswith('<figure class="jm-figure jm-journey-map">')
    True
    """

    name = "journey-map"
    handles = (JourneyMapResult,)
    formats = ("svg", "html")
    options = ("segment", "title", "width")
    default_for = ("JourneyMapResult",)

    def render(
        self,
        result: Any,
        *,
        format: str = "svg",
        segment: Any = None,
        title: str | None = None,
        width: float | None = None,
    ) -> str:
        """Draw ``result`` as SVG (``format="svg"``) or an HTML ``<figure>`` (``"html"``)."""
        fmt = check_format(self.name, format, self.formats)
        if not isinstance(result, JourneyMapResult):
            raise ArgumentError(
                f"the renderer 'journey-map' draws a JourneyMapResult, not a {type(result).__name__}"
            )
        w = None if width is None else check_width(width, 1400.0)
        heading = check_title(title)
        svg, caption = _draw(result, segment=segment, title=heading, width=w)
        if fmt == "html":
            return html_figure(svg, caption, "journey-map")
        return svg


# -- the figures of one segment ----------------------------------------------------------------


def _segment_values(result: JourneyMapResult) -> list[Any]:
    frame = result.segments if len(result.segments) else result.touchpoints
    if "segment" not in frame or not len(frame):
        return []
    out: list[Any] = []
    for v in frame["segment"].astype(object):
        if v not in out and not (is_missing(v) and any(is_missing(o) for o in out)):
            out.append(v)
    return out


def _of_segment(frame: pd.DataFrame, value: Any) -> pd.DataFrame:
    if "segment" not in frame or not len(frame):
        return frame
    col = frame["segment"].astype(object)
    mask = col.isna() if is_missing(value) else col.map(lambda v: not is_missing(v) and v == value)
    return frame[mask.to_numpy(dtype=bool)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


def _f(value: Any) -> float:
    """A number, NaN when missing."""
    if is_missing(value):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _lane_order(result: JourneyMapResult) -> list[str]:
    """The channel lanes, the same for every segment (so that segments compare side by side):
    each channel that is the main one of some touchpoint in some segment, in the order of the
    first touchpoint (in map order) it is the main channel of."""
    order = {tp.name: i for i, tp in enumerate(result.spec.touchpoints)}
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for r in _records(result.channels):
        tp = str(r.get("touchpoint"))
        ch = "(none)" if is_missing(r.get("channel")) else str(r["channel"])
        key = (segment_label(r.get("segment")), tp)
        n = _f(r.get("customers"))
        cand = (-(0.0 if math.isnan(n) else n), ch)
        if n > 0 and (key not in best or cand < best[key]):
            best[key] = cand
    firsts: dict[str, int] = {}
    for (_, tp), (_, ch) in best.items():
        firsts[ch] = min(firsts.get(ch, 1 << 30), order.get(tp, 1 << 30))
    return sorted(firsts, key=lambda ch: (firsts[ch], ch))


def _cards(result: JourneyMapResult, value: Any) -> tuple[list[_Stage], list[str]]:
    """Stages with their cards (in map order) and the lanes (channels) in order of appearance."""
    spec = result.spec
    tp_rows = {str(r["touchpoint"]): r for r in _records(_of_segment(result.touchpoints, value))}
    st_rows = {str(r["stage"]): r for r in _records(_of_segment(result.stages, value))}
    mixes: dict[str, list[tuple[str, float, float]]] = {}
    for r in _records(_of_segment(result.channels, value)):
        ch = "(none)" if is_missing(r.get("channel")) else str(r["channel"])
        mixes.setdefault(str(r["touchpoint"]), []).append(
            (ch, _f(r.get("share_of_touchpoint")), _f(r.get("customers")))
        )
    lanes = _lane_order(result)
    has_channels = bool(lanes)
    stages: list[_Stage] = []
    index = 0
    for si, stage in enumerate(spec.stages):
        st = _Stage(name=stage.name, row=st_rows.get(stage.name, {}))
        for tp in stage.touchpoints:
            row = tp_rows.get(tp.name, {})
            mix = sorted(
                mixes.get(tp.name, []),
                key=lambda t: (-(0 if math.isnan(t[2]) else t[2]), t[0]),
            )
            reached = _f(row.get("customers")) > 0
            if not has_channels:
                lane = "Touchpoints"
            elif mix and reached:
                lane = mix[0][0]
            else:
                lane = _NOT_REACHED
            if lane not in lanes:
                lanes.append(lane)
            target = tp.target.describe() if tp.target is not None else None
            st.cards.append(
                _Card(
                    index=index,
                    name=tp.name,
                    stage=si,
                    lane=lane,
                    mix=[(c, s) for c, s, _ in mix],
                    row=row,
                    target=target,
                )
            )
            index += 1
        stages.append(st)
    if _NOT_REACHED in lanes:  # the lane of touchpoints nobody reached goes last
        lanes.remove(_NOT_REACHED)
        lanes.append(_NOT_REACHED)
    return stages, lanes


def _moments(result: JourneyMapResult) -> list[dict[str, Any]]:
    frame = result.moments_of_truth
    if not len(frame) or "touchpoint" not in frame:
        return []
    out = []
    for r in _records(frame):
        q = _f(r.get("q_value"))
        if not math.isnan(q) and q < MOMENT_Q:
            out.append(r)
    return sorted(out, key=lambda r: _f(r.get("rank")))


# -- drawing -----------------------------------------------------------------------------------


def _draw(
    result: JourneyMapResult, *, segment: Any, title: str | None, width: float | None
) -> tuple[str, str]:
    spec = result.spec
    by = result.summary.get("segment_by")
    values = _segment_values(result)
    if by is None:
        pick_segment(values, segment, None, "this journey map")
        value: Any = values[0] if values else "all"
        others: list[Any] = []
    else:
        chosen = pick_segment(values, segment, str(by), "this journey map")
        value = chosen[0] if chosen else None
        # name the other segments only when the caller did not choose one (the report does)
        others = [v for v in values if v is not value and v != value] if segment is None else []

    stages, lanes = _cards(result, value)
    moments = _moments(result)
    ranks = {str(m["touchpoint"]): int(_f(m["rank"])) for m in moments}
    all_channels = [ln for ln in lanes if ln not in (_NOT_REACHED, "Touchpoints")]
    for st in stages:
        for c in st.cards:
            all_channels.extend(ch for ch, _ in c.mix if ch not in all_channels)
            c.rank = ranks.get(c.name)
    # colours from the channels of every segment, so that a channel looks the same in each
    everywhere: list[Any] = list(result.channels.get("channel", []))
    colours = channel_colours(
        ch for ch in [*everywhere, *all_channels] if not is_missing(ch) and ch != "(none)"
    )
    colours["(none)"] = NO_CHANNEL

    # -- header texts ----------------------------------------------------------------------------
    seg_rows = _records(_of_segment(result.segments, value))
    seg = seg_rows[0] if seg_rows else {}
    heading = title if title is not None else f"{spec.journey}: customer journey map"
    who = "All customers" if by is None else f"{by}: {segment_label(value)}"
    facts = [f"{format_count(seg.get('customers'))} customers"]
    done = _f(seg.get("completed_share"))
    lo, hi = _f(seg.get("completed_ci_low")), _f(seg.get("completed_ci_high"))
    level = _f(result.summary.get("confidence"))
    ci = f"{level:.0%} interval " if not math.isnan(level) else ""
    facts.append(
        f"{format_share(done)} completed"
        + (f" ({ci}{_range(lo, hi, share=True)})" if not math.isnan(lo) else "")
    )
    if "nps" in seg:
        facts.append(
            f"NPS {_signed(_f(seg.get('nps')), 0)}"
            + (f" ({format_count(seg.get('nps_respondents'))} answers)" if "nps_respondents" in seg else "")
        )
    if "csat" in seg:
        facts.append(f"CSAT {format_share(seg.get('csat'))}")
    subtitle = f"{who} · " + " · ".join(facts)
    completion = result.summary.get("completion")
    note = f"{spec.description.strip()} " if spec.description else ""
    note += f"Completed = {completion}." if completion else ""
    if others:
        shown = [segment_label(o) for o in others[:6]]
        more = f" and {len(others) - 6} more" if len(others) > 6 else ""
        note += (
            f" Segment {values.index(value) + 1} of {len(values)} by {by}; the others: "
            f"{', '.join(shown)}{more} (draw one with segment=...)."
        )

    # -- layout: stages and cards across, then the heading, then lanes down --------------------------
    for st in stages:
        for c in st.cards:
            c.lines = _name_lines(c.name, _CARD_W - 20)
    x = float(_L + _LANE_W + _STAGE_GAP)
    for st in stages:
        st.x0 = x
        columns = _columns(st)
        k = max(columns.values(), default=0) + 1
        measured = sum(1 for c in st.cards if not math.isnan(_f(c.row.get("sentiment_mean"))))
        inner = max(
            k * _CARD_W + (k - 1) * _GAP,
            text_width(st.name, 14, bold=True)
            + (text_width(_stage_left(st.row), 11) + 12 if _stage_left(st.row) else 0),
            text_width(_stage_line(st.row), 11),
            measured * _EMO_SLOT,
        )
        offset = (inner - (k * _CARD_W + (k - 1) * _GAP)) / 2
        for c in st.cards:
            c.x = round(x + _STAGE_PAD + offset + columns[c.index] * (_CARD_W + _GAP), 1)
        st.x1 = round(x + inner + 2 * _STAGE_PAD, 1)
        x = st.x1 + _STAGE_GAP
    natural_w = math.ceil(x - _STAGE_GAP + _L)
    room = natural_w - 2 * _L

    head = [
        svg_text(_L, 38, fit_text(heading, room, 22, bold=True), size=22, weight="bold", tooltip=heading),
    ]
    y = 64.0
    for i, line in enumerate(wrap_text(subtitle, room, 14)):
        y += 19 * (i > 0)
        head.append(svg_text(_L, y, line, size=14))
    for line in wrap_text(note.strip(), room, 12) if note.strip() else []:
        y += 19
        head.append(svg_text(_L, y, line, size=12, fill=MUTED))
    legend, y = _legend(all_channels, colours, y + 32, room, bool(moments))
    head.append(legend)

    lane_y0 = y + 32 + _HEAD_H
    tall = {c.lane for st in stages for c in st.cards if len(c.lines) > 1}
    lane_top: dict[str, float] = {}
    lane_hs: dict[str, float] = {}
    y = lane_y0
    for ln in lanes:
        lane_top[ln] = y
        lane_hs[ln] = _CARD_H + (_NAME_LINE if ln in tall else 0) + 2 * _LANE_PAD
        y += lane_hs[ln]
    lanes_bottom = y
    for st in stages:
        for c in st.cards:
            c.y = lane_top[c.lane] + _LANE_PAD
    emo_y0 = lanes_bottom + 18
    emo_bottom = emo_y0 + _EMO_H

    parts: list[str] = []
    # stage columns (behind everything)
    for i, st in enumerate(stages):
        fill = "#f3f5f8" if i % 2 == 0 else "#fafbfc"
        parts.append(
            f'<rect x="{num(st.x0)}" y="{num(lane_y0 - _HEAD_H)}" width="{num(st.x1 - st.x0)}" '
            f'height="{num(emo_bottom - lane_y0 + _HEAD_H)}" rx="8" fill="{fill}"/>\n'
        )
    # lane separators and labels
    for i, ln in enumerate(lanes):
        y0 = lane_top[ln]
        if i > 0:
            parts.append(
                f'<line x1="{_L}" y1="{num(y0)}" x2="{num(natural_w - _L)}" y2="{num(y0)}" '
                f'stroke="{_LINE}" stroke-dasharray="4 4"/>\n'
            )
        parts.append(_lane_label(ln, colours, y0 + lane_hs[ln] / 2))
        if not any(c.lane == ln for st in stages for c in st.cards):
            parts.append(
                svg_text(
                    _L + _LANE_W + _STAGE_GAP + 12,
                    y0 + lane_hs[ln] / 2 + 4,
                    f"no touchpoint goes mainly through {ln} in this segment",
                    size=11,
                    fill="#9ca3af",
                    style="italic",
                )
            )
    parts.append(
        f'<line x1="{_L}" y1="{num(lanes_bottom)}" x2="{num(natural_w - _L)}" y2="{num(lanes_bottom)}" '
        f'stroke="{_LINE}"/>\n'
    )
    for st in stages:
        parts.append(_stage_header(st, lane_y0 - _HEAD_H))
    cards = [c for st in stages for c in st.cards]
    worst = max((_f(c.row.get("left_share")) for c in cards), default=math.nan, key=_nan_low)
    for c in cards:
        c.worst = not math.isnan(worst) and worst > 0 and _f(c.row.get("left_share")) == worst
        parts.append(_card(c, colours))
    confidence = _f(result.summary.get("confidence"))
    parts.append(
        _emotion(
            cards,
            stages,
            emo_y0,
            natural_w,
            spec.sentiment is not None,
            0.95 if math.isnan(confidence) else confidence,
        )
    )

    # -- header, legend, footer --------------------------------------------------------------------
    footer, footer_h = _footer(result, moments, emo_bottom + 30, natural_w)
    height = math.ceil(emo_bottom + 30 + footer_h + 10)

    alt = f"{heading}. {subtitle}."
    out_w = natural_w if width is None else width
    out_h = height if width is None else math.ceil(height * width / natural_w)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(out_w)}" height="{out_h}" '
        f'viewBox="0 0 {natural_w} {height}" role="img" aria-label="{esc(alt)}" '
        f'font-family="{FONT}" fill="{INK}">\n'
        f"<title>{esc(alt)}</title>\n"
        f'<rect width="{natural_w}" height="{height}" fill="#ffffff"/>\n'
        + "".join(head)
        + "".join(parts)
        + footer
        + "</svg>\n"
    )
    return svg, alt


def _range(lo: float, hi: float, *, share: bool = False) -> str:
    if share:
        return f"{100 * lo:.1f}–{100 * hi:.1f}%"
    return f"{_signed(lo)} to {_signed(hi)}"


def _signed(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return "–"
    text = f"{value:+.{digits}f}"
    return "0" if float(text) == 0 else text.replace("-", "−")


def _stage_line(row: dict[str, Any]) -> str:
    return f"{format_count(row.get('customers'))} customers · {format_share(row.get('share'))}"


def _columns(st: _Stage) -> dict[int, int]:
    """Card index -> column within its stage: cards of one lane keep map order left to right,
    and each card goes as near as it can to where its place in the stage puts it."""
    n = len(st.cards)
    lanes: dict[str, list[tuple[int, int]]] = {}
    for pos, c in enumerate(st.cards):
        lanes.setdefault(c.lane, []).append((pos, c.index))
    k = max((len(v) for v in lanes.values()), default=1)
    out: dict[int, int] = {}
    for members in lanes.values():
        cols = [pos * k // n for pos, _ in members]
        for j in range(1, len(cols)):
            cols[j] = max(cols[j], cols[j - 1] + 1)
        for j in range(len(cols) - 1, -1, -1):
            cols[j] = min(cols[j], k - len(cols) + j)
        for (_, index), col in zip(members, cols):
            out[index] = col
    return out


def _stage_left(row: dict[str, Any]) -> str:
    """``3.7% left here``: the stage's drop-off, or nothing when it has none to show."""
    left = _f(row.get("left_share"))
    return "" if math.isnan(left) else f"{format_share(left)} left here"


def _stage_header(st: _Stage, y: float) -> str:
    w = st.x1 - st.x0
    name = fit_text(st.name, w - 2 * _STAGE_PAD, 14, bold=True)
    share = _f(st.row.get("share"))
    bar_w = w - 2 * _STAGE_PAD
    fill_w = 0.0 if math.isnan(share) else bar_w * max(0.0, min(1.0, share))
    tip = f"{st.name}: {_stage_line(st.row)} reached this stage"
    left = _stage_left(st.row)
    if left:
        tip += f"; {left} (their last step on the map was in this stage, without completing)"
        name = fit_text(st.name, w - 2 * _STAGE_PAD - text_width(left, 11) - 12, 14, bold=True)
    return (
        f'<g class="jm-stage"><title>{esc(tip)}</title>\n'
        + svg_text(st.x0 + _STAGE_PAD, y + 22, name, size=14, weight="bold")
        + (
            svg_text(
                st.x1 - _STAGE_PAD,
                y + 22,
                left,
                size=11,
                anchor="end",
                fill=_DROP if _f(st.row.get("left_share")) >= 0.0005 else MUTED,
            )
            if left
            else ""
        )
        + svg_text(st.x0 + _STAGE_PAD, y + 40, fit_text(_stage_line(st.row), bar_w, 11), size=11, fill=MUTED)
        + f'<rect x="{num(st.x0 + _STAGE_PAD)}" y="{num(y + 47)}" width="{num(bar_w)}" height="4" '
        f'rx="2" fill="#e5e7eb"/>'
        + f'<rect x="{num(st.x0 + _STAGE_PAD)}" y="{num(y + 47)}" width="{num(fill_w)}" height="4" '
        f'rx="2" fill="{_REACH}"/>\n</g>\n'
    )


def _lane_label(lane: str, colours: dict[str, str], mid: float) -> str:
    if lane in (_NOT_REACHED, "Touchpoints"):
        label = "Not reached" if lane == _NOT_REACHED else "Touchpoints"
        return svg_text(_L, mid + 4, label, size=12, weight="bold", fill=MUTED)
    colour = colours.get(lane, NO_CHANNEL)
    label = fit_text(lane, _LANE_W - 26, 13, bold=True)
    return f'<rect x="{_L}" y="{num(mid - 8)}" width="16" height="16" rx="4" fill="{colour}"/>\n' + svg_text(
        _L + 22, mid + 5, label, size=13, weight="bold", tooltip=lane
    )


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def _name_lines(name: str, room: float) -> list[str]:
    """A card's name on one line, or two (by words; the second shortened with ``…``)."""
    if text_width(name, 12.5, bold=True) <= room:
        return [name]
    words = name.split(" ")
    first = ""
    for i, word in enumerate(words):
        trial = f"{first} {word}" if first else word
        if text_width(trial, 12.5, bold=True) > room:
            if not first:  # one long word: cut it
                first = fit_text(word, room, 12.5, bold=True).rstrip("…")
                rest = name[len(first) :].lstrip()
            else:
                rest = " ".join(words[i:])
            return [first, fit_text(rest, room, 12.5, bold=True)]
        first = trial
    return [name]


def _card(c: _Card, colours: dict[str, str]) -> str:
    row = c.row
    reach = _f(row.get("share"))
    reached = _f(row.get("customers")) > 0
    extra = _NAME_LINE * (len(c.lines) - 1)
    x, y, w, h = c.x, c.y, _CARD_W, _CARD_H + extra
    mix_text = ", ".join(f"{ch} {format_share(s)}" for ch, s in c.mix) or "no channel"
    tip_lines = [
        f"{c.name} (touchpoint {c.index + 1} of the map)",
        f"reach {format_share(reach)} ({format_count(row.get('customers'))} customers)",
        f"channels: {mix_text}",
        f"target: {c.target}: met by {format_share(row.get('target_met_share'))}"
        if c.target
        else "no target",
        f"median time spent {format_duration(row.get('time_spent_s'))}",
        f"drop-off after it {format_share(row.get('left_share'))}",
    ]
    if not math.isnan(_f(row.get("sentiment_mean"))):
        tip_lines.append(
            f"sentiment {_signed(_f(row.get('sentiment_mean')))} "
            f"({_range(_f(row.get('sentiment_ci_low')), _f(row.get('sentiment_ci_high')))})"
        )
    if c.rank is not None:
        tip_lines.append(f"moment of truth #{c.rank}")
    if c.worst:
        tip_lines.append("the largest drop-off of the map")
    stroke = _DROP if c.worst else _LINE if reached else "#c4c9d0"
    extra_attrs = ' stroke-width="2"' if c.worst else "" if reached else ' stroke-dasharray="4 3"'
    out = [
        f'<g class="jm-touchpoint"><title>{esc(chr(10).join(tip_lines))}</title>\n',
        f'<rect x="{num(x)}" y="{num(y)}" width="{w}" height="{num(h)}" rx="7" '
        f'fill="{"#ffffff" if reached else "#f9fafb"}" stroke="{stroke}"{extra_attrs}/>\n',
    ]
    # the channel mix as a strip along the top
    sx = x + 7
    strip = w - 14
    for i, (ch, share) in enumerate(c.mix):
        part = strip * (0 if math.isnan(share) else share)
        if i == len(c.mix) - 1:
            part = x + 7 + strip - sx
        if part <= 0:
            continue
        out.append(
            f'<rect x="{num(sx)}" y="{num(y + 3)}" width="{num(part)}" height="4" '
            f'fill="{colours.get(ch, NO_CHANNEL)}"/>\n'
        )
        sx += part
    for i, line in enumerate(c.lines):
        out.append(
            svg_text(
                x + 10,
                y + 23 + i * _NAME_LINE,
                line,
                size=12.5,
                weight="bold",
                fill=INK if reached else MUTED,
            )
        )
    y += extra
    if not reached:
        out.append(
            svg_text(x + 10, y + 48, "not reached in this segment", size=11, fill=MUTED, style="italic")
        )
    else:
        lx, rx = x + 10, x + w - 10
        rows = [
            ("Reach", f"{format_share(reach)} · {format_count(row.get('customers'))}"),
            ("Target met", format_share(row.get("target_met_share")) if c.target else "–"),
            ("Time spent", format_duration(row.get("time_spent_s"))),
            ("Drop-off", format_share(row.get("left_share"))),
        ]
        for (label, value), ly in zip(rows, (y + 42, y + 66, y + 83, y + 100)):
            out.append(svg_text(lx, ly, label, size=10.5, fill=MUTED))
            bold = "bold" if label == "Reach" or (label == "Drop-off" and c.worst) else None
            colour = _DROP if label == "Drop-off" and c.worst else INK if value != "–" else MUTED
            out.append(svg_text(rx, ly, value, size=11, anchor="end", fill=colour, weight=bold))
        # bars: reach (blue) under its row, drop-off (red) along the bottom
        bw = w - 20
        rw = 0.0 if math.isnan(reach) else bw * max(0.0, min(1.0, reach))
        left = _f(row.get("left_share"))
        dw = 0.0 if math.isnan(left) else bw * max(0.0, min(1.0, left))
        for by, bar, colour in ((y + 47, rw, _REACH), (y + 104, dw, _DROP)):
            out.append(
                f'<rect x="{num(lx)}" y="{num(by)}" width="{num(bw)}" height="3" rx="1.5" '
                f'fill="#e5e7eb"/><rect x="{num(lx)}" y="{num(by)}" width="{num(bar)}" height="3" '
                f'rx="1.5" fill="{colour}"/>\n'
            )
    if c.rank is not None:
        out.append(_star_badge(x + w - 4, c.y + 2, c.rank))
    out.append("</g>\n")
    return "".join(out)


def _star(cx: float, cy: float, r: float) -> str:
    """A five-pointed star as a path (fixed geometry, rounded)."""
    pts = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        pts.append(f"{num(cx + radius * math.cos(angle))} {num(cy - radius * math.sin(angle))}")
    return "M" + "L".join(pts) + "Z"


def _star_badge(cx: float, cy: float, rank: int, *, r: float = 13) -> str:
    return (
        f'<g class="jm-moment"><circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{_STAR}"/>'
        f'<path d="{_star(cx, cy - 1, r * 0.85)}" fill="#ffffff" opacity="0.35"/>'
        + svg_text(
            cx,
            cy + r * 0.35,
            str(rank),
            size=round(r * 0.92, 1),
            weight="bold",
            anchor="middle",
            fill="#3b2a00",
        )
        + "</g>\n"
    )


def _emotion(
    cards: list[_Card], stages: list[_Stage], y0: float, width: float, measured: bool, confidence: float
) -> str:
    points = []
    for c in cards:
        m = _f(c.row.get("sentiment_mean"))
        if math.isnan(m):
            continue
        lo, hi = _f(c.row.get("sentiment_ci_low")), _f(c.row.get("sentiment_ci_high"))
        points.append((c, m, m if math.isnan(lo) else lo, m if math.isnan(hi) else hi))
    low = min([-1.0, *(p[2] for p in points)])
    high = max([1.0, *(p[3] for p in points)])
    top, bottom = y0 + 40, y0 + _EMO_H - 12

    def ypos(v: float) -> float:
        return round(bottom - (v - low) / (high - low) * (bottom - top), 1)

    x_left, x_right = _L + _LANE_W + _STAGE_GAP, width - _L
    out = ['<g class="jm-emotion">\n']
    out.append(svg_text(_L, y0 + 16, "Emotion", size=14, weight="bold"))
    caption = "mean sentiment per touchpoint" + (
        f", with its {confidence:.0%} interval (band and whiskers)" if points else ""
    )
    out.append(
        svg_text(_L + text_width("Emotion", 14, bold=True) + 10, y0 + 16, caption, size=11, fill=MUTED)
    )
    for v, label in (
        (high, f"{_signed(high, 0)} positive"),
        (0.0, "0 neutral"),
        (low, f"{_signed(low, 0)} negative"),
    ):
        y = ypos(v)
        out.append(
            f'<line x1="{num(x_left)}" y1="{num(y)}" x2="{num(x_right)}" y2="{num(y)}" '
            f'stroke="{INK if v == 0 else _LINE}" stroke-width="{1.2 if v == 0 else 1}"'
            f"{'' if v == 0 else ' stroke-dasharray=' + chr(34) + '2 4' + chr(34)}/>\n"
        )
        out.append(svg_text(x_left - 8, y + 4, label, size=10.5, fill=MUTED, anchor="end"))
    if not points:
        why = (
            "No sentiment at these touchpoints in this segment."
            if measured
            else "No sentiment in the data: name a sentiment column in the journey map (sentiment: ...)."
        )
        out.append(svg_text(x_left + 12, ypos(0) - 10, why, size=12, fill=MUTED, style="italic"))
        out.append("</g>\n")
        return "".join(out)
    # stages without any measured touchpoint say so
    measured_stages = {p[0].stage for p in points}
    for i, st in enumerate(stages):
        if i not in measured_stages:
            out.append(
                svg_text(
                    (st.x0 + st.x1) / 2,
                    ypos(0) - 10,
                    "not measured",
                    size=10.5,
                    fill="#9ca3af",
                    anchor="middle",
                    style="italic",
                )
            )
    cx = []
    for c, _, _, _ in points:
        st = stages[c.stage]
        mine = [p[0].index for p in points if p[0].stage == c.stage]
        cx.append(round(st.x0 + (st.x1 - st.x0) * (mine.index(c.index) + 0.5) / len(mine), 1))
    # the band between neighbouring measured touchpoints, then the curve
    for i in range(len(points) - 1):
        a, b = points[i], points[i + 1]
        adjacent = b[0].index == a[0].index + 1
        if adjacent:
            out.append(
                f'<path d="M{num(cx[i])} {num(ypos(a[3]))}L{num(cx[i + 1])} {num(ypos(b[3]))}'
                f'L{num(cx[i + 1])} {num(ypos(b[2]))}L{num(cx[i])} {num(ypos(a[2]))}Z" '
                f'fill="#9db9d6" opacity="0.45"/>\n'
            )
        dash = "" if adjacent else ' stroke-dasharray="5 4"'
        out.append(
            f'<line x1="{num(cx[i])}" y1="{num(ypos(a[1]))}" x2="{num(cx[i + 1])}" y2="{num(ypos(b[1]))}" '
            f'stroke="#34587f" stroke-width="2.2"{dash}/>\n'
        )
    for (c, m, lo, hi), x in zip(points, cx):
        colour = _GOOD if m > 0 else _BAD if m < 0 else MUTED
        tip = (
            f"{c.name}: sentiment {_signed(m)} ({_range(lo, hi)}), "
            f"{format_count(c.row.get('sentiment_customers'))} customers"
        )
        out.append(f"<g><title>{esc(tip)}</title>")
        out.append(
            f'<line x1="{num(x)}" y1="{num(ypos(hi))}" x2="{num(x)}" y2="{num(ypos(lo))}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<line x1="{num(x - 4)}" y1="{num(ypos(hi))}" x2="{num(x + 4)}" y2="{num(ypos(hi))}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<line x1="{num(x - 4)}" y1="{num(ypos(lo))}" x2="{num(x + 4)}" y2="{num(ypos(lo))}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<circle cx="{num(x)}" cy="{num(ypos(m))}" r="5.5" fill="{colour}" stroke="#ffffff" '
            f'stroke-width="1.5"/>'
        )
        above = m >= 0
        ly = ypos(hi) - 8 if above else ypos(lo) + 16
        out.append(svg_text(x, ly, _signed(m), size=11, weight="bold", anchor="middle", fill=colour))
        out.append(
            svg_text(
                x,
                ly + (-13 if above else 13),
                fit_text(c.name, _EMO_SLOT - 8, 10),
                size=10,
                anchor="middle",
                fill=MUTED,
            )
        )
        out.append("</g>\n")
    out.append("</g>\n")
    return "".join(out)


def _legend(
    channels: list[str], colours: dict[str, str], y: float, room: float, moments: bool
) -> tuple[str, float]:
    """The legend, in as many lines as it needs; returns it and the baseline of its last line."""

    def swatch(name: str) -> tuple[float, Callable[[float, float], str]]:
        label = fit_text(name, 130, 12)
        return (
            17 + text_width(label, 12) + 16,
            lambda x, y: (
                f'<rect x="{num(x)}" y="{num(y - 10)}" width="12" height="12" rx="3" '
                f'fill="{colours.get(name, NO_CHANNEL)}"/>'
                + svg_text(x + 17, y, label, size=12, tooltip=name)
            ),
        )

    def bar(label: str, colour: str) -> tuple[float, Callable[[float, float], str]]:
        return (
            28 + text_width(label, 12) + 16,
            lambda x, y: (
                f'<rect x="{num(x)}" y="{num(y - 6)}" width="22" height="3" rx="1.5" fill="{colour}"/>'
                + svg_text(x + 28, y, label, size=12)
            ),
        )

    def box(x: float, y: float) -> str:
        return (
            f'<rect x="{num(x)}" y="{num(y - 11)}" width="22" height="14" rx="3" fill="#ffffff" '
            f'stroke="{_DROP}" stroke-width="2"/>' + svg_text(x + 28, y, "largest drop-off", size=12)
        )

    def badge(x: float, y: float) -> str:
        return _star_badge(x + 10, y - 4, 1, r=10) + svg_text(x + 26, y, "moment of truth (rank)", size=12)

    items = [swatch(name) for name in channels]
    items += [bar("reach", _REACH), bar("drop-off after the touchpoint", _DROP)]
    items.append((28 + text_width("largest drop-off", 12) + 16, box))
    if moments:
        items.append((26 + text_width("moment of truth (rank)", 12) + 16, badge))
    out = ['<g class="jm-legend">\n']
    x = float(_L)
    for w, draw in items:
        if x > _L and x + w - 16 > _L + room:
            x, y = float(_L), y + 22
        out.append(draw(x, y) + "\n")
        x += w
    out.append("</g>\n")
    return "".join(out), y


def _footer(
    result: JourneyMapResult, moments: list[dict[str, Any]], y: float, width: float
) -> tuple[str, float]:
    out = ['<g class="jm-notes">\n']
    y0 = y
    room = width - 2 * _L
    if moments:
        out.append(svg_text(_L, y, "Moments of truth", size=14, weight="bold"))
        about = (
            "where customers who complete the journey and those who do not differ most (all customers, "
            f"not per segment; q < {MOMENT_Q:g} after Benjamini-Hochberg; an association, not a cause)"
        )
        head_w = text_width("Moments of truth", 14, bold=True) + 10
        for i, line in enumerate(wrap_text(about, room - head_w, 11.5)):
            out.append(svg_text(_L + head_w, y + 16 * i, line, size=11.5, fill=MUTED))
            y += 16 * (i > 0)
        y += 8
        for m in moments[:6]:
            y += 21
            out.append(_star_badge(_L + 10, y - 4, int(_f(m["rank"])), r=10))
            text = f"{m['touchpoint']} ({m['stage']}): {_moment_text(m)}"
            for i, line in enumerate(wrap_text(text, room - 28, 12.5)):
                y += 17 * (i > 0)
                out.append(svg_text(_L + 28, y, line, size=12.5))
        if len(moments) > 6:
            y += 19
            out.append(svg_text(_L + 28, y, f"and {len(moments) - 6} more", size=12, fill=MUTED))
        y += 14
    y += 14
    lines = [
        "Reach: share of the segment's customers with an event at the touchpoint. Target met: share of "
        "those judged who met its target. Time spent: median time from an event there to the next event.",
        "Drop-off: share of those who reached it whose last step on the map it was, without completing. "
        "Cards sit in the lane of their main channel; the strip on top is the channel mix.",
    ]
    unmapped = result.unmapped
    if len(unmapped):
        names = [f"{a} ({format_count(e)} events)" for a, e in zip(unmapped["activity"], unmapped["events"])]
        shown = ", ".join(str(n) for n in names[:5]) + (
            f" and {len(names) - 5} more" if len(names) > 5 else ""
        )
        lines.append(f"Not on the map: {shown}.")
    for paragraph in lines:
        for line in wrap_text(paragraph, room, 11):
            out.append(svg_text(_L, y, line, size=11, fill=MUTED))
            y += 16
    out.append("</g>\n")
    return "".join(out), y - y0


def _moment_text(m: dict[str, Any]) -> str:
    q = _f(m.get("q_value"))
    q_text = "q < 0.001" if q < 0.001 else f"q = {q:.3f}"
    if m.get("driver") == "sentiment":
        a, b = _f(m.get("sentiment_completed")), _f(m.get("sentiment_not_completed"))
        return (
            f"sentiment {_signed(a)} for those who completed vs {_signed(b)} for those who did not "
            f"(d = {_f(m.get('effect')):.2f}, {q_text})"
        )
    a, b = _f(m.get("miss_not_completed")), _f(m.get("miss_completed"))
    return (
        f"target missed by {format_share(a)} of those who did not complete vs {format_share(b)} of those "
        f"who did (h = {_f(m.get('effect')):.2f}, {q_text})"
    )


@hookimpl
def journeymine_register_renderers(register: Any) -> None:
    """Register the journey-map view."""
    register(JourneyView())
