"""Reverse thinking: the real journeys against the ideal journey, and what to remove or redesign.

Start from the journey the customer would want (:class:`~journeymine.heuristics.IdealJourney`),
compare every real path with it, and count, weighted by the cases on each path, how often each
touchpoint departs from it. :func:`reverse_thinking` works on the mined paths of
:class:`~journeymine.heuristics.JourneyData` (one row per segment and path, never the events):
each path is checked once and counts as many times as it has cases.

Deviations
    An activity *does* a step when it belongs to it (:meth:`IdealJourney.step_of`: named
    exactly, else matched by a pattern; case is ignored). Per path, with the steps in the ideal's
    order:

    ``extra``
        An activity that belongs to no step: a touchpoint the ideal journey does without (the
        outcome's activities excepted). Counted once per path and activity.
    ``repeated``
        A step done by two or more events of the path (an ``any`` step done by two of its
        alternatives, or a pattern step by two activities it matches, is repeated too).
    ``out_of_order``
        Take the steps the path does, each at its first event, in the order of those events.
        A step is in order when it lies on *every* longest subsequence of them that follows the
        ideal's order; the others are out of order. So when two steps are swapped (``B A`` for
        ``A B``) both are reported, and no arbitrary tie decides which one "moved".
    ``missing``
        A required step the path does not do, *before the furthest step the customer reached*
        (the last step of the ideal that the path does). On a completed path, every required
        step not done. So the steps after a customer left do not count as missing: those
        journeys are reported as not completed, with the touchpoint after which they ended
        (``drop_offs``), which is what a journey manager acts on.
    ``channel``
        A step done (at any of its events) on another channel than the ideal's; an event
        without a channel is not counted. Only for steps with a ``channel``, on logs with one.

    A path *conforms* when it reaches the outcome and has no deviation.

Outputs
    Per deviation (kind, touchpoint): the cases with it, their share of the cases in the log
    with a Wilson interval. ``remove``: the extra touchpoints with the cases that meet them (and
    the events there); ``redesign``: the steps that are repeated, out of order or on another
    channel (cases with any of those); ``missing``: the required steps skipped;
    ``drop_offs``: where the journeys that do not complete end. Per segment (when segmented):
    the same counts. ``outcomes``: conforming against deviating customers on journey time,
    completion and sentiment, each with an interval and its method:

    - ``journey_time_s`` and ``sentiment``: conforming cases against the deviating cases that
      completed (so that the time until a drop-off does not pass for a short journey);
      intervals from :meth:`JourneyData.mean_difference_ci` (a seeded bootstrap, Welch's
      interval for large groups);
    - ``completion``: cases without a deviation against cases with one, over every case;
      Newcombe's interval of the difference of two shares.

    ``difference`` is always deviating minus conforming. These are observational differences,
    not causal effects (``note``): :func:`journeymine.heuristics.what_if` estimates a change.

Ideal journeys as process models
    An ideal can also be a process model (a BPMN file or a Petri net, through
    :mod:`journeymine.interop`, the one module that imports pm4py): any object with the
    :class:`IdealModel` interface. It reports the same kinds per distinct activity sequence
    (except ``channel``); this module never imports pm4py.

Examples
--------
>>> import journeymine as jm
>>> from journeymine.heuristics import JourneyData, reverse_thinking
>>> data = JourneyData.from_log(jm.datasets.load_demo_log(), outcome="Contract signed")
>>> rt = reverse_thinking(data, jm.datasets.load_demo_ideal())
>>> [r.touchpoint for r in rt.remove]
['Customer service call', 'Documents incomplete', 'Chat']
>>> rt.redesign[0].touchpoint, rt.redesign[0].kinds
('Upload documents', ('repeated',))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from journeymine.errors import ArgumentError
from journeymine.heuristics.finding import _number
from journeymine.heuristics.ideal import IdealJourney
from journeymine.heuristics.ideal import matches as _matches

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.heuristics.data import JourneyData

__all__ = [
    "KINDS",
    "NOTE",
    "REDESIGN_KINDS",
    "DeviationCount",
    "IdealModel",
    "OutcomeComparison",
    "ReverseThinking",
    "SegmentConformance",
    "SegmentDeviation",
    "TouchpointCount",
    "reverse_thinking",
]

Kind = Literal["missing", "extra", "repeated", "out_of_order", "channel"]

#: the kinds of deviation, in the order they are listed
KINDS: tuple[Kind, ...] = ("missing", "extra", "repeated", "out_of_order", "channel")
#: the kinds that make a touchpoint one to redesign (rather than remove or add)
REDESIGN_KINDS: tuple[Kind, ...] = ("repeated", "out_of_order", "channel")

#: what every comparison of conforming and deviating customers carries
NOTE = (
    "Conforming and deviating customers are compared as observed: these are observational "
    "differences, not causal effects (customers who deviate may differ in other ways too), so "
    "removing a touchpoint need not bring the conforming customers' outcomes; what_if estimates "
    "a change, with its assumptions."
)


@runtime_checkable
class IdealModel(Protocol):
    """An ideal journey given as a process model (e.g. :class:`journeymine.interop.ModelIdeal`).

    :func:`reverse_thinking` hands it each distinct activity sequence once and counts what it
    returns as :class:`IdealJourney` deviations are counted (``channel`` is not available).
    """

    @property
    def journey(self) -> str:
        """The journey's name."""
        ...

    @property
    def outcome(self) -> tuple[str, ...]:
        """The activities (names or glob patterns, case ignored) that complete the journey."""
        ...

    def deviations(
        self, variants: Sequence[tuple[str, ...]], completed: Sequence[bool]
    ) -> list[tuple[tuple[str, str], ...]]:
        """Per variant (with whether it reaches the outcome): its deviations as distinct
        ``(kind, touchpoint)`` pairs, ``kind`` one of ``missing, extra, repeated, out_of_order``."""
        ...


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviationCount:
    """Cases whose path has one kind of deviation at one touchpoint.

    ``share`` = ``cases`` / cases in the log; ``share_ci`` its Wilson interval.
    """

    kind: Kind
    touchpoint: str
    cases: int
    share: float
    share_ci: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "touchpoint": self.touchpoint,
            "cases": int(self.cases),
            "share": _number(self.share),
            "share_ci": [_number(self.share_ci[0]), _number(self.share_ci[1])],
        }


