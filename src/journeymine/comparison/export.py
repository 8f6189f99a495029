"""The tables of a :class:`~journeymine.comparison.result.Comparison` as CSV, Markdown and LaTeX.

- :func:`to_csv` is for analysts and other programs: every row, every column, full precision.
- :func:`to_markdown` and :func:`to_latex` are for people and papers: readable columns
  (percentages, percentage points, human durations, p-values to three significant digits), the
  significant rows first, at most ``max_rows`` rows per table, and a note on the methods.

Activity and segment names come from the data, so they are treated as untrusted text: quoted by
the :mod:`csv` module, backslash-escaped in Markdown, and every LaTeX special character escaped.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeymine.comparison.result import PAIRWISE_TABLES, TABLES, Comparison
from journeymine.display import format_duration, is_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_csv", "to_latex", "to_markdown"]

#: the heading of each table
_TITLES = {
    "groups": "Groups",
    "edges": "Edges",
    "variants": "Variants",
    "omnibus": "Omnibus tests",
    "distribution": "Variant distribution",
    "durations": "Durations",
    "kpis": "KPIs",
}
#: what each table shows, for LaTeX captions
_CAPTIONS = {
    "groups": "The groups compared: the segments each holds and its size",
    "edges": "Share of each group's cases with the transition",
    "variants": "Share of each group's cases that follow the variant",
    "omnibus": "Tests over all groups at once, per transition and variant",
    "distribution": "Difference of the variant distributions as a whole (Jensen-Shannon divergence)",
    "durations": "Median durations of cases and of each transition",
    "kpis": "Journey KPIs",
}
#: Markdown and LaTeX show at most this many characters of a variant's path
_PATH_LIMIT = 60
#: ... and of one activity in a transition
_NAME_LIMIT = 40


# --------------------------------------------------------------------------------------------- CSV


def to_csv(comparison: Comparison, table: str | None = None) -> str:
    """The tables of a comparison as CSV text: every row, every column, values as they are.

    With ``table`` one table with its own columns; without it every table that has rows (in the
    order of :data:`~journeymine.comparison.result.TABLES`) in one CSV, with a leading ``table``
    column and the union of their columns in the order they first appear (a cell is empty where
    its table has no such column).

    Floats are written with full precision (``repr``: they read back to the same number),
    booleans as ``true`` / ``false``, missing values (NaN, ``None``) as empty cells. A variant's
    activities are joined with ``" > "``, other lists (a group's ``segments``) with ``", "``; the
    JSON export keeps them as lists. Text is quoted as RFC 4180 says (lines end with CRLF), so
    names with commas, quotes or line breaks survive. To read it back with pandas pass
    ``keep_default_na=False, na_values=[""]`` (else a segment called ``NA`` becomes missing;
    before pandas 3, ``float_precision="round_trip"`` too).

    Values are never rewritten, so a name that starts with ``=``, ``+``, ``-`` or ``@`` stays as
    it is: a spreadsheet that opens the file may take such a cell for a formula (CSV injection).
    Open untrusted exports as text or import them with the columns typed as text.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`journeymine.compare` (or ``drift(...).comparison``).
    table : str, optional
        One of ``"groups"``, ``"edges"``, ``"variants"``, ``"omnibus"``, ``"distribution"``,
        ``"durations"``, ``"kpis"``; all of them when omitted.

    Returns
    -------
    str

    Raises
    ------
    ArgumentError
        For a table name that does not exist; the message lists those that do.

    Examples
    --------
    >>> comparison = _example()
    >>> lines = to_csv(comparison, "edges").splitlines()
    >>> print(lines[0])
    group_a,group_b,source,target,cases_a,cases_b,share_a,share_b,diff,ci_low,ci_high,ratio,...
    >>> print(lines[1])
    web,branch,Apply,"Offer, signed",90,40,0.75,0.5,0.25,0.1234567890123,0.38,1.5,...,true,
    >>> to_csv(comparison).splitlines()[0].split(",")[:7]
    ['table', 'group', 'segments', 'cases', 'events', 'group_a', 'group_b']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table is not None:
        frame = comparison.table(table)
        columns = [str(c) for c in frame.columns]
        writer.writerow(columns)
        writer.writerows(_csv_rows(frame, columns))
        return buffer.getvalue()
    frames = [(name, comparison.table(name)) for name in _names(comparison, None)]
    union: list[str] = []
    for _, frame in frames:
        union.extend(str(c) for c in frame.columns if str(c) not in union and str(c) != "table")
    writer.writerow(["table", *union])
    for name, frame in frames:
        writer.writerows([name, *row] for row in _csv_rows(frame, union))
    return buffer.getvalue()


def _csv_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[str]]:
    """The CSV cells of a frame, for ``columns`` (empty where the frame lacks one)."""
    present = {str(c): c for c in frame.columns}
    n = len(frame)
    values = [_csv_column(frame[present[name]], name) if name in present else [""] * n for name in columns]
    return [list(row) for row in zip(*values)] if values else [[] for _ in range(n)]


