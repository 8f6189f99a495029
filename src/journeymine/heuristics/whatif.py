"""What-if: the future-state journey after one change, estimated from the observed paths.

Three changes (:class:`Change`), written as text on the command line and in
:func:`journeymine.improve`:

``remove:<touchpoint>``
    The touchpoint's events go, with their time.
``first-time-right:<touchpoint>``
    The touchpoint succeeds the first time: its repeats and the loop back to it go.
``channel:<touchpoint>=<channel>``
    The touchpoint is done on that channel (``channel:<touchpoint>`` alone: the ideal
    journey's channel for it).

How the estimate is made (:func:`what_if`)
    Every path (per segment and path, with its cases) is replayed with the change; nothing is
    read per event.

    - **Time.** Events record when a step was done, so a step's time is the gap from the event
      before it (``gaps_s``: the path's mean). Removing an event removes its gap; the journey
      then starts at the first event left. *first-time-right* keeps the first occurrence and
      removes everything after it up to and including the last one (the loop back: e.g.
      ``Documents incomplete`` and the calls about it). *channel* replaces the gap before each
      event done on another channel by the mean gap before that touchpoint on the new channel,
      as observed. Each case's journey time changes by its path's mean change (the engine gives
      each case's duration, not its gaps) and never drops below 0. Journey times are over the
      journeys that completed (every journey when no outcome is known).
    - **Completion.** *remove* and *first-time-right*: a customer who left right after a removed
      event (the path's last event was removed; for *first-time-right* also a customer who
      left inside the loop after the touchpoint: only loop activities after it, the first being
      one that starts a loop elsewhere) is assumed to go on, and to complete as often as the
      customers whose journey the change alters and who went on (for *first-time-right*: those
      who repeated the step and went on). *channel*: the customers who did
      the touchpoint on another channel complete as often as those who did it on the new one.
    - **Intervals.** Journey time: a paired percentile bootstrap over cases
      (``scipy.stats.bootstrap``, seeded by ``data.seed``; above
      :data:`~journeymine.heuristics.data.BOOTSTRAP_MAX` cases, Student's interval of the mean
      difference, and 199 resamples for the median). Completion: the same case bootstrap, drawn
      as multinomial counts of the case categories it depends on (``scipy.stats.multinomial``,
      which is exactly resampling the cases; the continuation rate is re-estimated in every
      resample).

    The assumptions of each estimate are listed in :attr:`WhatIf.assumptions`. The estimates are
    observational: customers may behave differently once the journey changes.

Examples
--------
>>> import journeymine as jm
>>> from journeymine.heuristics import Change, JourneyData, what_if
>>> data = JourneyData.from_log(jm.datasets.load_demo_log(), outcome="Contract signed")
>>> w = what_if(data, Change.parse("remove:Documents incomplete"))
>>> w.cases_affected, w.journey_time_s.difference < 0, w.completion.difference > 0
(922, True, True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from journeymine.errors import ArgumentError
from journeymine.heuristics.data import BOOTSTRAP_MAX, RESAMPLES
from journeymine.heuristics.finding import _number
from journeymine.heuristics.ideal import IdealJourney
from journeymine.heuristics.ideal import matches as _matches
from journeymine.journeymap.spec import did_you_mean, is_pattern

if TYPE_CHECKING:
    from journeymine.heuristics.data import JourneyData
    from journeymine.heuristics.reverse import IdealModel

__all__ = ["CHANGE_KINDS", "FORMS", "Change", "Estimate", "WhatIf", "what_if"]

ChangeKind = Literal["remove", "first-time-right", "channel"]

#: the kinds of change
CHANGE_KINDS: tuple[ChangeKind, ...] = ("remove", "first-time-right", "channel")
#: the accepted text forms
FORMS = "remove:<touchpoint>, first-time-right:<touchpoint> or channel:<touchpoint>=<channel>"
#: resamples of the median's bootstrap above BOOTSTRAP_MAX cases
LARGE_RESAMPLES = 199


@dataclass(frozen=True)
class Change:
    """One change to the journey, to estimate with :func:`what_if`.

    Parameters
    ----------
    kind : {"remove", "first-time-right", "channel"}
    touchpoint : str
        An activity of the log, a glob pattern, or a step of the ideal journey (its label).
    channel : str, optional
        For ``"channel"``: the new channel (``None``: the ideal journey's channel for the step).

    Examples
    --------
    >>> Change.parse("channel:Advisor meeting=phone")
    Change(kind='channel', touchpoint='Advisor meeting', channel='phone')
    >>> str(Change("first-time-right", "Upload documents"))
    'first-time-right:Upload documents'
    >>> Change.parse("delete:Chat")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: what_if: 'delete:Chat' is not a change (no kind 'delete'); ...
    """

    kind: ChangeKind
    touchpoint: str
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS:
            raise ArgumentError(
                f"what_if: no change kind {self.kind!r}{did_you_mean(str(self.kind), CHANGE_KINDS)}; "
                f"the kinds: {', '.join(CHANGE_KINDS)} ({FORMS})"
            )
        if not isinstance(self.touchpoint, str) or not self.touchpoint.strip():
            raise ArgumentError(
                f"what_if: the touchpoint of a change must be a non-empty text, not {self.touchpoint!r}; "
                f"write {FORMS}"
            )
        object.__setattr__(self, "touchpoint", self.touchpoint.strip())
        if self.channel is not None:
            if self.kind != "channel":
                raise ArgumentError(
                    f"what_if: only a channel change takes a channel, not {self.kind} "
                    f"(channel={self.channel!r}); write channel:{self.touchpoint}={self.channel}"
                )
            if not isinstance(self.channel, str) or not self.channel.strip():
                raise ArgumentError(
                    f"what_if: the channel must be a non-empty text, not {self.channel!r}; "
                    f"write channel:{self.touchpoint}=phone"
                )
            object.__setattr__(self, "channel", self.channel.strip())

    @classmethod
    def parse(cls, text: str) -> Change:
        """A change from its text form (see the module docs); an ArgumentError listing the forms
        otherwise."""
        if isinstance(text, Change):
            return text
        if not isinstance(text, str):
            raise ArgumentError(
                f"what_if: a change is a text ({FORMS}), not {type(text).__name__}; "
                "pass what_if='remove:Documents incomplete'"
            )
        example = "e.g. what_if='remove:Documents incomplete'"
        kind, sep, rest = text.strip().partition(":")
        kind = kind.strip().lower()
        if not sep or not rest.strip():
            raise ArgumentError(f"what_if: {text!r} is not a change; write {FORMS}, {example}")
        if kind not in CHANGE_KINDS:
            hint = did_you_mean(kind, CHANGE_KINDS)
            hint = f" (no kind {kind!r}{hint})"
            raise ArgumentError(f"what_if: {text!r} is not a change{hint}; write {FORMS}, {example}")
        if kind == "channel":
            touchpoint, eq, channel = rest.rpartition("=")
            if not eq:
                return cls("channel", rest.strip())
            if not touchpoint.strip() or not channel.strip():
                raise ArgumentError(
                    f"what_if: {text!r} is not a change; write channel:<touchpoint>=<channel>, "
                    "e.g. what_if='channel:Advisor meeting=phone'"
                )
            return cls("channel", touchpoint.strip(), channel.strip())
        return cls(kind, rest.strip())

    def __str__(self) -> str:
        if self.kind == "channel" and self.channel is not None:
            return f"channel:{self.touchpoint}={self.channel}"
        return f"{self.kind}:{self.touchpoint}"


@dataclass(frozen=True)
class Estimate:
    """An as-is figure, its estimated to-be value, the difference (to-be - as-is) and its interval."""

    as_is: float
    to_be: float
    difference: float
    ci_low: float
    ci_high: float
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_is": _number(self.as_is),
            "to_be": _number(self.to_be),
            "difference": _number(self.difference),
            "ci_low": _number(self.ci_low),
            "ci_high": _number(self.ci_high),
            "method": self.method,
        }


@dataclass(frozen=True)
class WhatIf:
    """The estimated future state after one change (see the module docs for how).

    Attributes
    ----------
    change : Change
    description : str
        The change in words.
    touchpoints : tuple of str
        The activities it acts on.
    cases_affected : int
        Cases whose path the change alters; ``share_affected`` of the cases in the log.
    journey_time_s, median_journey_time_s : Estimate
        Mean and median journey time in seconds (of the completed journeys), as-is and to-be.
    completion : Estimate
        The share of cases that reach the outcome, as-is and to-be.
    continuing_cases : int
        Cases assumed to go on instead of leaving.
    removed_events : tuple of (str, int)
        Events taken out, per activity (most first).
    assumptions : tuple of str
        What the estimate assumes, plainly.
    """

    change: Change
    description: str
    touchpoints: tuple[str, ...]
    cases_affected: int
    share_affected: float
    journey_time_s: Estimate
    median_journey_time_s: Estimate
    completion: Estimate
    continuing_cases: int
    removed_events: tuple[tuple[str, int], ...]
    assumptions: tuple[str, ...]
    seed: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON types (what ``journeymine improve --format json`` prints under ``what_if``)."""
        return {
            "change": str(self.change),
            "description": self.description,
            "touchpoints": list(self.touchpoints),
            "cases_affected": int(self.cases_affected),
            "share_affected": _number(self.share_affected),
            "journey_time_s": self.journey_time_s.to_dict(),
            "median_journey_time_s": self.median_journey_time_s.to_dict(),
            "completion": self.completion.to_dict(),
            "continuing_cases": int(self.continuing_cases),
            "removed_events": [{"touchpoint": t, "events": int(k)} for t, k in self.removed_events],
            "assumptions": list(self.assumptions),
        }


# -- the estimate ----------------------------------------------------------------------------------


def what_if(
    data: JourneyData, change: Change | str, *, ideal: IdealJourney | IdealModel | None = None
) -> WhatIf:
    """Estimate the journey time and completion after ``change``, from the observed paths.

    Parameters
    ----------
    data : JourneyData
        The mined aggregates (:meth:`JourneyData.from_log`); completion needs ``data.outcome``.
    change : Change or str
        ``"remove:Documents incomplete"``, ``"first-time-right:Upload documents"``,
        ``"channel:Advisor meeting=phone"``.
    ideal : IdealJourney, optional
        Lets the touchpoint be a step of the ideal journey (by its label), and gives the channel
        of ``channel:<touchpoint>`` without ``=<channel>``.

    Returns
    -------
    WhatIf

    Raises
    ------
    ArgumentError
        A touchpoint that is neither an activity of the log nor a step of the ideal (with close
        matches), removing the outcome itself, or a channel change to a channel never observed
        at that touchpoint.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.heuristics import JourneyData, what_if
    >>> data = JourneyData.from_log(jm.datasets.load_demo_log(), outcome="Contract signed", seed=1)
    >>> w = what_if(data, "first-time-right:Upload documents")
    >>> w.journey_time_s.ci_low <= w.journey_time_s.difference <= w.journey_time_s.ci_high
    True
    >>> what_if(data, "remove:Documents incomplet")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: what_if: no touchpoint 'Documents incomplet' in the log (did you ...
    """
    if not isinstance(change, Change):
        change = Change.parse(change)
    step_ideal = ideal if isinstance(ideal, IdealJourney) else None
    targets, notes = _resolve(data, change, step_ideal)
    seqs = data.sequences
    completed = data.completed() if data.outcome else np.zeros(len(seqs), dtype=bool)
    if change.kind == "remove" and data.outcome and any(_in(a, data.outcome) for a in targets):
        raise ArgumentError(
            f"what_if: {change.touchpoint!r} completes the journey (the outcome {', '.join(data.outcome)}); "
            "removing it would remove the completion itself: pick another touchpoint"
        )
    plan = _plan(data, change, targets, step_ideal, completed, notes)
    return _estimate(data, change, targets, plan, completed, notes)


def _in(activity: str, patterns: Sequence[str]) -> bool:
    return any(_matches(activity, p) for p in patterns)


def _resolve(
    data: JourneyData, change: Change, ideal: IdealJourney | None
) -> tuple[frozenset[str], list[str]]:
    """The activities the change acts on (may be none: an ideal step the log never holds)."""
    name = change.touchpoint
    acts = data.activities
    notes: list[str] = []
    if name in acts:
        return frozenset([name]), notes
    if ideal is not None:
        for step in ideal.steps:
            if step.label == name or any(n.casefold() == name.casefold() for n in step.names):
                found = frozenset(a for a in acts if step.matches(a))
                if not found:
                    notes.append(
                        f"{name!r} is a step of the ideal journey that never occurs in the log: "
                        "nothing changes"
                    )
                return found, notes
    found = frozenset(a for a in acts if _matches(a, name))
    if found:
        return found, notes
    choices = list(acts) + ([s.label for s in ideal.steps] if ideal is not None else [])
    what = "matches no activity" if is_pattern(name) else "is no activity"
    raise ArgumentError(
        f"what_if: no touchpoint {name!r} in the log{did_you_mean(name, choices)}; {name!r} {what} of the "
        f"log{' nor a step of the ideal journey' if ideal is not None else ''}. The touchpoints: "
        f"{', '.join(acts[:30])}{' ...' if len(acts) > 30 else ''}; pass what_if='{change.kind}:<touchpoint>'"
    )


@dataclass
class _Plan:
    """Per path: the change in mean journey time (s), whether it is affected, whether its cases
    are assumed to go on (``continues``), and the comparison group whose completion they take."""

    saved: np.ndarray  # float64: seconds less per case (negative: more)
    affected: np.ndarray  # bool
    continues: np.ndarray  # bool: cases whose completion is replaced by the group's rate
    group: np.ndarray  # bool: the comparison group
    group_text: str
    removed: dict[str, int]
    assumptions: list[str]


def _plan(
    data: JourneyData,
    change: Change,
    targets: frozenset[str],
    ideal: IdealJourney | None,
    completed: np.ndarray,
    notes: list[str],
) -> _Plan:
    seqs = data.sequences
    n = len(seqs)
    cases = data.cases
    gaps = _gaps(data)
    saved = np.zeros(n)
    affected = np.zeros(n, dtype=bool)
    continues = np.zeros(n, dtype=bool)
    removed: dict[str, int] = {}
    assumptions = list(notes)
    if change.kind == "channel":
        return _plan_channel(data, change, targets, ideal, completed, gaps, assumptions)
    loop: frozenset[str] = frozenset()
    entries: frozenset[str] = frozenset()
    if change.kind == "first-time-right":
        loop, entries = _loops(seqs, targets)
    for p, acts in enumerate(seqs):
        if not targets.intersection(acts):
            continue
        if change.kind == "remove":
            gone = [a in targets for a in acts]
        else:
            occ = [i for i, a in enumerate(acts) if a in targets]
            gone = [False] * len(acts)
            for i in range(occ[0] + 1, occ[-1] + 1):
                gone[i] = True
            tail = acts[occ[-1] + 1 :]
            if not completed[p] and tail and tail[0] in entries and all(a in loop for a in tail):
                for i in range(occ[-1] + 1, len(acts)):
                    gone[i] = True
        if not any(gone):
            continue
        affected[p] = True
        continues[p] = not completed[p] and gone[-1]
        for a, out in zip(acts, gone):
            if out:
                removed[a] = removed.get(a, 0) + int(cases[p])
        if gaps is not None:
            gap = gaps[p]
            total = float(gap.sum())
            kept = [i for i, x in enumerate(gone) if not x]
            after = float(sum(gap[i - 1] for i in kept[1:]))
            saved[p] = total - after
    group = affected & ~continues
    name = ", ".join(sorted(targets))
    group_text = (
        f"the customers who repeated {name} and went on"
        if change.kind == "first-time-right"
        else f"the customers who met {name} and went on"
    )
    if change.kind == "first-time-right":
        if loop:
            assumptions.append(
                f"The events between the first and the last {name} are the loop back to it and go with "
                f"the repeats (seen in such loops: {', '.join(sorted(loop))}); the first {name} succeeds."
            )
        else:
            assumptions.append(f"{name} is never repeated in the log: nothing changes.")
    else:
        assumptions.append(
            f"Every {name} event goes, and with it the time before it (its gap from the event before); "
            f"where customers met {name} while waiting for something else (a call while waiting for "
            "an offer), that wait would not go, and the time saved is overestimated."
        )
    return _Plan(saved, affected, continues, group, group_text, removed, assumptions)


def _gaps(data: JourneyData) -> list[np.ndarray] | None:
    if not data.timed:
        return None
    return [
        np.zeros(0) if g is None else np.asarray(g, dtype="float64")
        for g in data.paths["gaps_s"].to_numpy(dtype=object)
    ]


def _loops(seqs: Sequence[tuple[str, ...]], targets: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The activities seen between two occurrences of the touchpoint on one path, and those
    seen right after an occurrence that is done again later (where loops start)."""
    inside: set[str] = set()
    entries: set[str] = set()
    for acts in seqs:
        occ = [i for i, a in enumerate(acts) if a in targets]
        for a, b in itertools.pairwise(occ):
            between = acts[a + 1 : b]
            inside.update(x for x in between if x not in targets)
            if between:
                entries.add(between[0])
    return frozenset(inside), frozenset(entries - targets)


def _plan_channel(
    data: JourneyData,
    change: Change,
    targets: frozenset[str],
    ideal: IdealJourney | None,
    completed: np.ndarray,
    gaps: list[np.ndarray] | None,
    assumptions: list[str],
) -> _Plan:
    name = ", ".join(sorted(targets)) or change.touchpoint
    channel = change.channel
    if channel is None and ideal is not None:
        step = next(
            (
                s
                for s in ideal.steps
                if s.label == change.touchpoint or any(_matches(a, n) for a in targets for n in s.names)
            ),
            None,
        )
        channel = step.channel if step is not None else None
    if channel is None:
        raise ArgumentError(
            f"what_if: channel:{change.touchpoint} names no channel, and "
            + ("the ideal journey gives none for it" if ideal is not None else "no ideal journey was given")
            + f"; write channel:{change.touchpoint}=<channel>, "
            f"e.g. what_if='channel:{change.touchpoint}=phone'"
        )
    if not data.has_channels:
        raise ArgumentError(
            f"what_if: channel:{change.touchpoint}={channel} needs a channel column; "
            "read the log with channel=..."
        )
    want = channel.casefold()
    seqs, chs = data.sequences, data.channel_sequences
    cases = data.cases
    n = len(seqs)
    saved = np.zeros(n)
    affected = np.zeros(n, dtype=bool)
    group = np.zeros(n, dtype=bool)
    seen: dict[str, int] = {}
    total_gap = 0.0
    weight = 0
    changed: list[tuple[int, list[int]]] = []
    for p, (acts, ch) in enumerate(zip(seqs, chs)):
        at = [i for i, a in enumerate(acts) if a in targets]
        if not at:
            continue
        other = [i for i in at if ch[i] is not None and ch[i].casefold() != want]  # type: ignore[union-attr]
        on = [i for i in at if ch[i] is not None and ch[i].casefold() == want]  # type: ignore[union-attr]
        for i in at:
            if ch[i] is not None:
                seen[str(ch[i])] = seen.get(str(ch[i]), 0) + int(cases[p])
        if other:
            affected[p] = True
            changed.append((p, other))
        elif on:
            group[p] = True
        if gaps is not None:
            for i in on:
                if i > 0:
                    total_gap += float(gaps[p][i - 1]) * int(cases[p])
                    weight += int(cases[p])
    if not any(c.casefold() == want for c in seen):
        raise ArgumentError(
            f"what_if: {name} is never done on the channel {channel!r} in the log, so there is nothing "
            f"to estimate its time from{did_you_mean(channel, seen)}; its channels: "
            f"{', '.join(sorted(seen)) or 'none'}"
        )
    mean_gap = total_gap / weight if weight else math.nan
    if gaps is not None:
        for p, other in changed:
            for i in other:
                if i > 0 and weight:
                    saved[p] += float(gaps[p][i - 1]) - mean_gap
    hours = f"{mean_gap / 3600:.1f} h" if math.isfinite(mean_gap) else "unknown"
    assumptions.append(
        f"Each {name} done on another channel takes as long as it took on {channel}: the mean gap from "
        f"the event before it there ({hours}, over {weight:,} events); the time of the other steps stays."
    )
    return _Plan(
        saved,
        affected,
        affected.copy(),
        group,
        f"the customers who did {name} on {channel} only",
        {},
        assumptions,
    )


def _estimate(
    data: JourneyData,
    change: Change,
    targets: frozenset[str],
    plan: _Plan,
    completed: np.ndarray,
    notes: list[str],
) -> WhatIf:
    cases = data.cases
    n_cases = data.n_cases
    rng_seed = data.seed
    affected_cases = int(cases[plan.affected].sum())
    assumptions = plan.assumptions
    assumptions.append(
        "Estimated from the observed paths, each replayed with the change and counted with its cases; "
        "the gaps are each path's means, so each case's journey changes by its path's mean change "
        "(never below 0)."
    )
    assumptions.append(
        "Nothing else changes: the steps left take as long as they did, and customers do not behave "
        "differently (observational: the customers who met the touchpoint may differ in other ways too)."
    )
    # time, over the completed journeys (every journey without an outcome)
    population = completed if data.outcome else np.ones(len(cases), dtype=bool)
    if data.timed:
        lists = data.paths["durations_s"].to_numpy(dtype=object)
        idx = np.nonzero(population)[0]
        parts = [np.asarray(lists[i], dtype="float64") for i in idx]
        as_is = np.concatenate(parts) if parts else np.empty(0)
        lengths = np.array([len(x) for x in parts], dtype=np.int64)
        to_be = np.maximum(as_is - np.repeat(plan.saved[idx], lengths), 0.0)
        clamped = int(np.count_nonzero(as_is - np.repeat(plan.saved[idx], lengths) < 0))
        if clamped:
            assumptions.append(f"{clamped:,} journeys would take less than no time and count as 0 s.")
        mean_est = _mean_estimate(as_is, to_be, rng_seed, data.confidence)
        median_est = _median_estimate(as_is, to_be, rng_seed, data.confidence)
        assumptions.append(
            "Journey times are those of the journeys that completed, as they were and replayed."
            if data.outcome
            else "Journey times are those of every journey (no outcome is known), as they were and replayed."
        )
    else:
        mean_est = median_est = Estimate(
            math.nan, math.nan, math.nan, math.nan, math.nan, "the log has no timestamps"
        )
    # completion
    continuing = int(cases[plan.continues & ~completed].sum())
    if data.outcome:
        completion, rate = _completion(data, plan, completed)
        if change.kind == "channel":
            assumptions.append(
                f"The {affected_cases:,} cases that did it on another channel complete as often as "
                f"{plan.group_text} ({_pct(rate)})."
            )
        elif continuing:
            assumptions.append(
                f"The {continuing:,} cases that left right after a removed event go on, and complete as "
                f"often as {plan.group_text} ({_pct(rate)})."
            )
        else:
            assumptions.append("No customer left right after a removed event: completion stays as it was.")
    else:
        completion = Estimate(math.nan, math.nan, math.nan, math.nan, math.nan, "no outcome given")
        assumptions.append("No outcome is known: nothing is said about completion.")
    removed = tuple(sorted(plan.removed.items(), key=lambda kv: (-kv[1], kv[0])))
    return WhatIf(
        change=change,
        description=_describe(change, targets),
        touchpoints=tuple(sorted(targets)),
        cases_affected=affected_cases,
        share_affected=affected_cases / n_cases if n_cases else math.nan,
        journey_time_s=mean_est,
        median_journey_time_s=median_est,
        completion=completion,
        continuing_cases=continuing,
        removed_events=removed,
        assumptions=tuple(dict.fromkeys(assumptions)),
        seed=rng_seed,
    )


def _pct(x: float) -> str:
    return f"{x:.1%}" if math.isfinite(x) else "unknown: no such customers"


def _describe(change: Change, targets: frozenset[str]) -> str:
    name = ", ".join(sorted(targets)) or change.touchpoint
    if change.kind == "remove":
        return f"Remove {name}: its events and the time before each go."
    if change.kind == "first-time-right":
        return f"Make {name} first time right: done once, without the loop back to it."
    return f"Do {name} on {change.channel or 'the ideal channel'}: with the time it takes there."


def _mean_estimate(as_is: np.ndarray, to_be: np.ndarray, seed: int, confidence: float) -> Estimate:
    from scipy import stats

    if as_is.size == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, math.nan, "no journeys to time")
    a, b = float(as_is.mean()), float(to_be.mean())
    diff = to_be - as_is
    d = float(diff.mean())
    if as_is.size < 2:
        return Estimate(a, b, d, math.nan, math.nan, "too few journeys for an interval")
    if np.all(diff == diff[0]):
        return Estimate(a, b, d, d, d, "every journey changes by the same time")
    if as_is.size > BOOTSTRAP_MAX:
        ci = stats.ttest_1samp(diff, 0.0).confidence_interval(confidence)
        return Estimate(
            a,
            b,
            d,
            float(ci.low),
            float(ci.high),
            "Student's t interval of the paired difference (large sample)",
        )
    res = stats.bootstrap(
        (diff,),
        np.mean,
        n_resamples=RESAMPLES,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        random_state=np.random.default_rng(seed),
    )
    ci = res.confidence_interval
    return Estimate(
        a,
        b,
        d,
        float(ci.low),
        float(ci.high),
        f"paired bootstrap over cases ({RESAMPLES} resamples, seed {seed})",
    )


def _median_estimate(as_is: np.ndarray, to_be: np.ndarray, seed: int, confidence: float) -> Estimate:
    from scipy import stats

    if as_is.size == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, math.nan, "no journeys to time")
    a, b = float(np.median(as_is)), float(np.median(to_be))
    d = b - a
    if as_is.size < 2:
        return Estimate(a, b, d, math.nan, math.nan, "too few journeys for an interval")
    if np.array_equal(as_is, to_be):
        return Estimate(a, b, d, 0.0, 0.0, "no journey changes")
    resamples = RESAMPLES if as_is.size <= BOOTSTRAP_MAX else LARGE_RESAMPLES
    res = stats.bootstrap(
        (as_is, to_be),
        lambda x, y, axis=-1: np.median(y, axis=axis) - np.median(x, axis=axis),
        paired=True,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        batch=max(1, 2_000_000 // as_is.size),
        random_state=np.random.default_rng(seed),
    )
    ci = res.confidence_interval
    low, high = float(ci.low), float(ci.high)
    return Estimate(a, b, d, low, high, f"paired bootstrap over cases ({resamples} resamples, seed {seed})")


def _completion(data: JourneyData, plan: _Plan, completed: np.ndarray) -> tuple[Estimate, float]:
    """Completion as-is and to-be, with a case bootstrap drawn as multinomial category counts."""
    from scipy import stats

    cases = data.cases
    replaced = plan.continues
    group = plan.group & ~replaced
    other = ~replaced & ~group
    counts = np.array(
        [
            cases[replaced & completed].sum(),
            cases[replaced & ~completed].sum(),
            cases[group & completed].sum(),
            cases[group & ~completed].sum(),
            cases[other & completed].sum(),
            cases[other & ~completed].sum(),
        ],
        dtype=np.int64,
    )
    n = int(counts.sum())
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, math.nan, "no cases"), math.nan

    def statistic(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = np.atleast_2d(c).astype(np.float64)
        total = c.sum(axis=1)
        as_is = (c[:, 0] + c[:, 2] + c[:, 4]) / total
        in_group = c[:, 2] + c[:, 3]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(in_group > 0, c[:, 2] / in_group, np.nan)
        n_replaced = c[:, 0] + c[:, 1]
        to_be = np.where(n_replaced > 0, (c[:, 2] + c[:, 4] + rate * n_replaced) / total, as_is)
        return as_is, to_be

    a, b = statistic(counts)
    rate = float(counts[2] / (counts[2] + counts[3])) if counts[2] + counts[3] else math.nan
    as_is, to_be = float(a[0]), float(b[0])
    if not math.isfinite(to_be):
        return (
            Estimate(
                as_is, math.nan, math.nan, math.nan, math.nan, "no comparable customers to take a rate from"
            ),
            rate,
        )
    diff = to_be - as_is
    if counts[0] + counts[1] == 0:
        return Estimate(as_is, to_be, diff, 0.0, 0.0, "no case's completion changes"), rate
    draws = stats.multinomial.rvs(
        n, counts / n, size=RESAMPLES, random_state=np.random.default_rng(data.seed)
    )
    ra, rb = statistic(draws)
    deltas = rb - ra
    deltas = deltas[np.isfinite(deltas)]
    alpha = (1 - data.confidence) / 2
    low, high = (float(x) for x in np.quantile(deltas, [alpha, 1 - alpha]))
    method = (
        f"bootstrap over cases, drawn as multinomial counts ({RESAMPLES} resamples, seed {data.seed}); "
        "the completion rate of the comparison group re-estimated in each"
    )
    return Estimate(as_is, to_be, diff, low, high, method), rate