@dataclass(frozen=True)
class TouchpointCount:
    """A touchpoint to remove, redesign or add, or where journeys end: the cases it concerns.

    ``kinds`` (redesign only): which deviations it has; ``events`` (remove only): the events at
    the touchpoint on those cases.
    """

    touchpoint: str
    cases: int
    share: float
    kinds: tuple[Kind, ...] = ()
    events: int | None = None

    def to_dict(self, *, kinds: bool = False, events: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "touchpoint": self.touchpoint,
            "cases": int(self.cases),
            "share": _number(self.share),
        }
        if kinds:
            out["kinds"] = list(self.kinds)
        if events:
            out["events"] = None if self.events is None else int(self.events)
        return out


@dataclass(frozen=True)
class OutcomeComparison:
    """One outcome of conforming against deviating customers (``difference`` = deviating - conforming)."""

    metric: Literal["journey_time_s", "completion", "sentiment"]
    conforming: float
    deviating: float
    difference: float
    ci_low: float
    ci_high: float
    method: str
    groups: str
    conforming_cases: int = 0
    deviating_cases: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "conforming": _number(self.conforming),
            "deviating": _number(self.deviating),
            "difference": _number(self.difference),
            "ci_low": _number(self.ci_low),
            "ci_high": _number(self.ci_high),
            "method": self.method,
            "groups": self.groups,
            "conforming_cases": int(self.conforming_cases),
            "deviating_cases": int(self.deviating_cases),
        }


@dataclass(frozen=True)
class SegmentDeviation:
    """A deviation within one segment: its cases, their share of the segment and of the rest."""

    kind: Kind
    touchpoint: str
    cases: int
    share: float
    rest_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "touchpoint": self.touchpoint,
            "cases": int(self.cases),
            "share": _number(self.share),
            "rest_share": _number(self.rest_share),
        }


@dataclass(frozen=True)
class SegmentConformance:
    """Conformance within one segment; ``deviations`` lists every deviation of the log, in the
    log's order, so that segments compare row by row."""

    segment: str
    cases: int
    conforming_cases: int
    conforming_share: float
    conforming_share_ci: tuple[float, float]
    completed_cases: int
    deviations: tuple[SegmentDeviation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "cases": int(self.cases),
            "conforming_cases": int(self.conforming_cases),
            "conforming_share": _number(self.conforming_share),
            "conforming_share_ci": [
                _number(self.conforming_share_ci[0]),
                _number(self.conforming_share_ci[1]),
            ],
            "completed_cases": int(self.completed_cases),
            "deviations": [d.to_dict() for d in self.deviations],
        }


