"""The comparison in the HTML report: the section ``"comparison"`` (order 80).

A report section, a built-in plugin registered like any other (see :mod:`journeymine.views.report`),
made from ``context.comparison`` (what :func:`journeymine.compare` found, when the report was asked
for it) and left out without one. It shows, in this order:

- a heading naming the pair (``Comparison: A vs B``; ``Groups compared`` with more than two
  groups) and a sentence with the groups, what they hold and their cases;
- whether the variant distributions differ as a whole: the Jensen-Shannon divergence and its
  permutation p-value, with the permutations and the seed (with more than two groups: the test
  over all of them, then each pair, and the omnibus tests per transition and variant);
- the difference map of each pair (the ``"difference-map"`` renderer,
  :mod:`journeymine.views.diffmap`; at most :data:`MAX_MAPS`);
- the significant differences in transitions, variants, durations and journey KPIs: the
  :data:`TOP` largest of each by effect size, with the number of tests run and not run, or that no
  difference is significant at the false discovery rate;
- the methods (``settings["methods"]``) and the note that these are associations, not causes.

Every text from the data (group, segment, activity, stage and touchpoint names, reasons, methods)
is escaped.

Examples
--------
>>> import dataclasses
>>> import journeymine as jm
>>> from journeymine.views.report import build_context
>>> log = jm.datasets.load_demo_log()
>>> context = build_context(log, by="segment", detail=0.8)
>>> ComparisonSection().render(context) is None  # no comparison asked for
True
>>> comparison = jm.compare(log, by="segment", groups=("mover", "refinancer"))
>>> html = ComparisonSection().render(dataclasses.replace(context, comparison=comparison))
>>> "Comparison: mover vs refinancer" in html and html.count("<svg")
1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from journeymine.display import format_count, format_duration, format_share, is_missing
from journeymine.hookspecs import hookimpl

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.comparison.result import Comparison
    from journeymine.views.report import ReportContext

__all__ = ["MAX_MAPS", "TOP", "ComparisonSection", "journeymine_register_report_sections"]

#: rows shown per table of significant differences (the largest effects)
TOP = 15
#: difference maps drawn at most (one per pair; more groups give many pairs)
MAX_MAPS = 6
#: a pair's difference map in the report leaves out edges under ``DENSE_MIN_SHARE`` of the cases
#: (in both groups) once the pair has more than ``DENSE_EDGES`` edges; its footnote counts them
DENSE_EDGES, DENSE_MIN_SHARE = 60, 0.02
#: the note every comparison of groups of customers carries
ASSOCIATION = (
    "These are differences between groups of customers as they are, not the effect of being in "
    "a group: other differences between the groups may explain them. q-values control the false "
    "discovery rate over all the tests of each table (Benjamini-Hochberg)."
)


def _esc(text: Any) -> str:
    from journeymine.views.report import esc

    return esc(text)


def _missing(value: Any) -> bool:
    return is_missing(value) or (isinstance(value, float) and not math.isfinite(value))


def _fdr(alpha: float) -> str:
    return f"FDR {100 * alpha:g}%"


class ComparisonSection:
    """The tested differences between groups (``context.comparison``).

    Examples
    --------
    >>> ComparisonSection().name, ComparisonSection().order
    ('comparison', 80)
    """

    name = "comparison"
    title = "Comparison"
    order = 80

    def render(self, context: ReportContext) -> str | None:
        from journeymine.comparison.result import Drift

        comparison: Any = getattr(context, "comparison", None)
        if isinstance(comparison, Drift):
            comparison = comparison.comparison
        if comparison is None:
            return None
        pairs = comparison.pairs
        groups = _groups(comparison)
        names = list(groups) or list(dict.fromkeys(g for p in pairs for g in p))
        if len(names) == 2 and len(pairs) == 1:
            heading = f"Comparison: {pairs[0][0]} vs {pairs[0][1]}"
        else:
            heading = "Groups compared"
        parts = [f"<h3>{_esc(heading)}</h3>", _lede(comparison, groups, names)]
        parts.append(_distribution(comparison, groups))
        parts.append(_omnibus(comparison))
        parts.append(_maps(comparison, context))
        several = len(pairs) > 1
        for spec in _FAMILIES:
            parts.append(_family(comparison, spec, several))
        parts.append(_methods(comparison))
        return "\n".join(p for p in parts if p)


# -- the lede and the distribution test ---------------------------------------------------------


def _groups(comparison: Comparison) -> dict[str, dict[str, Any]]:
    frame = comparison.groups
    if not len(frame) or "group" not in frame:
        return {}
    return {str(r["group"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def _segments(row: Mapping[str, Any]) -> list[str]:
    value: Any = row.get("segments")
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def _group_text(name: str, row: Mapping[str, Any] | None) -> str:
    """``<strong>mover</strong> (1,077 cases)``; the segments it holds when they are others."""
    out = f"<strong>{_esc(name)}</strong>"
    if row is None:
        return out
    details = []
    segments = _segments(row)
    if segments and segments != [name]:
        shown = ", ".join(segments[:8]) + (f", … ({len(segments)} in all)" if len(segments) > 8 else "")
        details.append(f"{'segment' if len(segments) == 1 else 'segments'} {shown}")
    cases: Any = row.get("cases")
    if not _missing(cases):
        details.append(f"{format_count(cases)} case{'s' * (int(cases) != 1)}")
    return out + (f" ({_esc('; '.join(details))})" if details else "")


def _lede(comparison: Comparison, groups: Mapping[str, Mapping[str, Any]], names: Sequence[str]) -> str:
    settings = comparison.settings
    by = settings.get("by")
    against = settings.get("against")
    how = f" by {_esc(by)}" if by else ""
    if against:
        how += f", against the log {_esc(against)}"
    texts = [_group_text(n, groups.get(n)) for n in names]
    if len(texts) == 2:
        who = f"The cases of {texts[0]} against those of {texts[1]}{how}"
    else:
        who = f"{len(texts)} groups{how}: {', '.join(texts)}; each pair compared"
    return (
        f'<p class="jm-lede">{who}: the share of cases with each transition and each variant, '
        "case and transition durations"
        + (" and the journey KPIs" if len(comparison.kpis) else "")
        + f", each difference tested and called significant at {_esc(_fdr(comparison.alpha))}.</p>"
    )


def _card(label: str, value: str, note: str = "", *, kind: str = "") -> str:
    cls = f"jm-card {kind}".strip()
    extra = f'<div class="jm-card-note">{_esc(note)}</div>' if note else ""
    return (
        f'<div class="{cls}"><div class="jm-card-label">{_esc(label)}</div>'
        f'<div class="jm-card-value">{_esc(value)}</div>{extra}</div>'
    )


def _divergence(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):.3f} bits"


def _permutation_note(row: Mapping[str, Any]) -> str:
    bits = []
    if not _missing(row.get("permutations")):
        bits.append(f"{format_count(row.get('permutations'))} permutations")
    if not _missing(row.get("seed")):
        bits.append(f"seed {row.get('seed')}")
    if row.get("method"):
        bits.append(str(row.get("method")))
    return ", ".join(bits)


def _distribution(comparison: Comparison, groups: Mapping[str, Mapping[str, Any]]) -> str:
    """Cards for the overall test of the variant distributions; a table of the pairs for more."""
    from journeymine.views.diffmap import p_text

    frame = comparison.distribution
    if not len(frame):
        return ""
    rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    first = rows[0]
    alpha = comparison.alpha
    p: Any = first.get("p")
    differs = not _missing(p) and float(p) < alpha
    what = "all groups" if _missing(first.get("group_a")) else f"{first['group_a']} vs {first['group_b']}"
    cards = [
        _card(
            "Variant distributions",
            _divergence(first.get("statistic")),
            f"Jensen-Shannon divergence, {what} (0: the same, 1: no variant in common)",
        ),
        _card(
            "Permutation p",
            p_text(p),
            _permutation_note(first)
            + (
                f"; {'they differ' if differs else 'no difference'} at level {alpha:g}"
                if not _missing(p)
                else ""
            ),
            kind="jm-alert" if differs else "",
        ),
    ]
    out = '<div class="jm-cards">' + "".join(cards) + "</div>"
    pairs = [r for r in rows if not _missing(r.get("group_a"))]
    if len(rows) > 1 and pairs:
        table_rows = [
            [
                _esc(f"{r['group_a']} vs {r['group_b']}"),
                _esc(_divergence(r.get("statistic"))),
                _esc(p_text(r.get("p"))),
                _esc(_permutation_note(r)),
            ]
            for r in pairs
        ]
        out += _table(
            ["Pair", "JS divergence", "Permutation p", "Permutations"],
            table_rows,
            [False, True, True, False],
        )
    return out


def _omnibus(comparison: Comparison) -> str:
    """With more than two groups: how many transitions and variants differ over all of them."""
    frame = comparison.omnibus
    if not len(frame) or "kind" not in frame:
        return ""
    bits = []
    for kind, word in (("edge", "transitions"), ("variant", "variants")):
        rows = frame[frame["kind"].astype(str) == kind]
        if not len(rows):
            continue
        tested = int(rows["p"].notna().sum()) if "p" in rows else 0
        significant = (
            int(rows["significant"].fillna(False).astype(bool).sum()) if "significant" in rows else 0
        )
        bits.append(f"{format_count(significant)} of {format_count(tested)} {word} tested")
    if not bits:
        return ""
    return (
        f'<p class="jm-sub">Omnibus tests over all groups at once: {_esc(" and ".join(bits))} differ '
        f"at {_esc(_fdr(comparison.alpha))}.</p>"
    )


def _maps(comparison: Comparison, context: ReportContext) -> str:
    pairs = comparison.pairs
    if not pairs:
        return ""
    out = []
    edges = comparison.edges
    for a, b in pairs[:MAX_MAPS]:
        n_edges = int(((edges["group_a"] == a) & (edges["group_b"] == b)).sum()) if len(edges) else 0
        dense: dict[str, Any] = {"min_share": DENSE_MIN_SHARE} if n_edges > DENSE_EDGES else {}
        # the map's own heading names the pair and holds the colour key
        out.append(
            context.picture(
                comparison,
                renderer="difference-map",
                format="svg",
                label=f"Difference map: {a} vs {b}",
                pair=(a, b),
                **dense,
            )
        )
    if len(pairs) > MAX_MAPS:
        out.append(
            f'<p class="jm-sub">{len(pairs) - MAX_MAPS} more pairs are not drawn here: '
            "<code>jm.render(comparison, pair=(a, b))</code> draws any of them.</p>"
        )
    return "\n".join(out)


# -- the tables of significant differences --------------------------------------------------------


def _signed(value: Any, digits: int = 2) -> str:
    return "–" if _missing(value) else f"{float(value):+.{digits}f}"


def _plain_number(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):.2f}"


def _interval(low: Any, high: Any, fmt: Callable[[Any], str], confidence: float) -> str:
    if _missing(low) or _missing(high):
        return ""
    return f"{100 * confidence:g}% CI {fmt(low)} to {fmt(high)}"


def _cell(main: str, sub: str = "") -> str:
    return _esc(main) + (f'<div class="jm-sub">{_esc(sub)}</div>' if sub else "")


def _difference(value: Any, low: Any, high: Any, fmt: Callable[[Any], str], confidence: float) -> str:
    """The difference with a swatch in the difference map's colour, and its interval beneath."""
    from journeymine.views.diffmap import MORE_A, MORE_B

    swatch = ""
    if not _missing(value) and float(value) != 0:
        colour = MORE_A if float(value) > 0 else MORE_B
        swatch = f'<span class="jm-swatch" style="background:{colour}" aria-hidden="true"></span> '
    return swatch + _cell(fmt(value), _interval(low, high, fmt, confidence))


