"""A conformance kit for improvement heuristics, and event logs with a planted problem of known size.

As :func:`~journeymine.testing.check_renderer` does for renderers, :func:`check_heuristic` runs
every check on one heuristic, built in or a plugin's; each check is also a public function, so
that one can be run alone while it is being fixed:

- :func:`check_attributes`: the protocol's attributes (``name`` lower-case with hyphens, a
  one-line ``description``, ``params`` a mapping of JSON values, a callable ``evaluate``);
- :func:`check_small_logs`: an empty log and a one-case log give findings (or none) without an
  error;
- :func:`check_clean`: on clean logs (the same process in every segment, nothing planted)
  nothing it reports is material;
- :func:`check_finds`: on a log with the planted ``problem`` it reports a material finding whose
  share interval holds the planted share and which is concentrated in the planted segment;
- :func:`check_deterministic`: the same findings twice, and with the rows of the log shuffled.

Every finding a check sees must be a :class:`~journeymine.heuristics.Finding` of this heuristic,
with a share inside its interval and a JSON-serialisable :meth:`~journeymine.heuristics.Finding.to_dict`;
and ``evaluate`` must leave the aggregates it is given (``data.paths``, ``data.dfg``, ``data.dfg_all``)
as they were.
A failure is an ``AssertionError`` naming the heuristic and the check:
``check_heuristic: 'my-rule' fails check_clean: ...``.

Planted logs
    :func:`planted_log` generates a mortgage-like journey (``Website visit`` ... ``Offer sent``,
    ``Offer accepted``, ``Contract signed``, the outcome) for customers in three segments, on
    web, app, phone, e-mail and branch, with a sentiment on about half of the events, and plants
    one problem (:data:`PROBLEMS`) in a known share of one segment's cases. Without a problem the
    log is *clean*: every segment follows the same process with the same times, channels and
    sentiment; a fifth of the customers make one service call (a question, not failure demand)
    and ``Valuation`` → ``Offer sent`` is the longest wait everywhere. ``frame.attrs["planted"]``
    holds the truth (see :func:`planted_log`).

Everything is seeded: a run is reproducible. The logs are read with the default engine unless
``engine=`` names another (``"spark"``).

Examples
--------
>>> from journeymine.testing import check_heuristic
>>> check_heuristic("drop-off", problem="drop-off")
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, NoReturn

from journeymine.errors import ArgumentError

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.engines.base import Engine
    from journeymine.heuristics.base import Heuristic
    from journeymine.heuristics.data import JourneyData
    from journeymine.heuristics.finding import Finding

__all__ = [
    "COLUMNS",
    "OUTCOME",
    "PROBLEMS",
    "SEGMENTS",
    "check_attributes",
    "check_clean",
    "check_deterministic",
    "check_finds",
    "check_heuristic",
    "check_small_logs",
    "planted_data",
    "planted_log",
]

#: the planted problems, and the built-in heuristic that finds each
PROBLEMS: Mapping[str, str] = {
    "rework": "rework-loops",
    "repeat-contacts": "repeat-contacts",
    "channel-hopping": "channel-hopping",
    "drop-off": "drop-off",
    "slow-transition": "slow-transitions",
    "emotion": "emotion-hotspots",
    "complaint": "complaint-journeys",
}
#: the segments of a planted log (a case attribute, column ``segment``), a third of the cases each
SEGMENTS: tuple[str, ...] = ("retail", "business", "private")
#: the activity that completes a journey in a planted log
OUTCOME = "Contract signed"
#: the columns of a planted log
COLUMNS: tuple[str, ...] = ("case", "activity", "timestamp", "channel", "sentiment", "segment")

#: problems that concern a touchpoint or transition of a segment rather than some of its cases:
#: every case of the segment through it is affected, and ``share`` defaults to 1
_SEGMENT_LEVEL = ("slow-transition", "emotion")
_CASE_SHARE = 0.3
_MINUTE, _HOUR, _DAY = 60, 3_600, 86_400
_START = 1_704_067_200  # 2024-01-01T00:00:00Z
_HOPS = ("web", "app", "phone")


# --------------------------------------------------------------------------------------------
# planted logs


class _Case:
    """One customer's events, generated in time order (every event strictly after the last)."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng = rng
        self.t = start
        self.events: list[tuple[str, str, int, float | None]] = []

    def wait(self, median_s: float, spread: float = 0.5) -> None:
        self.t += max(1, int(median_s * self.rng.lognormvariate(0.0, spread)))

    def sentiment(self, shift: float = 0.0, always: bool = False) -> float | None:
        if not always and self.rng.random() >= 0.5:
            return None
        x = 0.3 + shift + self.rng.gauss(0.0, 0.2)
        return round(min(1.0, max(-1.0, x)), 2) + 0.0

    def emit(self, activity: str, channel: str, sentiment: float | str | None = "auto") -> None:
        """An event now (one second after the last if now is not later): ``sentiment`` "auto"
        draws one for half of the events."""
        value = self.sentiment() if sentiment == "auto" else sentiment
        if self.events and self.t <= self.events[-1][2]:
            self.t = self.events[-1][2] + 1
        self.events.append((activity, channel, self.t, None if isinstance(value, str) else value))