@dataclass(frozen=True)
class ReverseThinking:
    """The as-is journeys against the ideal journey: see the module docs for every figure.

    Attributes
    ----------
    journey : str
    outcome : tuple of str
        What completes a journey (the analysis's outcome, else the ideal's).
    cases, conforming_cases, completed_cases : int
    conforming_share : float
        ``conforming_cases / cases``, with ``conforming_share_ci`` (Wilson).
    deviations : tuple of DeviationCount
        Most cases first.
    remove, redesign, missing, drop_offs : tuple of TouchpointCount
    outcomes : tuple of OutcomeComparison
        ``journey_time_s``, ``completion``, ``sentiment`` (NaN where the log cannot say).
    segments : tuple of SegmentConformance
        In segment order; empty unsegmented.
    notes : tuple of str
        What to know (steps that match nothing in the log, channels not checked, ...).
    note : str
        These are observational differences, not causal effects.
    """

    journey: str
    outcome: tuple[str, ...]
    cases: int
    conforming_cases: int
    conforming_share: float
    conforming_share_ci: tuple[float, float]
    completed_cases: int
    deviations: tuple[DeviationCount, ...]
    remove: tuple[TouchpointCount, ...]
    redesign: tuple[TouchpointCount, ...]
    missing: tuple[TouchpointCount, ...]
    drop_offs: tuple[TouchpointCount, ...]
    outcomes: tuple[OutcomeComparison, ...]
    segments: tuple[SegmentConformance, ...]
    notes: tuple[str, ...]
    note: str = NOTE
    _detail: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON types (what ``journeymine improve --format json`` prints under ``reverse_thinking``)."""
        return {
            "journey": self.journey,
            "outcome": list(self.outcome),
            "cases": int(self.cases),
            "conforming_cases": int(self.conforming_cases),
            "conforming_share": _number(self.conforming_share),
            "conforming_share_ci": [
                _number(self.conforming_share_ci[0]),
                _number(self.conforming_share_ci[1]),
            ],
            "completed_cases": int(self.completed_cases),
            "completion": _number(self.completed_cases / self.cases) if self.cases else None,
            "deviations": [d.to_dict() for d in self.deviations],
            "remove": [r.to_dict(events=True) for r in self.remove],
            "redesign": [r.to_dict(kinds=True) for r in self.redesign],
            "missing": [r.to_dict() for r in self.missing],
            "drop_offs": [r.to_dict() for r in self.drop_offs],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "segments": [s.to_dict() for s in self.segments],
            "notes": list(self.notes),
            "note": self.note,
        }

    def paths_frame(self) -> pd.DataFrame:
        """One row per path (segment and path, as in :attr:`JourneyData.paths`): ``segment,
        path_id, variant_id, cases, completed, conforms, deviations`` (how many), a column per
        kind with its touchpoints (a tuple), and ``ended_after`` (the last touchpoint of a path
        that does not complete, else ``None``). For inspection: checked again on each call
        (the result keeps only the aggregates, not every path's deviations)."""
        import pandas as pd

        if self._detail is None:
            empty: pd.DataFrame = pd.DataFrame()
            return empty
        data, ideal = self._detail  # checked again rather than kept: the pairs can be large
        _, flat, completed, found, _ = _compute(data, ideal)
        return _paths_table(data, found, completed, flat)


# -- the computation --------------------------------------------------------------------------------


def reverse_thinking(data: JourneyData, ideal: IdealJourney | IdealModel) -> ReverseThinking:
    """Compare every path of ``data`` with the ideal journey: conformance and deviations.

    Parameters
    ----------
    data : JourneyData
        The mined aggregates (:meth:`JourneyData.from_log`). Completion follows ``data.outcome``;
        without one, the ideal's outcome.
    ideal : IdealJourney or IdealModel
        The ideal future-state journey (:func:`journeymine.heuristics.load_ideal`), or a process
        model from :mod:`journeymine.interop`.

    Returns
    -------
    ReverseThinking

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> from journeymine.heuristics import IdealJourney, JourneyData, reverse_thinking
    >>> log = jm.read_events(pd.DataFrame(
    ...     {"case": ["a", "a", "a", "b", "b", "b", "b"],
    ...      "activity": ["Apply", "Upload", "Sign", "Apply", "Upload", "Upload", "Sign"],
    ...      "timestamp": ["2025-01-01", "2025-01-02", "2025-01-03",
    ...                    "2025-01-01", "2025-01-02", "2025-01-04", "2025-01-05"]}),
    ...     case="case", activity="activity", timestamp="timestamp")
    >>> rt = reverse_thinking(JourneyData.from_log(log), IdealJourney("J", None, ["Apply", "Upload", "Sign"]))
    >>> rt.conforming_cases, [(d.kind, d.touchpoint, d.cases) for d in rt.deviations]
    (1, [('repeated', 'Upload', 1)])
    """
    outcome_patterns, flat, completed, found, notes = _compute(data, ideal)
    return _summarise(data, ideal, outcome_patterns, flat, completed, found, notes)


def _compute(
    data: JourneyData, ideal: IdealJourney | IdealModel
) -> tuple[tuple[str, ...], _Flat, np.ndarray, _Found, list[str]]:
    """The outcome, the flattened paths, completion per path and the deviations found."""
    if isinstance(ideal, IdealJourney):
        outcome_patterns = data.outcome or ideal.outcome
    elif isinstance(ideal, IdealModel):
        outcome_patterns = data.outcome or tuple(ideal.outcome)
    else:
        raise ArgumentError(
            f"reverse_thinking: ideal must be an IdealJourney (load_ideal) or a process model from "
            f"journeymine.interop, not {type(ideal).__name__}; "
            "pass ideal=jm.heuristics.load_ideal('ideal.yaml')"
        )
    flat = _Flat.of(data)
    if data.outcome:
        completed = data.completed()
    else:
        hits = np.array([any(_matches(a, o) for o in outcome_patterns) for a in flat.names], dtype=bool)
        completed = _any_per_path(hits[flat.codes], flat) if flat.codes.size else np.zeros(flat.n, bool)
    notes: list[str] = []
    if isinstance(ideal, IdealJourney):
        found = _check_steps(ideal, data, flat, completed, notes)
    else:
        found = _check_model(ideal, data, flat, completed, notes)
    if not any(any(_matches(a, o) for o in outcome_patterns) for a in flat.names):
        notes.append(
            f"the outcome ({', '.join(outcome_patterns)}) matches no activity in the log: no journey "
            "completes, so none conforms"
        )
    return outcome_patterns, flat, completed, found, notes


@dataclass
class _Flat:
    """The activities of every path, flattened: codes into ``names``, the path of each event."""

    names: list[str]
    codes: np.ndarray  # int32, one per event
    path: np.ndarray  # int32, the path of each event
    pos: np.ndarray  # int32, the event's position in its path
    starts: np.ndarray  # int64, the first event of each path
    lengths: np.ndarray  # int64
    n: int  # paths

    @classmethod
    def of(cls, data: JourneyData) -> _Flat:
        import pandas as pd

        column = data.paths["activities"].to_numpy(dtype=object)
        n = len(column)
        lengths = np.fromiter((len(s) for s in column), dtype=np.int64, count=n)
        if n and lengths.sum():
            codes, uniques = pd.factorize(_objects(np.concatenate(column)), sort=True)
            names = [str(u) for u in uniques]
        else:
            codes, names = np.empty(0, np.int64), []
        total = int(lengths.sum())
        starts = np.zeros(n, dtype=np.int64)
        if n:
            np.cumsum(lengths[:-1], out=starts[1:])
        path = np.repeat(np.arange(n, dtype=np.int32), lengths)
        pos = (np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)).astype(np.int32, copy=False)
        return cls(names, codes.astype(np.int32, copy=False), path, pos, starts, lengths, n)

    def channels(self, data: JourneyData) -> tuple[np.ndarray, dict[str, int]]:
        """Per event, a code of its channel ignoring case (-1: none), and the codes."""
        import pandas as pd

        if not self.codes.size:
            return np.empty(0, np.int32), {}
        flat = _objects(np.concatenate(data.paths["channels"].to_numpy(dtype=object)))
        codes, uniques = pd.factorize(flat)
        lut: dict[str, int] = {}
        folded = np.array(
            [lut.setdefault(str(u).casefold(), len(lut)) for u in uniques] + [-1], dtype=np.int32
        )
        return folded[codes], lut


