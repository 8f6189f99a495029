"""The improve feature in the HTML report, and the words its figures are given in.

Three report sections, built-in plugins registered like any other (see
:mod:`journeymine.views.report`), made from ``context.improvement`` (what :func:`journeymine.improve`
found for the report's log, with the report's segments):

- ``improve-findings`` (order 50, titled "Findings"): the ranked findings, each with the cases it
  concerns and their share (a bar with its confidence interval), the segments where it is
  concentrated, its impact in people's units with an interval, the action to take, and beneath,
  to open, its explanation and evidence (the figures per segment, how the interval was computed,
  the heuristic's figures);
- ``reverse-thinking`` (order 60), with an ideal journey: the share of cases that follow it, the
  touchpoints to remove, redesign or add, how conforming cases fare against deviating ones, the
  note that these are observational differences, and the as-is process map beside the ideal
  journey (the ``as-is-to-be`` renderer, :mod:`journeymine.views.idealview`) per segment;
- ``what-if`` (order 70), with changes: each change's estimated effect on journey time and
  completion, with its assumptions.

Each returns ``None`` (and is left out) when the report has nothing for it. Every text from the
data (activity, segment, heuristic names, titles, explanations, evidence) is escaped.

The word helpers (:func:`impact_text`, :func:`share_text`, :func:`outcome_cells`,
:func:`what_if_rows`, :func:`record_table`) are shared with ``journeymine improve --format
table``: figures read the same in the terminal and in the report (durations in human units,
shares in %, intervals as ``low – high``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from journeymine.display import format_count, format_duration, format_share, is_missing
from journeymine.hookspecs import hookimpl

if TYPE_CHECKING:
    from journeymine.heuristics.finding import Finding, Impact
    from journeymine.heuristics.run import Improvement
    from journeymine.views.report import ReportContext

__all__ = [
    "FindingsSection",
    "ReverseThinkingSection",
    "WhatIfSection",
    "impact_short",
    "impact_text",
    "interval_text",
    "journeymine_register_report_sections",
    "level",
    "observational",
    "outcome_cells",
    "record_table",
    "share_text",
    "signed_duration",
    "what_if_rows",
]

#: what each impact metric is called, for people
METRIC_WORDS = {
    "journey_time_s": "extra journey time per affected case",
    "lost_completions": "completions lost",
    "sentiment": "sentiment, affected minus the others",
}


# -- words ------------------------------------------------------------------------------------


def level(confidence: float) -> str:
    """The confidence level as people write it: ``95%``.

    Examples
    --------
    >>> level(0.95), level(0.9)
    ('95%', '90%')
    """
    return f"{100 * float(confidence):g}%"


def _missing(value: Any) -> bool:
    return is_missing(value) or (isinstance(value, float) and not math.isfinite(value))


def interval_text(low: Any, high: Any, fmt: Callable[[Any], str]) -> str:
    """``low – high`` formatted; empty when either end is missing.

    Examples
    --------
    >>> interval_text(0.1, 0.25, format_share), interval_text(None, 1, str)
    ('10.0% – 25.0%', '')
    """
    if _missing(low) or _missing(high):
        return ""
    return f"{fmt(low)} – {fmt(high)}"


def share_text(share: Any, ci: Sequence[Any] | None = None) -> str:
    """A share with its interval: ``12.3% (10.1% – 14.6%)``.

    Examples
    --------
    >>> share_text(0.123, (0.101, 0.146)), share_text(0.5), share_text(None)
    ('12.3% (10.1% – 14.6%)', '50.0%', '–')
    """
    text = format_share(share)
    if ci is not None and len(ci) == 2:
        interval = interval_text(ci[0], ci[1], format_share)
        if interval:
            text += f" ({interval})"
    return text


def signed_duration(seconds: Any) -> str:
    """A difference of durations with its sign: ``+3 d 4 h``, ``-45 min``, ``0 s``.

    Examples
    --------
    >>> signed_duration(273_600), signed_duration(-2_700), signed_duration(None)
    ('+3 d 4 h', '-45 min', '–')
    """
    if _missing(seconds):
        return "–"
    text = format_duration(seconds)
    return f"+{text}" if float(seconds) > 0 else text


def _signed_number(value: Any, digits: int = 2) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):+.{digits}f}"


def _points(value: Any) -> str:
    """A difference of shares in percentage points: ``+5.2 pts``."""
    if _missing(value):
        return "–"
    return f"{100 * float(value):+.1f} pts"


def _completions(value: Any) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):,.0f}"


def impact_text(impact: Impact | Mapping[str, Any]) -> tuple[str, str]:
    """An impact in people's units, and its interval (empty when it has none).

    Examples
    --------
    >>> from journeymine.heuristics.finding import Impact
    >>> impact_text(Impact("journey_time_s", 273_600.0, 86_400.0, 432_000.0))
    ('+3 d 4 h per affected case', '+1 d – +5 d')
    >>> impact_text({"metric": "lost_completions", "value": 120.4, "ci_low": 80, "ci_high": 161})
    ('120 completions lost', '80 – 161')
    >>> impact_text({"metric": "sentiment", "value": -0.21, "ci_low": None, "ci_high": None})
    ('-0.21 sentiment', '')
    """
    d = impact.to_dict() if hasattr(impact, "to_dict") else dict(impact)
    metric = str(d.get("metric"))
    value, low, high = d.get("value"), d.get("ci_low"), d.get("ci_high")
    if metric == "journey_time_s":
        text = signed_duration(value)
        return (f"{text} per affected case" if text != "–" else "–"), interval_text(
            low, high, signed_duration
        )
    if metric == "lost_completions":
        text = _completions(value)
        return (f"{text} completions lost" if text != "–" else "–"), interval_text(low, high, _completions)
    text = _signed_number(value)
    return (f"{text} {metric}" if text != "–" else "–"), interval_text(low, high, _signed_number)


def impact_short(impact: Impact | Mapping[str, Any]) -> str:
    """An impact in a few characters, for a table column: ``+3 d 4 h/case``, ``120 lost``.

    Examples
    --------
    >>> from journeymine.heuristics.finding import Impact
    >>> impact_short(Impact("journey_time_s", 273_600.0, 86_400.0, 432_000.0))
    '+3 d 4 h/case'
    >>> impact_short({"metric": "lost_completions", "value": 120.4})
    '120 lost'
    >>> impact_short({"metric": "sentiment", "value": -0.2})
    '-0.20 sentiment'
    """
    d = impact.to_dict() if hasattr(impact, "to_dict") else dict(impact)
    metric, value = str(d.get("metric")), d.get("value")
    if _missing(value):
        return "–"
    if metric == "journey_time_s":
        return f"{signed_duration(value)}/case"
    if metric == "lost_completions":
        return f"{_completions(value)} lost"
    return f"{_signed_number(value)} {metric}"


def _metric_formats(metric: str) -> tuple[str, Callable[[Any], str], Callable[[Any], str]]:
    """What a metric is called, how its values read and how its differences read."""
    name = metric.lower()
    label = (metric[:-2] if name.endswith("_s") else metric).replace("_", " ")
    if "sentiment" in name:  # before the times: "sentiment" holds "time"
        return label, lambda v: "–" if _missing(v) else f"{float(v):.2f}", _signed_number
    if name.endswith("_s") or "journey_time" in name or "duration" in name:
        return label, format_duration, signed_duration
    if any(word in name for word in ("complet", "share", "rate", "conform")):
        return label, format_share, _points
    if name.startswith("lost") or name.endswith("cases"):
        return label, _completions, _completions
    return label, lambda v: "–" if _missing(v) else f"{float(v):.2f}", _signed_number


def outcome_cells(outcome: Mapping[str, Any]) -> list[str]:
    """One row of reverse thinking's ``outcomes``: metric, conforming, deviating, difference,
    interval, method.

    Examples
    --------
    >>> outcome_cells({"metric": "journey_time_s", "conforming": 86_400, "deviating": 259_200,
    ...                "difference": -172_800, "ci_low": -200_000, "ci_high": -150_000,
    ...                "method": "bootstrap"})
    ['journey time', '1 d', '3 d', '-2 d', '-2 d 8 h – -1 d 18 h', 'bootstrap']
    >>> outcome_cells({"metric": "sentiment", "conforming": 0.5, "deviating": 0.1, "difference": -0.4})
    ['sentiment', '0.50', '0.10', '-0.40', '', '']
    """
    label, value, difference = _metric_formats(str(outcome.get("metric", "")))
    return [
        label,
        value(outcome.get("conforming")),
        value(outcome.get("deviating")),
        difference(outcome.get("difference")),
        interval_text(outcome.get("ci_low"), outcome.get("ci_high"), difference),
        str(outcome.get("method") or ""),
    ]


def what_if_rows(estimate: Mapping[str, Any]) -> list[list[str]]:
    """The rows of one what-if estimate: mean and median journey time, completion; each as
    is, to be, the difference and its interval.

    Examples
    --------
    >>> what_if_rows({"journey_time_s": {"as_is": 864_000, "to_be": 777_600, "difference": -86_400,
    ...                                  "ci_low": -100_000, "ci_high": -70_000}})
    [['mean journey time', '10 d', '9 d', '-1 d', '-1 d 4 h – -19 h 27 min']]
    """
    rows = []
    for key, label in (
        ("journey_time_s", "mean journey time"),
        ("median_journey_time_s", "median journey time"),
        ("completion", "completion"),
    ):
        value = estimate.get(key)
        if value is None:
            continue
        _, fmt, diff = _metric_formats(key)
        if isinstance(value, Mapping) and all(_missing(value.get(k)) for k in ("as_is", "to_be")):
            continue  # nothing known (a log without timestamps has no journey times)
        if isinstance(value, Mapping):
            rows.append(
                [
                    label,
                    fmt(value.get("as_is")),
                    fmt(value.get("to_be")),
                    diff(value.get("difference")),
                    interval_text(value.get("ci_low"), value.get("ci_high"), diff),
                ]
            )
        else:
            rows.append([label, "–", fmt(value), "–", ""])
    return rows


#: columns of reverse thinking's lists that hold numbers (right-aligned)
_NUMERIC = ("cases", "share", "events", "customers")


def _cell(key: str, row: Mapping[str, Any]) -> str:
    value = row.get(key)
    if key.endswith("share") and f"{key}_ci" in row:
        return share_text(value, row.get(f"{key}_ci"))
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "–"
    if key.endswith("_s") and isinstance(value, (int, float)):
        return format_duration(value)
    if "share" in key and isinstance(value, (int, float)):
        return format_share(value)
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, float):
        return "–" if _missing(value) else f"{value:,.3f}"
    return str(value).replace("\n", " ")


def record_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> tuple[list[str], list[list[str]], str]:
    """A list of records (reverse thinking's ``deviations``, ``remove``, ...) as a table: the
    header (of the ``columns`` any record has), the cells and their alignment (``<``/``>``).

    Examples
    --------
    >>> record_table([{"touchpoint": "Chat", "cases": 1200, "share": 0.4, "share_ci": [0.38, 0.42]}],
    ...              ["touchpoint", "cases", "share", "kinds"])
    (['touchpoint', 'cases', 'share'], [['Chat', '1,200', '40.0% (38.0% – 42.0%)']], '<>>')
    """
    shown = [c for c in columns if any(c in r for r in rows)]
    header = [c.replace("_", " ") for c in shown]
    cells = [[_cell(c, r) for c in shown] for r in rows]
    align = "".join(">" if c.endswith(_NUMERIC) or c.endswith("_s") else "<" for c in shown)
    return header, cells, align


def observational(improvement: Improvement) -> str:
    """The note every comparison of groups of customers carries: associations, not causes."""
    from journeymine.heuristics.run import OBSERVATIONAL

    return OBSERVATIONAL


# -- HTML pieces ----------------------------------------------------------------------------------


def _esc(text: Any) -> str:
    from journeymine.views.report import esc

    return esc(text)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool], cls: str = ""
) -> str:
    from journeymine.views.report import table_html

    return table_html(header, rows, numeric, cls=cls)


def _card(label: str, value: str, note: str = "", *, kind: str = "") -> str:
    cls = f"jm-card {kind}".strip()
    extra = f'<div class="jm-card-note">{_esc(note)}</div>' if note else ""
    return (
        f'<div class="{cls}"><div class="jm-card-label">{_esc(label)}</div>'
        f'<div class="jm-card-value">{_esc(value)}</div>{extra}</div>'
    )


def _pct(x: Any, largest: float) -> float:
    if not largest or _missing(x):
        return 0.0
    return round(max(0.0, min(1.0, float(x) / largest)) * 100, 1)


def _ci_bar(share: Any, ci: Sequence[Any] | None, largest: float, confidence: float) -> str:
    """A share as a bar with its interval as a band and the estimate as a tick, then in words."""
    low, high = (ci[0], ci[1]) if ci is not None and len(ci) == 2 else (None, None)
    parts = [f'<span class="jm-ci-bar" style="width:{_pct(share, largest):g}%"></span>']
    interval = interval_text(low, high, format_share)
    if interval:
        left, right = _pct(low, largest), _pct(high, largest)
        parts.append(
            f'<span class="jm-ci-band" style="left:{left:g}%;width:{max(right - left, 0.5):g}%"></span>'
        )
    label = format_share(share) + (f", {level(confidence)} interval {interval}" if interval else "")
    sub = f'<div class="jm-sub">{_esc(interval)}</div>' if interval else ""
    return (
        f'<div class="jm-ci" title="{_esc(label)}"><i aria-hidden="true">{"".join(parts)}</i>'
        f"<em>{_esc(format_share(share))}</em></div>{sub}"
    )


def _share_cell(share: Any, largest: float) -> str:
    width = _pct(share, largest)
    return (
        f'<div class="jm-share"><i><span style="width:{width:g}%"></span></i>'
        f"<em>{_esc(format_share(share))}</em></div>"
    )


def _improvement(context: ReportContext) -> Improvement | None:
    return getattr(context, "improvement", None)


# -- the sections ---------------------------------------------------------------------------------


class FindingsSection:
    """The ranked findings of the heuristics (``context.improvement.findings``).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.views.report import build_context
    >>> log = jm.datasets.load_demo_log()
    >>> FindingsSection().render(build_context(log)) is None  # improve did not run
    True
    >>> html = FindingsSection().render(build_context(log, improve=True, heuristics=["rework-loops"]))
    >>> "<details" in html and "rework-loops" in html
    True
    """

    name = "improve-findings"  # "findings" is left to plugins (a common name)
    title = "Findings"
    order = 50

    def render(self, context: ReportContext) -> str | None:
        improvement = _improvement(context)
        if improvement is None:
            return None
        data = improvement.data
        names = [n for n, _ in improvement.heuristics]
        conf = level(data.confidence)
        lede = (
            '<p class="jm-lede">What goes wrong in these journeys, found by '
            f"{len(names)} heuristic{'s' * (len(names) != 1)} ({_esc(', '.join(names)) or 'none'}) and "
            "ranked by impact: the share of cases affected times the size of the harm. Bars show the "
            f"share of cases with its {conf} interval; an impact marked <em>uncertain</em> has an "
            "interval that includes no harm. Open a finding for its explanation and evidence.</p>"
        )
        notes = "".join(f"<li>{_esc(n)}</li>" for n in improvement.notes)
        notes_html = f'<ul class="jm-notes">{notes}</ul>' if notes else ""
        findings = improvement.findings
        if not findings:
            return (
                lede
                + '<p><span class="jm-ok">No heuristic found something that goes wrong.</span></p>'
                + notes_html
            )
        largest = max(
            [float(f.share_ci[1]) for f in findings if not _missing(f.share_ci[1])]
            + [float(f.share) for f in findings if not _missing(f.share)]
            + [0.0]
        )
        head = [
            "#",
            "Finding",
            "Cases",
            "Share of cases",
            "Concentrated in",
            f"Impact ({conf} interval)",
            "Action",
        ]
        numeric = [True, False, True, False, False, False, False]
        num = ' class="jm-n"'
        head_html = "".join(
            f'<th scope="col"{num if n else ""}>{_esc(h)}</th>' for h, n in zip(head, numeric)
        )
        rows = []
        for rank, f in enumerate(findings, 1):
            rows.append(self._row(rank, f, largest, data.confidence))
            more = self._details(f, context)
            rows.append(f'<tr class="jm-more"><td></td><td colspan="{len(head) - 1}">{more}</td></tr>')
        table = (
            '<div class="jm-scroll"><table class="jm-table jm-findings">'
            f"<thead><tr>{head_html}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
        return "\n".join(
            [lede, table, notes_html, f'<p class="jm-sub">{_esc(observational(improvement))}</p>']
        )

    @staticmethod
    def _row(rank: int, f: Finding, largest: float, confidence: float) -> str:
        value, interval = impact_text(f.impact)
        unsure = "" if f.impact.material else ' <span class="jm-uncertain">uncertain</span>'
        impact = f"<strong>{_esc(value)}</strong>{unsure}"
        if interval:
            impact += f'<div class="jm-sub">{_esc(interval)}</div>'
        where = [s for s in f.segments if s.segment in f.concentrated_in]
        concentrated = (
            "".join(
                f'<div><span class="jm-tag">{_esc(s.segment)}</span> '
                f'<span class="jm-sub">{_esc(format_share(s.share))} vs {_esc(format_share(s.rest_share))} '
                "elsewhere</span></div>"
                for s in where
            )
            or '<span class="jm-sub">–</span>'
        )
        title = f'<strong>{_esc(f.title)}</strong><div class="jm-sub">{_esc(f.heuristic)}</div>'
        cells = [
            (True, _esc(rank)),
            (False, title),
            (True, _esc(format_count(f.cases))),
            (False, _ci_bar(f.share, f.share_ci, largest, confidence)),
            (False, concentrated),
            (False, impact),
            (False, _esc(f.action) or "–"),
        ]
        num = ' class="jm-n"'
        return (
            '<tr class="jm-finding">' + "".join(f"<td{num if n else ''}>{c}</td>" for n, c in cells) + "</tr>"
        )

    @staticmethod
    def _details(f: Finding, context: ReportContext) -> str:
        from journeymine.heuristics.finding import METRICS, _plain

        facts = []
        if f.touchpoints:
            facts.append(("Touchpoints", ", ".join(f.touchpoints)))
        if f.transitions:
            facts.append(("Transitions", ", ".join(f"{a} → {b}" for a, b in f.transitions)))
        if f.variants:
            total = f.evidence.get("variants_total", len(f.variants))
            shown = ", ".join(f.variants[:5]) + (", …" if len(f.variants) > 5 else "")
            facts.append(("Variants", f"{format_count(total)}, most cases first: {shown}"))
        impact = f.impact
        what = METRICS.get(impact.metric, impact.metric)
        facts.append(("Impact", f"{what}; {impact.method}" if impact.method else what))
        if not _missing(impact.effect):
            facts.append(("Effect size", f"{impact.effect:.2f} (standardised; positive is harm)"))
        dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts)
        segments = ""
        if f.segments:
            rows = [
                [
                    _esc(s.segment)
                    + (' <span class="jm-tag">concentrated</span>' if s.segment in f.concentrated_in else ""),
                    _esc(format_count(s.cases)),
                    _esc(format_share(s.share)),
                    _esc(format_share(s.rest_share)),
                ]
                for s in f.segments
            ]
            by = context.by or "segment"
            segments = f"<h4>By {_esc(by)}</h4>" + _table(
                [by, "Affected cases", "Share in the segment", "Share elsewhere"],
                rows,
                [False, True, True, True],
            )
        evidence = json.dumps(_plain(dict(f.evidence)), indent=2, sort_keys=True, ensure_ascii=False)
        return (
            "<details><summary>Why, and the evidence</summary>"
            f'<p class="jm-explain">{_esc(f.explanation)}</p>'
            f'<dl class="jm-facts">{dl}</dl>{segments}'
            f'<h4>Figures of the heuristic</h4><pre class="jm-evidence">{_esc(evidence)}</pre></details>'
        )


class ReverseThinkingSection:
    """The journeys as they are against the ideal journey (``improvement.reverse_thinking``).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.views.report import build_context
    >>> log = jm.datasets.load_demo_log()
    >>> context = build_context(log, ideal=jm.datasets.load_demo_ideal(), heuristics=["drop-off"])
    >>> html = ReverseThinkingSection().render(context)
    >>> "Conforming" in html and html.count("<svg") == 3
    True
    """

    name = "reverse-thinking"
    title = "Reverse thinking"
    order = 60

    def render(self, context: ReportContext) -> str | None:
        improvement = _improvement(context)
        if improvement is None or improvement.reverse_thinking is None:
            return None
        reverse = improvement.reverse_thinking
        rt = reverse.to_dict()
        conf = level(improvement.data.confidence)
        cases = int(rt.get("cases") or 0)
        conforming = int(rt.get("conforming_cases") or 0)
        share = rt.get("conforming_share")
        ci = rt.get("conforming_share_ci")
        low, high = ci if isinstance(ci, (list, tuple)) and len(ci) == 2 else (None, None)
        interval = interval_text(low, high, format_share)
        outcome = rt.get("outcome")
        outcome_text = ", ".join(outcome) if isinstance(outcome, list) else (outcome or "")
        lede = (
            f'<p class="jm-lede">The journeys as they are against the ideal journey '
            f"<strong>{_esc(rt.get('journey', ''))}</strong>"
            + (f" (complete at {_esc(outcome_text)})" if outcome_text else "")
            + ": which cases follow it, which touchpoints to remove, redesign or add, and how the "
            "cases that follow it fare against those that do not.</p>"
        )
        cards = [
            _card(
                "Conforming",
                format_share(share),
                (f"{conf} interval {interval} · " if interval else "")
                + f"{format_count(conforming)} of {format_count(cases)} cases follow the ideal",
                kind="jm-good",
            ),
            _card(
                "Deviating", format_count(cases - conforming), "cases that take another path", kind="jm-alert"
            ),
        ]
        parts = [lede, f'<div class="jm-cards">{"".join(cards)}</div>']
        lists = [
            ("Remove", "touchpoints the ideal does without", rt.get("remove") or [], None),
            ("Redesign", "steps of the ideal done otherwise", rt.get("redesign") or [], "kinds"),
            ("Missing", "steps of the ideal the journeys skip", rt.get("missing") or [], None),
        ]
        largest = max([float(r.get("share") or 0) for _, _, rows, _ in lists for r in rows] + [0.0])
        blocks = []
        for title, what, rows, extra in lists:
            blocks.append(self._list(title, what, rows, extra, largest))
        parts.append(f'<div class="jm-grid3">{"".join(blocks)}</div>')
        deviations = rt.get("deviations") or []
        if deviations:
            top = max([float((r.get("share_ci") or [0, 0])[1] or 0) for r in deviations] + [0.0])
            rows = [
                [
                    _esc(r.get("kind", "")),
                    _esc(r.get("touchpoint", "")),
                    _esc(format_count(r.get("cases"))),
                    _ci_bar(r.get("share"), r.get("share_ci"), top, improvement.data.confidence),
                ]
                for r in deviations
            ]
            parts.append(
                "<h3>Deviations</h3>"
                + _table(["Kind", "Touchpoint", "Cases", "Share of cases"], rows, [False, False, True, False])
            )
        outcomes = rt.get("outcomes") or []
        if outcomes:
            rows = [[_esc(c) for c in outcome_cells(o)] for o in outcomes]
            parts.append(
                "<h3>Conforming against deviating cases</h3>"
                + _table(
                    ["Metric", "Conforming", "Deviating", "Difference", f"{conf} interval", "Method"],
                    rows,
                    [False, True, True, True, True, False],
                )
            )
        drops = rt.get("drop_offs") or []
        if drops:
            top = max([float(r.get("share") or 0) for r in drops] + [0.0])
            rows = [
                [
                    _esc(r.get("touchpoint", "")),
                    _esc(format_count(r.get("cases"))),
                    _share_cell(r.get("share"), top),
                ]
                for r in drops[:10]
            ]
            parts.append(
                "<h3>Where the journeys that do not complete end</h3>"
                + _table(
                    ["Last touchpoint", "Cases", "Share of cases"],
                    rows,
                    [False, True, False],
                    cls="jm-compact",
                )
            )
        parts.append(self._segments(rt.get("segments") or [], context, improvement.data.confidence))
        notes = "".join(f"<li>{_esc(n)}</li>" for n in rt.get("notes") or [])
        if notes:
            parts.append(f'<ul class="jm-notes">{notes}</ul>')
        note = rt.get("note") or observational(improvement)
        parts.append(f'<p class="jm-note" role="note">{_esc(note)}</p>')
        parts.append(self._pictures(context))
        return "\n".join(p for p in parts if p)

    @staticmethod
    def _list(
        title: str, what: str, rows: Sequence[Mapping[str, Any]], extra: str | None, largest: float
    ) -> str:
        if not rows:
            body = '<p class="jm-sub">None.</p>'
        else:
            items = []
            for r in rows:
                name = r.get("touchpoint", r.get("step", ""))
                kinds = r.get(extra) if extra else None
                kinds_html = (
                    f'<div class="jm-sub">{_esc(", ".join(str(k) for k in kinds))}</div>'
                    if isinstance(kinds, (list, tuple)) and kinds
                    else ""
                )
                items.append(
                    [
                        f"{_esc(name)}{kinds_html}",
                        _esc(format_count(r.get("cases"))),
                        _share_cell(r.get("share"), largest),
                    ]
                )
            body = _table(["Touchpoint", "Cases", "Share"], items, [False, True, False], cls="jm-compact")
        return f'<div class="jm-list"><h3>{_esc(title)}</h3><p class="jm-sub">{_esc(what)}</p>{body}</div>'

    @staticmethod
    def _segments(segments: Sequence[Mapping[str, Any]], context: ReportContext, confidence: float) -> str:
        """Conformance per segment, and the share of each segment with each of the top deviations."""
        if not segments:
            return ""
        by = context.by or "segment"
        rows = [
            [
                _esc(s.get("segment", "")),
                _esc(format_count(s.get("cases"))),
                _ci_bar(s.get("conforming_share"), s.get("conforming_share_ci"), 1.0, confidence),
                _esc(format_count(s.get("completed_cases"))),
            ]
            for s in segments
        ]
        out = f"<h3>By {_esc(by)}</h3>" + _table(
            [by, "Cases", "Conforming", "Completed"], rows, [False, True, False, True]
        )
        first = list(segments[0].get("deviations") or [])[:8]
        if first:
            header = ["Deviation", *[str(s.get("segment", "")) for s in segments]]
            matrix = []
            for d in first:
                cells = [f"{_esc(d.get('kind', ''))}: {_esc(d.get('touchpoint', ''))}"]
                key = (d.get("kind"), d.get("touchpoint"))
                for s in segments:
                    found = [
                        e for e in s.get("deviations") or [] if (e.get("kind"), e.get("touchpoint")) == key
                    ]
                    cells.append(_esc(format_share(found[0].get("share"))) if found else "–")
                matrix.append(cells)
            out += (
                f'<p class="jm-sub">Share of each {_esc(by)} with the most frequent deviations:</p>'
                + _table(header, matrix, [False] + [True] * len(segments), cls="jm-compact")
            )
        return out

    @staticmethod
    def _pictures(context: ReportContext) -> str:
        from journeymine.heuristics.ideal import IdealJourney
        from journeymine.views.idealview import AsIsToBe

        ideal = getattr(context, "ideal", None)
        if not isinstance(ideal, IdealJourney):
            return ""  # a process model (BPMN, Petri net) is not drawn here
        pair = AsIsToBe(context.dfg, ideal)
        intro = (
            "<h3>As is and to be</h3>"
            '<p class="jm-lede">The process map as it is (left; at the detail level shown first in the '
            "process-map section) beside the ideal journey (right). Red, dashed arrows and red-bordered "
            "boxes are what the ideal journey does without.</p>"
        )

        def one(segment: Any) -> str:
            return context.picture(
                pair,
                renderer="as-is-to-be",
                format="svg",
                label=f"As is ({context.segment_label(segment)}) and to be ({ideal.journey})",
                optional={"detail": context.detail_shown},
                **context.segment_option(segment),
            )

        return intro + context.per_segment(one)


def _better(estimate: Mapping[str, Any]) -> list[bool | None]:
    """Per row of :func:`what_if_rows`: whether the change is estimated to make it better (a
    shorter journey, more completions), worse, or neither (no difference, or none known)."""
    out: list[bool | None] = []
    for key, sign in (("journey_time_s", -1), ("median_journey_time_s", -1), ("completion", 1)):
        value = estimate.get(key)
        if value is None:
            continue
        d = value.get("difference") if isinstance(value, Mapping) else None
        out.append(None if _missing(d) or not d else sign * float(d) > 0)
    return out


class WhatIfSection:
    """The estimated effect of each change asked for (``improvement.what_if``).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.views.report import build_context
    >>> context = build_context(jm.datasets.load_demo_log(), heuristics=["drop-off"],
    ...                         what_if=["remove:Documents incomplete"])
    >>> "Documents incomplete" in WhatIfSection().render(context)
    True
    """

    name = "what-if"
    title = "What-if"
    order = 70

    def render(self, context: ReportContext) -> str | None:
        improvement = _improvement(context)
        if improvement is None or not improvement.what_if:
            return None
        conf = level(improvement.data.confidence)
        lede = (
            '<p class="jm-lede">What the journeys would look like after each change: the as-is paths '
            "with the change applied, weighted by their cases. An estimate under the assumptions listed, "
            f"not a forecast; intervals are {conf}.</p>"
        )
        blocks = [lede]
        for estimate in improvement.what_if:
            w = estimate.to_dict()
            heading = w.get("description") or w.get("change") or ""
            affected = _card(
                "Cases affected",
                format_count(w.get("cases_affected")),
                f"{format_share(w.get('share_affected'))} of the cases",
            )
            cards = [affected]
            better = _better(w)
            for row, good in zip(what_if_rows(w), better):
                label, as_is, to_be, difference, interval = row
                note = f"from {as_is}: {difference}" + (f" ({conf} interval {interval})" if interval else "")
                kind = {True: "jm-good", False: "jm-alert", None: ""}[good]
                cards.append(_card(label, to_be, note, kind=kind))
            assumptions = "".join(f"<li>{_esc(a)}</li>" for a in w.get("assumptions") or [])
            blocks.append(
                '<div class="jm-whatif">'
                f"<h3>{_esc(heading)}</h3>"
                f'<p class="jm-sub">Change: <code>{_esc(w.get("change", ""))}</code></p>'
                f'<div class="jm-cards">{"".join(cards)}</div>'
                + (f'<h4>Assumptions</h4><ul class="jm-notes">{assumptions}</ul>' if assumptions else "")
                + "</div>"
            )
        return "\n".join(blocks)


@hookimpl
def journeymine_register_report_sections(register: Any) -> None:
    """Register the improve sections of the HTML report."""
    register(FindingsSection())
    register(ReverseThinkingSection())
    register(WhatIfSection())
