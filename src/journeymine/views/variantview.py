"""The variant view: the most frequent variants per segment as rows of touchpoint chips.

Each row is one variant: its touchpoints in order as chips (rounded boxes with the activity's
name, coloured by the channel most of the activity's events in that segment came through, from
``variants.channels``), then the variant's cases, its share of the segment's cases and its median
duration in human units. A long variant wraps onto further lines of its row; one longer than
:data:`MAX_LINES` lines ends with a ``+N more`` chip whose tooltip lists the rest. A long name is
shortened with ``…`` and keeps its full text in a tooltip (``<title>``). Nothing is cut silently:
every block says how much it shows (``top 10 of 1,857 variants: 42.3% of 3,000 cases``).

A segmented result (``discover_variants(log, by=...)``) is drawn as one block per segment, in
the documented segment order (bins by value, other values by text, missing values last);
``segment=`` draws one of them.

The picture is hand-written SVG: no Graphviz, no fonts, images or scripts from elsewhere, no
``<style>`` (the SVG can be inlined into any page without restyling it), every text from the data
escaped, and coordinates rounded, so that the same input gives byte-identical output.

This module also holds the small SVG helpers the journey-map view shares (:func:`text_width`,
:func:`fit_text`, :func:`esc`, :func:`num`).

Examples
--------
>>> import journeymine as jm
>>> from journeymine.views import render
>>> variants = jm.discover_variants(jm.datasets.load_demo_log(), by="segment")
>>> svg = render(variants, top=3)
>>> svg.startswith("<svg") and svg.count('class="jm-variant"') == 9
True
>>> "top 3 of 610 variants" in render(variants, segment="mover", top=3)
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeymine.display import format_count, format_duration, format_share, is_missing
from journeymine.errors import ArgumentError
from journeymine.hookspecs import hookimpl
from journeymine.variants import Variants
from journeymine.views.style import FONT, INK, MUTED, NO_CHANNEL, channel_colours

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_LINES",
    "VariantView",
    "esc",
    "fit_text",
    "html_figure",
    "num",
    "segment_label",
    "text_width",
    "tint",
    "wrap_text",
]

#: the most chip lines one variant takes; a longer variant ends with a ``+N more`` chip
MAX_LINES = 3
#: the narrowest picture (pixels) the layout works at
MIN_WIDTH = 480

# -- text: measure, shorten, escape ------------------------------------------------------------

# Advance widths of Helvetica (the first font of style.FONT; Arial has the same metrics) in
# 1/1000 em for the printable ASCII characters, from the Adobe font metrics. Anything else counts
# as 0.6 em (wide East Asian characters as 1 em): a deterministic estimate, never a font lookup.
_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 "
    "556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 "
    "260 334 584"
)
_ASCII = {chr(32 + i): int(w) for i, w in enumerate(_WIDTHS.split())}
#: characters XML 1.0 cannot hold, and lone surrogates (UTF-8 cannot): shown as U+FFFD
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean(value: Any) -> str:
    """Text of a value that any XML document can hold: missing values as ``–``, control
    characters and lone surrogates as ``\ufffd``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = str(value)
    if text in ("nan", "<NA>", "NaT") and not isinstance(value, str):
        return "–"
    return _UNSAFE.sub("\ufffd", text)


