"""A conformance kit for renderers: the checks every renderer, built-in or plugin, must pass.

As scikit-learn's ``check_estimator`` does for estimators, :func:`check_renderer` runs every check
on one renderer; each check is also a public function, so that one can be run alone while it is
being fixed:

- :func:`check_attributes`: the protocol's attributes (``name``, ``handles``, ``formats``,
  ``options``, optional ``default_for``) with the right types, and a ``render`` that takes
  ``format`` and every declared option;
- :func:`check_formats`: each format renders each result; text formats give ``str``, ``png`` and
  ``pdf`` give ``bytes`` (with their signatures); SVG is well-formed XML; SVG and HTML load
  nothing from elsewhere;
- :func:`check_deterministic`: two calls (the second on a deep copy of the result) give
  byte-identical output;
- :func:`check_escaping`: untrusted text (:data:`UNTRUSTED`: activity, channel, segment, stage and
  journey names such as ``<script>alert(1)</script>`` or ``x"];evil[ <b>bold</b>``) never appears
  unescaped in SVG, HTML or DOT output, never breaks the document (SVG still parses; DOT has no
  text outside its strings that came from the data), and is still there, escaped;
- :func:`check_options`: an unknown option is refused by :func:`journeymine.views` with an
  :class:`~journeymine.ArgumentError` naming it;
- :func:`check_small_logs`: a one-case log and an empty result render without an error.

The kit builds its results from generated event logs (:func:`sample_events`, :func:`sample_log`)
for the result types journeymine knows (:class:`~journeymine.DFG`,
:class:`~journeymine.Variants`, :class:`~journeymine.JourneyMapResult`, see
:func:`build_result`); a renderer of a plugin's own result type passes ``make=``, a function
``make(log, by) -> result``. Everything is seeded: a run is reproducible.

A segmented result (one with segments: ``by=``) is drawn once per segment with ``segment=``
when the renderer takes that option. Without it, a renderer may refuse a segmented result with
an ``ArgumentError`` that mentions ``segment`` (the process map does: it never mixes segments).

Every failure is an ``AssertionError`` naming the renderer and the check:
``check_renderer: 'my-map' fails check_escaping: ...``. A format that needs a program missing
here (``png`` without Graphviz: a :class:`~journeymine.RenderError`) is skipped with a warning.

Examples
--------
>>> from journeymine.testing import check_renderer
>>> check_renderer("variants")
"""

from __future__ import annotations

import copy
import dataclasses
import html
import inspect
import random
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, NoReturn

from journeymine.errors import ArgumentError, RenderError

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.eventlog import EventLog
    from journeymine.journeymap.spec import JourneyMap
    from journeymine.views import Renderer

__all__ = [
    "BINARY_SIGNATURES",
    "MARKUP_FORMATS",
    "UNKNOWN_OPTION",
    "UNTRUSTED",
    "Maker",
    "build_result",
    "check_attributes",
    "check_deterministic",
    "check_escaping",
    "check_formats",
    "check_options",
    "check_renderer",
    "check_small_logs",
    "empty_result",
    "journey_spec",
    "sample_events",
    "sample_log",
    "sample_results",
]

#: names a renderer must show as text, never as markup: activities, channels, segments, stages
UNTRUSTED = ("<script>alert(1)</script>", 'x"];evil[ <b>bold</b>', "a & b", "</svg>")
#: the formats whose output is markup, where untrusted text must be escaped
MARKUP_FORMATS = ("svg", "html", "dot")
#: the option no renderer takes, for :func:`check_options`
UNKNOWN_OPTION = "jm_conformance_no_such_option"
#: what binary output starts with, per format
BINARY_SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}
#: keywords of :func:`journeymine.views` itself: a renderer option with one of these names
#: could never be passed
RESERVED_OPTIONS = ("format", "path", "renderer")

#: ``make(log, by) -> result``: a result of the renderer's own type, from an event log and a
#: segment dimension (``None``, or ``"segment"``: a case attribute of the kit's logs)
Maker = Callable[["EventLog", "str | None"], Any]