def _journey(
    rng: random.Random, start: int, problem: str | None, factor: float
) -> list[tuple[str, str, int, float | None]]:
    """One case: the clean process, with ``problem`` planted when given."""
    c = _Case(rng, start)
    digital = "app" if rng.random() < 0.3 else "web"
    hop = problem == "channel-hopping"
    last = "web"

    def channel() -> str:
        nonlocal last
        if hop:
            last = rng.choice([ch for ch in _HOPS if ch != last])
            return last
        last = digital
        return digital

    c.emit("Website visit", "web")
    c.wait(4 * _MINUTE)
    c.emit("Product page", channel())
    if rng.random() < 0.5:
        c.wait(6 * _MINUTE)
        c.emit("Mortgage calculator", channel())
    if rng.random() < 0.2:  # one question, on the phone: not failure demand
        c.wait(8 * _HOUR)
        c.emit("Customer service call", "phone")
        last = "phone"
    c.wait(1 * _DAY)
    c.emit("Application started", channel())
    started_on = last
    c.wait(20 * _MINUTE)
    c.emit("Upload documents", channel())
    if hop:  # the hand-over did not carry: the documents are uploaded again, where it started
        c.wait(3 * _DAY)
        c.emit("Upload documents", started_on)
    if problem == "rework":
        for _ in range(1 + (rng.random() < 0.4)):
            c.wait(1 * _DAY)
            c.emit("Documents incomplete", "email")
            c.wait(2 * _DAY)
            c.emit("Upload documents", digital)
    c.wait(1.5 * _DAY)
    c.emit("Credit check", "email")
    c.wait(2 * _DAY * (factor if problem == "slow-transition" else 1.0))
    c.emit("Valuation", "branch")
    start_wait = c.t
    c.wait(5 * _DAY * (1.4 if problem == "repeat-contacts" else 1.0))  # the longest wait, everywhere
    if problem == "repeat-contacts":  # "where is my offer?"
        end_wait = c.t
        calls = sorted(
            rng.sample(range(start_wait + 1, max(start_wait + 5, end_wait)), 2 + int(rng.random() * 3))
        )
        c.t = start_wait
        for t in calls:
            c.t = max(c.t + 1, t)
            c.emit("Customer service call", "phone", c.sentiment(-0.4, always=True))
        c.t = max(c.t + 1, end_wait)
    c.emit("Offer sent", "email")
    if problem == "drop-off":
        return c.events
    if problem == "complaint":
        c.wait(1 * _DAY)
        c.emit("Complaint", "email", c.sentiment(-0.3, always=True))
        if rng.random() < 0.5:
            return c.events
        c.wait(3 * _DAY)
    c.wait(1 * _DAY)
    c.emit("Offer accepted", channel())
    c.wait(3 * _DAY)
    c.emit(OUTCOME, "branch")
    return c.events