def _objects(values: np.ndarray) -> np.ndarray:
    return values if values.dtype == object else values.astype(object)


def _any_per_path(flags: np.ndarray, flat: _Flat) -> np.ndarray:
    return np.bincount(flat.path[flags], minlength=flat.n) > 0


@dataclass
class _Found:
    """Deviations as sparse pairs: ``path[i]`` has deviation ``keys[key[i]]`` (distinct per path)."""

    path: np.ndarray
    key: np.ndarray
    keys: list[tuple[Kind, str]]
    #: for ``extra`` keys: the events at that touchpoint per path with it (aligned with ``path``)
    events: np.ndarray


def _check_steps(
    ideal: IdealJourney, data: JourneyData, flat: _Flat, completed: np.ndarray, notes: list[str]
) -> _Found:
    """The deviations of every path from an IdealJourney, vectorised over the flattened events."""
    steps = ideal.steps
    m = len(steps)
    n = flat.n
    step_of = np.fromiter((_position(ideal, a) for a in flat.names), dtype=np.int32, count=len(flat.names))
    outcome = np.array([ideal.is_outcome(a) or _in(a, data.outcome) for a in flat.names], dtype=bool)
    se = step_of[flat.codes] if flat.codes.size else np.empty(0, np.int32)
    mapped = se >= 0
    unused = [s.label for i, s in enumerate(steps) if not np.any(step_of == i)]
    if unused:
        notes.append(
            f"{len(unused)} step{'s' if len(unused) != 1 else ''} of the ideal match no activity in the "
            f"log: {', '.join(unused[:10])}{' ...' if len(unused) > 10 else ''}"
            + (
                "; required ones count as missing on every journey that gets past them"
                if any(not s.optional for s in steps if s.label in unused)
                else ""
            )
        )
    # per path and step: events (C), done (D), first position (F)
    cell = flat.path[mapped].astype(np.int64, copy=False) * m + se[mapped]
    counts = np.bincount(cell, minlength=n * m).reshape(n, m)
    done = counts > 0
    big = np.iinfo(np.int32).max
    first_flat = np.full(n * m, big, dtype=np.int32)
    np.minimum.at(first_flat, cell, flat.pos[mapped])
    first = first_flat.reshape(n, m)
    repeated = counts >= 2
    out_of_order = _out_of_order(done, first)
    last = np.full(n, -1, dtype=np.int64)
    for step in range(m):  # column by column: cheaper than a reduction along each row
        last[done[:, step]] = step
    horizon = np.where(completed, m, last)
    required = np.array([not s.optional for s in steps], dtype=bool)
    missing = required[None, :] & ~done & (np.arange(m)[None, :] < horizon[:, None])
    channel = np.zeros((n, m), dtype=bool)
    if any(s.channel is not None for s in steps):
        if data.has_channels:
            ch_codes, clut = flat.channels(data)
            want = np.array(
                [-1 if s.channel is None else clut.get(s.channel.casefold(), -2) for s in steps],
                dtype=np.int32,
            )
            wanted = want[np.where(mapped, se, 0)]
            off = mapped & (wanted != -1) & (ch_codes >= 0) & (ch_codes != wanted)
            channel.reshape(-1)[np.unique(flat.path[off].astype(np.int64, copy=False) * m + se[off])] = True
        else:
            notes.append(
                "channel deviations are not checked: the log has no channel column (pass channel=...)"
            )
    # extra: activities on no step (the outcome's excepted), per path and activity
    a = len(flat.names)
    extra_flags = ~mapped & ~outcome[flat.codes] if flat.codes.size else np.zeros(0, bool)
    extra_cell = flat.path[extra_flags].astype(np.int64, copy=False) * max(a, 1) + flat.codes[extra_flags]
    extra_cells, extra_events = np.unique(extra_cell, return_counts=True)
    labels = [s.label for s in steps]
    keys: list[tuple[Kind, str]] = []
    paths: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    events: list[np.ndarray] = []
    for kind, matrix in (
        ("missing", missing),
        ("repeated", repeated),
        ("out_of_order", out_of_order),
        ("channel", channel),
    ):
        rows, cols = np.nonzero(matrix)
        paths.append(rows)
        codes.append(cols + len(keys))
        events.append(np.zeros(rows.size, dtype=np.int64))
        keys.extend((kind, label) for label in labels)  # type: ignore[misc]
    p_extra, a_extra = extra_cells // max(a, 1), extra_cells % max(a, 1)
    paths.append(p_extra)
    codes.append(a_extra + len(keys))
    events.append(extra_events)
    keys.extend(("extra", name) for name in flat.names)
    return _Found(
        path=np.concatenate(paths).astype(np.int64, copy=False),
        key=np.concatenate(codes).astype(np.int64, copy=False),
        keys=keys,
        events=np.concatenate(events).astype(np.int64, copy=False),
    )