#: the activities of the kit's ordinary logs, in journey order
ACTIVITIES = ("Ad seen", "Website visit", "Sign-up", "Service call", "Offer sent", "Contract signed")
CHANNELS = ("web", "app", "phone", "email")
SEGMENTS = ("new", "returning")


# --------------------------------------------------------------------------------------------
# generated logs and results


def sample_events(
    cases: int = 24,
    *,
    seed: int = 0,
    activities: Sequence[str] = ACTIVITIES,
    channels: Sequence[str] = CHANNELS,
    segments: Sequence[str] = SEGMENTS,
) -> pd.DataFrame:
    """A small generated event log: each case walks the ``activities`` in order, skipping,
    repeating or stopping now and then.

    Columns: ``case, activity, timestamp`` (UTC), ``channel``, ``segment`` (a case attribute),
    ``sentiment`` (-1 ... 1 on some events, else missing). The same arguments give the same frame.

    Examples
    --------
    >>> frame = sample_events(5, seed=1)
    >>> list(frame.columns)
    ['case', 'activity', 'timestamp', 'channel', 'segment', 'sentiment']
    >>> frame["case"].nunique()
    5
    """
    import pandas as pd

    rng = random.Random(seed)
    start = pd.Timestamp("2024-01-01", tz="UTC")
    rows: list[dict[str, Any]] = []
    names = list(activities)
    for i in range(cases):
        case = f"c{i:03d}"
        segment = segments[i % len(segments)] if segments else None
        t = start + pd.Timedelta(hours=7 * i)
        walk = [names[0]]
        for name in names[1:]:
            r = rng.random()
            if r < 0.12 and len(walk) > 1:
                break  # drops out
            if r < 0.25:
                continue  # skips a step
            walk.append(name)
            if rng.random() < 0.12:
                walk.append(name)  # repeats it
        if cases == 1:
            walk = names[:3] if len(names) >= 3 else names
        for j, name in enumerate(walk):
            t = t + pd.Timedelta(minutes=rng.randint(5, 3000))
            rows.append(
                {
                    "case": case,
                    "activity": name,
                    "timestamp": t,
                    "channel": channels[(i + j) % len(channels)] if channels else None,
                    "segment": segment,
                    "sentiment": round(rng.uniform(-1, 1), 2) if j % 2 == 1 else None,
                }
            )
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp", "channel", "segment", "sentiment"])
    frame["sentiment"] = frame["sentiment"].astype("float64")
    return frame


def sample_log(frame: pd.DataFrame | None = None, **sample: Any) -> EventLog:
    """An :class:`~journeymine.EventLog` of ``frame`` (default: :func:`sample_events` with
    ``**sample``), read with ``case=``, ``activity=``, ``timestamp=`` and ``channel=``.

    Examples
    --------
    >>> sample_log(cases=3).n_cases
    3
    """
    from journeymine.eventlog import read_events

    events = sample_events(**sample) if frame is None else frame
    return read_events(events, case="case", activity="activity", timestamp="timestamp", channel="channel")


