"""pm4py interop: a BPMN model or a Petri net as the ideal journey, and logs to and from pm4py.

The one module of journeymine that imports pm4py, and only when one of its functions is called
(importing journeymine, or this module, loads nothing). pm4py is an optional extra under the
AGPL-3.0: ``pip install 'journeymine[pm4py]'``; without it each function raises an
:class:`ImportError` that says so.

An ideal journey as a process model
    :func:`read_bpmn` (a ``.bpmn`` file), :func:`ideal_from_bpmn` (a pm4py BPMN object) and
    :func:`ideal_from_petri_net` (``net, initial_marking, final_marking``) give a
    :class:`ModelIdeal`, which :func:`journeymine.heuristics.reverse_thinking` takes as it takes
    an :class:`~journeymine.heuristics.IdealJourney` (and :func:`journeymine.heuristics.load_ideal`
    returns a ``.bpmn`` path or a ``(net, im, fm)`` triple as one). Exclusive choices, optional
    steps (a choice with a silent transition), parallel branches and loops are the model's to
    express.

How alignments become deviations
    Each distinct activity sequence is aligned once with the net (pm4py's optimal alignments,
    Dijkstra's search with the standard costs) and its moves read as follows, ``a`` an activity:

    - a *log move* on ``a`` (done, but the model cannot do it there): ``extra`` when the model has
      no visible transition labelled ``a`` (and ``a`` is not the outcome); ``repeated`` when the
      alignment also has a synchronous move on ``a`` (done again); otherwise ``out_of_order``
      (the model has ``a``, but the customer did it where the model does not allow it: at the
      wrong place, or on the branch of a choice not taken);
    - a *model move* on a visible transition labelled ``b`` (the model needed it, the customer
      did not do it): ``out_of_order`` when the alignment has a log move on ``b`` (it was done,
      elsewhere), else ``missing``, unless the journey did not complete and the move comes after
      the last synchronous move (the customer left before it: a drop-off, not a missing step,
      as for an ideal journey in YAML);
    - a model move on a silent transition (``tau``) is no deviation.

    Activities match transition labels exactly, ignoring case. Not available from a model: the
    ``channel`` of a step (a Petri net has none), labels and optional steps as the YAML form
    names them (the touchpoint is the transition's label). Alignments cost time (about 1 ms per
    variant on the demo's model), which is why they run once per variant, not per case.

Logs
    :func:`to_pm4py` gives a log's events as a pm4py DataFrame (``case:concept:name``,
    ``concept:name``, ``time:timestamp``; for small logs: every event comes into memory);
    :func:`from_pm4py` reads one back.

Examples
--------
>>> import journeymine as jm
>>> from journeymine.interop import ideal_from_petri_net
>>> from pm4py.objects.process_tree.utils.generic import parse
>>> import pm4py
>>> net, im, fm = pm4py.convert_to_petri_net(parse("->('Apply', X('Chat', tau), 'Sign')"))
>>> ideal = ideal_from_petri_net(net, im, fm, journey="Loan")
>>> ideal.outcome, ideal.labels
(('Sign',), ('Apply', 'Chat', 'Sign'))
>>> ideal.deviations([("Apply", "Call", "Sign"), ("Apply", "Sign", "Sign")], [True, True])
[(('extra', 'Call'),), (('repeated', 'Sign'),)]
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import ArgumentError

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.eventlog import EventLog

__all__ = ["ModelIdeal", "from_pm4py", "ideal_from_bpmn", "ideal_from_petri_net", "read_bpmn", "to_pm4py"]

MISSING = "journeymine.interop needs pm4py, an optional extra (AGPL-3.0): pip install 'journeymine[pm4py]'"


def _pm4py() -> Any:
    """pm4py, imported on first use (an ImportError naming the extra when it is not installed)."""
    try:
        import pm4py
    except ImportError:
        raise ImportError(MISSING) from None
    return pm4py


@dataclass(frozen=True, eq=False)
class ModelIdeal:
    """An ideal journey given as a Petri net: what :func:`reverse_thinking` compares paths with.

    Parameters
    ----------
    net, initial_marking, final_marking
        A pm4py ``PetriNet`` and its markings (the journey starts in the first, ends in the second).
    journey : str
        The journey's name.
    outcome : tuple of str
        The activities that complete the journey; by default the labels of the visible
        transitions after which the final marking is reached through silent transitions only.
    source : str, optional
        Where it came from (a file), for messages.
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    journey: str = "Process model"
    outcome: tuple[str, ...] = ()
    source: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        pm4py = _pm4py()
        from pm4py.objects.petri_net.obj import Marking

        if not isinstance(self.net, pm4py.PetriNet):
            raise ArgumentError(
                f"the ideal model must be a pm4py PetriNet, not {type(self.net).__name__}; pass "
                "ideal_from_petri_net(*pm4py.read_pnml('ideal.pnml')) or read_bpmn('ideal.bpmn')"
            )
        for name in ("initial_marking", "final_marking"):
            if not isinstance(getattr(self, name), Marking):
                raise ArgumentError(
                    f"{name} must be a pm4py Marking, not {type(getattr(self, name)).__name__}; pass "
                    "the three values pm4py gives: net, initial_marking, final_marking"
                )
        if not self.labels:
            raise ArgumentError(
                "the ideal model has no visible transition (no labelled step): nothing to compare"
            )
        if not isinstance(self.journey, str) or not self.journey.strip():
            raise ArgumentError(
                f"journey must be a non-empty text, not {self.journey!r}; pass journey='Mortgage'"
            )
        outcome: Any = self.outcome
        if isinstance(outcome, str):
            outcome = (outcome,)
        outcome = tuple(outcome or ()) or self._last_labels()
        if not all(isinstance(o, str) and o.strip() for o in outcome):
            raise ArgumentError(
                f"outcome must be activity names, not {self.outcome!r}; pass outcome='Contract signed'"
            )
        object.__setattr__(self, "outcome", tuple(outcome))

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels of the visible transitions, sorted."""
        return tuple(sorted({t.label for t in self.net.transitions if t.label is not None}))

    def _last_labels(self) -> tuple[str, ...]:
        """Visible transitions from which the final marking follows through silent ones only."""
        final = set(self.final_marking)
        found: set[str] = set()
        seen: set[Any] = set()
        todo = list(final)
        while todo:
            place = todo.pop()
            if place in seen:
                continue
            seen.add(place)
            for arc in place.in_arcs:
                t = arc.source
                if t.label is not None:
                    found.add(t.label)
                else:
                    todo.extend(a.source for a in t.in_arcs)
        return tuple(sorted(found))

    def alignments(self, variants: Sequence[tuple[str, ...]]) -> list[list[tuple[str | None, str | None]]]:
        """pm4py's optimal alignment of each activity sequence: its ``(log, model)`` moves, ``">>"``
        for no move and ``None`` for a silent transition's label."""
        _pm4py()
        from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
        from pm4py.objects.log.obj import Event, EventLog, Trace

        spelling = {label.casefold(): label for label in self.labels}
        log = EventLog(
            [Trace([Event({"concept:name": spelling.get(a.casefold(), a)}) for a in v]) for v in variants]
        )
        with warnings.catch_warnings():  # pm4py's own use of numpy.matrix: not the user's concern
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            results = alignments.apply(
                log,
                self.net,
                self.initial_marking,
                self.final_marking,
                variant=alignments.Variants.VERSION_DIJKSTRA_LESS_MEMORY,
                parameters={"show_progress_bar": False},
            )
        out = []
        for v, res in zip(variants, results):
            if res is None or res.get("alignment") is None:
                raise ArgumentError(
                    f"the ideal model cannot align the journey {' -> '.join(v)!r}: can its final marking "
                    "be reached from the initial one? Check the model"
                )
            out.append([(lm, mm) for lm, mm in res["alignment"]])
        return out

    def deviations(
        self, variants: Sequence[tuple[str, ...]], completed: Sequence[bool]
    ) -> list[tuple[tuple[str, str], ...]]:
        """Per activity sequence (aligned once each), its deviations as ``(kind, touchpoint)``
        pairs (see the module docs for the mapping)."""
        if len(variants) != len(completed):
            raise ArgumentError("deviations: variants and completed must have the same length")
        labels = {label.casefold() for label in self.labels}
        outcome = {o.casefold() for o in self.outcome}
        out = []
        for moves, done in zip(self.alignments(variants), completed):
            out.append(_read(moves, bool(done), labels, outcome))
        return out