def _variant_text(value: Any) -> tuple[str, str]:
    """A variant as ``A → B → …``: shortened to its first and last steps, and in full."""
    steps = [str(s) for s in value] if isinstance(value, (list, tuple)) else [str(value)]
    full = " → ".join(steps)
    if len(steps) <= 8:
        return full, full
    return " → ".join(steps[:4]) + f" → … ({len(steps) - 6} more) → " + " → ".join(steps[-2:]), full


def _count(value: Any, what: str = "cases") -> str:
    return "" if _missing(value) else f"{format_count(value)} {what}"


def _edge_cells(r: Mapping[str, Any], confidence: float) -> list[str]:
    from journeymine.views.diffmap import p_text, points

    return [
        _esc(f"{r.get('source')} → {r.get('target')}"),
        _cell(format_share(r.get("share_a")), _count(r.get("cases_a"))),
        _cell(format_share(r.get("share_b")), _count(r.get("cases_b"))),
        _difference(r.get("diff"), r.get("ci_low"), r.get("ci_high"), points, confidence),
        _esc(_signed(r.get("effect"))),
        _cell(p_text(r.get("q")), str(r.get("test") or "")),
    ]


def _variant_cells(r: Mapping[str, Any], confidence: float) -> list[str]:
    from journeymine.views.diffmap import p_text, points

    short, full = _variant_text(r.get("variant"))
    return [
        f'<span title="{_esc(full)}">{_esc(short)}</span>',
        _cell(format_share(r.get("share_a")), _count(r.get("cases_a"))),
        _cell(format_share(r.get("share_b")), _count(r.get("cases_b"))),
        _difference(r.get("diff"), r.get("ci_low"), r.get("ci_high"), points, confidence),
        _esc(_signed(r.get("effect"))),
        _cell(p_text(r.get("q")), str(r.get("test") or "")),
    ]