def journey_spec(
    activities: Sequence[str], *, journey: str = "Sample journey", stage_names: Sequence[str] | None = None
) -> JourneyMap:
    """A journey map over ``activities`` (in order): stages of two touchpoints each, the last
    activity as the outcome, ``sentiment`` as the sentiment column, a target on the first
    touchpoint (no repeats) and one on the second (the next within 48 hours).

    Examples
    --------
    >>> spec = journey_spec(["A", "B", "C"])
    >>> [s.name for s in spec.stages], spec.outcome
    (['Stage 1', 'Stage 2'], ('C',))
    """
    from journeymine.journeymap.spec import JourneyMap, Stage, Target, Touchpoint

    names = list(dict.fromkeys(activities))
    stages = []
    for k in range(0, len(names), 2):
        tps = []
        for name in names[k : k + 2]:
            target = None
            if name == names[0]:
                target = Target(max_repeats=0)
            elif len(names) > 1 and name == names[1]:
                target = Target(max_hours_to_next=48)
            tps.append(Touchpoint(name, activity=(name,), target=target))
        label = stage_names[k // 2] if stage_names and k // 2 < len(stage_names) else f"Stage {k // 2 + 1}"
        stages.append(Stage(label, tuple(tps)))
    return JourneyMap(journey, tuple(stages), sentiment="sentiment", outcome=(names[-1],))


def build_result(kind: type, log: EventLog, *, by: str | None = None, spec: JourneyMap | None = None) -> Any:
    """A result of type ``kind`` (``DFG``, ``Variants`` or ``JourneyMapResult``) from ``log``,
    per segment ``by``; a journey map uses ``spec`` (default: :func:`journey_spec` over the log's
    activities, in the order of their first events).

    Examples
    --------
    >>> import journeymine as jm
    >>> type(build_result(jm.Variants, sample_log(cases=4), by="segment")).__name__
    'Variants'
    """
    from journeymine.dfg import DFG, discover_dfg
    from journeymine.journeymap.figures import JourneyMapResult, journey_map
    from journeymine.variants import Variants, discover_variants

    if issubclass(kind, DFG):
        return discover_dfg(log, by=by)
    if issubclass(kind, Variants):
        return discover_variants(log, by=by)
    if issubclass(kind, JourneyMapResult):
        if spec is None:
            events = log.to_frame(columns=[])
            spec = journey_spec(list(dict.fromkeys(events["activity"].astype(str))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return journey_map(log, spec, by=by, unmatched="warn")
    raise ValueError(
        f"the renderer kit cannot build a {kind.__name__}; pass make=, a function "
        "make(log, by) -> result, to check_renderer"
    )


def empty_result(result: Any) -> Any:
    """``result`` with every DataFrame field emptied (rows removed, columns kept): the result of
    a log with nothing in it. ``None`` when ``result`` is no dataclass.

    Examples
    --------
    >>> import journeymine as jm
    >>> len(empty_result(build_result(jm.Variants, sample_log(cases=3))).table)
    0
    """
    import pandas as pd

    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return None
    changes = {
        f.name: getattr(result, f.name).iloc[:0].copy()
        for f in dataclasses.fields(result)
        if isinstance(getattr(result, f.name, None), pd.DataFrame)
    }
    return dataclasses.replace(result, **changes)


def sample_results(
    handles: Iterable[type], *, make: Maker | None = None, log: EventLog | None = None
) -> list[Any]:
    """For each type in ``handles`` the kit (or ``make``) can build: its result of a generated
    log, without segments and by ``segment``.

    Examples
    --------
    >>> import journeymine as jm
    >>> [type(r).__name__ for r in sample_results([jm.DFG])]
    ['DFG', 'DFG']
    """
    log = sample_log() if log is None else log
    out = []
    for by in (None, "segment"):
        for kind in handles:
            out.append(_make(kind, make, log, by))
    return out


def _make(kind: type | None, make: Maker | None, log: EventLog, by: str | None, **extra: Any) -> Any:
    if make is not None:
        return make(log, by)
    assert kind is not None
    return build_result(kind, log, by=by, **extra)


def _untrusted_log() -> tuple[EventLog, JourneyMap]:
    """A log whose activities, channels and segments are the :data:`UNTRUSTED` names (every
    case passes every untrusted activity once, in order, so that any picture of it shows them),
    and a journey map whose stages and journey are named after them too."""
    import pandas as pd

    acts = ["Start", *UNTRUSTED, "End"]
    channels = [UNTRUSTED[0], "web", UNTRUSTED[2], UNTRUSTED[1]]
    start = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for i in range(16):
        walk = acts if i % 3 else acts[:-1]  # a third of the cases do not complete
        for j, name in enumerate(walk):
            rows.append(
                {
                    "case": f"c{i:02d}",
                    "activity": name,
                    "timestamp": start + pd.Timedelta(hours=24 * i + 3 * j + i % 5),
                    "channel": channels[(i + j) % len(channels)],
                    "segment": UNTRUSTED[i % len(UNTRUSTED)],
                    "sentiment": (-0.5, 0.4, 0.1, -0.2)[(i + j) % 4],
                }
            )
    log = sample_log(pd.DataFrame(rows))
    spec = journey_spec(acts, journey=UNTRUSTED[0], stage_names=[f"Stage {u}" for u in UNTRUSTED[1:]])
    return log, spec


# --------------------------------------------------------------------------------------------
# the checks


def check_renderer(
    renderer: Renderer | str,
    results: Sequence[Any] | None = None,
    *,
    make: Maker | None = None,
    formats: Sequence[str] | None = None,
) -> None:
    """Run every renderer check; raise ``AssertionError`` on the first failure.

    Runs :func:`check_attributes`, :func:`check_formats`, :func:`check_deterministic`,
    :func:`check_options`, :func:`check_escaping` and :func:`check_small_logs`, in that order.

    Parameters
    ----------
    renderer : Renderer or str
        A renderer instance, or the name of a registered one (``"process-map"``).
    results : sequence, optional
        Results to draw, besides the kit's own (which it builds for the types in
        ``renderer.handles`` it knows, or with ``make``).
    make : callable, optional
        ``make(log, by) -> result``: builds a result of the renderer's type from an event log
        (columns ``case, activity, timestamp, channel``, case attribute ``segment``) and a
        segment dimension (``None`` or ``"segment"``). Needed for a result type journeymine does
        not know; the escaping and small-log checks use it.
    formats : sequence of str, optional
        The formats to check (default: all of ``renderer.formats``).

    Raises
    ------
    AssertionError
        ``check_renderer: '<name>' fails <check>: <what is wrong>``.

    Examples
    --------
    >>> check_renderer("journey-map", formats=["svg"])
    """
    r = _resolve(renderer)
    check_attributes(r)
    pool = [*(results or ()), *(_kit_results(r, make))]
    check_formats(r, pool, formats=formats)
    check_deterministic(r, pool, formats=formats)
    check_options(r, pool)
    check_escaping(r, make=make, formats=formats)
    check_small_logs(r, make=make, formats=formats)


def check_attributes(renderer: Renderer | str) -> None:
    """Check the protocol's attributes: ``name`` (a non-empty str), ``handles`` (a non-empty
    tuple of types), ``formats`` (a non-empty tuple of distinct non-empty str), ``options`` (a
    tuple of distinct str, none of them ``format``, ``path`` or ``renderer``), ``default_for``
    (when given: a tuple of str), and a ``render`` method that takes ``format`` and each option.

    Examples
    --------
    >>> check_attributes("variants")
    """
    r: Any = _resolve(renderer)
    fail = _failer(r, "check_attributes")
    name = getattr(r, "name", None)
    if not isinstance(name, str) or not name.strip():
        fail(f"name must be a non-empty str, not {name!r}")
    handles = getattr(r, "handles", None)
    if not (isinstance(handles, tuple) and handles and all(isinstance(t, type) for t in handles)):
        fail(f"handles must be a non-empty tuple of types (the result types it draws), not {handles!r}")
    formats = getattr(r, "formats", None)
    if not (isinstance(formats, tuple) and formats and all(isinstance(f, str) and f for f in formats)):
        fail(f"formats must be a non-empty tuple of format names such as ('svg',), not {formats!r}")
    if len(set(formats)) != len(formats):
        fail(f"formats lists a format twice: {formats!r}")
    if any(f != f.lower() or f.startswith(".") for f in formats):
        fail(f"formats are lower-case names without a dot ('svg', not '.SVG'): {formats!r}")
    options = getattr(r, "options", None)
    if not (isinstance(options, tuple) and all(isinstance(o, str) and o for o in options)):
        fail(f"options must be a tuple of option names (or ()), not {options!r}")
    if len(set(options)) != len(options):
        fail(f"options lists an option twice: {options!r}")
    reserved = [o for o in options if o in RESERVED_OPTIONS]
    if reserved:
        fail(f"options {reserved!r} are keywords of journeymine.views itself and would never reach render()")
    if hasattr(r, "default_for"):
        default_for = r.default_for
        if not (isinstance(default_for, tuple) and all(isinstance(d, str) for d in default_for)):
            fail(f"default_for must be a tuple of result type names such as ('DFG',), not {default_for!r}")
    method = getattr(r, "render", None)
    if not callable(method):
        fail("render must be a method render(result, *, format, **options)")
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for keyword in ("format", *options):
        p = params.get(keyword)
        if not takes_any and (p is None or p.kind is inspect.Parameter.POSITIONAL_ONLY):
            fail(
                f"render() does not take the keyword {keyword!r}"
                + (" (it is in options)" if keyword != "format" else "")
            )


def check_formats(
    renderer: Renderer | str, results: Sequence[Any], *, formats: Sequence[str] | None = None
) -> None:
    """Check that each format renders each result, with the right type: ``str`` for text
    formats, ``bytes`` for ``png`` and ``pdf`` (starting with their signatures); that SVG is
    well-formed XML with an ``<svg>`` root; that DOT starts with ``graph`` or ``digraph``; and
    that SVG and HTML load nothing from elsewhere (no ``src``/``href`` to another address, no
    ``@import``, no ``url(http...)``).

    Examples
    --------
    >>> import journeymine as jm
    >>> check_formats("variants", sample_results([jm.Variants]))
    """
    r = _resolve(renderer)
    fail = _failer(r, "check_formats")
    if not results:
        fail("no results to draw: pass results=[...] (or make=) for the types it handles")
    for result in results:
        for fmt in _formats(r, formats):
            for options, out in _outputs(r, result, fmt, fail):
                _check_output(out, fmt, fail, f"{_what(result)}{_opts(options)}")


def check_deterministic(
    renderer: Renderer | str, results: Sequence[Any], *, formats: Sequence[str] | None = None
) -> None:
    """Check that rendering twice gives byte-identical output (the second time from a deep copy
    of the result, so that nothing may depend on object identity).

    Examples
    --------
    >>> import journeymine as jm
    >>> check_deterministic("journey-map", sample_results([jm.JourneyMapResult]), formats=["svg"])
    """
    r = _resolve(renderer)
    fail = _failer(r, "check_deterministic")
    for result in results:
        for fmt in _formats(r, formats):
            first = dict((_key(o), out) for o, out in _outputs(r, result, fmt, fail))
            second = dict((_key(o), out) for o, out in _outputs(r, copy.deepcopy(result), fmt, fail))
            for key, out in first.items():
                again = second.get(key)
                if again != out:
                    fail(
                        f"two renderings of {_what(result)}{_opts(dict(key))} in {fmt!r} differ"
                        + _first_difference(out, again)
                    )


def check_options(renderer: Renderer | str, results: Sequence[Any]) -> None:
    """Check that :func:`journeymine.views` refuses an unknown option with an
    :class:`~journeymine.ArgumentError` that names it.

    Examples
    --------
    >>> import journeymine as jm
    >>> check_options("variants", sample_results([jm.Variants])[:1])
    """
    from journeymine.views import render

    r = _resolve(renderer)
    fail = _failer(r, "check_options")
    unknown: dict[str, Any] = {UNKNOWN_OPTION: 1}
    for result in results[:1]:
        try:
            render(result, r.formats[0], renderer=r, **unknown)
        except ArgumentError as exc:
            if UNKNOWN_OPTION not in str(exc):
                fail(f"the ArgumentError for the unknown option {UNKNOWN_OPTION}= does not name it: {exc}")
        except Exception as exc:
            fail(f"jm.render(..., {UNKNOWN_OPTION}=1) raised {_describe(exc)}, not an ArgumentError")
        else:
            fail(f"jm.render(..., {UNKNOWN_OPTION}=1) was accepted: an unknown option must be refused")


def check_escaping(
    renderer: Renderer | str, *, make: Maker | None = None, formats: Sequence[str] | None = None
) -> None:
    """Check that untrusted text is escaped in SVG, HTML and DOT output.

    Builds results (without segments and per segment) from a log whose activities, channels and
    segment values are the :data:`UNTRUSTED` names (and, for a journey map, stages and the
    journey's name), draws them in each markup format, and checks that:

    - no untrusted name holding ``<`` or ``"`` appears as it is (nor ``a & b`` in SVG; for
      ``</svg>`` in SVG and HTML: as many ``</svg>`` as ``<svg>`` elements);
    - SVG still parses as XML, HTML as HTML; DOT has no text from the data outside its strings;
    - every untrusted name is there as text (SVG and HTML: in text or attribute values once
      unescaped, tooltips included; DOT: in its strings once unescaped), in at least one of the
      outputs of that format.

    Examples
    --------
    >>> check_escaping("variants")
    """
    r = _resolve(renderer)
    fail = _failer(r, "check_escaping")
    markup = [f for f in _formats(r, formats) if f in MARKUP_FORMATS]
    if not markup:
        return
    log, spec = _untrusted_log()
    results = []
    for kind in _buildable(r, make):
        for by in (None, "segment"):
            extra = {"spec": spec} if make is None and _is_journey_map(kind) else {}
            results.append(_make(kind, make, log, by, **extra))
    for fmt in markup:
        found = ""
        for result in results:
            for options, out in _outputs(r, result, fmt, fail):
                where = f"{_what(result)}{_opts(options)} in {fmt!r}"
                if not isinstance(out, str):
                    fail(f"{where}: a text format gave {type(out).__name__}")
                for raw in UNTRUSTED:
                    if raw == "</svg>" and fmt in ("svg", "html"):
                        # the document's own closing tags are no leak: they must pair its openings
                        opened = len(re.findall(r"<svg[\s>]", out, re.I))
                        closed = len(re.findall(r"</svg\s*>", out, re.I))
                        if opened != closed:
                            fail(
                                f"{where}: {closed} </svg> close {opened} <svg> elements: the untrusted "
                                "name '</svg>' appears unescaped"
                            )
                    elif ("<" in raw or '"' in raw or fmt == "svg") and raw in out:
                        at = out.index(raw)
                        fail(
                            f"{where}: the untrusted name {raw!r} appears unescaped: "
                            f"...{out[max(0, at - 60) : at + len(raw) + 20]!r}..."
                        )
                found += "\n" + _readable_text(out, fmt, fail, where)
        missing = [u for u in UNTRUSTED if u not in found]
        if missing:
            fail(
                f"the untrusted names {missing!r} are not in any {fmt!r} output, escaped or not: "
                "every name from the data must be shown as text (a shortened label keeps the "
                "full name in a tooltip)"
            )


def check_small_logs(
    renderer: Renderer | str, *, make: Maker | None = None, formats: Sequence[str] | None = None
) -> None:
    """Check that a one-case log and an empty result (every frame without rows) render in each
    format without an error.

    Examples
    --------
    >>> check_small_logs("journey-map", formats=["svg"])
    """
    r = _resolve(renderer)
    fail = _failer(r, "check_small_logs")
    one = sample_log(cases=1)
    for kind in _buildable(r, make):
        for by in (None, "segment"):
            small = _make(kind, make, one, by)
            empty = empty_result(small)
            for result, what in ((small, "a one-case log"), (empty, "an empty result")):
                if result is None:
                    continue
                for fmt in _formats(r, formats):
                    for options, out in _outputs(r, result, fmt, fail, what=what):
                        _check_output(out, fmt, fail, f"{what} ({_what(result)}){_opts(options)}")


# --------------------------------------------------------------------------------------------
# helpers

_Fail = Callable[[str], NoReturn]


def _resolve(renderer: Renderer | str) -> Renderer:
    if isinstance(renderer, str):
        from journeymine.registry import renderers

        return renderers()[renderer]
    return renderer


def _failer(r: Any, check: str) -> _Fail:
    label = getattr(r, "name", None)
    who = repr(label) if isinstance(label, str) else type(r).__name__

    def fail(message: str) -> NoReturn:
        raise AssertionError(f"check_renderer: {who} fails {check}: {message}")

    return fail


def _formats(r: Renderer, formats: Sequence[str] | None) -> list[str]:
    return [f for f in r.formats if formats is None or f in formats]


def _kit_results(r: Renderer, make: Maker | None) -> list[Any]:
    kinds = _buildable(r, make)
    if not kinds:
        return []
    log = sample_log()
    return [_make(kind, make, log, by) for by in (None, "segment") for kind in kinds]


def _buildable(r: Renderer, make: Maker | None) -> list[type | None]:
    if make is not None:
        return [None]
    from journeymine.dfg import DFG
    from journeymine.journeymap.figures import JourneyMapResult
    from journeymine.variants import Variants

    known = (DFG, Variants, JourneyMapResult)
    return [t for t in r.handles if isinstance(t, type) and issubclass(t, known)]


def _is_journey_map(kind: type | None) -> bool:
    from journeymine.journeymap.figures import JourneyMapResult

    return kind is not None and issubclass(kind, JourneyMapResult)


def _segments(result: Any) -> list[Any]:
    """The segment values of a segmented result (empty when it has none)."""
    import pandas as pd

    by = getattr(result, "by", None)
    summary = getattr(result, "summary", None)
    if by is None and isinstance(summary, Mapping):
        by = summary.get("segment_by")
    if by is None:
        return []
    for name in ("segments", "table", "edges", "touchpoints", "activities"):
        frame = getattr(result, name, None)
        if isinstance(frame, pd.DataFrame) and "segment" in frame:
            return list(dict.fromkeys(v for v in frame["segment"].astype(object) if not pd.isna(v)))
    return []


def _outputs(
    r: Renderer, result: Any, fmt: str, fail: _Fail, *, what: str | None = None
) -> list[tuple[dict[str, Any], str | bytes]]:
    """The renderings of ``result`` in ``fmt``: without options, and once per segment with
    ``segment=`` (a renderer without that option draws a segmented result as it likes; one with
    it may refuse to draw it without, with an ArgumentError about ``segment``)."""
    from journeymine.views import render

    segments = _segments(result) if "segment" in r.options else []
    calls: list[dict[str, Any]] = [{}] + [{"segment": s} for s in segments]
    out = []
    for options in calls:
        drawing = f"drawing {what + ' (' + _what(result) + ')' if what else _what(result)}{_opts(options)}"
        try:
            value = render(result, fmt, renderer=r, **options)
        except ArgumentError as exc:
            if not options and segments and "segment" in str(exc):
                continue  # a documented refusal: this renderer draws one segment at a time
            fail(f"{drawing} in {fmt!r} raised {_describe(exc)}")
        except RenderError as exc:
            if fmt not in BINARY_SIGNATURES:
                fail(f"{drawing} in {fmt!r} raised {_describe(exc)}")
            if (r.name, fmt) not in _SKIPPED:
                _SKIPPED.add((r.name, fmt))
                warnings.warn(
                    f"check_renderer: {r.name!r} cannot write {fmt!r} here ({exc}); that format was "
                    "not checked",
                    stacklevel=3,
                )
            return []
        except Exception as exc:
            fail(f"{drawing} in {fmt!r} raised {_describe(exc)}")
        else:
            out.append((options, value))
    return out


#: (renderer, format) pairs already reported as impossible here
_SKIPPED: set[tuple[str, str]] = set()


def _check_output(out: Any, fmt: str, fail: _Fail, what: str) -> None:
    if fmt in BINARY_SIGNATURES:
        if not isinstance(out, bytes):
            fail(f"{what} in {fmt!r} gave {type(out).__name__}; {fmt} is a binary format: return bytes")
        if not out.startswith(BINARY_SIGNATURES[fmt]):
            fail(f"{what} in {fmt!r} does not start like a {fmt} file: {out[:16]!r}")
        return
    if not isinstance(out, str):
        fail(f"{what} in {fmt!r} gave {type(out).__name__}; {fmt} is a text format: return str")
    if not out.strip():
        fail(f"{what} in {fmt!r} is empty")
    if fmt == "svg":
        root = _parse_svg(out, fail, f"{what} in 'svg'")
        if root.tag not in ("{http://www.w3.org/2000/svg}svg", "svg"):
            fail(f"{what} in 'svg': the root element is <{root.tag}>, not <svg>")
    if fmt == "dot" and not re.match(
        r"\s*(?:(?://|#)[^\n]*\n\s*|/\*.*?\*/\s*)*(?:strict\s+)?(?:di)?graph\b", out, re.S | re.I
    ):
        fail(f"{what} in 'dot' does not start with graph or digraph: {out[:60]!r}")
    if fmt in ("svg", "html"):
        far = _EXTERNAL.search(out)
        if far:
            at = far.start()
            fail(
                f"{what} in {fmt!r} loads something from elsewhere: ...{out[max(0, at - 40) : at + 80]!r}..."
            )


#: a reference to another address: src/href to a scheme or //, CSS imports and url(http...)
_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:(?<!data:)|//))"""
    r"""|@import|url\(\s*["']?\s*(?:https?:|//|file:)""",
    re.I,
)


def _parse_svg(out: str, fail: _Fail, where: str) -> ET.Element:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", out)
    if "<!ENTITY" in text:
        fail(f"{where}: declares entities (<!ENTITY>): write plain SVG")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        bad = text.splitlines()[line - 1][max(0, col - 40) : col + 40] if line else ""
        fail(f"{where} is not well-formed XML ({exc}): {bad!r}")


class _Text(HTMLParser):
    """Text and attribute values of an HTML document, unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(v for _, v in attrs if v)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _readable_text(out: str, fmt: str, fail: _Fail, where: str) -> str:
    """What a person can read in ``out``: its text nodes and attribute values, unescaped."""
    if fmt == "svg":
        root = _parse_svg(out, fail, where)
        parts: list[str] = []
        for el in root.iter():
            parts.extend(el.attrib.values())
            parts.append(el.text or "")
            parts.append(el.tail or "")
        return "\n".join(parts)
    if fmt == "html":
        parser = _Text()
        parser.feed(out)
        parser.close()
        return "\n".join(parser.parts)
    strings, outside = _dot_tokens(out)
    if "evil" in outside:
        at = outside.index("evil")
        fail(
            f"{where}: text from the data escaped its DOT string: "
            f"...{outside[max(0, at - 60) : at + 30]!r}..."
        )
    return "\n".join(html.unescape(s) for s in strings)


def _dot_tokens(dot: str) -> tuple[list[str], str]:
    """The strings of a DOT text (quoted, unescaped; HTML-like ``<...>``, as they are) and
    everything outside them."""
    strings: list[str] = []
    outside: list[str] = []
    i, n = 0, len(dot)
    while i < n:
        ch = dot[i]
        if ch == '"':
            j, buf = i + 1, []
            while j < n and dot[j] != '"':
                if dot[j] == "\\" and j + 1 < n:
                    buf.append(dot[j + 1] if dot[j + 1] in '"\\' else dot[j : j + 2])
                    j += 2
                    continue
                buf.append(dot[j])
                j += 1
            strings.append("".join(buf))
            i = j + 1
        elif ch == "<":
            depth, j = 0, i
            while j < n:
                if dot[j] == "<":
                    depth += 1
                elif dot[j] == ">":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            strings.append(re.sub(r"<[^<>]*>", " ", dot[i + 1 : j]))
            i = j + 1
        elif dot.startswith("//", i) or ch == "#":
            j = dot.find("\n", i)
            i = n if j < 0 else j
        elif dot.startswith("/*", i):
            j = dot.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            outside.append(ch)
            i += 1
    return strings, "".join(outside)


def _what(result: Any) -> str:
    segments = _segments(result)
    per = f" by segment ({len(segments)} segments)" if segments else ""
    return f"a {type(result).__name__}{per}"


def _opts(options: Mapping[str, Any]) -> str:
    return "".join(f" with {k}={v!r}" for k, v in options.items())


def _key(options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in options.items()))


def _first_difference(a: Any, b: Any) -> str:
    if b is None:
        return " (the second rendering is missing)"
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f" at position {n}: {a[max(0, n - 30) : n + 30]!r} vs {b[max(0, n - 30) : n + 30]!r}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