def _csv_column(values: pd.Series, name: str) -> list[str]:
    """The CSV cells of one column (plain float, integer and bool columns the fast way)."""
    import numpy as np
    import pandas as pd

    dtype = values.dtype
    if isinstance(dtype, np.dtype):  # not the pandas extension dtypes (nullable, with pd.NA)
        if pd.api.types.is_bool_dtype(dtype):
            return ["true" if v else "false" for v in values.tolist()]
        if pd.api.types.is_integer_dtype(dtype):
            return [str(v) for v in values.tolist()]
        if pd.api.types.is_float_dtype(dtype):
            return [repr(v) if v == v else "" for v in values.tolist()]
    return [_csv_cell(v, name) for v in values.tolist()]


def _csv_cell(value: Any, column: str) -> str:
    """One value as CSV text: full-precision floats, ``true``/``false``, lists joined."""
    if isinstance(value, (list, tuple)):
        separator = " > " if column == "variant" else ", "
        return separator.join(_csv_cell(v, "") for v in value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars, arrays
        return _csv_cell(value.tolist(), column)
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --------------------------------------------------------------------------- Markdown and LaTeX


@dataclass(frozen=True)
class _Style:
    """How one output format writes the pieces of a cell."""

    text: Callable[[str], str]  # escapes untrusted text
    missing: str
    minus: str
    percent: str
    less: str
    arrow: str  # between the source and target of a transition
    step: str  # between the activities of a variant
    infinity: str
    open: str  # around an interval
    close: str
    marker: str  # a significant row
    marker_header: str


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def _md_text(text: str) -> str:
    """Untrusted text for a Markdown table cell: one line, every special character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text))


_TEX = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "|": r"\textbar{}",
        "[": "{[}",  # not an optional argument of a \\ or \midrule before it
        "]": "{]}",
        "…": r"\ldots{}",
    }
)
_LIGATURE = re.compile(r"([-`',])(?=\1)|([!?])(?=`)")


def _tex_text(text: str) -> str:
    """Untrusted text for LaTeX: every special character escaped, no ligatures (``--``, ``,,``)."""
    escaped = _CONTROL.sub(" ", text).translate(_TEX)
    return _LIGATURE.sub(lambda m: m.group(0) + "{}", escaped)


_MARKDOWN = _Style(
    text=_md_text,
    missing="–",
    minus="-",
    percent="%",
    less="\\<",
    arrow=" -\\> ",
    step=" \\> ",
    infinity="∞",
    open="\\[",
    close="\\]",
    marker="yes",
    marker_header="significant",
)
_LATEX = _Style(
    text=_tex_text,
    missing="--",
    minus="$-$",
    percent="\\%",
    less="$<$",
    arrow=" $\\rightarrow$ ",
    step=" $>$ ",
    infinity="$\\infty$",
    open="[",
    close="]",
    marker="*",
    marker_header="",
)


def _num(value: Any, spec: str, style: _Style, *, plus: bool = False) -> str:
    """A number with ``format`` spec ``spec``, the style's minus sign (``+`` with ``plus``)."""
    if is_missing(value):
        return style.missing
    x = float(value)
    if math.isinf(x):
        return (style.minus if x < 0 else "+" if plus else "") + style.infinity
    text = format(abs(x), spec)
    nonzero = any(c in "123456789" for c in text.split("e")[0])
    sign = (style.minus if x < 0 else "+" if plus else "") if nonzero else ""
    return sign + text.replace("-", style.minus) if "e" in text else sign + text


def _sig(value: Any, style: _Style) -> str:
    """Three significant digits (a ratio), plain below a thousand."""
    if is_missing(value) or math.isinf(float(value)) or abs(float(value)) >= 1000:
        return _num(value, ",.0f", style)
    return _num(value, "#.3g" if abs(float(value)) >= 0.001 or float(value) == 0 else ".2e", style)


def _pvalue(value: Any, style: _Style) -> str:
    """A p- or q-value: ``<0.001`` below a thousandth, else three significant digits."""
    if is_missing(value):
        return style.missing
    if float(value) < 0.001:
        return style.less + "0.001"
    return format(float(value), "#.3g")


def _percent(value: Any, style: _Style) -> str:
    return style.missing if is_missing(value) else _num(100 * float(value), ".1f", style) + style.percent


def _count(value: Any, style: _Style) -> str:
    return style.missing if is_missing(value) else f"{int(value):,}"


def _duration(value: Any, style: _Style, *, plus: bool = False) -> str:
    """A duration in seconds in human units, with the style's minus sign."""
    if is_missing(value):
        return style.missing
    x = float(value)
    text = format_duration(abs(x)).replace("∞", style.infinity)
    nonzero = any(c in "123456789" for c in text)
    sign = (style.minus if x < 0 else "+" if plus else "") if nonzero else ""
    return sign + text


def _interval(estimate: str, low: str, high: str, style: _Style) -> str:
    """``estimate [low, high]``; the estimate alone when the interval is missing."""
    if estimate == style.missing or (low == style.missing and high == style.missing):
        return estimate
    return f"{estimate} {style.open}{low}, {high}{style.close}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def _shorten(parts: Sequence[str], limit: int = _PATH_LIMIT) -> list[str]:
    """The activities of a path to show in about ``limit`` characters: ``A > B > … > Z``."""
    if len(" > ".join(parts)) <= limit or not parts:
        return list(parts)
    if len(parts) == 1:
        return [_cut(parts[0], limit)]
    last = _cut(parts[-1], limit // 2)
    room = limit - len(last) - len(" > … > ")
    head: list[str] = []
    used = 0
    for part in parts[:-1]:
        step = len(part) + (3 if head else 0)
        if used + step > room:
            break
        head.append(part)
        used += step
    if len(head) == len(parts) - 1:
        return [*head, last]
    return [*(head or [_cut(parts[0], max(room, 8))]), "…", last]


def _text(value: Any, style: _Style, *, empty: str = "") -> str:
    return empty if is_missing(value) else style.text(str(value))


def _path(value: Any, style: _Style) -> str | None:
    """A variant (a sequence of activities) shortened and escaped; ``None`` if it is none."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return None
    parts = ["" if is_missing(v) else str(v) for v in value]
    return style.step.join(style.text(p) for p in _shorten(parts))


def _transition(row: dict[str, Any], style: _Style) -> str:
    if is_missing(row.get("source")) and is_missing(row.get("target")):
        return style.text("(whole case)")
    return style.arrow.join(
        style.text(_cut("" if is_missing(row.get(k)) else str(row.get(k)), _NAME_LIMIT))
        for k in ("source", "target")
    )


#: a column: its header (plain text), its alignment ("<" text, ">" numbers) and its cells
_Column = tuple[str, str, Callable[[dict[str, Any]], str]]


def _columns(name: str, comparison: Comparison, style: _Style) -> list[_Column]:
    """The columns people read for one table."""
    s = style
    confidence = comparison.settings.get("confidence")
    ci = f"{100 * float(confidence):g}% CI" if isinstance(confidence, (int, float)) else "CI"
    pair: list[_Column] = [
        ("group a", "<", lambda r: _text(r.get("group_a"), s)),
        ("group b", "<", lambda r: _text(r.get("group_b"), s)),
    ]
    tests: list[_Column] = [
        ("p", ">", lambda r: _pvalue(r.get("p"), s)),
        ("q", ">", lambda r: _pvalue(r.get("q"), s)),
        (s.marker_header, "<", lambda r: s.marker if _truthy(r.get("significant")) else ""),
        ("reason", "<", lambda r: _text(r.get("reason"), s)),
    ]

    def shares(r: dict[str, Any], scale: float = 100.0, spec: str = ".1f", unit: str = "") -> str:
        estimate = _num(_scaled(r.get("diff"), scale), spec, s, plus=True)
        return _interval(
            estimate + (unit if estimate != s.missing else ""),
            _num(_scaled(r.get("ci_low"), scale), spec, s),
            _num(_scaled(r.get("ci_high"), scale), spec, s),
            s,
        )

    def ratio(r: dict[str, Any]) -> str:
        return _interval(
            _sig(r.get("ratio"), s), _sig(r.get("ratio_ci_low"), s), _sig(r.get("ratio_ci_high"), s), s
        )

    def effect(r: dict[str, Any]) -> str:
        return _num(r.get("effect"), ".2f", s, plus=True)

    if name in ("edges", "variants"):
        feature: _Column = (
            ("transition", "<", lambda r: _transition(r, s))
            if name == "edges"
            else ("variant", "<", lambda r: _path(r.get("variant"), s) or _text(r.get("variant_id"), s))
        )
        return [
            *pair,
            feature,
            ("share a", ">", lambda r: _percent(r.get("share_a"), s)),
            ("share b", ">", lambda r: _percent(r.get("share_b"), s)),
            (f"diff, pp [{ci}]", ">", shares),
            (f"ratio [{ci}]", ">", ratio),
            ("effect (h)", ">", effect),
            *tests,
        ]
    if name == "durations":

        def diff(r: dict[str, Any]) -> str:
            return _interval(
                _duration(r.get("diff_s"), s, plus=True),
                _duration(r.get("ci_low_s"), s),
                _duration(r.get("ci_high_s"), s),
                s,
            )

        return [
            *pair,
            ("transition", "<", lambda r: _transition(r, s)),
            ("n a", ">", lambda r: _count(r.get("n_a"), s)),
            ("n b", ">", lambda r: _count(r.get("n_b"), s)),
            ("median a", ">", lambda r: _duration(r.get("median_a_s"), s)),
            ("median b", ">", lambda r: _duration(r.get("median_b_s"), s)),
            (f"diff [{ci}]", ">", diff),
            ("effect (delta)", ">", effect),
            *tests,
        ]
    if name == "kpis":

        def share_kpi(r: dict[str, Any]) -> bool:
            return r.get("effect_kind") == "h"

        def value(key: str) -> Callable[[dict[str, Any]], str]:
            return lambda r: _percent(r.get(key), s) if share_kpi(r) else _num(r.get(key), ".2f", s)

        def kpi_effect(r: dict[str, Any]) -> str:
            kind = r.get("effect_kind")
            text = effect(r)
            return f"{text} ({_text(kind, s)})" if text != s.missing and not is_missing(kind) else text

        return [
            *pair,
            ("kpi", "<", lambda r: _text(r.get("kpi"), s)),
            ("stage", "<", lambda r: _text(r.get("stage"), s)),
            ("touchpoint", "<", lambda r: _text(r.get("touchpoint"), s)),
            ("value a", ">", value("value_a")),
            ("value b", ">", value("value_b")),
            (
                f"diff [{ci}]",
                ">",
                lambda r: shares(r, unit=" pp") if share_kpi(r) else shares(r, 1.0, ".2f"),
            ),
            ("effect", ">", kpi_effect),
            *tests,
        ]
    if name == "omnibus":
        paths = _variant_paths(comparison.variants)

        def omnibus_feature(r: dict[str, Any]) -> str:
            if r.get("kind") == "variant":
                path = paths.get(str(r.get("variant_id")))
                return (_path(path, s) if path is not None else None) or _text(r.get("variant_id"), s)
            return _transition(r, s)

        return [
            ("kind", "<", lambda r: _text(r.get("kind"), s)),
            ("transition or variant", "<", omnibus_feature),
            ("chi-square", ">", lambda r: _num(r.get("statistic"), ",.2f", s)),
            ("dof", ">", lambda r: _count(r.get("dof"), s)),
            *tests[:2],
            ("test", "<", lambda r: _text(r.get("test"), s)),
            *tests[2:],
        ]
    if name == "distribution":
        return [
            ("group a", "<", lambda r: _text(r.get("group_a"), s, empty=s.text("(all groups)"))),
            ("group b", "<", lambda r: _text(r.get("group_b"), s)),
            ("JSD (bits)", ">", lambda r: _num(r.get("statistic"), ".4f", s)),
            ("p", ">", lambda r: _pvalue(r.get("p"), s)),
            ("permutations", ">", lambda r: _count(r.get("permutations"), s)),
            ("method", "<", lambda r: _text(r.get("method"), s)),
        ]
    return [  # groups
        ("group", "<", lambda r: _text(r.get("group"), s)),
        ("segments", "<", lambda r: _segments(r.get("segments"), s)),
        ("cases", ">", lambda r: _count(r.get("cases"), s)),
        ("events", ">", lambda r: _count(r.get("events"), s)),
    ]


def _scaled(value: Any, scale: float) -> Any:
    return value if is_missing(value) else float(value) * scale


def _segments(value: Any, style: _Style) -> str:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return _text(value, style)
    return ", ".join(_text(v, style) for v in value)


def _variant_paths(variants: pd.DataFrame) -> dict[str, Any]:
    """Each variant id's activities, from the variants table (for the omnibus rows)."""
    if variants.empty or "variant_id" not in variants or "variant" not in variants:
        return {}
    return dict(zip(variants["variant_id"].astype(str).tolist(), variants["variant"].tolist()))


@dataclass(frozen=True)
class _Section:
    """One table as shown: a whole table, or one pair's rows of a pairwise table."""

    name: str
    pair: tuple[str, str] | None  # set when the table is split by pair
    index: int  # 1, 2, ... among the sections of the same table (when split)
    rows: list[dict[str, Any]]
    total: int
    ordered: bool  # rows sorted: significant first, then by effect


def _names(comparison: Comparison, table: str | None) -> list[str]:
    if table is not None:
        comparison.table(table)  # raises ArgumentError for an unknown name
        return [table]
    return [name for name in TABLES if not comparison.table(name).empty]


def _check_max_rows(max_rows: int | None) -> None:
    if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
        from journeymine.errors import ArgumentError

        raise ArgumentError(
            f"max_rows={max_rows!r} is not a number of rows; pass max_rows= a whole number of at "
            "least 1, or max_rows=None for every row"
        )


def _order(frame: pd.DataFrame) -> list[int]:
    """Row positions: significant first, then the largest |effect| (or smallest p), stable."""
    n = len(frame)
    sig = frame["significant"].tolist() if "significant" in frame else [False] * n
    if "effect" in frame:
        strength = [-math.inf if is_missing(e) else abs(float(e)) for e in frame["effect"].tolist()]
    elif "p" in frame:
        strength = [-math.inf if is_missing(p) else -float(p) for p in frame["p"].tolist()]
    else:
        strength = [0.0] * n
    return sorted(range(n), key=lambda i: (not _truthy(sig[i]), -strength[i]))


def _truthy(value: Any) -> bool:
    """Whether a ``significant`` cell is true (a missing one is not)."""
    return not is_missing(value) and bool(value)


def _pairs(frame: pd.DataFrame, comparison: Comparison) -> list[tuple[str, str]]:
    """The pairs of a pairwise table: those of the settings first, then any others, in order."""
    seen = list(dict.fromkeys(zip(frame["group_a"].astype(str), frame["group_b"].astype(str))))
    known = [p for p in comparison.pairs if p in seen]
    return known + [p for p in seen if p not in known]


def _sections(comparison: Comparison, table: str | None, max_rows: int | None) -> list[_Section]:
    _check_max_rows(max_rows)
    out: list[_Section] = []
    for name in _names(comparison, table):
        frame = comparison.table(name).reset_index(drop=True)
        ordered = name in PAIRWISE_TABLES or name == "omnibus"
        parts: list[tuple[tuple[str, str] | None, pd.DataFrame]] = [(None, frame)]
        if name in PAIRWISE_TABLES and not frame.empty and {"group_a", "group_b"} <= set(frame.columns):
            pairs = _pairs(frame, comparison)
            if len(pairs) > 1:
                keys = list(zip(frame["group_a"].astype(str), frame["group_b"].astype(str)))
                parts = [
                    (pair, frame.iloc[[i for i, k in enumerate(keys) if k == pair]].reset_index(drop=True))
                    for pair in pairs
                ]
        for index, (pair, part) in enumerate(parts, start=1):
            positions = _order(part) if ordered else list(range(len(part)))
            shown = positions if max_rows is None else positions[:max_rows]
            rows = part.iloc[shown].to_dict("records") if shown else []
            out.append(_Section(name, pair, index, rows, len(part), ordered))
    return out


def _left_out(section: _Section) -> str | None:
    """The sentence saying how many rows a table leaves out, if it does."""
    left = section.total - len(section.rows)
    if left <= 0:
        return None
    which = "significant rows first, then the largest effects" if section.ordered else "the first rows"
    return (
        f"{len(section.rows):,} of {section.total:,} rows shown ({which}); {left:,} "
        f"{'row' if left == 1 else 'rows'} left out. "
        "The CSV and JSON exports hold all of them."
    )


def _settings_sentence(comparison: Comparison, *, short: bool = False) -> str:
    """Direction, alpha, confidence, seed and permutations in a sentence or three.

    ``short`` (a LaTeX table's note) leaves out what the methods note of the whole comparison says.
    """
    settings = comparison.settings
    confidence = settings.get("confidence")
    level = f"{100 * float(confidence):g}% " if isinstance(confidence, (int, float)) else ""
    alpha = f"q < alpha = {comparison.alpha:g}"
    seeded = []
    if settings.get("seed") is not None:
        seeded.append(f"seed {settings['seed']}")
    if settings.get("permutations") is not None:
        seeded.append(f"{int(settings['permutations']):,} permutations")
    draws = ", ".join(seeded)
    if short:
        return f"Differences a minus b with {level}confidence intervals; * {alpha} (Benjamini-Hochberg)" + (
            f"; {draws}." if draws else "."
        )
    parts = [
        "Differences are group a minus group b (shares in percentage points), ratios a over b, "
        f"with {level}confidence intervals."
    ]
    if "fdr" in _methods(comparison):
        parts.append(f"Significant: {alpha}.")
    else:
        parts.append(
            f"Significant: {alpha}, q being the Benjamini-Hochberg adjusted p-value (false "
            "discovery rate control over all tests of a table, all pairs together)."
        )
    if settings.get("min_count") is not None:
        parts.append(f"Tests need min_count = {settings['min_count']} cases; a row not tested says why.")
    if draws:
        parts.append(draws[0].upper() + draws[1:] + ".")
    return " ".join(parts)


def _methods(comparison: Comparison) -> dict[str, str]:
    methods = comparison.settings.get("methods") or {}
    return {str(k): str(v) for k, v in dict(methods).items()}


def _heading(section: _Section) -> str:
    title = _TITLES.get(section.name, section.name)
    return title if section.pair is None else f"{title}: {section.pair[0]} vs {section.pair[1]}"


def to_markdown(comparison: Comparison, table: str | None = None, *, max_rows: int | None = 50) -> str:
    r"""The tables of a comparison as Markdown pipe tables, with the methods in a closing note.

    Each table gets a ``### Edges`` style heading (``### Edges: web vs branch`` per pair when
    there are several pairs) and readable columns: shares as percentages, differences in
    percentage points with their interval (``+3.1 [-1.2, 7.4]``), ratios with theirs, durations
    in human units (``3 d 4 h``, differences signed), p- and q-values to three significant digits
    (``<0.001`` below a thousandth) and ``yes`` for a significant row. The rows of a pairwise
    table are sorted: the significant ones first, then by the size of the effect; at most
    ``max_rows`` of them are shown, with a line saying how many were left out (the CSV and JSON
    exports hold every row).

    Names from the data are escaped: pipes, backslashes and the characters Markdown would
    interpret (``* _ ` < > [ ] # ~ & $``) get a backslash, line breaks become spaces, so every
    row of a table has the same cells. Long variants are shortened with ``…``.

    Parameters
    ----------
    comparison : Comparison
    table : str, optional
        One table by name (``"edges"``, ...); every table with rows when omitted.
    max_rows : int or None
        The most rows shown per table; ``None`` shows all of them.

    Returns
    -------
    str

    Raises
    ------
    ArgumentError
        For an unknown table name or a ``max_rows`` that is not a positive whole number.

    Examples
    --------
    >>> text = to_markdown(_example(), "edges")
    >>> print("\n".join(text.splitlines()[:4]))
    ### Edges
    <BLANKLINE>
    | group a | group b | transition | share a | share b | diff, pp \[95% CI\] | ratio \[95% CI\] | ...
    | :--- | :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- | :--- |
    >>> print(text.splitlines()[4])
    | web | branch | Apply -\> Offer, signed | 75.0% | 50.0% | +25.0 \[12.3, 38.0\] | ...
    >>> print(to_markdown(_example(), "edges", max_rows=1).split("\n\n")[2])
    1 of 2 rows shown (significant rows first, then the largest effects); 1 row left out. ...
    """
    style = _MARKDOWN
    blocks: list[str] = []
    for section in _sections(comparison, table, max_rows):
        blocks.append("### " + style.text(_heading(section)))
        columns = _columns(section.name, comparison, style)
        if section.rows:
            lines = [
                _md_row(style.text(h) for h, _, _ in columns),
                _md_row("---:" if align == ">" else ":---" for _, align, _ in columns),
                *(_md_row(cell(row) for _, _, cell in columns) for row in section.rows),
            ]
            blocks.append("\n".join(lines))
        else:
            blocks.append("No rows.")
        note = _left_out(section)
        if note:
            blocks.append(style.text(note))
    if not blocks:
        blocks.append("No table has rows.")
    blocks.append("### Methods")
    methods = _methods(comparison)
    if methods:
        blocks.append("\n".join("- " + style.text(text) for text in methods.values()))
    blocks.append(style.text(_settings_sentence(comparison)))
    return "\n\n".join(blocks) + "\n"


def _md_row(cells: Any) -> str:
    return "| " + " | ".join(cells) + " |"


def to_latex(comparison: Comparison, table: str | None = None, *, max_rows: int | None = 50) -> str:
    r"""The tables of a comparison as LaTeX ``table`` floats with ``booktabs`` rules, for papers.

    Each table is a ``tabular`` with ``\toprule``, ``\midrule`` and ``\bottomrule`` (load
    ``\usepackage{booktabs}``), a ``\caption`` and a ``\label`` (``tab:compare-edges``; with
    several pairs one table per pair, ``tab:compare-edges-1``, ``-2``, ...), text left and
    numbers right aligned, and after it a ``\footnotesize`` note: the method of the table (the
    sentence in ``comparison.settings["methods"]``), alpha, the seed and, when rows were left out,
    how many. A significant row has a ``*`` in the column after ``q``. Columns and row order are
    those of :func:`to_markdown` (at most ``max_rows`` rows per table, significant first); minus
    signs are ``$-$``, p below a thousandth is ``$<$0.001``.

    Every LaTeX special character in names from the data is escaped (``\ & % $ # _ { } ~ ^``, and
    ``< > |``, which the default font encoding does not print; ``[ ]`` are braced and ``--``
    ligatures broken). Characters beyond Latin ones (emoji, CJK) need XeLaTeX or LuaLaTeX.

    Parameters
    ----------
    comparison : Comparison
    table : str, optional
        One table by name (``"edges"``, ...); every table with rows when omitted.
    max_rows : int or None
        The most rows shown per table; ``None`` shows all of them (long tables need
        ``longtable`` or several pages: cut and paste the rows).

    Returns
    -------
    str

    Raises
    ------
    ArgumentError
        For an unknown table name or a ``max_rows`` that is not a positive whole number.

    Examples
    --------
    >>> text = to_latex(_example(), "edges")
    >>> print("\n".join(text.splitlines()[:10]))
    % journeymine comparison tables; needs \usepackage{booktabs}
    <BLANKLINE>
    \begin{table}[htbp]
    \centering
    \caption{Share of each group's cases with the transition.}
    \label{tab:compare-edges}
    \begin{tabular}{lllrrrrrrrcl}
    \toprule
    group a & group b & transition & share a & share b & diff, pp {[}95\% CI{]} & ...
    \midrule
    >>> print(text.splitlines()[10])
    web & branch & Apply $\rightarrow$ Offer, signed & 75.0\% & 50.0\% & +25.0 [12.3, 38.0] & ...
    """
    style = _LATEX
    methods = _methods(comparison)
    blocks = ["% journeymine comparison tables; needs \\usepackage{booktabs}"]
    sections = _sections(comparison, table, max_rows)
    split = {s.name for s in sections if s.pair is not None}
    for section in sections:
        columns = _columns(section.name, comparison, style)
        caption = _CAPTIONS.get(section.name, _TITLES.get(section.name, section.name))
        if section.pair is not None:
            caption += f", {section.pair[0]} vs {section.pair[1]}"
        label = f"tab:compare-{section.name}" + (f"-{section.index}" if section.name in split else "")
        spec = "".join("r" if a == ">" else "c" if h == "" else "l" for h, a, _ in columns)
        lines = [
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\caption{{{style.text(caption)}.}}",
            f"\\label{{{label}}}",
            f"\\begin{{tabular}}{{{spec}}}",
            "\\toprule",
            _tex_row(style.text(h) for h, _, _ in columns),
            "\\midrule",
            *(_tex_row(cell(row) for _, _, cell in columns) for row in section.rows),
        ]
        if not section.rows:
            lines.append(f"\\multicolumn{{{len(columns)}}}{{l}}{{No rows.}} \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        note = [methods[section.name]] if section.name in methods else []
        if section.name in PAIRWISE_TABLES or section.name == "omnibus":
            note.append(_settings_sentence(comparison, short=True))
        elif section.name == "distribution" and comparison.settings.get("seed") is not None:
            note.append(f"Seed {comparison.settings['seed']}.")
        left = _left_out(section)
        if left:
            note.append(left)
        if note:
            lines += ["\\par\\smallskip\\footnotesize", style.text(" ".join(note))]
        lines.append("\\end{table}")
        blocks.append("\n".join(lines))
    if not sections:
        blocks.append("% no table has rows")
    return "\n\n".join(blocks) + "\n"


def _tex_row(cells: Any) -> str:
    line = " & ".join(cells) + " \\\\"
    # a row that starts with * or [ would be read as part of the \\ (or \midrule) before it
    return "{}" + line if line.startswith(("*", "[")) else line


# ----------------------------------------------------------------------------------- the example


def _example() -> Comparison:
    """A small comparison of two groups built from literal frames (for the examples)."""
    import pandas as pd

    shares = ["cases_a", "cases_b", "share_a", "share_b", "diff", "ci_low", "ci_high", "ratio"]
    shares += ["ratio_ci_low", "ratio_ci_high", "effect", "p", "q", "test", "significant", "reason"]
    edges = pd.DataFrame(
        [
            ["web", "branch", "Apply", "Offer, signed", 90, 40, 0.75, 0.5, 0.25, 0.1234567890123, 0.38,
             1.5, 1.17, 1.92, 0.52, 0.00032, 0.00064, "chi-square", True, ""],
            ["web", "branch", "Offer, signed", "Call", 6, 5, 0.05, 0.0625, -0.0125, -0.09, 0.05,
             0.8, 0.25, 2.5, -0.054, 0.75, 0.75, "fisher", False, ""],
        ],
        columns=["group_a", "group_b", "source", "target", *shares],
    )  # fmt: skip
    variants = pd.DataFrame(
        [["web", "branch", "v1", ("Apply", "Offer, signed", "Sign"), 60, 20, 0.5, 0.25, 0.25, 0.11,
          0.37, 2.0, 1.31, 3.05, 0.52, 0.0004, 0.0004, "chi-square", True, ""]],
        columns=["group_a", "group_b", "variant_id", "variant", *shares],
    )  # fmt: skip
    durations = pd.DataFrame(
        [["web", "branch", "case", None, None, 120, 80, 273_600.0, 345_600.0, -72_000.0, -100_800.0,
          -36_000.0, -0.21, 0.014, 0.014, "mann-whitney", True, ""]],
        columns=["group_a", "group_b", "level", "source", "target", "n_a", "n_b", "median_a_s",
                 "median_b_s", "diff_s", "ci_low_s", "ci_high_s", "effect", "p", "q", "test",
                 "significant", "reason"],
    )  # fmt: skip
    tested = ["p", "q", "test", "significant", "reason"]
    omnibus_columns = ["kind", "source", "target", "variant_id", "statistic", "dof"]
    kpi_columns = ["group_a", "group_b", "kpi", "stage", "touchpoint", "n_a", "n_b", "value_a", "value_b"]
    return Comparison(
        groups=pd.DataFrame(
            {
                "group": ["web", "branch"],
                "segments": [["web"], ["branch"]],
                "cases": [120, 80],
                "events": [600, 410],
            }
        ),
        edges=edges,
        variants=variants,
        omnibus=pd.DataFrame(columns=[*omnibus_columns, *tested]),
        distribution=pd.DataFrame(
            [["web", "branch", 0.031, 0.012, 999, 0, "permutation_test"]],
            columns=["group_a", "group_b", "statistic", "p", "permutations", "seed", "method"],
        ),
        durations=durations,
        kpis=pd.DataFrame(
            columns=[*kpi_columns, "diff", "ci_low", "ci_high", "effect", "effect_kind", *tested]
        ),
        settings={
            "by": "channel",
            "bins": None,
            "groups": ["web", "branch"],
            "pairs": [["web", "branch"]],
            "alpha": 0.05,
            "confidence": 0.95,
            "seed": 0,
            "permutations": 999,
            "min_count": 10,
            "against": None,
            "methods": {
                "edges": "Transitions: Newcombe's hybrid score interval; chi-square or Fisher test.",
                "durations": "Durations: bootstrap interval of the medians; Mann-Whitney U test.",
            },
        },
    )
