"""The HTML report: one self-contained file with the figures and pictures of a log, per segment.

:func:`report` mines the aggregates once (the DFG and the variants, per segment; the journey-map
figures when a map is given; what :func:`journeymine.improve` finds when asked for, or given an
ideal journey) and hands them, in a :class:`ReportContext`, to every registered report section. A
section (:class:`ReportSection`) is a plugin object like a renderer: the built-ins (``overview``
10, ``process-map`` 20, ``variants`` 30, ``journey-map`` 40) are registered through the hook
``journeymine_register_report_sections`` at the end of this module, and those of improve
(``improve-findings`` 50, ``reverse-thinking`` 60, ``what-if`` 70) in
:mod:`journeymine.heuristics.sections`, exactly as a third party's are, and the report assembles
whatever is registered, ordered by ``order``, then name:

.. code-block:: python

    from journeymine.views.report import esc

    class Slowest:
        name = "slowest"
        title = "The slowest transition"
        order = 25                       # between the process map (20) and the variants (30)

        def render(self, context):        # an HTML fragment; escape every text from the data
            def one(segment):             # one panel per segment, switched with the others
                edges = context.dfg.edges
                if context.by is not None:
                    edges = edges[edges["segment"] == segment]
                top = edges.loc[edges["median_s"].idxmax()]
                return f"<p>{esc(top['source'])} → {esc(top['target'])}</p>"
            return context.per_segment(one)

    @journeymine.hookimpl
    def journeymine_register_report_sections(register):
        register(Slowest())

:meth:`ReportContext.picture` draws a result with any renderer, inline; ``per_segment`` and
``per_detail`` put fragments into the panels the segment switcher and the detail control show
and hide. A section that raises is left out with a visible note in the report and a
:class:`~journeymine.PluginWarning`; the others are not affected. ``None`` leaves it out quietly.

The file loads nothing from anywhere: styles and the script are inline (``report.css`` and
``report.js`` beside this module), pictures are inline SVG (PNG as ``data:`` URIs), and a
Content-Security-Policy forbids everything else (the one script runs by its SHA-256 hash).
Segments are switched with buttons (a drop-down list for more than :data:`MAX_BUTTONS`); every
segment is shown, one after another, when printed or without the script. Process maps are drawn
beforehand at a few detail levels and switched the same way, so no Graphviz is needed in the
browser. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from journeymine.hookspecs import hookimpl

if TYPE_CHECKING:
    import os

    import pandas as pd

    from journeymine.comparison.result import Comparison
    from journeymine.dfg import DFG
    from journeymine.engines.base import LogStats
    from journeymine.eventlog import EventLog
    from journeymine.heuristics.base import Heuristic
    from journeymine.heuristics.ideal import IdealJourney
    from journeymine.heuristics.reverse import IdealModel
    from journeymine.heuristics.run import Improvement
    from journeymine.heuristics.whatif import Change
    from journeymine.journeymap.figures import JourneyMapResult
    from journeymine.journeymap.spec import JourneyMap
    from journeymine.variants import Variants

__all__ = [
    "DEFAULT_DETAIL",
    "MAX_BUTTONS",
    "PICTURE_WIDTH",
    "JourneyMapSection",
    "OverviewSection",
    "ProcessMapSection",
    "ReportContext",
    "ReportSection",
    "VariantsSection",
    "assemble",
    "build_context",
    "content_security_policy",
    "esc",
    "journeymine_register_report_sections",
    "report",
    "script_json",
    "table_html",
]

#: the detail levels process maps are drawn at (the share of transitions their edges cover)
DEFAULT_DETAIL = (0.6, 0.8, 1.0)
#: the width (pixels) pictures are asked to fit, where their renderer takes ``width=``
PICTURE_WIDTH = 1060

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@runtime_checkable
class ReportSection(Protocol):
    """What a section of the HTML report provides.

    Attributes
    ----------
    name : str
        Unique among report sections (``"overview"``); also the anchor of the section.
    title : str
        Its heading (escaped by the report).
    order : int or float
        Where it goes: sections are ordered by ``order``, then ``name``. The built-ins use
        ``overview`` 10, ``process-map`` 20, ``variants`` 30, ``journey-map`` 40,
        ``improve-findings`` 50, ``reverse-thinking`` 60, ``what-if`` 70.
    """

    name: str
    title: str
    order: float

    def render(self, context: ReportContext) -> str | None:
        """The section's body, an HTML fragment (every text from the data escaped with
        :func:`html.escape`), or ``None`` to leave the section out of this report."""
        ...


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What every report section is given: the log's figures, the segments and the mined results.

    Only aggregates: the figures of the log (never its events), the DFG, the variants and the
    journey-map figures, mined once by :func:`report` for all sections.

    Attributes
    ----------
    title, source : str
        The report's title; where the events came from (a path, ``DataFrame``).
    stats : LogStats
        Rows read, events, cases, activities, rows set aside, time zone.
    notes : tuple of str
        What to know about how the source was read (``log.notes``).
    period : tuple of pandas.Timestamp, or None
        The first and the last event (``None`` for a log without timestamps).
    by : str or None
        The segment dimension; ``bins`` as given to :func:`report`.
    segments : tuple
        The segments in their documented order (bins by value), as the result frames hold them
        (``None``: the cases without a value; ``(None,)`` without ``by``). Pass one as
        ``segment=`` to a renderer; show it with :meth:`segment_label`.
    segment_cases : tuple of int
        The cases of each segment, in the order of ``segments``.
    segment_median_s : tuple of float
        The median case duration of each segment in seconds (NaN without timestamps).
    median_duration_s : float
        The median case duration over all cases.
    dfg : DFG
    variants : Variants
        Every variant of each segment (the sections show the ``top`` most frequent).
    journey : JourneyMapResult or None
        The journey-map figures, when a map was given.
    improvement : Improvement or None
        What :func:`journeymine.improve` found (findings, reverse thinking, what-if), when the
        report was asked for it (``improve=True``, an ``ideal``, ``heuristics`` or ``what_if``).
    ideal : IdealJourney or None
        The ideal journey the reverse thinking of :attr:`improvement` was made against (a
        process model from :mod:`journeymine.interop` is one too), when one was given.
    comparison : Comparison or None
        The tested differences between groups (:func:`journeymine.compare`), when the report
        was asked for them (``compare=``).
    detail : tuple of float
        The detail levels process maps are drawn at; ``detail_shown`` the one shown first.
    measure : str
        What the process map shows on its edges (``"frequency"``, ``"median"``, ...).
    top : int
        Variants per segment.
    """

    title: str
    source: str
    stats: LogStats
    notes: tuple[str, ...]
    period: tuple[pd.Timestamp, pd.Timestamp] | None
    by: str | None
    bins: Any
    segments: tuple[Any, ...]
    segment_cases: tuple[int, ...]
    segment_median_s: tuple[float, ...]
    median_duration_s: float
    dfg: DFG
    variants: Variants
    journey: JourneyMapResult | None = None
    improvement: Improvement | None = None
    ideal: IdealJourney | IdealModel | None = None
    comparison: Comparison | None = None
    detail: tuple[float, ...] = DEFAULT_DETAIL
    measure: str = "frequency"
    top: int = 10
    _pictures: list[int] = field(default_factory=lambda: [0], repr=False, compare=False)

    # -- segments -------------------------------------------------------------------------------

    @property
    def detail_shown(self) -> float:
        """The detail level shown first: the middle one of :attr:`detail`."""
        return self.detail[(len(self.detail) - 1) // 2]

    def segment_label(self, segment: Any) -> str:
        """A segment as people read it (not escaped): ``"(none)"`` for cases without a value.

        Examples
        --------
        >>> import journeymine as jm
        >>> context = build_context(jm.datasets.load_demo_log(), by="nps")
        >>> context.segment_label(7.0), context.segment_label(None)
        ('7', '(none)')
        """
        if segment is None:
            return "All cases" if self.by is None else "(none)"
        if isinstance(segment, float) and segment.is_integer():
            return str(int(segment))
        return str(segment)

    def segment_key(self, segment: Any) -> str:
        """The segment's key in the page (``"s0"``, ``"s1"``, ...: never text from the data)."""
        return f"s{self.segments.index(segment)}"

    def journey_segment(self, segment: Any) -> Any:
        """The segment as :attr:`journey` names it (``"all"`` without ``by``, ``"(none)"``)."""
        if self.by is None:
            return "all"
        return "(none)" if segment is None else segment

    def segment_option(self, segment: Any) -> dict[str, Any]:
        """The ``segment=`` option that draws one segment: ``{}`` without ``by`` (the whole
        log), the label ``"(none)"`` for the cases without a value, else the value."""
        if self.by is None:
            return {}
        return {"segment": "(none)" if segment is None else segment}

    def per_segment(self, body: Callable[[Any], str | None], *, heading: bool = True) -> str:
        """``body(segment)`` for every segment, each in a panel the segment switcher shows and
        hides (with the segment's name and cases as a heading when there are segments, unless
        ``heading=False``: for pictures that name their segment themselves).

        Examples
        --------
        >>> import journeymine as jm
        >>> context = build_context(jm.datasets.load_demo_log(), by="segment")
        >>> panels = context.per_segment(lambda s: f"<p>{s}</p>")
        >>> print(panels.split("<h3")[0])
        <div class="jm-segment" data-jm-segment="s0" aria-label="first-time buyer">
        >>> panels.count('class="jm-segment"'), "<p>mover</p>" in panels
        (3, True)
        """
        out = []
        for i, segment in enumerate(self.segments):
            inner = body(segment)
            if inner is None:
                continue
            if self.by is None:
                out.append(f'<div class="jm-segment">{inner}</div>')
                continue
            label = esc(self.segment_label(segment))
            cases = self.segment_cases[i]
            title = (
                f'<h3 class="jm-segment-title">{label} <small>{cases:,} case{"s" * (cases != 1)}</small></h3>'
                if heading
                else ""
            )
            out.append(
                f'<div class="jm-segment" data-jm-segment="{self.segment_key(segment)}" '
                f'aria-label="{label}">{title}{inner}</div>'
            )
        return "\n".join(out)

    def per_detail(self, body: Callable[[float], str]) -> str:
        """``body(detail)`` for every detail level, each in a panel the detail control switches
        (the level :attr:`detail_shown` shown first)."""
        if len(self.detail) == 1:
            return body(self.detail[0])
        out = []
        for i, level in enumerate(self.detail):
            off = "" if level == self.detail_shown else " jm-off"
            out.append(f'<div class="jm-detail{off}" data-jm-detail="d{i}">{body(level)}</div>')
        return "\n".join(out)

    def detail_control(self) -> str:
        """The buttons that switch the detail level (empty for a single level)."""
        if len(self.detail) == 1:
            return ""
        buttons = "".join(
            _button(
                "detail",
                f"d{i}",
                _percent(level) + (" (all)" if level == 1 else ""),
                level == self.detail_shown,
            )
            for i, level in enumerate(self.detail)
        )
        return (
            '<div class="jm-controls" role="group" aria-label="Detail of the process map">'
            f'<span class="jm-controls-label">Detail</span>{buttons}</div>'
        )

    # -- pictures -------------------------------------------------------------------------------

    def picture(
        self,
        result: Any,
        *,
        renderer: str,
        format: str | None = None,
        label: str = "",
        optional: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> str:
        """A picture of ``result`` by the renderer named, as HTML to put in the page.

        Drawn with :func:`journeymine.views` in ``format`` (by default the first of html, svg,
        png that the renderer writes): SVG and HTML inline (their ids made unique in the page),
        PNG as a ``data:`` URI. ``options`` go to the renderer; ``optional`` ones only when
        the renderer takes them. ``label`` is the picture's accessible name.

        Examples
        --------
        >>> import journeymine as jm
        >>> context = build_context(jm.datasets.load_demo_log(), by="segment")
        >>> html = context.picture(context.variants, renderer="variants", format="svg",
        ...                        segment="mover", optional={"top": 3, "width": 800, "hue": 1})
        >>> html.startswith('<div class="jm-picture"><svg'), "top 3 of" in html
        (True, True)
        """
        from journeymine.views import render, renderer_for

        chosen = renderer_for(result, renderer)
        if format is None:
            format = next((f for f in ("html", "svg", "png") if f in chosen.formats), chosen.formats[0])
        taken = {k: v for k, v in (optional or {}).items() if k in chosen.options}
        out = render(result, format, renderer=renderer, **taken, **options)
        self._pictures[0] += 1
        return _embed(out, format, f"jm{self._pictures[0]}-", label)


def esc(text: Any) -> str:
    """Text from the data, escaped for HTML (content and attribute values alike).

    Examples
    --------
    >>> esc('x"];evil[ <b>bold</b>')
    'x&quot;];evil[ &lt;b&gt;bold&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True)


# -- the report -------------------------------------------------------------------------------------


def report(
    log: EventLog | Any,
    *,
    by: str | None = None,
    bins: Any = None,
    map: JourneyMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    path: str | os.PathLike[str] | None = None,
    detail: float | Sequence[float] = DEFAULT_DETAIL,
    measure: str | None = None,
    top: int = 10,
    title: str | None = None,
    ideal: IdealJourney | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    improve: bool = False,
    heuristics: Sequence[str | Heuristic] | None = None,
    what_if: Sequence[Change | str] = (),
    seed: int = 0,
    compare: Comparison | Mapping[str, Any] | bool = False,
    **read_options: Any,
) -> str:
    """Write the HTML report of a log: overview, process maps, variants, journey map, per segment.

    Parameters
    ----------
    log : EventLog or pandas.DataFrame
        An event log from :func:`journeymine.read_events`; or a DataFrame (or a path) with the
        mapping keywords of ``read_events`` in ``read_options``.
    by, bins : optional
        A segment, as in :func:`journeymine.discover_dfg`: every picture is drawn per segment,
        with a switcher between them.
    map : JourneyMap, path, YAML text or mapping, optional
        A journey map (see :func:`journeymine.journey_map`): adds the journey-map section.
    path : str or Path, optional
        Also write the report there (UTF-8).
    detail : float or sequence of float
        The detail levels of the process maps, each the share of transitions the drawn edges
        cover (0 to 1; 1 draws every edge). Each is drawn beforehand; the report switches
        between them, showing the middle one first. Default: 60%, 80% and 100%.
    measure : str, optional
        What the process map shows, as the process-map renderer takes it: ``"frequency"``,
        ``"cases"``, a time (``"mean"``, ``"median"``, ``"p90"``) or a count and a time
        (``"frequency+median"``, the default for a log with timestamps; ``"frequency"`` without).
    top : int
        Variants shown per segment (10).
    title : str, optional
        The report's title (by default from the journey map's name, else "Customer journey
        report").
    ideal : IdealJourney, path, YAML text or mapping, optional
        The ideal future-state journey: adds the findings and the reverse-thinking section (the
        journeys against it, and the as-is map beside the ideal).
    improve : bool
        Add the findings of the heuristics (:func:`journeymine.improve`, with the same ``by``,
        ``bins`` and ``map``); implied by ``ideal``, ``heuristics`` and ``what_if``.
    heuristics : sequence of str or Heuristic, optional
        The heuristics to run (default: every registered one).
    what_if : sequence of Change or str
        Changes to estimate (``"remove:Documents incomplete"``): adds the what-if section.
    seed : int
        Seeds the bootstrap intervals of the improve sections (and of ``compare``).
    compare : bool, mapping or Comparison
        Add the comparison section (the difference map and the tables of significant
        differences): ``True`` compares the segments of ``by``; a mapping passes its keys to
        :func:`journeymine.compare` (``{"groups": ("a", "b")}``, ``{"rest": "a"}``, ``{"alpha":
        0.01}``), with this report's ``by``, ``bins``, ``map`` and ``seed``; a
        :class:`~journeymine.Comparison` is shown as it is.
    **read_options
        ``case=``, ``activity=``, ``timestamp=``, ... as in :func:`journeymine.read_events`,
        when ``log`` is not yet an ``EventLog``.

    Returns
    -------
    str
        The HTML: one file that loads nothing from elsewhere. The same input gives
        byte-identical HTML.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.views.report import report
    >>> log = jm.datasets.load_demo_log()
    >>> page = report(log, by="segment", detail=0.8, top=5)
    >>> page.startswith("<!DOCTYPE html>"), "default-src 'none'" in page
    (True, True)
    >>> page == report(log, by="segment", detail=0.8, top=5)
    True
    >>> report(log, detail=1.5)
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: detail= takes shares of transitions between 0 and 1 ...
    """
    context = build_context(
        log,
        by=by,
        bins=bins,
        map=map,
        detail=detail,
        measure=measure,
        top=top,
        title=title,
        ideal=ideal,
        improve=improve,
        heuristics=heuristics,
        what_if=what_if,
        seed=seed,
        compare=compare,
        **read_options,
    )
    page = assemble(context)
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


def build_context(
    log: EventLog | Any,
    *,
    by: str | None = None,
    bins: Any = None,
    map: JourneyMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    detail: float | Sequence[float] = DEFAULT_DETAIL,
    measure: str | None = None,
    top: int = 10,
    title: str | None = None,
    ideal: IdealJourney | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    improve: bool = False,
    heuristics: Sequence[str | Heuristic] | None = None,
    what_if: Sequence[Change | str] = (),
    seed: int = 0,
    compare: Comparison | Mapping[str, Any] | bool = False,
    **read_options: Any,
) -> ReportContext:
    """Mine what the sections need, once, from the arguments of :func:`report` (but ``path``).

    Examples
    --------
    >>> import journeymine as jm
    >>> context = build_context(jm.datasets.load_demo_log(), by="segment", top=5)
    >>> context.segments, context.segment_cases
    (('first-time buyer', 'mover', 'refinancer'), (1195, 1077, 728))
    >>> context.detail, context.detail_shown, context.measure
    ((0.6, 0.8, 1.0), 0.8, 'frequency+median')
    """
    import pandas as pd

    from journeymine.dfg import discover_dfg
    from journeymine.eventlog import as_log, duration_summary
    from journeymine.variants import discover_variants
    from journeymine.views.processmap import check_measure

    levels = _detail_levels(detail)
    _check_arguments(top, title)
    flag: Any = improve
    if not isinstance(flag, bool):
        from journeymine.errors import ArgumentError

        raise ArgumentError(f"improve= takes True or False, not {flag!r}")
    log = as_log(log, "report", **read_options)
    if measure is None:
        measure = "frequency+median" if log.stats.timed else "frequency"
    dfg = discover_dfg(log, by=by, bins=bins)
    check_measure(measure, dfg)  # the caller's mistake, before any picture is drawn
    journey = None
    if map is not None:
        from journeymine.journeymap.figures import journey_map

        journey = journey_map(log, map, by=by, bins=bins)
    improvement = None
    ideal_journey: Any = None  # an IdealJourney, or a process model (journeymine.interop)
    if improve or ideal is not None or heuristics is not None or what_if:
        from journeymine.heuristics.ideal import load_ideal
        from journeymine.heuristics.run import improve as find

        ideal_journey = None if ideal is None else load_ideal(ideal)
        improvement = find(
            log,
            by=by,
            bins=bins,
            map=map,
            ideal=ideal_journey,
            heuristics=heuristics,
            what_if=what_if,
            seed=seed,
        )
    comparison = _comparison(log, compare, by=by, bins=bins, map=map, seed=seed)
    variants = discover_variants(log, by=by, bins=bins)
    cases = log.cases(by=by, bins=bins, attributes=[])

    segments = tuple(dict.fromkeys(_plain(s) for s in dfg.activities["segment"])) or (None,)
    summary = duration_summary(cases)
    per_segment = {
        _plain(s): (int(n), float(m))
        for s, n, m in zip(summary["segment"], summary["cases"], summary["median_s"])
    }
    start, end = cases["start"].min(), cases["end"].max()
    if title is None:
        title = f"{journey.spec.journey} journey report" if journey is not None else "Customer journey report"
    return ReportContext(
        title=title,
        source=log.source,
        stats=log.stats,
        notes=tuple(log.notes),
        period=None if pd.isna(start) or pd.isna(end) else (start, end),
        by=by,
        bins=bins,
        segments=segments,
        segment_cases=tuple(per_segment.get(s, (0, math.nan))[0] for s in segments),
        segment_median_s=tuple(per_segment.get(s, (0, math.nan))[1] for s in segments),
        median_duration_s=float(cases["duration_s"].median()) if len(cases) else math.nan,
        dfg=dfg,
        variants=variants,
        journey=journey,
        improvement=improvement,
        ideal=ideal_journey,
        comparison=comparison,
        detail=levels,
        measure=measure,
        top=top,
    )


def _comparison(log: EventLog, compare: Any, **defaults: Any) -> Comparison | None:
    """The comparison a report shows: ``compare=`` as given, or computed with the report's
    ``by``, ``bins``, ``map`` and ``seed`` (a mapping's keys win)."""
    from journeymine.comparison.result import Comparison
    from journeymine.errors import ArgumentError

    if compare is False or compare is None:
        return None
    if isinstance(compare, Comparison):
        return compare
    from journeymine.comparison.run import compare as run

    if compare is True:
        return run(log, **defaults)
    if isinstance(compare, Mapping):
        return run(log, **{**defaults, **dict(compare)})
    raise ArgumentError(
        f"compare= takes True, a mapping of compare arguments (such as {{'groups': ('a', 'b')}}) "
        f"or a Comparison, not {compare!r}"
    )


def assemble(context: ReportContext) -> str:
    """The page: the header, every registered section in order, the footer.

    A section that raises (or returns something other than a str or ``None``) is replaced by a
    note saying so, with a :class:`~journeymine.PluginWarning` naming its plugin.

    Examples
    --------
    >>> import journeymine as jm
    >>> page = assemble(build_context(jm.datasets.load_demo_log(), detail=1.0))
    >>> [part.split('"')[0] for part in page.split('<section class="jm-section" id="')[1:]]
    ['jm-overview', 'jm-process-map', 'jm-variants']
    """
    from journeymine import __version__
    from journeymine.registry import PluginWarning, report_sections

    registry = report_sections()
    ordered = sorted(registry.items.items(), key=lambda kv: (float(kv[1].order), kv[0]))
    parts: list[tuple[str, str, str, bool]] = []  # (anchor, title, html, failed)
    anchors: set[str] = set()
    for name, section in ordered:
        anchor = _anchor(name, anchors)
        title = str(getattr(section, "title", name))
        try:
            body = section.render(context)
            if body is not None and not isinstance(body, str):
                raise TypeError(f"render() returned a {type(body).__name__}, not an HTML str or None")
        except Exception as exc:
            owner = registry.owners.get(name, name)
            reason = f"{type(exc).__name__}: {exc}"
            warnings.warn(
                PluginWarning(
                    f"journeymine plugin {owner!r}: report section {name!r} failed ({reason}); "
                    "the report shows a note in its place",
                    plugin=owner,
                ),
                stacklevel=3,
            )
            parts.append((anchor, title, _failed(name, owner, reason), True))
            continue
        if body is None:
            continue
        parts.append((anchor, title, body, False))
    data = {
        "generator": f"journeymine {__version__}",
        "initial": {
            "detail": f"d{context.detail.index(context.detail_shown)}",
            "segment": context.segment_key(context.segments[0]) if context.by is not None else "all",
        },
        "sections": [anchor for anchor, *_ in parts],
        "segments": [
            {"cases": n, "key": context.segment_key(s), "label": context.segment_label(s)}
            for s, n in zip(context.segments, context.segment_cases)
        ],
        "title": context.title,
    }
    css, script = _assets()
    sections = "\n".join(
        f'<section class="jm-section{" jm-failed" if failed else ""}" id="{anchor}" '
        f'aria-labelledby="{anchor}-title">\n<h2 id="{anchor}-title">{esc(title)}</h2>\n{body}\n</section>'
        for anchor, title, body, failed in parts
    )
    nav = "".join(f'<a href="#{anchor}">{esc(title)}</a>' for anchor, title, *_ in parts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(script)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f'<meta name="generator" content="journeymine {esc(__version__)}">\n'
        f"<title>{esc(context.title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f"<style>\n{css}\n</style>\n</head>\n<body>\n"
        f"{_header(context)}\n"
        f'<div class="jm-bar"><div class="jm-wrap">{_switcher(context)}'
        f'<nav class="jm-nav" aria-label="Sections">{nav}</nav></div></div>\n'
        f'<main class="jm-wrap">\n{sections}\n</main>\n'
        f'<footer class="jm-footer jm-wrap">Made with journeymine {esc(__version__)} from '
        f"{esc(context.source)}. This file is self-contained: it loads nothing from elsewhere.</footer>\n"
        f'<script type="application/json" id="jm-data">{script_json(data)}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """The style sheet and the script (``report.css``, ``report.js`` beside this module)."""
    from importlib.resources import files

    from journeymine.views.style import INK, MUTED

    here = files("journeymine.views")
    css = here.joinpath("report.css").read_text(encoding="utf-8")
    css = css.replace("@INK@", INK).replace("@MUTED@", MUTED)
    return css.strip(), here.joinpath("report.js").read_text(encoding="utf-8").strip()


def content_security_policy(script: str) -> str:
    """The report's Content-Security-Policy: nothing from elsewhere, only ``script`` runs.

    Examples
    --------
    >>> content_security_policy("")  # doctest: +NORMALIZE_WHITESPACE
    "default-src 'none'; img-src data:; style-src 'unsafe-inline';
    script-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; base-uri 'none'; form-action 'none'"
    """
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: sorted keys, and ``<``, ``>``, ``&``, U+2028/9 escaped
    (so that neither ``</script>`` nor ``<!--`` can appear).

    Examples
    --------
    >>> script_json({"b": "</script><!--", "a": 1})
    '{"a":1,"b":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


# -- pieces of the page ---------------------------------------------------------------------------


def _header(context: ReportContext) -> str:
    source = _file_name(context.source)
    meta = [
        f'<div><dt>Source</dt><dd title="{esc(context.source)}">{esc(source)}</dd></div>',
        f"<div><dt>Period</dt><dd>{esc(_period(context.period) or 'no timestamps')}</dd></div>",
    ]
    if context.by is not None:
        bins = f", {context.bins} bins" if isinstance(context.bins, int) else ""
        segments = f"{len(context.segments)} by {esc(context.by)}{bins}"
        meta.append(f"<div><dt>Segments</dt><dd>{segments}</dd></div>")
    if context.journey is not None:
        meta.append(f"<div><dt>Journey map</dt><dd>{esc(context.journey.spec.journey)}</dd></div>")
    meta.append(f"<div><dt>Cases</dt><dd>{context.stats.cases:,}</dd></div>")
    return (
        '<header class="jm-header"><div class="jm-wrap">'
        '<p class="jm-kicker">Customer journey analysis</p>'
        f'<h1>{esc(context.title)}</h1><dl class="jm-meta">{"".join(meta)}</dl></div></header>'
    )


#: with more segments than this the switcher is a drop-down list, not a row of buttons
MAX_BUTTONS = 8


def _switcher(context: ReportContext) -> str:
    if context.by is None or len(context.segments) < 2:
        return ""
    first = context.segments[0]
    label = f'<span class="jm-controls-label">{esc(context.by)}</span>'
    if len(context.segments) > MAX_BUTTONS:
        options = ['<option value="all">All</option>'] + [
            f'<option value="{context.segment_key(s)}"{" selected" if s == first else ""}>'
            f"{esc(context.segment_label(s))}</option>"
            for s in context.segments
        ]
        return (
            f'<div class="jm-controls"><label>{label}<select data-jm-pick="segment">'
            f"{''.join(options)}</select></label></div>"
        )
    buttons = [_button("segment", "all", "All", False)] + [
        _button("segment", context.segment_key(s), context.segment_label(s), s == first)
        for s in context.segments
    ]
    return (
        f'<div class="jm-controls" role="group" aria-label="Segment ({esc(context.by)})">'
        f"{label}{''.join(buttons)}</div>"
    )


def _button(group: str, value: str, label: str, pressed: bool) -> str:
    return (
        f'<button type="button" data-jm-pick="{group}" value="{value}" '
        f'aria-pressed="{"true" if pressed else "false"}" title="{esc(label)}">{esc(label)}</button>'
    )


def _failed(name: str, owner: str, reason: str) -> str:
    return (
        f'<p class="jm-note" role="note">This section could not be made: '
        f"{esc(reason)} (report section {esc(name)} of the plugin {esc(owner)}). "
        "The rest of the report is complete.</p>"
    )


def _anchor(name: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "section"
    anchor, n = f"jm-{slug}", 2
    while anchor in taken:
        anchor, n = f"jm-{slug}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _embed(out: str | bytes, format: str, prefix: str, label: str) -> str:
    """Renderer output as HTML in the page: SVG and HTML inline with unique ids, PNG as data."""
    if isinstance(out, bytes):
        if format != "png":
            raise ValueError(f"a {format} picture cannot be shown in the report; draw it as svg or png")
        data = base64.b64encode(out).decode("ascii")
        return f'<div class="jm-picture"><img alt="{esc(label)}" src="data:image/png;base64,{data}"></div>'
    if format == "svg":
        start = out.find("<svg")
        svg = _unique_ids(_XMLNS.sub("", _COMMENT.sub("", out[start:] if start >= 0 else out)), prefix)
        tag = svg[: svg.find(">")]
        if label and "aria-label=" not in tag:
            svg = svg.replace("<svg", f'<svg role="img" aria-label="{esc(label)}"', 1)
        width = re.search(r'\swidth="([0-9.]+)(?:px|pt)?"', tag)
        if width and float(width.group(1)) * (4 / 3 if 'pt"' in width.group(0) else 1) > PICTURE_WIDTH + 1:
            return (
                '<div class="jm-picture jm-zoom">'
                '<button type="button" class="jm-zoom-button" data-jm-zoom aria-pressed="false">'
                f"Actual size</button>{svg}</div>"
            )
        return f'<div class="jm-picture">{svg}</div>'
    if format == "html":
        fragment = _unique_ids(_XMLNS.sub("", _COMMENT.sub("", out)), prefix)
        return f'<div class="jm-picture jm-fragment">{fragment}</div>'
    return f'<pre class="jm-picture">{esc(out)}</pre>'


#: namespace declarations of SVG and XLink: implied in HTML (and no address in the page)
_XMLNS = re.compile(r'\s+xmlns(?::xlink)?="http://www\.w3\.org/(?:2000/svg|1999/xlink)"')
#: comments (Graphviz writes one per node and edge): of no use in the page
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_ID = re.compile(r'(\sid=")([^"]*)(")')
_REF = re.compile(r'(url\(#|(?:xlink:)?href="#)([^)"]*)')


def _unique_ids(markup: str, prefix: str) -> str:
    """Prefix every ``id`` and reference to one, so that several pictures share one page (two
    Graphviz maps both have ``node1``; a hidden picture's gradient must not serve another)."""
    markup = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}{m.group(3)}", markup)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", markup)


def _file_name(source: str) -> str:
    """The last part of a path (``events.csv``); other sources as they are."""
    name = re.split(r"[/\\]", source.rstrip("/\\"))[-1]
    return name or source


def _period(period: tuple[Any, Any] | None) -> str:
    if period is None:
        return ""

    def day(t: Any) -> str:
        return f"{t.day} {_MONTHS[t.month - 1]} {t.year}"

    return f"{day(period[0])} – {day(period[1])}"


def _percent(share: float) -> str:
    return f"{100 * share:.4g}%"


def _plain(value: Any) -> Any:
    """A segment value as a plain Python value; ``None`` for missing (NaN, NA, NaT)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):  # pandas.NA
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) and type(value).__module__ == "numpy" else value


def _detail_levels(detail: float | Sequence[float]) -> tuple[float, ...]:
    from journeymine.errors import ArgumentError

    values: Iterable[Any] = [detail] if isinstance(detail, (int, float)) else detail
    try:
        levels = sorted({float(d) for d in values if not isinstance(d, bool)})
        ok = bool(levels) and all(0 < d <= 1 for d in levels) and len(levels) == len(list(values))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ArgumentError(
            f"detail= takes shares of transitions between 0 and 1 (one, or a few such as "
            f"[0.6, 0.8, 1.0]), not {detail!r}"
        )
    return tuple(levels)


def _check_arguments(top: Any, title: Any) -> None:
    from journeymine.errors import ArgumentError

    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ArgumentError(f"top= takes a whole number of at least 1, not {top!r}")
    if title is not None and not isinstance(title, str):
        raise ArgumentError(f"title= takes a str, not {type(title).__name__}")


# -- the built-in sections ----------------------------------------------------------------------------


def _card(label: str, value: str, note: str = "", *, kind: str = "", small: bool = False) -> str:
    cls = f"jm-card {kind}".strip()
    val = "jm-card-value jm-small" if small else "jm-card-value"
    extra = f'<div class="jm-card-note">{esc(note)}</div>' if note else ""
    return (
        f'<div class="{cls}"><div class="jm-card-label">{esc(label)}</div>'
        f'<div class="{val}">{esc(value)}</div>{extra}</div>'
    )


def _share_bar(share: float, largest: float = 1.0, colour: str = "") -> str:
    """A bar as long as ``share`` next to ``largest`` (the longest bar), and the share in %."""
    from journeymine.display import format_share

    fill = share / largest if largest > 0 and math.isfinite(share) else 0.0
    width = max(0.0, min(1.0, fill)) * 100
    style = f"width:{width:.1f}%" + (f";background:{colour}" if colour else "")
    return (
        f'<div class="jm-share"><i><span style="{style}"></span></i><em>{esc(format_share(share))}</em></div>'
    )


def table_html(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Sequence[bool],
    caption: str = "",
    cls: str = "",
) -> str:
    """A table in the report's look, for every section: ``header`` (plain text, escaped here),
    ``rows`` of already escaped cells, ``numeric`` columns right-aligned, an optional caption
    and an extra class (``"jm-compact"``).

    Examples
    --------
    >>> table_html(["Touchpoint", "Cases"], [["Chat", "12"]], [False, True], cls="jm-compact")[:58]
    '<div class="jm-scroll"><table class="jm-table jm-compact">'
    """
    num = ' class="jm-n"'
    head = "".join(f'<th scope="col"{num if n else ""}>{esc(h)}</th>' for h, n in zip(header, numeric))
    body = "".join(
        "<tr>" + "".join(f"<td{num if n else ''}>{c}</td>" for c, n in zip(row, numeric)) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    extra = f" {cls}" if cls else ""
    return (
        f'<div class="jm-scroll"><table class="jm-table{extra}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )



class OverviewSection:
    """The figures of the log: data quality (rows read, set aside and why), cases, events,
    activities, period, and the segments with their cases.

    Examples
    --------
    >>> import journeymine as jm
    >>> html = OverviewSection().render(build_context(jm.datasets.load_demo_log(), by="segment"))
    >>> "Rows read" in html and "first-time buyer" in html
    True
    """

    name = "overview"
    title = "Overview"
    order = 10

    def render(self, context: ReportContext) -> str:
        from journeymine.display import format_count, format_duration, format_share

        s = context.stats
        period = _period(context.period)
        cards = [
            _card("Cases", format_count(s.cases), "customer journeys in the log"),
            _card("Events", format_count(s.events), f"{s.events / s.cases:.1f} per case" if s.cases else ""),
            _card("Activities", format_count(s.activities), "distinct touchpoints and steps"),
        ]
        if s.timed:
            cards.append(
                _card("Median duration", format_duration(context.median_duration_s), "first to last event")
            )
            cards.append(_card("Period", period, "first to last event", small=True))
        else:
            cards.append(_card("Period", "no timestamps", "events in the order of the source", small=True))
        used = s.events / s.rows_read if s.rows_read else math.nan
        quality_rows = [
            ("Rows read", format_count(s.rows_read)),
            ("Used as events", f"{format_count(s.events)} ({format_share(used)})"),
            ("Set aside", format_count(s.invalid_rows)),
        ]
        quality_rows += [(f"– {reason}", format_count(n)) for reason, n in context.stats.invalid_reasons]
        quality = table_html(
            ["Rows of the source", ""],
            [(esc(k), esc(v)) for k, v in quality_rows],
            [False, True],
        )
        if s.invalid_rows:
            verdict = (
                f'<p class="jm-note">{esc(format_count(s.invalid_rows))} rows were set aside and are not in '
                "any figure of this report; <code>log.quarantine</code> lists them with the reason.</p>"
            )
        else:
            verdict = '<p><span class="jm-ok">✓ Every row read is in the figures.</span></p>'
        notes = "".join(f"<li>{esc(n)}</li>" for n in context.notes)
        notes = f'<ul class="jm-notes">{notes}</ul>' if notes else ""
        parts = [
            '<p class="jm-lede">What the log holds and how much of it the figures use.</p>',
            f'<div class="jm-cards">{"".join(cards)}</div>',
            f'<div class="jm-split"><div><h3>Data quality</h3>{quality}{verdict}{notes}</div>',
            f"{self._segments(context)}</div>",
        ]
        return "\n".join(parts)

    def _segments(self, context: ReportContext) -> str:
        from journeymine.display import format_count, format_duration, format_share

        if context.by is None:
            return "<div></div>"
        total = sum(context.segment_cases) or 1
        completed: dict[Any, float] = {}
        if context.journey is not None:
            frame = context.journey.segments
            completed = {_plain(k): float(v) for k, v in zip(frame["segment"], frame["completed_share"])}
        timed = context.stats.timed
        header = [context.by, "Cases", "Share of cases"] + ["Median duration"] * timed
        numeric = [False, True, False] + [True] * timed
        if completed:
            header.append("Completed")
            numeric.append(True)
        rows = []
        for segment, cases, median in zip(context.segments, context.segment_cases, context.segment_median_s):
            row = [
                esc(context.segment_label(segment)),
                esc(format_count(cases)),
                _share_bar(cases / total, max(context.segment_cases) / total),
            ] + [esc(format_duration(median))] * timed
            if completed:
                row.append(esc(format_share(completed.get(context.journey_segment(segment), math.nan))))
            rows.append(row)
        return f"<div><h3>Segments</h3>{table_html(header, rows, numeric)}</div>"


class ProcessMapSection:
    """The process map of each segment, drawn at each detail level (the ``process-map`` renderer).

    Examples
    --------
    >>> import journeymine as jm
    >>> context = build_context(jm.datasets.load_demo_log(), by="segment", detail=[0.5, 1])
    >>> ProcessMapSection().render(context).count("<svg")
    6
    """

    name = "process-map"
    title = "Process map"
    order = 20

    def render(self, context: ReportContext) -> str:
        lede = (
            '<p class="jm-lede">How customers move from one touchpoint to the next: each box an activity, '
            "each arrow a direct transition, thicker for more. The detail level keeps the arrows that "
            "cover that share of all transitions; the map says what it leaves out.</p>"
        )

        def one(segment: Any) -> str:
            return context.per_detail(
                lambda level: context.picture(
                    context.dfg,
                    renderer="process-map",
                    format="svg",
                    label=f"Process map of {context.segment_label(segment)} at {_percent(level)} detail",
                    optional={"measure": context.measure, "detail": level, "scale": "shared", "title": ""},
                    **context.segment_option(segment),
                )
            )

        return lede + "\n" + context.detail_control() + "\n" + context.per_segment(one)


class VariantsSection:
    """The top variants of each segment (the ``variants`` renderer).

    Examples
    --------
    >>> import journeymine as jm
    >>> html = VariantsSection().render(build_context(jm.datasets.load_demo_log(), top=3))
    >>> html.count("<svg"), "top 3 of" in html
    (1, True)
    """

    name = "variants"
    title = "Variants"
    order = 30

    def render(self, context: ReportContext) -> str:
        lede = (
            '<p class="jm-lede">The most frequent paths through the journey'
            f"{', per segment' if context.by is not None else ''}: a variant is one sequence of "
            "activities, followed by every case it counts.</p>"
        )

        def one(segment: Any) -> str:
            return context.picture(
                context.variants,
                renderer="variants",
                format="svg",
                optional={"top": context.top, "width": PICTURE_WIDTH},
                **context.segment_option(segment),
            )

        return lede + "\n" + context.per_segment(one, heading=False)


class JourneyMapSection:
    """With a journey map: the journey-map picture of each segment and its key figures.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> JourneyMapSection().render(build_context(log)) is None  # no map given
    True
    >>> html = JourneyMapSection().render(build_context(log, map=jm.datasets.load_demo_map()))
    >>> "Moments of truth" in html and html.count("<svg")
    1
    """

    name = "journey-map"
    title = "Journey map"
    order = 40

    def render(self, context: ReportContext) -> str | None:
        from journeymine.display import format_count, format_share
        from journeymine.views.style import channel_colours

        journey = context.journey
        if journey is None:
            return None
        spec = journey.spec
        colours = channel_colours(journey.channels["channel"]) if len(journey.channels) else {}
        segs = {_plain(r["segment"]): r for r in journey.segments.to_dict("records")}
        level = journey.summary.get("confidence")
        lede = (
            f'<p class="jm-lede">{esc(spec.description) + " " if spec.description else ""}'
            "Stages as columns, touchpoints in their channel lanes, with reach, target attainment, "
            "time spent and drop-off; the emotion curve beneath.</p>"
        )

        def one(segment: Any) -> str:
            key = context.journey_segment(segment)
            row = segs.get(key, {})
            cards = [
                _card("Customers", format_count(row.get("customers"))),
                _card(
                    "Completed",
                    format_share(row.get("completed_share")),
                    _interval(row.get("completed_ci_low"), row.get("completed_ci_high"), format_share, level),
                    kind="jm-good",
                ),
            ]
            if "nps" in row:
                cards.append(
                    _card(
                        "NPS",
                        _score(row.get("nps")),
                        _interval(row.get("nps_ci_low"), row.get("nps_ci_high"), _score, level)
                        + f" · {format_count(row.get('nps_respondents'))} answers",
                    )
                )
            drop = self._drop_off(journey, key)
            if drop:
                cards.append(_card("Most drop-off", drop[0], drop[1], kind="jm-alert", small=True))
            mix = self._channel_mix(journey, key, colours)
            picture = context.picture(
                journey,
                renderer="journey-map",
                format="svg",
                label=f"Journey map of {context.segment_label(segment)}",
                **context.segment_option(segment),
            )
            return f'<div class="jm-cards">{"".join(cards)}</div>{mix}{picture}'

        return "\n".join([lede, context.per_segment(one), self._moments(journey)])

    @staticmethod
    def _drop_off(journey: JourneyMapResult, segment: Any) -> tuple[str, str] | None:
        from journeymine.display import format_share

        stages = journey.stages
        rows = stages[stages["segment"].astype(object).map(_plain) == segment]
        rows = rows[rows["left_share"] > 0]
        if not len(rows):
            return None
        worst = rows.sort_values(["left_share", "stage"], ascending=[False, True], kind="stable").iloc[0]
        return str(worst["stage"]), f"{format_share(worst['left_share'])} of those reaching it leave there"

    @staticmethod
    def _channel_mix(journey: JourneyMapResult, segment: Any, colours: Mapping[str, str]) -> str:
        """A bar of the segment's events on the map by channel (the shared channel colours)."""
        from journeymine.display import format_share
        from journeymine.views.style import NO_CHANNEL

        channels = journey.channels
        rows = channels[channels["segment"].astype(object).map(_plain) == segment]
        if not len(rows) or not rows["events"].sum():
            return ""
        names = [("no channel" if _plain(c) is None else str(c)) for c in rows["channel"]]
        events = rows["events"].groupby(names, sort=True).sum()
        total = float(events.sum())
        mix = sorted(((str(c), float(n) / total) for c, n in events.items()), key=lambda cs: (-cs[1], cs[0]))
        spans, items = [], []
        for name, share in mix:
            colour = colours.get(name, NO_CHANNEL)
            text = f"{esc(name)} {esc(format_share(share))}"
            spans.append(f'<span style="width:{100 * share:.2f}%;background:{colour}" title="{text}"></span>')
            items.append(f'<li><span class="jm-swatch" style="background:{colour}"></span>{text}</li>')
        return (
            '<div class="jm-mixrow"><div class="jm-card-label">Channel mix of the events on the map</div>'
            f'<div class="jm-mix" aria-hidden="true">{"".join(spans)}</div>'
            f'<ul class="jm-legend" aria-label="Channel mix">{"".join(items)}</ul></div>'
        )

    @staticmethod
    def _moments(journey: JourneyMapResult) -> str:
        from journeymine.display import format_count

        moments = journey.moments_of_truth.head(5)
        if not len(moments):
            return ""
        rows = [
            (
                esc(int(r["rank"])),
                esc(r["touchpoint"]),
                esc(r["stage"]),
                esc(r["driver"]),
                esc(_number(r["effect"], 2)),
                esc(f"{r['q_value']:.2g}" if r["q_value"] == r["q_value"] else "–"),
                esc(format_count(r["customers"])),
            )
            for r in moments.to_dict("records")
        ]
        table = table_html(
            ["Rank", "Touchpoint", "Stage", "Driver", "Effect", "q", "Customers"],
            rows,
            [True, False, False, False, True, True, True],
        )
        return (
            '<div class="jm-keep"><h3>Moments of truth (all customers)</h3>'
            '<p class="jm-lede">Where customers who complete the journey differ most from those who do '
            "not, in sentiment or in missed targets: an association, not a proof of cause.</p>"
            f"{table}</div>"
        )


def _number(value: Any, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    return f"{float(value):.{digits}f}"


def _score(value: Any) -> str:
    """A net promoter score as people write it: ``+20``, ``-5``."""
    if value is None or value != value:
        return "–"
    return f"{float(value):+.0f}".replace("-", "−")


def _interval(low: Any, high: Any, fmt: Callable[[Any], str], confidence: Any) -> str:
    if low is None or high is None or low != low or high != high:
        return ""
    level = f"{100 * float(confidence):g}% " if isinstance(confidence, (int, float)) else ""
    return f"{level}interval {fmt(low)} – {fmt(high)}"


@hookimpl
def journeymine_register_report_sections(register: Any) -> None:
    """Register the built-in sections of the HTML report."""
    register(OverviewSection())
    register(ProcessMapSection())
    register(VariantsSection())
    register(JourneyMapSection())