def esc(value: Any) -> str:
    """Escape text for an SVG or HTML text node or a double-quoted attribute.

    Examples
    --------
    >>> esc('<script>alert("x") & </script>')
    '&lt;script&gt;alert(&quot;x&quot;) &amp; &lt;/script&gt;'
    """
    text = clean(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The estimated width of ``text`` in pixels at font ``size`` (Helvetica metrics).

    Examples
    --------
    >>> text_width("Website visit", 12)
    67.3
    """
    total = 0
    for ch in text:
        w = _ASCII.get(ch)
        if w is None:
            w = 1000 if "\u1100" <= ch <= "\uffdc" and not "\ufb00" <= ch <= "\ufe4f" else 600
        total += w
    return round(total * size / 1000 * (1.06 if bold else 1.0), 1)


def fit_text(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``text`` shortened with ``…`` to fit ``max_width`` pixels (unchanged when it fits).

    Examples
    --------
    >>> fit_text("Comparison site visit", 80, 12)
    'Comparison…'
    >>> fit_text("Chat", 80, 12)
    'Chat'
    """
    if text_width(text, size, bold=bold) <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + "…", size, bold=bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def wrap_text(text: str, max_width: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines of at most ``max_width`` pixels, between words (a word longer
    than a line is shortened with ``…``).

    Examples
    --------
    >>> wrap_text("Reach: share of the customers with an event there", 120, 12)
    ['Reach: share of the', 'customers with an', 'event there']
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and text_width(trial, size, bold=bold) > max_width:
            lines.append(line)
            line = fit_text(word, max_width, size, bold=bold)
        else:
            line = trial if line else fit_text(word, max_width, size, bold=bold)
    if line or not lines:
        lines.append(line)
    return lines


def num(value: float) -> str:
    """A coordinate as text: rounded to 0.1, without a trailing ``.0`` (stable output).

    Examples
    --------
    >>> num(12.0), num(3.14159), num(-0.01)
    ('12', '3.1', '0')
    """
    r = round(float(value), 1)
    if r == 0:
        return "0"
    return f"{r:.1f}".rstrip("0").rstrip(".")


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white: ``amount`` 0 is white, 1 the colour itself.

    Examples
    --------
    >>> tint("#0072B2", 0.2)
    '#cce3f0'
    """
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * amount):02x}" for c in rgb)


def segment_label(value: Any) -> str:
    """A segment value as a person reads it: missing values as ``(none)``."""
    if is_missing(value):
        return "(none)"
    return str(value)


def html_figure(svg: str, caption: str, kind: str) -> str:
    """An HTML fragment: the SVG inline in a ``<figure>`` with a caption (escaped here)."""
    return f'<figure class="jm-figure jm-{kind}">\n{svg}<figcaption>{esc(caption)}</figcaption>\n</figure>\n'


def check_width(width: Any, default: float) -> float:
    if width is None:
        return default
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not math.isfinite(width):
        raise ArgumentError(f"width= takes a number of pixels, not {width!r}; pass width={int(default)}")
    if width < MIN_WIDTH:
        raise ArgumentError(
            f"width= must be at least {MIN_WIDTH} pixels, not {width!r}; pass width={int(default)}"
        )
    return float(width)


def check_title(title: Any) -> str | None:
    if title is not None and not isinstance(title, str):
        raise ArgumentError(f"title= takes a text, not {type(title).__name__}; pass title='...'")
    return title


def check_format(renderer: str, format: Any, formats: Sequence[str]) -> str:
    if format not in formats:
        raise ArgumentError(
            f"the renderer {renderer!r} writes {', '.join(formats)}, not {format!r}; pass format=..."
        )
    return str(format)


def pick_segment(values: list[Any], segment: Any, by: str | None, what: str) -> list[Any]:
    """The segments to draw: all of them, or the one ``segment`` names (by value or by label)."""
    if segment is None:
        return values
    if by is None:
        raise ArgumentError(f"{what} has no segments (it was computed without by=); leave out segment=")
    for v in values:
        if (not is_missing(v) and v == segment) or segment_label(v) == str(segment):
            return [v]
    names = ", ".join(repr(segment_label(v)) for v in values[:12]) + (", ..." if len(values) > 12 else "")
    raise ArgumentError(
        f"segment={segment!r} is not a segment of {what} (by {by!r}); its segments: {names}; pass segment=..."
    )


# -- the renderer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chip:
    text: str  # as drawn (maybe shortened)
    tooltip: str
    width: float
    fill: str
    stroke: str
    more: bool = False


@dataclass(frozen=True)
class _Row:
    rank: int
    lines: list[list[_Chip]]
    cases: Any
    share: Any
    duration: Any
    tooltip: str


_CHIP_H = 24
_LINE_H = 32
_ROW_PAD = 10
_FONT = 12
_CHIP_PAD = 8
_CHIP_MAX_TEXT = 170
_ARROW = 14
_LEFT = 20
_RANK_W = 30
_STATS_W = 320
_BLOCK_GAP = 26


class VariantView:
    """The variant view of a :class:`~journeymine.Variants`: rows of touchpoint chips.

    Options
    -------
    segment : optional
        One segment of a segmented result (its value, or its label: ``"(none)"`` for customers
        without a value); by default every segment, each a block of its own, in the documented
        segment order.
    top : int
        Variants per segment (10).
    title : str, optional
        The heading (default ``Top variants``, with the segment dimension).
    width : number
        The picture's width in pixels (1100; at least 480): chips wrap to fit it.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> svg = VariantView().render(jm.discover_variants(log), format="svg", top=2, width=800)
    >>> svg.count('class="jm-variant"'), 'width="800"' in svg
    (2, True)
    """

    name = "variants"
    handles = (Variants,)
    formats = ("svg", "html")
    options = ("segment", "top", "title", "width")
    default_for = ("Variants",)

    def render(
        self,
        result: Any,
        *,
        format: str = "svg",
        segment: Any = None,
        top: int = 10,
        title: str | None = None,
        width: float | None = None,
    ) -> str:
        """Draw ``result`` as SVG (``format="svg"``) or an HTML ``<figure>`` (``"html"``)."""
        fmt = check_format(self.name, format, self.formats)
        if not isinstance(result, Variants):
            raise ArgumentError(f"the renderer 'variants' draws Variants, not a {type(result).__name__}")
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise ArgumentError(f"top= takes a whole number of at least 1, not {top!r}; pass top=10")
        w = check_width(width, 1100.0)
        heading = check_title(title)
        svg, caption = _draw(result, segment=segment, top=top, title=heading, width=w)
        if fmt == "html":
            return html_figure(svg, caption, "variants")
        return svg


def _segments_of(table: pd.DataFrame) -> list[Any]:
    """Segment values in the documented order (the table's rows are in that order)."""
    import pandas as pd

    col = table["segment"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().astype(object))
        out: list[Any] = [c for c in col.cat.categories if c in present]
        if col.isna().any():
            out.append(None)
        return out
    out = []
    seen: set[Any] = set()
    missing = False
    for v in col.astype(object):
        if is_missing(v):
            missing = True
        elif v not in seen:
            seen.add(v)
            out.append(v)
    if missing:
        out.append(None)
    return out


def _rows_of(table: pd.DataFrame, value: Any, by: str | None) -> pd.DataFrame:
    if by is None:
        return table
    col = table["segment"].astype(object)
    mask = col.isna() if is_missing(value) else col.map(lambda v: not is_missing(v) and v == value)
    return table[mask.to_numpy(dtype=bool)]


def _dominant(channels: Any, value: Any, by: str | None) -> dict[str, list[tuple[str, float]]]:
    """Activity -> its channels with their shares of its events, largest first (ties by name)."""
    if channels is None or len(channels) == 0 or "channel" not in channels:
        return {}
    rows = _rows_of(channels, value, by)
    out: dict[str, list[tuple[str, float]]] = {}
    per: dict[str, dict[str, float]] = {}
    for act, ch, n in zip(rows["activity"], rows["channel"], rows["events"]):
        if is_missing(act):
            continue
        name = "(none)" if is_missing(ch) else str(ch)
        events = 0.0 if is_missing(n) else float(n)
        slot = per.setdefault(str(act), {})
        slot[name] = slot.get(name, 0.0) + events
    for act, counts in per.items():
        total = sum(counts.values()) or 1.0
        out[act] = sorted(((c, n / total) for c, n in counts.items()), key=lambda t: (-t[1], t[0]))
    return out


def _chip(name: str, mix: list[tuple[str, float]], colours: dict[str, str]) -> _Chip:
    shown = fit_text(name, _CHIP_MAX_TEXT, _FONT)
    if mix:
        channel = mix[0][0]
        colour = colours.get(channel, NO_CHANNEL)
        tooltip = name + " — " + ", ".join(f"{c} {format_share(s)}" for c, s in mix[:4])
        if len(mix) > 4:
            tooltip += f", {len(mix) - 4} more"
    else:
        colour = NO_CHANNEL
        tooltip = name
    return _Chip(
        text=shown,
        tooltip=tooltip,
        width=round(text_width(shown, _FONT) + 2 * _CHIP_PAD, 1),
        fill=tint(colour, 0.2),
        stroke=colour,
    )


def _more_chip(hidden: Sequence[str]) -> _Chip:
    text = f"+{len(hidden)} more"
    listed = " › ".join(hidden[:40]) + (" › …" if len(hidden) > 40 else "")
    return _Chip(
        text=text,
        tooltip=f"{len(hidden)} more touchpoints: {listed}",
        width=round(text_width(text, _FONT) + 2 * _CHIP_PAD, 1),
        fill="#ffffff",
        stroke=MUTED,
        more=True,
    )


def _wrap(chips: list[_Chip], names: Sequence[str], room: float) -> list[list[_Chip]]:
    """Chips into lines of at most ``room`` pixels, at most MAX_LINES lines (then ``+N more``)."""
    lines: list[list[_Chip]] = [[]]
    used = 0.0
    for i, chip in enumerate(chips):
        need = chip.width + (_ARROW if lines[-1] else 0)
        if lines[-1] and used + need > room:
            if len(lines) == MAX_LINES:
                return _abbreviate(lines, chips, names, i, room)
            lines.append([])
            used = 0.0
            need = chip.width
        lines[-1].append(chip)
        used += need
    return lines


def _abbreviate(
    lines: list[list[_Chip]], chips: list[_Chip], names: Sequence[str], first_hidden: int, room: float
) -> list[list[_Chip]]:
    """The last line gives up chips until a ``+N more`` chip fits after them."""
    last = lines[-1]
    hidden = first_hidden
    while True:
        more = _more_chip(names[hidden:])
        used = sum(c.width for c in last) + _ARROW * len(last)
        if used + more.width <= room or len(last) <= 1:
            return [*lines[:-1], [*last, more]]
        last = last[:-1]
        hidden -= 1


def _draw(variants: Variants, *, segment: Any, top: int, title: str | None, width: float) -> tuple[str, str]:
    table = variants.table
    by = variants.by
    values = _segments_of(table) if by is not None and len(table) else [None]
    chosen = pick_segment(values, segment, by, "these variants")
    channels = getattr(variants, "channels", None)
    colours = channel_colours(channels["channel"]) if channels is not None and len(channels) else {}
    stats_x = width - _STATS_W
    room = stats_x - (_LEFT + _RANK_W) - 16

    blocks: list[tuple[Any, list[_Row], str, str | None]] = []
    used_channels: set[str] = set()
    for value in chosen:
        rows_frame = _rows_of(table, value, by)
        order = rows_frame.assign(_k=-rows_frame["cases"].astype("float64")).sort_values(
            ["_k", "variant_id"], kind="stable"
        )
        mix = _dominant(channels, value, by)
        rows = []
        for rank, rec in enumerate(order.head(top).itertuples(index=False), start=1):
            names = [clean(a) for a in rec.variant]
            chips = [_chip(n, mix.get(n, []), colours) for n in names]
            used_channels.update(mix[n][0][0] for n in names if mix.get(n))
            rows.append(
                _Row(
                    rank=rank,
                    lines=_wrap(chips, names, room) if chips else [[]],
                    cases=rec.cases,
                    share=rec.share,
                    duration=rec.median_duration_s,
                    tooltip=" › ".join(names),
                )
            )
        blocks.append((value, rows, _summary(rows_frame, len(rows)), _rest(rows_frame, len(rows))))

    # -- layout ----------------------------------------------------------------------------------
    out: list[str] = []
    y = 34.0
    heading = title if title is not None else "Top variants" + (f" by {by}" if by is not None else "")
    out.append(svg_text(_LEFT, y, heading, size=20, weight="bold"))
    y += 20
    sub = (
        "Each row is one variant: its touchpoints in order"
        + (", coloured by their main channel" if colours else "")
        + "; then its cases, share of cases and median duration."
    )
    for i, line in enumerate(wrap_text(sub, width - 2 * _LEFT, 12)):
        y += 16 * (i > 0)
        out.append(svg_text(_LEFT, y, line, size=12, fill=MUTED))
    y += 12
    if used_channels:
        y += 16
        out.append(_legend(sorted(used_channels), colours, _LEFT, y, width - 2 * _LEFT))
        y += 8
    largest = max((r.share for _, rows, _, _ in blocks for r in rows if not is_missing(r.share)), default=0.0)
    captions = []
    for value, rows, summary, rest in blocks:
        y += _BLOCK_GAP
        label = f"{by}: {segment_label(value)}" if by is not None else "All cases"
        out.append(
            svg_text(
                _LEFT, y, fit_text(label, width * 0.5, 15, bold=True), size=15, weight="bold", tooltip=label
            )
        )
        lw = min(text_width(fit_text(label, width * 0.5, 15, bold=True), 15, bold=True), width * 0.5)
        out.append(
            svg_text(
                _LEFT + lw + 12, y, fit_text(summary, width - lw - 2 * _LEFT - 12, 12), size=12, fill=MUTED
            )
        )
        captions.append(f"{label}: {summary}")
        y += 12
        out.append(_column_heads(stats_x, y + 12, width))
        y += 20
        out.append(
            f'<line x1="{_LEFT}" y1="{num(y)}" x2="{num(width - _LEFT)}" y2="{num(y)}" '
            f'stroke="#d1d5db" stroke-width="1"/>'
        )
        if not rows:
            y += 26
            out.append(
                svg_text(_LEFT + _RANK_W, y, "No variants: this segment has no cases.", size=12, fill=MUTED)
            )
            y += 10
        for i, row in enumerate(rows):
            h = len(row.lines) * _LINE_H + _ROW_PAD
            out.append(_row(row, y, h, stats_x, width, largest, shaded=i % 2 == 1))
            y += h
        if rest is not None:
            y += 18
            out.append(svg_text(_LEFT + _RANK_W, y, rest, size=12, fill=MUTED, style="italic"))
    y += 8
    note = "Durations: the median time from a case's first to its last event." + (
        " Hover over a chip for its channel mix." if used_channels else ""
    )
    for line in wrap_text(note, width - 2 * _LEFT, 11):
        y += 16
        out.append(svg_text(_LEFT, y, line, size=11, fill=MUTED))
    height = math.ceil(y + 16)
    alt = f"{heading}. " + " ".join(captions)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{height}" '
        f'viewBox="0 0 {num(width)} {height}" role="img" aria-label="{esc(alt)}" '
        f'font-family="{FONT}" fill="{INK}">\n'
        f"<title>{esc(alt)}</title>\n"
        f'<rect width="{num(width)}" height="{height}" fill="#ffffff"/>\n' + "".join(out) + "</svg>\n"
    )
    return svg, alt


def _summary(rows_frame: pd.DataFrame, shown: int) -> str:
    """``top 10 of 1,857 variants: 42.3% of 3,000 cases`` for one segment."""
    if len(rows_frame) == 0:
        return "0 cases"
    cases = rows_frame["cases"].astype("float64")
    share = rows_frame["share"].astype("float64")
    total = _total_cases(rows_frame)
    complete = abs(float(share.sum()) - 1.0) < 1e-6
    n = len(rows_frame)
    ordered = rows_frame.assign(_k=-cases).sort_values(["_k", "variant_id"], kind="stable")
    shown_share = float(ordered["share"].head(shown).astype("float64").sum())
    of = f"{format_count(n)} variant{'s' * (n != 1)}" if complete else f"more than {format_count(n)} variants"
    head = f"all {of}" if shown >= n and complete else f"top {format_count(shown)} of {of}"
    return f"{head}: {format_share(min(shown_share, 1.0))} of {format_count(total)} cases"


def _rest(rows_frame: pd.DataFrame, shown: int) -> str | None:
    """What the block leaves out: ``+ 606 other variants: 927 cases (77.5%)``, or None."""
    n = len(rows_frame)
    share = rows_frame["share"].astype("float64")
    complete = abs(float(share.sum()) - 1.0) < 1e-6
    if shown >= n and complete:
        return None
    cases = rows_frame["cases"].astype("float64")
    ordered = rows_frame.assign(_k=-cases).sort_values(["_k", "variant_id"], kind="stable")
    shown_share = float(ordered["share"].head(shown).astype("float64").sum())
    shown_cases = float(ordered["cases"].head(shown).astype("float64").sum())
    total = _total_cases(rows_frame)
    others = f"{format_count(n - shown)}" if complete else f"more than {format_count(n - shown)}"
    return (
        f"Not shown: {others} other variant{'s' * (n - shown != 1)}, "
        f"{format_count(max(total - shown_cases, 0))} cases ({format_share(max(1.0 - shown_share, 0.0))})"
    )


def _total_cases(rows_frame: pd.DataFrame) -> int:
    """The segment's cases: each row's cases divided by its share (the table may be cut by top=)."""
    cases = rows_frame["cases"].astype("float64")
    share = rows_frame["share"].astype("float64")
    ok = (share > 0) & cases.notna()
    return round(float((cases[ok] / share[ok]).median())) if ok.any() else int(cases.sum())


def svg_text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 12,
    weight: str | None = None,
    fill: str | None = None,
    anchor: str | None = None,
    tooltip: str | None = None,
    style: str | None = None,
) -> str:
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if style:
        attrs += f' font-style="{style}"'
    if fill:
        attrs += f' fill="{fill}"'
    if anchor:
        attrs += f' text-anchor="{anchor}"'
    inner = esc(text)
    if tooltip is not None and tooltip != text:
        inner = f"<title>{esc(tooltip)}</title>{inner}"
    return f"<text {attrs}>{inner}</text>\n"


def _legend(names: Iterable[str], colours: dict[str, str], x: float, y: float, room: float) -> str:
    parts = [svg_text(x, y + 4, "Channel", size=12, weight="bold")]
    cx = x + text_width("Channel", 12, bold=True) + 14
    line_y = y
    for name in names:
        label = fit_text(name, 140, 12)
        w = 14 + 6 + text_width(label, 12) + 18
        if cx + w > x + room:
            line_y += 20
            cx = x + text_width("Channel", 12, bold=True) + 14
        colour = colours.get(name, NO_CHANNEL)
        parts.append(
            f'<rect x="{num(cx)}" y="{num(line_y - 7)}" width="14" height="14" rx="3" '
            f'fill="{tint(colour, 0.2)}" stroke="{colour}" stroke-width="1.5"/>\n'
        )
        parts.append(svg_text(cx + 20, line_y + 4, label, size=12, tooltip=name))
        cx += w
    return f'<g class="jm-legend">\n{"".join(parts)}</g>\n'


def _column_heads(stats_x: float, y: float, width: float) -> str:
    head = [
        svg_text(_LEFT + _RANK_W, y, "Touchpoints in order", size=11, fill=MUTED, weight="bold"),
        svg_text(stats_x + 64, y, "Cases", size=11, fill=MUTED, weight="bold", anchor="end"),
        svg_text(stats_x + 84, y, "Share of cases", size=11, fill=MUTED, weight="bold"),
        svg_text(width - _LEFT, y, "Median duration", size=11, fill=MUTED, weight="bold", anchor="end"),
    ]
    return "".join(head)


def _row(row: _Row, y: float, h: float, stats_x: float, width: float, largest: float, *, shaded: bool) -> str:
    parts = [f'<g class="jm-variant">\n<title>{esc(f"#{row.rank}: {row.tooltip}")}</title>\n']
    if shaded:
        parts.append(
            f'<rect x="{num(_LEFT - 8)}" y="{num(y)}" width="{num(width - 2 * _LEFT + 16)}" '
            f'height="{num(h)}" fill="#f6f7f9"/>\n'
        )
    mid = y + _ROW_PAD / 2 + _LINE_H / 2
    parts.append(svg_text(_LEFT + _RANK_W - 10, mid + 4, str(row.rank), size=12, fill=MUTED, anchor="end"))
    if not any(row.lines):
        parts.append(svg_text(_LEFT + _RANK_W, mid + 4, "(no touchpoints)", size=11, fill=MUTED))
    for li, line in enumerate(row.lines):
        cy = y + _ROW_PAD / 2 + li * _LINE_H + (_LINE_H - _CHIP_H) / 2
        cx = float(_LEFT + _RANK_W)
        if li > 0:  # the row goes on: a small hook shows the line continues the previous one
            parts.append(
                f'<path d="M{num(cx - 12)} {num(cy - 4)}v{num(_CHIP_H / 2 + 4)}h7" fill="none" '
                f'stroke="{MUTED}" stroke-width="1.2"/>\n'
            )
        for ci, chip in enumerate(line):
            if ci > 0:
                ax = cx - _ARROW + 4
                ay = cy + _CHIP_H / 2
                parts.append(
                    f'<path d="M{num(ax)} {num(ay - 4)}l5 4l-5 4" fill="none" stroke="{MUTED}" '
                    'stroke-width="1.3" stroke-linecap="round" stroke-linejoin="round"/>\n'
                )
            dash = ' stroke-dasharray="3 2"' if chip.more else ""
            parts.append(
                f'<g class="jm-chip"><title>{esc(chip.tooltip)}</title><rect x="{num(cx)}" y="{num(cy)}" '
                f'width="{num(chip.width)}" height="{_CHIP_H}" rx="6" fill="{chip.fill}" '
                f'stroke="{chip.stroke}" stroke-width="1.4"{dash}/>'
                f'<text x="{num(cx + _CHIP_PAD)}" y="{num(cy + 16.5)}" font-size="{_FONT}"'
                f"{' fill=' + chr(34) + MUTED + chr(34) if chip.more else ''}>{esc(chip.text)}</text></g>\n"
            )
            cx += chip.width + _ARROW
    parts.append(svg_text(stats_x + 64, mid + 4, format_count(row.cases), size=12, anchor="end"))
    share = 0.0 if is_missing(row.share) else float(row.share)
    bar = 0.0 if largest <= 0 else 90 * share / largest
    parts.append(
        f'<rect x="{num(stats_x + 84)}" y="{num(mid - 5)}" width="{num(max(bar, 1))}" height="10" '
        f'rx="2" fill="#9db9d6"/>\n'
    )
    parts.append(svg_text(stats_x + 84 + bar + 6, mid + 4, format_share(row.share), size=12))
    parts.append(svg_text(width - _LEFT, mid + 4, format_duration(row.duration), size=12, anchor="end"))
    parts.append("</g>\n")
    return "".join(parts)


@hookimpl
def journeymine_register_renderers(register: Any) -> None:
    """Register the variant view."""
    register(VariantView())