def planted_log(
    problem: str | None = None,
    *,
    cases: int = 600,
    share: float | None = None,
    segment: str | None = "business",
    seed: int = 0,
    factor: float = 3.0,
) -> pd.DataFrame:
    """An event log with a planted ``problem`` of known size and segment (or a clean one).

    Parameters
    ----------
    problem : str or None
        One of :data:`PROBLEMS`, or ``None`` for a clean log:

        - ``"rework"``: ``Upload documents`` → ``Documents incomplete`` → ``Upload documents``
          (once or twice), days later each time;
        - ``"repeat-contacts"``: 2 to 4 ``Customer service call`` events while waiting between
          ``Valuation`` and ``Offer sent`` (a longer wait), unhappy calls;
        - ``"channel-hopping"``: every digital step on another channel (web, app, phone), and a
          broken hand-over: ``Application started`` → ``Upload documents`` on another channel,
          then the upload again on the first one, days later;
        - ``"drop-off"``: the journey ends after ``Offer sent``, without the outcome;
        - ``"slow-transition"``: ``Credit check`` → ``Valuation`` takes ``factor`` times as long;
        - ``"emotion"``: a sentiment 0.6 lower on every ``Upload documents``;
        - ``"complaint"``: a ``Complaint`` after ``Offer sent``; half of those who complain
          leave, the others sign three days later.

        Each problem is planted alone: it changes nothing else in the affected journeys (no
        unhappier sentiment at later touchpoints, say), so that what a heuristic finds is the
        problem itself, not its echoes. Unhappy events (calls, complaints) have a sentiment 0.4
        and 0.3 below the usual 0.3 (standard deviation 0.2).
    cases : int
        Customers, a third in each segment (:data:`SEGMENTS`).
    share : float, optional
        The share of ``segment``'s cases (of all cases without a segment) that have the problem,
        chosen at random (exactly ``round(share * eligible)`` cases). Default 0.3, and 1 for the
        problems of a segment's touchpoint or transition (``"slow-transition"``, ``"emotion"``).
    segment : str or None
        Where the problem is planted; ``None``: in every segment alike (not for
        ``"slow-transition"``, which is a difference between segments).
    seed : int
        The same arguments give the same frame.
    factor : float
        How many times slower the slow transition is.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`COLUMNS` (``timestamp`` in UTC, strictly increasing within a case, so
        that shuffled rows give the same log; ``segment`` a case attribute), ordered by case and
        time. ``frame.attrs["planted"]`` holds the truth: ``problem``, ``heuristic`` (the built-in
        that finds it), ``segment``, ``case_ids`` (the affected cases, sorted), ``cases`` and
        ``share`` (their number and share of all cases), ``touchpoints`` and ``transitions``.
        For ``"slow-transition"`` and ``"emotion"`` the affected cases are every case of the
        segment through the transition or touchpoint: a segment's transition is slow, or its
        touchpoint unhappy, for everyone who passes it.

    Examples
    --------
    >>> frame = planted_log("rework", cases=90, seed=1)
    >>> sorted(frame["segment"].unique())
    ['business', 'private', 'retail']
    >>> truth = frame.attrs["planted"]
    >>> truth["cases"], truth["share"], truth["touchpoints"]
    (9, 0.1, ['Upload documents', 'Documents incomplete'])
    """
    import pandas as pd

    if problem is not None and problem not in PROBLEMS:
        close = get_close_matches(str(problem), list(PROBLEMS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ArgumentError(
            f"planted_log: no problem {problem!r}{hint}; the problems: {', '.join(PROBLEMS)}, "
            "or None for a clean log"
        )
    if isinstance(cases, bool) or not isinstance(cases, int) or cases < 0:
        raise ArgumentError(f"planted_log: cases= must be a whole number >= 0, not {cases!r}")
    if segment is not None and segment not in SEGMENTS:
        raise ArgumentError(
            f"planted_log: segment= must be one of {', '.join(SEGMENTS)} or None, not {segment!r}"
        )
    if problem == "slow-transition" and segment is None:
        raise ArgumentError(
            "planted_log: a slow transition is slower in one segment than in the others; pass segment=..."
        )
    if share is None:
        share = 1.0 if problem in _SEGMENT_LEVEL else _CASE_SHARE
    if not (isinstance(share, (int, float)) and 0 < share <= 1):
        raise ArgumentError(f"planted_log: share= must be a number in (0, 1], not {share!r}")
    if not (isinstance(factor, (int, float)) and factor > 0):
        raise ArgumentError(f"planted_log: factor= must be a positive number, not {factor!r}")
    rng = random.Random(f"journeymine-planted:{problem}:{seed}")
    ids = [f"c{i:05d}" for i in range(cases)]
    segments = {case: SEGMENTS[i % len(SEGMENTS)] for i, case in enumerate(ids)}
    eligible = [c for c in ids if segment is None or segments[c] == segment]
    chosen = set(rng.sample(eligible, round(share * len(eligible)))) if problem else set()
    rows: list[tuple[str, str, str, int, float | None, str]] = []
    for i, case in enumerate(ids):
        start = _START + i * 3 * _HOUR + int(rng.random() * 2 * _HOUR)
        kind = problem if case in chosen else None
        for activity, channel, t, sentiment in _journey(rng, start, kind, float(factor)):
            if kind == "emotion" and activity == "Upload documents":
                sentiment = round(min(1.0, max(-1.0, 0.3 - 0.6 + rng.gauss(0.0, 0.2))), 2) + 0.0
            rows.append((case, activity, channel, t, sentiment, segments[case]))
    frame = pd.DataFrame(rows, columns=["case", "activity", "channel", "t", "sentiment", "segment"])
    frame["timestamp"] = pd.to_datetime(frame["t"].astype("int64"), unit="s", utc=True)
    frame["sentiment"] = frame["sentiment"].astype("float64")
    out: pd.DataFrame = frame[list(COLUMNS)]
    out.attrs["planted"] = _truth(out, problem, segment, chosen, len(ids))
    return out


_TOUCHPOINTS: Mapping[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "rework": (
        ("Upload documents", "Documents incomplete"),
        (("Upload documents", "Documents incomplete"), ("Documents incomplete", "Upload documents")),
    ),
    "repeat-contacts": (("Customer service call",), ()),
    "channel-hopping": (
        ("Application started", "Upload documents"),
        (("Application started", "Upload documents"),),
    ),
    "drop-off": (("Offer sent",), ()),
    "slow-transition": (("Credit check", "Valuation"), (("Credit check", "Valuation"),)),
    "emotion": (("Upload documents",), ()),
    "complaint": (("Complaint",), ()),
}


def _truth(
    frame: pd.DataFrame, problem: str | None, segment: str | None, chosen: set[str], n: int
) -> dict[str, Any]:
    if problem is None:
        return {"problem": None, "heuristic": None, "segment": None, "case_ids": [], "cases": 0,
                "share": 0.0, "touchpoints": [], "transitions": []}  # fmt: skip
    touchpoints, transitions = _TOUCHPOINTS[problem]
    affected = set(chosen)
    if problem in _SEGMENT_LEVEL:
        inside = frame if segment is None else frame[frame["segment"] == segment]
        if problem == "emotion":
            affected = set(inside.loc[inside["activity"] == touchpoints[0], "case"])
        else:
            nxt = inside.groupby("case")["activity"].shift(-1)
            hit = (inside["activity"] == transitions[0][0]) & (nxt == transitions[0][1])
            affected = set(inside.loc[hit, "case"])
    ids = sorted(affected)
    return {
        "problem": problem,
        "heuristic": PROBLEMS[problem],
        "segment": segment,
        "case_ids": ids,
        "cases": len(ids),
        "share": len(ids) / n if n else 0.0,
        "touchpoints": list(touchpoints),
        "transitions": [list(t) for t in transitions],
    }


@functools.lru_cache(maxsize=64)
def _cached_data(
    problem: str | None,
    cases: int,
    share: float | None,
    segment: str | None,
    seed: int,
    by: str | None,
    engine: str | None,
    shuffled: bool,
) -> tuple[JourneyData, dict[str, Any]]:
    frame = planted_log(problem, cases=cases, share=share, segment=segment, seed=seed)
    truth = frame.attrs["planted"]
    if shuffled:
        frame = frame.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    return planted_data(frame, by=by, engine=engine), truth


def planted_data(
    frame: pd.DataFrame, *, by: str | None = "segment", engine: str | Engine | None = None, seed: int = 0
) -> JourneyData:
    """The aggregates a heuristic receives for a planted log (:func:`planted_log`): read with
    ``case``, ``activity``, ``timestamp`` and ``channel``, per ``by``, outcome :data:`OUTCOME`,
    measure ``sentiment``.

    Examples
    --------
    >>> data = planted_data(planted_log(cases=30))
    >>> data.n_cases, data.segments
    (30, ('business', 'private', 'retail'))
    """
    from journeymine.eventlog import read_events
    from journeymine.heuristics.data import JourneyData

    log = read_events(
        frame, case="case", activity="activity", timestamp="timestamp", channel="channel", engine=engine
    )
    return JourneyData.from_log(log, by=by, outcome=OUTCOME, measure="sentiment", seed=seed)


def _data(
    problem: str | None,
    *,
    cases: int,
    seed: int,
    engine: str | Engine | None,
    by: str | None = "segment",
    share: float | None = None,
    segment: str | None = "business",
    shuffled: bool = False,
) -> tuple[JourneyData, dict[str, Any]]:
    if engine is None or isinstance(engine, str):
        data, truth = _cached_data(problem, cases, share, segment, seed, by, engine, shuffled)
        return _fresh(data), truth
    frame = planted_log(problem, cases=cases, share=share, segment=segment, seed=seed)
    truth = frame.attrs["planted"]
    if shuffled:
        frame = frame.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    return planted_data(frame, by=by, engine=engine), truth


def _fresh(data: JourneyData) -> JourneyData:
    """A copy of (cached) aggregates: what one heuristic does to it reaches no other."""
    return replace(
        data,
        paths=data.paths.copy(deep=True),
        dfg=data.dfg.copy(deep=True),
        dfg_all=data.dfg_all.copy(deep=True),
        _cache={},
    )


def _empty(data: JourneyData) -> JourneyData:
    """``data`` without a single case: the aggregates of an empty log."""
    return replace(
        data,
        paths=data.paths.iloc[:0].copy(),
        dfg=data.dfg.iloc[:0].copy(),
        dfg_all=data.dfg_all.iloc[:0].copy(),
        segments=(),
        n_cases=0,
        _cache={},
    )


# --------------------------------------------------------------------------------------------
# the checks

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_Fail = Callable[[str], NoReturn]


def check_heuristic(
    heuristic: Heuristic | str,
    *,
    problem: str | None = None,
    engine: str | Engine | None = None,
    seeds: Sequence[int] = (0, 1),
    cases: int = 600,
) -> None:
    """Run every check of the kit on ``heuristic`` (an object, or the name of a registered one).

    Parameters
    ----------
    heuristic : Heuristic or str
    problem : str, optional
        The planted problem (:data:`PROBLEMS`) the heuristic should find (:func:`check_finds`);
        without one, only the checks every heuristic must pass are run.
    engine : str or Engine, optional
        The engine the planted logs are read with (default: DuckDB).
    seeds : sequence of int
        The planted and clean logs drawn.
    cases : int
        Cases per planted log.

    Raises
    ------
    AssertionError
        Naming the heuristic, the check and what was wrong.

    Examples
    --------
    >>> check_heuristic("rework-loops", problem="rework", seeds=[0])
    """
    h = _resolve(heuristic)
    check_attributes(h)
    check_small_logs(h, engine=engine)
    check_clean(h, engine=engine, seeds=seeds, cases=cases)
    check_deterministic(h, problem=problem, engine=engine, cases=cases)
    if problem is not None:
        check_finds(h, problem, engine=engine, seeds=seeds, cases=cases)


def check_attributes(heuristic: Heuristic | str) -> None:
    """Check the protocol's attributes: ``name`` (lower-case words joined by hyphens),
    ``description`` (one line), ``params`` (a mapping of str to JSON values), and a callable
    ``evaluate``.

    Examples
    --------
    >>> check_attributes("slow-transitions")
    """
    h = _resolve(heuristic)
    fail = _failer(h, "check_attributes")
    name = getattr(h, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        fail(f"name is {name!r}: it must be lower-case words joined by hyphens, such as 'rework-loops'")
    description = getattr(h, "description", None)
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        fail(f"description is {description!r}: it must be one line saying what the heuristic detects")
    params = getattr(h, "params", None)
    if not isinstance(params, Mapping):
        fail(f"params is {type(params).__name__}: it must be a mapping of its parameters, as given")
    bad = [k for k in params if not isinstance(k, str)]
    if bad:
        fail(f"params has a key {bad[0]!r} that is no str")
    bad_value = _not_json(dict(params))
    if bad_value is not None:
        fail(
            f"params holds {bad_value}: parameters must be JSON values (str, numbers, bools, None, "
            "lists or tuples of them, mappings with str keys), so that findings can cite them"
        )
    if not callable(getattr(h, "evaluate", None)):
        fail("evaluate is missing or not callable: define evaluate(data) -> list of Finding")
    from journeymine.heuristics.base import Heuristic as Protocol

    if not isinstance(h, Protocol):
        fail("it does not satisfy the journeymine.heuristics.Heuristic protocol")


def check_small_logs(heuristic: Heuristic | str, *, engine: str | Engine | None = None) -> None:
    """Check that a one-case log and an empty log (the one-case aggregates without their rows)
    give findings, or none, without an error, with and without segments.

    Examples
    --------
    >>> check_small_logs("emotion-hotspots")
    """
    h = _resolve(heuristic)
    fail = _failer(h, "check_small_logs")
    for by in ("segment", None):
        one, _ = _data(None, cases=1, seed=0, engine=engine, by=by)
        per = f" (by={by!r})"
        _evaluate(h, one, fail, f"a one-case log{per}")
        _evaluate(h, _empty(one), fail, f"an empty log{per}")


def check_clean(
    heuristic: Heuristic | str,
    *,
    engine: str | Engine | None = None,
    seeds: Sequence[int] = (0, 1),
    cases: int = 600,
) -> None:
    """Check that nothing reported on clean logs (:func:`planted_log` without a problem) is
    material, per segment and without segments.

    Examples
    --------
    >>> check_clean("complaint-journeys", seeds=[0])
    """
    h = _resolve(heuristic)
    fail = _failer(h, "check_clean")
    for seed in seeds:
        for by in ("segment", None):
            data, _ = _data(None, cases=cases, seed=seed, engine=engine, by=by)
            what = f"a clean log (planted_log(None, cases={cases}, seed={seed}), by={by!r})"
            material = [f for f in _evaluate(h, data, fail, what) if f.impact.material]
            if material:
                fail(
                    f"on {what}, where every segment follows the same process, it reports "
                    f"{len(material)} material finding(s), e.g. {_show(material[0])}"
                )


def check_finds(
    heuristic: Heuristic | str,
    problem: str,
    *,
    engine: str | Engine | None = None,
    seeds: Sequence[int] = (0, 1),
    cases: int = 600,
    segment: str | None = "business",
    share: float | None = None,
) -> None:
    """Check that the planted ``problem`` is found: a material finding whose share interval
    holds the planted share (``frame.attrs["planted"]["share"]``) and, when planted in a
    segment, that is concentrated in it (:attr:`~journeymine.heuristics.Finding.concentrated_in`).

    Examples
    --------
    >>> check_finds("repeat-contacts", "repeat-contacts", seeds=[0])
    """
    h = _resolve(heuristic)
    fail = _failer(h, "check_finds")
    if problem not in PROBLEMS:
        raise ArgumentError(f"check_finds: no problem {problem!r}; the problems: {', '.join(PROBLEMS)}")
    for seed in seeds:
        data, truth = _data(problem, cases=cases, seed=seed, engine=engine, segment=segment, share=share)
        what = f"planted_log({problem!r}, cases={cases}, seed={seed}, segment={segment!r}, share={share!r})"
        findings = _evaluate(h, data, fail, what)
        want = float(truth["share"])
        material = [f for f in findings if f.impact.material]
        right = [
            f
            for f in material
            if f.share_ci[0] <= want <= f.share_ci[1] and (segment is None or segment in f.concentrated_in)
        ]
        if not right:
            where = f" concentrated in {segment!r}" if segment else ""
            shown = "; ".join(_show(f) for f in (material or findings)[:3]) or "nothing"
            fail(
                f"on {what} ({truth['cases']} of {data.n_cases} cases affected, share {want:.3f}, at "
                f"{', '.join(truth['touchpoints'])}) it reports no material finding with that share in "
                f"its interval{where}; it reports: {shown}"
            )


def check_deterministic(
    heuristic: Heuristic | str,
    *,
    problem: str | None = None,
    engine: str | Engine | None = None,
    cases: int = 600,
    seed: int = 0,
) -> None:
    """Check that the findings are the same twice on the same aggregates, and on the aggregates
    of the same log with its rows shuffled (compared as JSON, ``to_dict()``).

    Examples
    --------
    >>> check_deterministic("channel-hopping", problem="channel-hopping")
    """
    h = _resolve(heuristic)
    fail = _failer(h, "check_deterministic")
    data, _ = _data(problem, cases=cases, seed=seed, engine=engine)
    what = f"planted_log({problem!r}, cases={cases}, seed={seed})"
    first = _dump(_evaluate(h, data, fail, what))
    again = _dump(_evaluate(h, data, fail, what))
    if first != again:
        fail(f"two runs on {what} differ{_first_difference(first, again)}")
    shuffled, _ = _data(problem, cases=cases, seed=seed, engine=engine, shuffled=True)
    other = _dump(_evaluate(h, shuffled, fail, f"{what} with its rows shuffled"))
    if first != other:
        fail(f"{what} with its rows shuffled gives other findings{_first_difference(first, other)}")


# --------------------------------------------------------------------------------------------
# helpers


def _resolve(heuristic: Heuristic | str) -> Heuristic:
    if isinstance(heuristic, str):
        from journeymine.registry import heuristics

        known = heuristics()
        if heuristic not in known:
            close = get_close_matches(heuristic, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ArgumentError(
                f"check_heuristic: no heuristic {heuristic!r}{hint}; registered: {', '.join(sorted(known))}"
            )
        return known[heuristic]
    return heuristic


def _failer(h: Any, check: str) -> _Fail:
    label = getattr(h, "name", None)
    who = repr(label) if isinstance(label, str) else type(h).__name__

    def fail(message: str) -> NoReturn:
        raise AssertionError(f"check_heuristic: {who} fails {check}: {message}")

    return fail


def _evaluate(h: Heuristic, data: JourneyData, fail: _Fail, what: str) -> list[Finding]:
    """The findings on ``data``, each checked: a Finding of this heuristic, its share inside its
    interval, JSON-serialisable."""
    from journeymine.heuristics.finding import Finding

    frames = {name: getattr(data, name).copy(deep=True) for name in ("paths", "dfg", "dfg_all")}
    try:
        found = h.evaluate(data)
    except Exception as exc:
        fail(f"evaluate on {what} raised {type(exc).__name__}: {exc}")
    for name, before in frames.items():
        if not before.equals(getattr(data, name)):
            fail(f"evaluate on {what} changed data.{name}: leave the aggregates as they were given")
    try:
        findings = list(found)
    except TypeError:
        fail(f"evaluate on {what} returned {type(found).__name__}, not a sequence of Finding")
    for f in findings:
        if not isinstance(f, Finding):
            fail(f"evaluate on {what} returned a {type(f).__name__}, not a journeymine.heuristics.Finding")
        if f.heuristic != h.name:
            fail(
                f"a finding on {what} says heuristic={f.heuristic!r}; it must be the heuristic's "
                f"name {h.name!r}"
            )
        if not (0 <= f.cases <= max(data.n_cases, 0)):
            fail(f"a finding on {what} concerns {f.cases} cases, of {data.n_cases}: {_show(f)}")
        low, high = f.share_ci
        if f.cases and not (math.isfinite(f.share) and low - 1e-9 <= f.share <= high + 1e-9):
            fail(f"a finding on {what} has share {f.share!r} outside its interval {f.share_ci!r}: {_show(f)}")
        try:
            json.dumps(f.to_dict(), allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            fail(f"a finding on {what} does not serialise to JSON ({exc}): {_show(f)}")
    return findings


def _dump(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], sort_keys=True, allow_nan=False, indent=1)


def _not_json(value: Any, where: str = "params") -> str | None:
    """What in ``value`` is no JSON value (``None`` when all is)."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} = {value!r} (not a finite number)"
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            bad = _not_json(v, f"{where}[{i}]")
            if bad:
                return bad
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                return f"{where} with the key {k!r} (not a str)"
            bad = _not_json(v, f"{where}[{k!r}]")
            if bad:
                return bad
        return None
    return f"{where} = {value!r} (a {type(value).__name__})"


def _show(f: Finding) -> str:
    segments = ", ".join(f.concentrated_in) or "no segment"
    return (
        f"{f.title!r} ({f.cases} cases, share {f.share:.3f} [{f.share_ci[0]:.3f}, {f.share_ci[1]:.3f}], "
        f"concentrated in {segments}; {f.impact.metric} {f.impact.value:.4g} "
        f"[{f.impact.ci_low:.4g}, {f.impact.ci_high:.4g}], material={f.impact.material})"
    )


def _first_difference(a: str, b: str) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f" at character {n}: {a[max(0, n - 60) : n + 40]!r} vs {b[max(0, n - 60) : n + 40]!r}"