def _read(
    moves: Sequence[tuple[str | None, str | None]], completed: bool, labels: set[str], outcome: set[str]
) -> tuple[tuple[str, str], ...]:
    skip = ">>"
    synced = {lm.casefold() for lm, mm in moves if lm != skip and mm != skip and lm is not None}
    logged = {lm.casefold() for lm, mm in moves if lm not in (skip, None) and mm == skip}
    last_sync = max((i for i, (lm, mm) in enumerate(moves) if lm != skip and mm != skip), default=-1)
    found: dict[tuple[str, str], None] = {}
    for i, (lm, mm) in enumerate(moves):
        if lm not in (skip, None) and mm == skip:
            key = lm.casefold()
            if key not in labels:
                if key not in outcome:
                    found[("extra", lm)] = None
            elif key in synced:
                found[("repeated", lm)] = None
            else:
                found[("out_of_order", lm)] = None
        elif lm == skip and mm not in (skip, None):
            key = mm.casefold()
            if key in logged:
                continue  # done elsewhere: reported with its log move, as out of order
            if completed or i < last_sync:
                found[("missing", mm)] = None
    return tuple(found)


def ideal_from_petri_net(
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    journey: str = "Process model",
    outcome: str | Sequence[str] | None = None,
) -> ModelIdeal:
    """A Petri net (and its markings, as pm4py gives them) as the ideal journey.

    Examples
    --------
    >>> import pm4py
    >>> from pm4py.objects.process_tree.utils.generic import parse
    >>> ideal_from_petri_net(*pm4py.convert_to_petri_net(parse("->('A', 'B')")), journey="J").outcome
    ('B',)
    """
    return ModelIdeal(
        net,
        initial_marking,
        final_marking,
        journey=journey,
        outcome=(outcome,) if isinstance(outcome, str) else tuple(outcome or ()),
    )


