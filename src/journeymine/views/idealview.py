"""The ideal journey as a map, and the as-is process map beside it with what the ideal lacks marked.

Two renderers, both built-in plugins registered like any other:

- ``"ideal-journey"`` draws an :class:`~journeymine.heuristics.IdealJourney` (the to-be journey):
  its steps top to bottom in their order, from a start node to an end node. A step is a box in
  the colour of the channel it should happen in (:mod:`journeymine.views.style`, the colours of
  every other picture; grey without one); an **optional** step has a dashed border and a dashed
  arrow goes past it; the alternatives of an ``any`` step stand **side by side** in a dashed
  frame (any one of them is the step). A heading names the journey and its outcome and says how
  to read the map, with the channel legend.
- ``"as-is-to-be"`` draws an :class:`AsIsToBe` pair: the process map of the log as it is (the
  ``process-map`` renderer's own drawing, one segment at a time, with its options) on the left,
  the ideal journey on the right. On the as-is map the **transitions the ideal does not have**
  are red and dashed, their figures marked ``✕``, and the **activities the ideal does not have**
  get a red border and the words "not in the to-be journey"; its heading counts them.

A transition is on the ideal when it goes from a step to a later one with only optional steps
between them (from the start: to a step with only optional steps before it; to the end: from a
step with only optional steps after it). An activity belongs to the step reverse thinking puts it
in (:meth:`IdealJourney.position <journeymine.heuristics.IdealJourney.position>`: the first step
that names it, else the first whose pattern matches it).

Decisions
---------
- **The as-is side is the process map itself**: its DOT text (:class:`~journeymine.views.
  processmap.ProcessMap`), with the marks added to the attributes it wrote, laid out by the same
  ``dot``. So the as-is side reads exactly as the process-map section of the report does.
- **Side by side is one SVG**: each side is laid out on its own and both are nested in one
  ``<svg>`` (their ids prefixed ``asis-`` and ``tobe-``, so that they stay unique). Its DOT
  output is the two graphs one after the other (``dot`` draws each); it has no PNG.
- **Untrusted text** (step, activity, channel and journey names) only ever goes into Graphviz
  HTML-like labels, escaped as the process map escapes it; every id and colour is written by this
  module (``s0``, ``s1_2``: step and alternative numbers, never names).
- **Deterministic**: the same ideal and DFG give byte-identical output.

Examples
--------
>>> import journeymine as jm
>>> from journeymine.views import render
>>> from journeymine.heuristics import load_ideal
>>> ideal = load_ideal('''
... journey: Mortgage
... outcome: Contract signed
... steps:
...   - any: [Website visit, Comparison site visit]
...   - Advisor meeting
...   - {step: Upload documents, channel: app}
...   - {step: Credit check, optional: true}
...   - Contract signed
... ''')
>>> render(ideal, "dot").startswith("digraph ideal_journey {")
True
>>> pair = AsIsToBe(jm.discover_dfg(jm.datasets.load_demo_log(), by="segment"), ideal)
>>> svg = render(pair, segment="mover", detail=0.8)
>>> svg.count("<svg") == 3 and f'stroke="{OFF_IDEAL}"' in svg  # nested: as is, to be
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeymine.dfg import DFG
from journeymine.display import is_missing, segment_text
from journeymine.errors import ArgumentError
from journeymine.heuristics.ideal import IdealJourney, IdealStep
from journeymine.hookspecs import hookimpl
from journeymine.views import style
from journeymine.views.processmap import _FORBIDDEN, _html, _output, _run, _text, _tint, _wrap
from journeymine.views.variantview import check_format

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OFF_IDEAL",
    "AsIsToBe",
    "AsIsToBeView",
    "IdealView",
    "ideal_activities",
    "journeymine_register_renderers",
    "on_ideal",
]

#: the colour of what the ideal journey does not have, on the as-is map
OFF_IDEAL = "#c81e1e"
#: points between the two sides of the pair
_GAP = 28
_START_END = "#4b5563"
_SKIP = "#9ca3af"
#: the options of each renderer
IDEAL_OPTIONS = ("title", "rankdir")
PAIR_OPTIONS = ("segment", "measure", "detail", "top", "scale")


# -- which activities and transitions the ideal has ---------------------------------------------


def _outcome_text(ideal: IdealJourney) -> str:
    return ", ".join(ideal.outcome)


def _positions(ideal: IdealJourney, activity: str) -> list[int]:
    """The step (its index) an activity belongs to, as a list: empty for none."""
    i = ideal.position(activity)
    return [] if i is None else [i]


def ideal_activities(ideal: IdealJourney, activities: Iterable[str]) -> tuple[str, ...]:
    """The activities (of a log) that are a step of the ideal journey, in their given order.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import load_ideal
    >>> ideal = load_ideal("journey: J\\nsteps: [A, {any: [B*, C]}]")
    >>> ideal_activities(ideal, ["A", "Bank", "D"])
    ('A', 'Bank')
    """
    return tuple(a for a in activities if _positions(ideal, a))


def on_ideal(ideal: IdealJourney, source: str | None, target: str | None) -> bool:
    """Whether the transition ``source -> target`` is one the ideal journey has.

    ``None`` stands for the start (as ``source``) or the end (as ``target``). A transition is on
    the ideal when it goes from a step to a later one with only optional steps between them.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import load_ideal
    >>> ideal = load_ideal(
    ...     "journey: J\\nsteps: [A, {step: B, optional: true}, C]")
    >>> on_ideal(ideal, "A", "C"), on_ideal(ideal, "A", "B"), on_ideal(ideal, "C", "A")
    (True, True, False)
    >>> on_ideal(ideal, None, "A"), on_ideal(ideal, None, "B"), on_ideal(ideal, "C", None)
    (True, False, True)
    """
    steps = ideal.steps
    n = len(steps)
    froms = [-1] if source is None else _positions(ideal, source)
    tos = [n] if target is None else _positions(ideal, target)
    for i in froms:
        for j in tos:
            if i < j and all(steps[k].optional for k in range(i + 1, j)):
                return True
    return False


# -- the ideal journey --------------------------------------------------------------------------


class IdealView:
    """The ideal-journey renderer (``"ideal-journey"``), the default view of an ``IdealJourney``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import load_ideal
    >>> ideal = load_ideal("journey: Quick\\nsteps: [Sign-up, {any: [Call, Chat]}]")
    >>> svg = IdealView().render(ideal, format="svg")
    >>> svg.startswith("<?xml") and "any one of" in svg
    True
    """

    name = "ideal-journey"
    handles = (IdealJourney,)
    formats = ("dot", "svg", "png")
    options = IDEAL_OPTIONS
    default_for = ("IdealJourney",)

    def render(self, result: Any, *, format: str = "dot", **options: Any) -> str | bytes:
        """Draw ``result`` (an IdealJourney) as DOT text, SVG text or PNG bytes.

        Parameters
        ----------
        result : IdealJourney
        format : {"dot", "svg", "png"}
            SVG and PNG are laid out by Graphviz ``dot``.
        title : str
            The heading; by default ``To be: <journey>``; ``""`` for none.
        rankdir : {"TB", "LR"}
            Top to bottom (the default) or left to right.
        """
        if not isinstance(result, IdealJourney):
            raise ArgumentError(
                f"the renderer 'ideal-journey' draws an IdealJourney, not a {type(result).__name__}; "
                "pass journeymine.heuristics.load_ideal(path)"
            )
        _check(self.name, self.formats, IDEAL_OPTIONS, format, options)
        title = options.get("title")
        if title is not None and not isinstance(title, str):
            raise ArgumentError(f"title= takes a text, not {type(title).__name__}; pass title='...'")
        rankdir = "TB" if options.get("rankdir") is None else str(options["rankdir"]).upper()
        if rankdir not in ("TB", "LR"):
            raise ArgumentError(
                f"rankdir= takes 'TB' (top to bottom) or 'LR' (left to right), not {options['rankdir']!r}"
            )
        dot, names = _ideal_dot(result, title=title, rankdir=rankdir, colours=_ideal_colours(result, ()))
        return _ideal_output(dot, names, format)


def _ideal_colours(ideal: IdealJourney, others: Iterable[Any]) -> dict[str, str]:
    """Channel colours over the ideal's channels and ``others`` (the as-is map's, for the pair)."""
    return style.channel_colours([*(s.channel for s in ideal.steps if s.channel), *others])


def _node_ids(ideal: IdealJourney) -> list[list[str]]:
    """Per step, the node id of each alternative: ``s3`` for one, ``s3_0``, ``s3_1``, ... for several."""
    out = []
    for i, step in enumerate(ideal.steps):
        names = list(step.names) or [step.label]
        out.append([f"s{i}"] if len(names) == 1 else [f"s{i}_{k}" for k in range(len(names))])
    return out


def _ideal_dot(
    ideal: IdealJourney, *, title: str | None, rankdir: str, colours: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The DOT text of the ideal journey, and node id -> the name its SVG title shows."""
    import graphviz

    steps = ideal.steps
    ids = _node_ids(ideal)
    names: dict[str, str] = {"start": "start", "end": "end"}
    g = graphviz.Digraph(
        "ideal_journey",
        graph_attr={
            "rankdir": rankdir,
            "fontname": style.FONT,
            "fontsize": "10",
            "fontcolor": style.MUTED,
            "bgcolor": "white",
            "pad": "0.3",
            "nodesep": "0.3",
            "ranksep": "0.4",
            "newrank": "true",
            "outputorder": "edgesfirst",
            "labelloc": "b",
            "labeljust": "l",
            "label": _html(_text(_ideal_footnote(ideal))),
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": style.FONT,
            "fontsize": "12",
            "fontcolor": style.INK,
            "margin": "0.14,0.06",
            "penwidth": "1.6",
        },
        edge_attr={"color": style.MUTED, "arrowsize": "0.7", "penwidth": "1.6"},
    )
    with g.subgraph(name="cluster_ideal") as c:
        c.attr(
            label=_ideal_heading(ideal, title, colours),
            labelloc="t",
            labeljust="l",
            color="white",
            penwidth="0",
            margin="12",
        )
        c.node(
            "start",
            label=_html("<B>start</B>"),
            shape="circle",
            style="filled",
            fillcolor=_START_END,
            color=_START_END,
            fontcolor="white",
            fontsize="11",
            width="0.6",
            fixedsize="true",
        )
        for i, step in enumerate(steps):
            alternatives = list(step.names) or [step.label]
            colour = colours.get(str(step.channel), style.NO_CHANNEL) if step.channel else style.MUTED
            fill = _tint(colour, 0.18) if step.channel else "#f3f4f6"
            node_style = "rounded,filled,dashed" if step.optional else "rounded,filled"
            if len(alternatives) == 1:
                names[ids[i][0]] = alternatives[0]
                c.node(
                    ids[i][0],
                    label=_step_label(i, step, alternatives[0], heading=True),
                    style=node_style,
                    color=colour,
                    fillcolor=fill,
                )
                continue
            with c.subgraph(name=f"cluster_s{i}") as alt:
                alt.attr(
                    label=_html(
                        f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">'
                        f"{_text(_alternatives_head(i, step))}</FONT>"
                    ),
                    labelloc="t",
                    labeljust="l",
                    style="dashed,rounded",
                    color=style.MUTED,
                    penwidth="1",
                    margin="10",
                )
                for node_id, name in zip(ids[i], alternatives):
                    names[node_id] = name
                    alt.node(
                        node_id,
                        label=_step_label(i, step, name, heading=False),
                        style=node_style,
                        color=colour,
                        fillcolor=fill,
                    )
                alt.body.append("\t{rank=same; " + "; ".join(ids[i]) + "}\n")
        c.node(
            "end",
            label=_html("<B>end</B>"),
            shape="doublecircle",
            style="filled",
            fillcolor=_START_END,
            color=_START_END,
            fontcolor="white",
            fontsize="11",
            width="0.55",
            fixedsize="true",
        )
        chain = [["start"], *ids, ["end"]]
        optional = [False, *(s.optional for s in steps), False]
        for i in range(len(chain) - 1):
            for a in chain[i]:
                for b in chain[i + 1]:
                    c.edge(a, b, weight="4")
        # past each optional step, a dashed arrow (several in a row: one past each of them)
        for i in range(1, len(chain) - 1):
            if not optional[i]:
                continue
            for a in chain[i - 1]:
                for b in chain[i + 1]:
                    c.edge(a, b, style="dashed", color=_SKIP, weight="1", constraint="false")
    return g.source, names