def _position(ideal: IdealJourney, activity: str) -> int:
    i = ideal.position(activity)
    return -1 if i is None else i


def _in(activity: str, patterns: Sequence[str]) -> bool:
    return any(_matches(activity, p) for p in patterns)


def _out_of_order(done: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Steps (done) not on every longest in-order subsequence of first occurrences, per path.

    Vectorised over paths: only paths whose first occurrences are not already in order need the
    dynamic programme, and it runs in the order of the first occurrences, on paths grouped by
    how many steps they do (longest in-order chains ending and starting at each one; a step is
    on every longest chain when it is on one and no other step on one has its rank in it).
    """
    n, m = done.shape
    out = np.zeros((n, m), dtype=bool)
    if n == 0 or m < 2:
        return out
    running = np.full(n, -1, dtype=first.dtype)  # the latest first occurrence of the steps before
    disorder = np.zeros(n, dtype=bool)
    for s in range(m):
        col = done[:, s]
        disorder |= col & (first[:, s] < running)
        running = np.where(col, np.maximum(running, first[:, s]), running)
    rows = np.nonzero(disorder)[0]
    if rows.size == 0:
        return out
    order = np.argsort(first[rows], axis=1, kind="stable")  # steps by first occurrence
    width = done[rows].sum(axis=1)
    for r in np.unique(width).tolist():
        group = rows[width == r]
        v = order[width == r, :r].astype(
            np.int32, copy=False
        )  # step indices, in the order they were first done
        k = group.size
        ends = np.ones((k, r), dtype=np.int32)
        for j in range(1, r):
            ends[:, j] = 1 + np.where(v[:, :j] < v[:, j : j + 1], ends[:, :j], 0).max(axis=1)
        starts = np.ones((k, r), dtype=np.int32)
        for j in range(r - 2, -1, -1):
            starts[:, j] = 1 + np.where(v[:, j + 1 :] > v[:, j : j + 1], starts[:, j + 1 :], 0).max(axis=1)
        longest = ends.max(axis=1)
        on_some = ends + starts - 1 == longest[:, None]
        level = np.where(on_some, ends, 0).astype(np.int64, copy=False)
        per_level = np.bincount((np.arange(k)[:, None] * (r + 1) + level).ravel(), minlength=k * (r + 1))
        on_every = on_some & (per_level.reshape(k, r + 1)[np.arange(k)[:, None], level] == 1)
        out[group[:, None], v] = ~on_every
    return out


def _check_model(
    ideal: IdealModel, data: JourneyData, flat: _Flat, completed: np.ndarray, notes: list[str]
) -> _Found:
    """The deviations of every path from a process model: asked once per distinct variant."""
    seqs = data.sequences
    index: dict[tuple[str, ...], int] = {}
    variant_of = np.fromiter((index.setdefault(s, len(index)) for s in seqs), dtype=np.int64, count=len(seqs))
    variants = list(index)
    done = [False] * len(variants)
    for i, v in enumerate(variant_of.tolist()):
        done[v] = bool(completed[i])
    answers = ideal.deviations(variants, done)
    if len(answers) != len(variants):
        raise ArgumentError(
            f"reverse_thinking: the ideal model {type(ideal).__name__} answered for {len(answers)} "
            f"variants, not {len(variants)}"
        )
    keys: list[tuple[Kind, str]] = []
    key_index: dict[tuple[str, str], int] = {}
    per_variant: list[list[int]] = []
    for answer in answers:
        codes = []
        for kind, tp in dict.fromkeys(answer):
            if kind not in KINDS or kind == "channel":
                raise ArgumentError(
                    f"reverse_thinking: the ideal model returned the deviation kind {kind!r}; expected one "
                    f"of {', '.join(k for k in KINDS if k != 'channel')}"
                )
            codes.append(key_index.setdefault((kind, str(tp)), len(key_index)))
        per_variant.append(codes)
    keys = [(k, t) for (k, t) in key_index]  # type: ignore[misc]
    paths, codes_out = [], []
    for p, v in enumerate(variant_of.tolist()):
        for c in per_variant[v]:
            paths.append(p)
            codes_out.append(c)
    path_arr = np.array(paths, dtype=np.int64)
    key_arr = np.array(codes_out, dtype=np.int64)
    events = np.zeros(path_arr.size, dtype=np.int64)
    names = {a: i for i, a in enumerate(flat.names)}
    for i, c in enumerate(codes_out):
        kind, tp = keys[c]
        if kind == "extra" and tp in names:
            start, length = int(flat.starts[paths[i]]), int(flat.lengths[paths[i]])
            events[i] = int(np.count_nonzero(flat.codes[start : start + length] == names[tp]))
    notes.append("channel deviations are not available from a process model")
    return _Found(path=path_arr, key=key_arr, keys=keys, events=events)


def _summarise(
    data: JourneyData,
    ideal: IdealJourney | IdealModel,
    outcome: tuple[str, ...],
    flat: _Flat,
    completed: np.ndarray,
    found: _Found,
    notes: list[str],
) -> ReverseThinking:
    cases = data.cases
    n_cases = data.n_cases
    n_keys = len(found.keys)
    weight = cases[found.path].astype(np.float64, copy=False)
    per_key = np.rint(np.bincount(found.key, weights=weight, minlength=n_keys)).astype(np.int64, copy=False)
    deviating = np.bincount(found.path, minlength=flat.n) > 0
    conforms = completed & ~deviating
    conforming_cases = int(cases[conforms].sum())
    completed_cases = int(cases[completed].sum())
    rank = {k: i for i, k in enumerate(KINDS)}
    order = sorted(
        (i for i in range(n_keys) if per_key[i] > 0),
        key=lambda i: (-int(per_key[i]), rank[found.keys[i][0]], found.keys[i][1]),
    )

    def share(k: int) -> float:
        return k / n_cases if n_cases else math.nan

    deviations = tuple(
        DeviationCount(
            kind=found.keys[i][0],
            touchpoint=found.keys[i][1],
            cases=int(per_key[i]),
            share=share(int(per_key[i])),
            share_ci=data.share_ci(int(per_key[i])),
        )
        for i in order
    )
    extra_events = np.bincount(found.key, weights=found.events * weight, minlength=n_keys)
    remove = tuple(
        TouchpointCount(d.touchpoint, d.cases, d.share, events=round(float(extra_events[i])))
        for i, d in zip(order, deviations)
        if d.kind == "extra"
    )
    missing = tuple(
        TouchpointCount(d.touchpoint, d.cases, d.share) for d in deviations if d.kind == "missing"
    )
    redesign = _redesign(found, weight, per_key, share)
    last = flat.codes[flat.starts + flat.lengths - 1] if flat.n else np.empty(0, np.int32)
    left = ~completed
    ended = np.rint(
        np.bincount(last[left], weights=cases[left].astype(np.float64, copy=False), minlength=len(flat.names))
    ).astype(np.int64, copy=False)
    drop_offs = tuple(
        TouchpointCount(flat.names[i], int(ended[i]), share(int(ended[i])))
        for i in sorted(np.nonzero(ended)[0].tolist(), key=lambda i: (-int(ended[i]), flat.names[i]))
    )
    outcomes = _outcomes(data, completed, conforms, deviating)
    segments = _segments(data, found, weight, order, conforms, completed)
    journey = ideal.journey
    return ReverseThinking(
        journey=journey,
        outcome=tuple(outcome),
        cases=n_cases,
        conforming_cases=conforming_cases,
        conforming_share=share(conforming_cases),
        conforming_share_ci=data.share_ci(conforming_cases),
        completed_cases=completed_cases,
        deviations=deviations,
        remove=remove,
        redesign=redesign,
        missing=missing,
        drop_offs=drop_offs,
        outcomes=outcomes,
        segments=segments,
        notes=tuple(notes),
        _detail=(data, ideal),
    )


def _redesign(
    found: _Found, weight: np.ndarray, per_key: np.ndarray, share: Any
) -> tuple[TouchpointCount, ...]:
    """Steps with a redesign kind: cases with any of them (each path once per touchpoint)."""
    tps = sorted({t for k, t in found.keys if k in REDESIGN_KINDS})
    tp_index = {t: i for i, t in enumerate(tps)}
    key_tp = np.array(
        [tp_index[t] if k in REDESIGN_KINDS else -1 for k, t in found.keys] or [-1], dtype=np.int64
    )[: len(found.keys)]
    if not tps or found.key.size == 0:
        return ()
    tp = key_tp[found.key]
    sel = tp >= 0
    cell = found.path[sel] * len(tps) + tp[sel]
    cells, first = np.unique(cell, return_index=True)
    w = weight[sel][first]
    per_tp = np.rint(np.bincount(cells % len(tps), weights=w, minlength=len(tps))).astype(
        np.int64, copy=False
    )
    kinds_of: dict[str, list[Kind]] = {t: [] for t in tps}
    for i, (k, t) in enumerate(found.keys):
        if k in REDESIGN_KINDS and per_key[i] > 0:
            kinds_of[t].append(k)
    rows = [
        TouchpointCount(
            t,
            int(per_tp[i]),
            share(int(per_tp[i])),
            kinds=tuple(k for k in REDESIGN_KINDS if k in kinds_of[t]),
        )
        for i, t in enumerate(tps)
        if per_tp[i] > 0
    ]
    return tuple(sorted(rows, key=lambda r: (-r.cases, r.touchpoint)))


def _outcomes(
    data: JourneyData, completed: np.ndarray, conforms: np.ndarray, deviating: np.ndarray
) -> tuple[OutcomeComparison, ...]:
    done_deviating = completed & ~conforms
    out = []
    groups = "conforming cases against deviating cases that completed"
    if data.timed:
        out.append(
            _means(data, "journey_time_s", data.durations(conforms), data.durations(done_deviating), groups)
        )
    else:
        out.append(_nothing("journey_time_s", "the log has no timestamps", groups))
    clean = ~deviating
    n_c, n_d = data.count(clean), data.count(deviating)
    k_c, k_d = data.count(clean & completed), data.count(deviating & completed)
    c_groups = "cases without a deviation against cases with one (every case)"
    if n_c and n_d:
        low, high = data.difference_ci(k_d, n_d, k_c, n_c)
        out.append(
            OutcomeComparison(
                "completion",
                k_c / n_c,
                k_d / n_d,
                k_d / n_d - k_c / n_c,
                low,
                high,
                f"Newcombe's hybrid score interval of a difference of shares ({data.confidence:.0%})",
                c_groups,
                n_c,
                n_d,
            )
        )
    else:
        out.append(_nothing("completion", "no comparison group", c_groups, n_c, n_d))
    if data.measure is not None:
        out.append(
            _means(data, "sentiment", data.case_measure(conforms), data.case_measure(done_deviating), groups)
        )
    else:
        out.append(_nothing("sentiment", "no sentiment column given", groups))
    return tuple(out)


def _means(
    data: JourneyData, metric: Any, conforming: np.ndarray, deviating: np.ndarray, groups: str
) -> OutcomeComparison:
    c = float(conforming.mean()) if conforming.size else math.nan
    d = float(deviating.mean()) if deviating.size else math.nan
    if conforming.size < 2 or deviating.size < 2:
        return OutcomeComparison(
            metric, c, d, d - c, math.nan, math.nan, "too few cases for an interval", groups,
            int(conforming.size), int(deviating.size),
        )  # fmt: skip
    low, high, method = data.mean_difference_ci(deviating, conforming)
    return OutcomeComparison(
        metric, c, d, d - c, low, high, method, groups, int(conforming.size), int(deviating.size)
    )


def _nothing(metric: Any, why: str, groups: str, n_c: int = 0, n_d: int = 0) -> OutcomeComparison:
    return OutcomeComparison(metric, math.nan, math.nan, math.nan, math.nan, math.nan, why, groups, n_c, n_d)


def _segments(
    data: JourneyData,
    found: _Found,
    weight: np.ndarray,
    order: list[int],
    conforms: np.ndarray,
    completed: np.ndarray,
) -> tuple[SegmentConformance, ...]:
    if not data.segments:
        return ()
    labels = data.paths["label"].to_numpy(dtype=object)
    seg_index = {s: i for i, s in enumerate(data.segments)}
    seg = np.array([seg_index.get(x, -1) for x in labels], dtype=np.int64)
    k = len(data.segments)
    n_keys = len(found.keys)
    cases = data.cases.astype(np.float64, copy=False)
    valid = seg >= 0
    seg_cases = np.bincount(seg[valid], weights=cases[valid], minlength=k)
    seg_conf = np.bincount(seg[valid & conforms], weights=cases[valid & conforms], minlength=k)
    seg_done = np.bincount(seg[valid & completed], weights=cases[valid & completed], minlength=k)
    fs = seg[found.path]
    ok = fs >= 0
    per = np.bincount(fs[ok] * n_keys + found.key[ok], weights=weight[ok], minlength=k * n_keys).reshape(
        k, n_keys
    )
    total = per.sum(axis=0)
    n_all = float(data.n_cases)
    out = []
    for i, name in enumerate(data.segments):
        n = float(seg_cases[i])
        rest = n_all - n
        devs = tuple(
            SegmentDeviation(
                kind=found.keys[j][0],
                touchpoint=found.keys[j][1],
                cases=round(float(per[i, j])),
                share=per[i, j] / n if n else math.nan,
                rest_share=(total[j] - per[i, j]) / rest if rest else math.nan,
            )
            for j in order
        )
        conf = round(float(seg_conf[i]))
        out.append(
            SegmentConformance(
                segment=name,
                cases=round(float(n)),
                conforming_cases=conf,
                conforming_share=conf / n if n else math.nan,
                conforming_share_ci=data.share_ci(conf, round(float(n))),
                completed_cases=round(float(seg_done[i])),
                deviations=devs,
            )
        )
    return tuple(out)


def _paths_table(data: JourneyData, found: _Found, completed: np.ndarray, flat: _Flat) -> pd.DataFrame:
    import pandas as pd

    n_dev = np.bincount(found.path, minlength=flat.n)
    conforms = completed & (n_dev == 0)
    last = flat.codes[flat.starts + flat.lengths - 1] if flat.n else np.empty(0, np.int32)
    rows: dict[str, list[list[str]]] = {k: [[] for _ in range(flat.n)] for k in KINDS}
    order = np.lexsort((found.key, found.path))
    for p, c in zip(found.path[order].tolist(), found.key[order].tolist()):
        kind, tp = found.keys[c]
        rows[kind][p].append(tp)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "segment": data.paths["label"].to_numpy(dtype=object),
            "path_id": data.paths["path_id"].to_numpy(dtype=object),
            "variant_id": data.paths["variant_id"].to_numpy(dtype=object),
            "cases": data.cases,
            "completed": completed,
            "conforms": conforms,
            "deviations": n_dev.astype(np.int64, copy=False),
        }
    )
    for kind in KINDS:
        frame[kind] = [tuple(r) for r in rows[kind]]
    frame["ended_after"] = pd.Series(
        [None if done else flat.names[int(c)] for done, c in zip(completed.tolist(), last.tolist())],
        dtype=object,
    )
    return frame