def ideal_from_bpmn(
    bpmn: Any, *, journey: str | None = None, outcome: str | Sequence[str] | None = None
) -> ModelIdeal:
    """A pm4py BPMN model as the ideal journey (converted to a Petri net)."""
    pm4py = _pm4py()
    if not isinstance(bpmn, pm4py.BPMN):
        raise ArgumentError(
            f"ideal_from_bpmn takes a pm4py BPMN model, not {type(bpmn).__name__}; pass "
            "read_bpmn('ideal.bpmn') for a file"
        )
    net, im, fm = pm4py.convert_to_petri_net(bpmn)
    name = journey or getattr(bpmn, "name", None) or "Process model"
    return ideal_from_petri_net(net, im, fm, journey=str(name), outcome=outcome)


def read_bpmn(
    path: str | os.PathLike[str], *, journey: str | None = None, outcome: str | Sequence[str] | None = None
) -> ModelIdeal:
    """Read a ``.bpmn`` file (BPMN 2.0 XML) as the ideal journey; ``journey`` defaults to the
    file's name."""
    pm4py = _pm4py()
    file = Path(path)
    if not file.is_file():
        raise ArgumentError(f"no BPMN file {file}; pass the path of a .bpmn file")
    try:
        bpmn = pm4py.read_bpmn(str(file))
    except Exception as exc:  # pm4py raises what its XML parser raises
        raise ArgumentError(
            f"{file}: not a BPMN model pm4py can read ({type(exc).__name__}: {exc})"
        ) from None
    ideal = ideal_from_bpmn(bpmn, journey=journey or file.stem, outcome=outcome)
    object.__setattr__(ideal, "source", str(file))
    return ideal


def to_pm4py(log: EventLog) -> pd.DataFrame:
    """The events of ``log`` as a pm4py DataFrame: ``case:concept:name``, ``concept:name``,
    ``time:timestamp`` (and ``channel`` when mapped), in case and time order. Every event comes
    into memory: for small logs and interop.

    Examples
    --------
    >>> import journeymine as jm
    >>> frame = to_pm4py(jm.datasets.load_demo_log())
    >>> list(frame.columns), len(frame)
    (['case:concept:name', 'concept:name', 'time:timestamp', 'channel'], 40489)
    """
    frame = log.to_frame()
    names = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
    keep = [c for c in ("case", "activity", "timestamp", "channel") if c in frame.columns]
    out: pd.DataFrame = frame[keep].rename(columns=names).reset_index(drop=True)
    return out


def from_pm4py(frame: pd.DataFrame, *, channel: str | None = None, engine: Any = None) -> EventLog:
    """An :class:`~journeymine.EventLog` from a pm4py DataFrame (XES column names).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> from_pm4py(to_pm4py(log), channel="channel").n_events == log.n_events
    True
    """
    from journeymine.eventlog import read_events

    return read_events(
        frame,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        channel=channel,
        engine=engine,
    )