def _step_head(i: int, step: IdealStep) -> str:
    return (
        f"Step {i + 1}"
        + (f" · {step.channel}" if step.channel else "")
        + (" · optional" if step.optional else "")
    )


def _alternatives_head(i: int, step: IdealStep) -> str:
    """The frame's heading of a step with alternatives (its label, when one was given)."""
    own = step.label if step.label != " / ".join(step.names) else ""
    return _step_head(i, step) + (f": {own}" if own else "") + " · any one of"


def _step_label(i: int, step: IdealStep, name: str, *, heading: bool) -> str:
    """A step's box: its name (or the label given for it) and, beneath, what kind of step it is."""
    shown = step.label if heading and step.label and len(step.names) <= 1 else name
    lines = "<BR/>".join(_text(line) for line in _wrap(str(shown)))
    out = f"<B>{lines}</B>"
    if heading:
        out += f'<BR/><FONT POINT-SIZE="9" COLOR="{style.MUTED}">{_text(_step_head(i, step))}</FONT>'
    if shown != name:
        out += f'<BR/><FONT POINT-SIZE="9" COLOR="{style.MUTED}">{_text(name)}</FONT>'
    return _html(out)


def _ideal_heading(ideal: IdealJourney, title: str | None, colours: Mapping[str, str]) -> str:
    title = f"To be: {ideal.journey}" if title is None else title
    rows = []
    if title:
        rows.append(f'<FONT POINT-SIZE="16" COLOR="{style.INK}"><B>{_text(title)}</B></FONT>')
    outcome = _outcome_text(ideal)
    n = len(ideal.steps)
    about = f"The ideal journey: {n} step{'s' * (n != 1)} in order" + (
        f", complete at {outcome}." if outcome else "."
    )
    how = "Dashed border: optional (a dashed arrow goes past it). In a dashed frame: any one of them."
    for line in (about, how):
        rows.append(f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(line)}</FONT>')
    used = sorted({str(s.channel) for s in ideal.steps if s.channel})
    if used:
        nbsp = "\u00a0"
        chips = [
            f'<FONT COLOR="{colours.get(ch, style.NO_CHANNEL)}" POINT-SIZE="13">■</FONT>'
            f"{nbsp}{_text(' '.join(ch.split()))}"
            for ch in used
        ]
        rows.append(
            f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">Channel of each step:{nbsp * 2}</FONT>'
            f'<FONT POINT-SIZE="10" COLOR="{style.INK}">{(nbsp * 4).join(chips)}</FONT>'
        )
    body = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return _html(f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{body}</TABLE>')


def _ideal_footnote(ideal: IdealJourney) -> str:
    if not ideal.steps:
        return "The ideal journey has no steps."
    optional = sum(1 for s in ideal.steps if s.optional)
    choices = sum(1 for s in ideal.steps if len(s.names) > 1)
    return (
        f"{len(ideal.steps)} steps: {len(ideal.steps) - optional} required, {optional} optional, "
        f"{choices} with alternatives."
    )


_IDEAL_TITLE = re.compile(r"<title>(s\d+(?:_\d+)?|start|end)(?:&#45;&gt;(s\d+(?:_\d+)?|start|end))?</title>")


def _ideal_output(dot: str, names: Mapping[str, str], format: str) -> str | bytes:
    """Lay out the ideal journey; in SVG, the titles (tooltips) name the steps, not their ids."""
    if format == "dot":
        return dot
    data = _run(dot, format)
    if format == "png":
        return data
    return _name_titles(data.decode("utf-8"), names, _IDEAL_TITLE)


def _name_titles(svg: str, names: Mapping[str, str], pattern: re.Pattern[str]) -> str:
    def title(match: re.Match[str]) -> str:
        a, b = match.group(1), match.group(2)
        if a not in names or (b is not None and b not in names):
            return match.group(0)
        text = names[a] if b is None else f"{names[a]} → {names[b]}"
        return f"<title>{html.escape(_FORBIDDEN.sub(chr(0xFFFD), text), quote=False)}</title>"

    return pattern.sub(title, svg)


# -- as is and to be, side by side --------------------------------------------------------------


@dataclass(frozen=True)
class AsIsToBe:
    """The journeys as they are (a DFG, possibly per segment) and the ideal journey: a pair the
    ``"as-is-to-be"`` renderer draws side by side.

    Attributes
    ----------
    dfg : DFG
        The as-is process (``jm.discover_dfg(log, by=...)``).
    ideal : IdealJourney
        The to-be journey.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import load_ideal
    >>> ideal = load_ideal("journey: J\\nsteps: [Website visit, Contract signed]")
    >>> pair = AsIsToBe(jm.discover_dfg(jm.datasets.load_demo_log()), ideal)
    >>> pair.by is None, "Website visit" in pair.ideal_activities
    (True, True)
    """

    dfg: DFG
    ideal: IdealJourney

    def __post_init__(self) -> None:
        if not isinstance(self.dfg, DFG):
            raise ArgumentError(
                f"AsIsToBe takes a DFG (jm.discover_dfg(log)), not a {type(self.dfg).__name__}"
            )
        if not isinstance(self.ideal, IdealJourney):
            raise ArgumentError(
                "AsIsToBe takes an IdealJourney (journeymine.heuristics.load_ideal(path)), "
                f"not a {type(self.ideal).__name__}"
            )

    @property
    def by(self) -> str | None:
        """The segment dimension of the as-is DFG."""
        return self.dfg.by

    @property
    def activities(self) -> pd.DataFrame:
        """The as-is activities (``segment, activity, events, cases``)."""
        return self.dfg.activities

    @property
    def ideal_activities(self) -> tuple[str, ...]:
        """The as-is activities that are a step of the ideal, sorted."""
        names = sorted({str(a) for a in self.dfg.activities["activity"]})
        return ideal_activities(self.ideal, names)


class AsIsToBeView:
    """The as-is / to-be renderer (``"as-is-to-be"``), the default view of an :class:`AsIsToBe`.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import load_ideal
    >>> ideal = load_ideal("journey: J\\nsteps: [Website visit, Contract signed]")
    >>> pair = AsIsToBe(jm.discover_dfg(jm.datasets.load_demo_log()), ideal)
    >>> AsIsToBeView().render(pair, format="dot").count("digraph")
    2
    """

    name = "as-is-to-be"
    handles = (AsIsToBe,)
    formats = ("svg", "dot")
    options = PAIR_OPTIONS
    default_for = ("AsIsToBe",)

    def render(self, result: Any, *, format: str = "svg", **options: Any) -> str:
        """Draw ``result`` (an AsIsToBe) as one SVG, the as-is map left and the ideal right.

        Parameters
        ----------
        result : AsIsToBe
        format : {"svg", "dot"}
            DOT is the two graphs one after the other.
        segment, measure, detail, top, scale : optional
            As the process map takes them (:meth:`journeymine.views.processmap.ProcessMap.render`):
            the segment to draw (needed when the DFG has several), what the arrows show
            (``"frequency"`` by default: red marks are easiest to see on blue), and which
            transitions to draw.
        """
        from journeymine.views.processmap import ProcessMap

        if not isinstance(result, AsIsToBe):
            raise ArgumentError(
                f"the renderer 'as-is-to-be' draws an AsIsToBe, not a {type(result).__name__}; "
                "pass AsIsToBe(jm.discover_dfg(log), ideal)"
            )
        _check(self.name, self.formats, PAIR_OPTIONS, format, options)
        segment = options.get("segment")
        title = "As is" if result.dfg.by is None else f"As is · {result.dfg.by}: {segment_text(segment)}"
        if result.dfg.by is not None and segment is None:
            title = "As is"  # the process map refuses below, naming the segments
        as_is = ProcessMap().render(result.dfg, format="dot", title=title, **options)
        assert isinstance(as_is, str)
        marked, names = _mark(as_is, result)
        channels = [c for c in result.dfg.channels["channel"] if not is_missing(c)]
        to_be, ideal_names = _ideal_dot(
            result.ideal, title=None, rankdir="TB", colours=_ideal_colours(result.ideal, channels)
        )
        if format == "dot":
            return marked + to_be
        left = _output(marked, names, "svg")
        right = _ideal_output(to_be, ideal_names, "svg")
        assert isinstance(left, str) and isinstance(right, str)
        return _side_by_side(left, right, label=f"As is and to be: {result.ideal.journey}")


_EDGE = re.compile(r"^(\t+)(n\d+|start) -> (n\d+|end) \[(.*)\]$")
_NODE = re.compile(r"^(\t+)(n\d+) \[(.*)\]$")
_COLOUR = re.compile(r'(?<![\w])color="#[0-9A-Fa-f]{6}"')
_LABEL_FONT = re.compile(r'<FONT COLOR="#[0-9A-Fa-f]{6}">')


def _mark(dot: str, pair: AsIsToBe) -> tuple[str, dict[str, str]]:
    """The process map's DOT with what the ideal lacks marked; node id -> activity name."""
    names = sorted({str(a) for a in pair.dfg.activities["activity"]})
    ids = {f"n{i}": name for i, name in enumerate(names)}
    ideal = pair.ideal
    lines = dot.split("\n")
    off_edges = total_edges = off_nodes = 0
    for k, line in enumerate(lines):
        edge = _EDGE.match(line)
        if edge:
            indent, a, b, attrs = edge.groups()
            source = None if a == "start" else ids.get(a)
            target = None if b == "end" else ids.get(b)
            if (a != "start" and source is None) or (b != "end" and target is None):
                continue
            if "style=invis" in attrs:
                continue
            total_edges += 1
            if on_ideal(ideal, source, target):
                continue
            off_edges += 1
            attrs = _COLOUR.sub(f'color="{OFF_IDEAL}"', attrs, count=1)
            attrs = _LABEL_FONT.sub(f'<FONT COLOR="{OFF_IDEAL}">✕\u00a0', attrs, count=1)
            attrs = re.sub(r"\s*style=\w+", "", attrs) + " style=dashed"
            lines[k] = f"{indent}{a} -> {b} [{attrs}]"
            continue
        node = _NODE.match(line)
        if node:
            indent, n, attrs = node.groups()
            if n not in ids or _positions(ideal, ids[n]):
                continue
            off_nodes += 1
            attrs = _append_to_label(
                attrs, f'<BR/><FONT POINT-SIZE="9" COLOR="{OFF_IDEAL}">✕\u00a0not in the to-be journey</FONT>'
            )
            attrs = _COLOUR.sub(f'color="{OFF_IDEAL}"', attrs, count=1) + " penwidth=3"
            lines[k] = f"{indent}{n} [{attrs}]"
    text = "\n".join(lines)
    legend = (
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{OFF_IDEAL}">✕\u00a0'
        f"Red, dashed: not in the to-be journey ({off_edges} of {total_edges} arrows drawn, "
        f"{off_nodes} activit{'y' if off_nodes == 1 else 'ies'})</FONT></TD></TR>"
    )
    text = _insert_legend(text, legend)
    return text, ids | {"start": "start", "end": "end"}


def _append_to_label(attrs: str, markup: str) -> str:
    """``attrs`` with ``markup`` added at the end of its HTML-like ``label=<...>``."""
    at = attrs.find("label=<")
    if at < 0:
        return attrs
    depth = 0
    for i in range(at + len("label="), len(attrs)):
        if attrs[i] == "<":
            depth += 1
        elif attrs[i] == ">":
            depth -= 1
            if depth == 0:
                return attrs[:i] + markup + attrs[i:]
    return attrs


def _insert_legend(dot: str, row: str) -> str:
    """Add a row to the heading table of the process map's cluster (its first ``</TABLE>>``)."""
    start = dot.find("subgraph cluster_map {")
    if start < 0:
        return dot
    end = dot.find("</TABLE>>", start)
    if end < 0:
        return dot
    return dot[:end] + row + dot[end:]


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="([0-9.]+)pt"')
_IDS = re.compile(r'(\sid=")([^"]*)(")')
_REFS = re.compile(r'(url\(#|(?:xlink:)?href="#)([^)"]*)')


def _nested(svg: str, prefix: str, x: float) -> tuple[str, float, float]:
    """One Graphviz SVG as an ``<svg>`` inside another at ``x``: ids prefixed, its size in points."""
    at = svg.find("<svg")
    body = svg[at:]
    opening = _SVG_OPEN.match(body)
    assert opening is not None
    sizes = {k: float(v) for k, v in _SIZE.findall(opening.group(0))}
    width, height = sizes.get("width", 0.0), sizes.get("height", 0.0)
    view = re.search(r'viewBox="([^"]*)"', opening.group(0))
    box = view.group(1) if view else f"0 0 {width:g} {height:g}"
    head = f'<svg x="{x:g}" y="0" width="{width:g}" height="{height:g}" viewBox="{box}">'
    inner = body[opening.end() :]
    inner = _IDS.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}{m.group(3)}", inner)
    inner = _REFS.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", inner)
    inner = re.sub(r"<!--.*?-->\n?", "", inner, flags=re.DOTALL)
    return head + inner.rstrip(), width, height