def _duration_cells(r: Mapping[str, Any], confidence: float) -> list[str]:
    from journeymine.heuristics.sections import signed_duration
    from journeymine.views.diffmap import p_text

    case_level = str(r.get("level")) == "case"
    what = "whole case" if case_level else f"{r.get('source')} → {r.get('target')}"
    counted = "cases" if case_level else "transitions"  # a transition counts once per occurrence
    return [
        _esc(what),
        _cell(format_duration(r.get("median_a_s")), _count(r.get("n_a"), counted)),
        _cell(format_duration(r.get("median_b_s")), _count(r.get("n_b"), counted)),
        _difference(r.get("diff_s"), r.get("ci_low_s"), r.get("ci_high_s"), signed_duration, confidence),
        _esc(_signed(r.get("effect"))),
        _cell(p_text(r.get("q")), str(r.get("test") or "")),
    ]


def _kpi_cells(r: Mapping[str, Any], confidence: float) -> list[str]:
    from journeymine.views.diffmap import p_text, points

    shares = str(r.get("effect_kind")) == "h"
    value = format_share if shares else _plain_number
    diff: Callable[[Any], str] = points if shares else _signed
    where = [str(r[k]) for k in ("stage", "touchpoint") if not _missing(r.get(k)) and str(r.get(k))]
    kind = "h" if shares else "d"
    return [
        _cell(str(r.get("kpi")), " · ".join(where)),
        _cell(value(r.get("value_a")), _count(r.get("n_a"))),
        _cell(value(r.get("value_b")), _count(r.get("n_b"))),
        _difference(r.get("diff"), r.get("ci_low"), r.get("ci_high"), diff, confidence),
        _esc(f"{_signed(r.get('effect'))} ({kind})" if not _missing(r.get("effect")) else "–"),
        _cell(p_text(r.get("q")), str(r.get("test") or "")),
    ]


