"""Text for people: durations in human units and plain tables that fit a terminal.

Frames and JSON keep durations in seconds (columns ending in ``_s``); everything a person reads
(command-line tables, reprs, messages) shows them with :func:`format_duration`. Tables are drawn by
:func:`text_table`: text left-aligned, numbers right-aligned, one column (a variant's path, say)
shortened with ``…`` so that a line fits the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["format_count", "format_duration", "format_share", "frame_table", "is_missing", "text_table"]

_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def format_duration(seconds: float | None) -> str:
    """A duration in seconds as a person reads it: the two largest units, rounded.

    Missing values (``None``, NaN) give ``"–"``; below ten seconds one decimal is kept, below
    50 ms two digits of milliseconds.

    Examples
    --------
    >>> format_duration(2_700)
    '45 min'
    >>> format_duration(273_600)
    '3 d 4 h'
    >>> format_duration(5_909_732)
    '68 d 10 h'
    >>> format_duration(95), format_duration(3_660), format_duration(0.25), format_duration(None)
    ('1 min 35 s', '1 h 1 min', '0.2 s', '–')
    >>> format_duration(-90), format_duration(-0.042), format_duration(0)
    ('-1 min 30 s', '-42 ms', '0 s')
    """
    if seconds is None:
        return "–"
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if 0 < value < 0.05:  # milliseconds, not "0 s" (a difference of 42 ms)
        return f"{sign}{value * 1e3:.2g} ms"
    if value < 10:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        return f"{sign}{text} s"
    for i, (unit, size) in enumerate(_UNITS[:-1]):
        if value >= size:
            small_unit, small_size = _UNITS[i + 1]
            total = round(value / small_size)  # in the smaller unit, rounded once
            big, small = divmod(total, size // small_size)
            parts = [f"{big} {unit}"] + ([f"{small} {small_unit}"] if small else [])
            return sign + " ".join(parts)
    return f"{sign}{round(value)} s"


def format_count(value: Any) -> str:
    """A whole number with thousands separators (``12,345``); ``–`` when missing.

    Examples
    --------
    >>> format_count(1234567), format_count(None)
    ('1,234,567', '–')
    """
    if is_missing(value):
        return "–"
    return f"{int(value):,}"


def format_share(value: Any) -> str:
    """A share between 0 and 1 as a percentage with one decimal (``12.5%``).

    Examples
    --------
    >>> format_share(0.125), format_share(float("nan"))
    ('12.5%', '–')
    """
    if is_missing(value):
        return "–"
    return f"{100 * float(value):.1f}%"


def segment_text(value: Any) -> str:
    """A segment value as people read it: ``(none)`` when missing, ``7`` for ``7.0``.

    Examples
    --------
    >>> segment_text(7.0), segment_text(None), segment_text("[0, 5000)")
    ('7', '(none)', '[0, 5000)')
    """
    if is_missing(value):
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_missing(value: Any) -> bool:
    """Whether a value is missing: ``None``, NaN, ``NaT`` or ``pandas.NA`` (without importing pandas).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0), is_missing("")
    (True, True, False, False)
    """
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except (TypeError, ValueError):  # pandas.NA: its comparisons are NA, which has no truth
        return True


def text_table(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str],
    *,
    align: Sequence[str] | None = None,
    width: int | None = None,
    flex: int | Sequence[int] | None = None,
    indent: int = 0,
) -> str:
    """Lay out rows of text as a plain table.

    Parameters
    ----------
    rows : iterable of sequences
        The cells, already formatted (anything else is passed through ``str``).
    header : sequence of str
    align : sequence of {"<", ">"}, optional
        Per column: ``"<"`` left (text), ``">"`` right (numbers). Default: all left.
    width : int, optional
        The line width to fit (the terminal's, say). Only the ``flex`` column is shortened.
    flex : int or sequence of int, optional
        The columns that give way (cut with ``…``, the widest first) when a line is too wide.
    indent : int
        Spaces before every line.

    Examples
    --------
    >>> print(text_table([["a > b > c", 12], ["a", 3]], ["variant", "cases"], align="<>"))
    variant    cases
    a > b > c     12
    a              3
    >>> print(text_table([["a > b > c > d", 12]], ["variant", "cases"], align="<>", width=14, flex=0))
    variant  cases
    a > b >…    12
    """
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    header = [str(h) for h in header]
    n = len(header)
    aligns = list(align) if align is not None else ["<"] * n
    widths = [max([len(header[i]), *(len(r[i]) for r in cells)]) for i in range(n)]
    flexible = [flex] if isinstance(flex, int) else list(flex or ())
    if width is not None and flexible:
        floor = {i: max(len(header[i]), 8) for i in flexible}
        excess = sum(widths) + 2 * (n - 1) + indent - width
        while excess > 0:  # take a character from the widest flexible column, as long as any gives
            i = max(flexible, key=lambda j: (widths[j] - floor[j], -j))
            if widths[i] <= floor[i]:
                break
            widths[i] -= 1
            excess -= 1
        for i in flexible:
            for r in cells:
                if len(r[i]) > widths[i]:
                    r[i] = r[i][: widths[i] - 1] + "…"
    pad = " " * indent

    def line(values: Sequence[str]) -> str:
        parts = [v.ljust(w) if a == "<" else v.rjust(w) for v, w, a in zip(values, widths, aligns)]
        return (pad + "  ".join(parts)).rstrip()

    return "\n".join([line(header), *(line(r) for r in cells)])


def frame_table(
    frame: pd.DataFrame,
    *,
    width: int | None = None,
    flex: str | Sequence[str] | None = None,
    indent: int = 0,
    labels: Mapping[str, str] | None = None,
) -> str:
    """A DataFrame as a plain table for people.

    Columns ending in ``_s`` are durations (shown with :func:`format_duration`, the suffix
    dropped from the header), ``share`` columns are percentages, whole numbers get thousands
    separators, other floats three decimals; text is left-aligned, numbers right. ``labels``
    overrides the header of a column (by its name in the frame).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"activity": ["Offer sent", "Call"], "cases": [1200, 35],
    ...                       "share": [0.4, 0.0117], "median_s": [273_600.0, float("nan")]})
    >>> print(frame_table(frame))
    activity    cases  share    median
    Offer sent  1,200  40.0%   3 d 4 h
    Call           35   1.2%         –
    """
    import pandas as pd

    header: list[str] = []
    aligns: list[str] = []
    columns: list[list[str]] = []
    for name in frame.columns:
        values = frame[name]
        label = str(name)
        duration = label.endswith("_s") and pd.api.types.is_numeric_dtype(values)
        default = (label[:-2] if duration else label).replace("_", " ")
        header.append(labels[name] if labels and name in labels else default)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        aligns.append(">" if numeric else "<")
        columns.append(_cells(label, values))
    rows = list(zip(*columns)) if columns else []
    names = [flex] if isinstance(flex, str) else list(flex or ())
    flex_index = [list(frame.columns).index(f) for f in names if f in frame.columns]
    return text_table(rows, header, align=aligns, width=width, flex=flex_index, indent=indent)


def _cells(label: str, values: pd.Series) -> list[str]:
    """The cells of one column, formatted as :func:`frame_table` does."""
    import pandas as pd

    if label.endswith("_s") and pd.api.types.is_numeric_dtype(values):
        return [format_duration(v) for v in values]
    if ("share" in label or label.endswith("_rate")) and pd.api.types.is_float_dtype(values):
        return [format_share(v) for v in values]
    if pd.api.types.is_bool_dtype(values):
        return ["yes" if v else "no" for v in values]
    if pd.api.types.is_integer_dtype(values):
        return [format_count(v) for v in values]
    if pd.api.types.is_float_dtype(values):
        return ["–" if is_missing(v) else f"{float(v):,.3f}" for v in values]
    return [_text(v) for v in values]


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, tuple | list):
        return " > ".join(str(v) for v in value)
    try:
        import pandas as pd

        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    return str(value).replace("\n", " ")