def _side_by_side(left: str, right: str, *, label: str) -> str:
    """Two SVGs laid out by Graphviz, side by side in one, their tops aligned."""
    a, wa, ha = _nested(left, "asis-", 0)
    b, wb, hb = _nested(right, "tobe-", wa + _GAP)
    width, height = wa + _GAP + wb, max(ha, hb)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width:g}pt" height="{height:g}pt" viewBox="0 0 {width:g} {height:g}" role="img">\n'
        f"<title>{html.escape(_FORBIDDEN.sub(chr(0xFFFD), label), quote=False)}</title>\n"
        f'<rect width="{width:g}" height="{height:g}" fill="white"/>\n'
        f'<line x1="{wa + _GAP / 2:g}" y1="12" x2="{wa + _GAP / 2:g}" y2="{height - 12:g}" '
        f'stroke="#e3e6ea" stroke-width="1"/>\n'
        f"{a}\n{b}\n</svg>\n"
    )


# -- shared -------------------------------------------------------------------------------------


def _check(
    name: str, formats: Sequence[str], accepted: Sequence[str], format: str, options: Mapping[str, Any]
) -> None:
    check_format(name, format, formats)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ArgumentError(
            f"the renderer {name!r} does not take {', '.join(u + '=' for u in unknown)}; "
            f"its options: {', '.join(o + '=' for o in accepted)}"
        )


@hookimpl
def journeymine_register_renderers(register: Any) -> None:
    """Register the ideal-journey and the as-is / to-be renderers (built-in plugins)."""
    register(IdealView())
    register(AsIsToBeView())