#: per table: its name, heading, what one row is, the first column, the effect's name, cells
_FAMILIES: tuple[tuple[str, str, str, str, str, Callable[[Mapping[str, Any], float], list[str]]], ...] = (
    ("edges", "Transitions", "transition", "Transition", "Cohen's h", _edge_cells),
    ("variants", "Variants", "variant", "Variant", "Cohen's h", _variant_cells),
    ("durations", "Durations", "duration", "Median of", "Cliff's delta", _duration_cells),
    ("kpis", "Journey KPIs", "KPI", "KPI", "Effect", _kpi_cells),
)


def _tests_text(frame: pd.DataFrame, significant: int, alpha: float) -> str:
    """``12 of 40 tests significant at FDR 5%; 4 not run (reason)``."""
    run = int(frame["p"].notna().sum()) if "p" in frame else 0
    not_run = len(frame) - run
    tests = f"{format_count(run)} test{'s' * (run != 1)}"
    text = f"{format_count(significant)} of {tests} significant at {_fdr(alpha)}"
    if not_run:
        reasons = []
        if "reason" in frame:
            reasons = [str(x) for x in frame["reason"] if not _missing(x) and str(x)]
        common = max(sorted(set(reasons)), key=reasons.count) if reasons else ""
        text += f"; {format_count(not_run)} not run" + (f" (such as: {common})" if common else "")
    return text + "."


def _family(
    comparison: Comparison,
    spec: tuple[str, str, str, str, str, Callable[[Mapping[str, Any], float], list[str]]],
    several: bool,
) -> str:
    name, heading, _, first, effect, cells = spec
    frame = comparison.table(name)
    if not len(frame):
        return ""
    alpha = comparison.alpha
    confidence = float(comparison.settings.get("confidence", 0.95))
    top = comparison.significant(name)
    summary = f'<p class="jm-sub">{_esc(_tests_text(frame, len(top), alpha))}</p>'
    if not len(top):
        return (
            f"<h3>{_esc(heading)}</h3>"
            f'<p><span class="jm-ok">No significant difference at {_esc(_fdr(alpha))}.</span></p>{summary}'
        )
    rows = [{str(k): v for k, v in r.items()} for r in top.head(TOP).to_dict("records")]
    pairs = comparison.pairs
    a, b = ("A", "B") if several or not pairs else pairs[0]
    minus = "A − B" if several or not pairs else f"{a} − {b}"
    header = ([] if not several else ["Pair"]) + [first, a, b, f"Difference ({minus})", effect, "q"]
    numeric = ([] if not several else [False]) + [False, True, True, True, True, True]
    body = [
        ([_esc(f"{r.get('group_a')} vs {r.get('group_b')}")] if several else []) + cells(r, confidence)
        for r in rows
    ]
    shown = (
        f"the {len(rows)} largest of {format_count(len(top))} significant differences, by effect size"
        if len(top) > len(rows)
        else "the significant differences, largest effect first"
    )
    return f"<h3>{_esc(heading)}</h3>{summary}" + _table(header, body, numeric, caption=shown.capitalize())


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool], caption: str = ""
) -> str:
    from journeymine.views.report import table_html

    return table_html(header, rows, numeric, caption=caption, cls="jm-compact")


# -- methods ------------------------------------------------------------------------------------------


def _methods(comparison: Comparison) -> str:
    settings = comparison.settings
    methods = settings.get("methods") or {}
    facts = []
    if isinstance(methods, Mapping):
        facts = [(str(k), str(v)) for k, v in sorted(methods.items(), key=lambda kv: str(kv[0]))]
    for key, label in (
        ("alpha", "False discovery rate"),
        ("confidence", "Confidence"),
        ("min_count", "Fewest cases tested"),
        ("permutations", "Permutations"),
        ("seed", "Seed"),
    ):
        value = settings.get(key)
        if value is not None:
            facts.append(
                (label, f"{100 * float(value):g}%" if key in ("alpha", "confidence") else str(value))
            )
    dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts)
    details = (
        f'<div class="jm-more"><details><summary>Methods</summary><dl class="jm-facts">{dl}</dl>'
        "</details></div>"
        if dl
        else ""
    )
    return f'{details}<p class="jm-note" role="note">{_esc(ASSOCIATION)}</p>'


@hookimpl
def journeymine_register_report_sections(register: Any) -> None:
    """Register the comparison section of the HTML report."""
    register(ComparisonSection())
