"""The built-in improvement heuristics, registered as plugins like any other.

=====================  =====================================================================
name                   what it finds (impact metric)
=====================  =====================================================================
rework-loops           a step redone after a rejection: A ... R ... A (time spent in the loop)
repeat-contacts        failure demand: customers who contact again and again (sentiment, else time)
channel-hopping        journeys that hop channels, and broken hand-overs between channels (time)
drop-off               where journeys end without the outcome (lost completions)
slow-transitions       a transition much slower in one segment than in the rest (time on it)
emotion-hotspots       touchpoints where the sentiment is low (sentiment)
complaint-journeys     journeys with a complaint: their completion and time (lost completions)
=====================  =====================================================================

Each works on the aggregates only (:class:`~journeymine.heuristics.JourneyData`: paths with their
cases, the DFG with durations), so it runs the same on every engine, computed once per path and
weighted by its cases. Each finding says what was measured and how (``Impact.method``), carries
the figures and the heuristic's parameters in ``evidence``, and is *material* only when its
interval excludes no harm; materiality thresholds (``min_share``, ``min_cases``, ...) decide
what is reported at all. Activity names go into titles and explanations as they are (renderers
escape them). Randomness (bootstraps) is seeded by ``data.seed``.

These are observational: customers who loop, call or complain may differ from the others in
other ways too. Read each heuristic's *blind spots*.

Examples
--------
>>> import journeymine as jm
>>> data = jm.heuristics.JourneyData.from_log(jm.datasets.load_demo_log(), by="segment",
...                                         outcome="Contract signed")
>>> top = ReworkLoops().evaluate(data)[0]
>>> top.title, top.concentrated_in
('Upload documents is redone after Documents incomplete', ('mover',))
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from journeymine.errors import ArgumentError
from journeymine.heuristics.base import BaseHeuristic
from journeymine.heuristics.data import matches_any
from journeymine.heuristics.finding import Finding, Impact, Metric, SegmentShare
from journeymine.hookspecs import hookimpl

if TYPE_CHECKING:
    from journeymine.heuristics.data import JourneyData, Mask

__all__ = [
    "COMPLAINTS",
    "CONTACTS",
    "REJECTIONS",
    "ChannelHopping",
    "ComplaintJourneys",
    "DropOff",
    "EmotionHotspots",
    "RepeatContacts",
    "ReworkLoops",
    "SlowTransitions",
    "journeymine_register_heuristics",
]

#: activities that reject what the customer did (glob patterns, case-insensitive)
REJECTIONS: tuple[str, ...] = ("*incomplete*", "*reject*", "*declin*", "*fail*", "*error*", "*missing*")
#: activities in which the customer contacts the organisation
CONTACTS: tuple[str, ...] = ("*call*", "*chat*", "*contact*", "*mail us*", "*helpdesk*", "*help desk*")
#: activities that are a complaint
COMPLAINTS: tuple[str, ...] = ("*complain*", "*klacht*", "*grievance*")


# --------------------------------------------------------------------------------------------
# shared helpers


class _Matcher:
    """Whether an activity matches some patterns, remembered per activity."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self.seen: dict[str, bool] = {}

    def __call__(self, activity: str) -> bool:
        hit = self.seen.get(activity)
        if hit is None:
            hit = self.seen[activity] = bool(self.patterns) and matches_any(activity, self.patterns)
        return hit


def _patterns(h: BaseHeuristic, key: str) -> tuple[str, ...]:
    value = h.params[key]
    if isinstance(value, str):
        return (value,)
    if not (isinstance(value, Sequence) and all(isinstance(p, str) and p for p in value)):
        raise ArgumentError(
            f"heuristic {h.name!r}: {key}= must be a list of activity names or glob patterns "
            f"(such as {list(h.defaults[key])[:2]!r}), not {value!r}"
        )
    return tuple(value)


def _share_param(h: BaseHeuristic, key: str) -> float:
    value = h.params[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ArgumentError(
            f"heuristic {h.name!r}: {key}= must be a share in [0, 1), such as 0.02; not {value!r}"
        )
    return float(value)


def _count_param(h: BaseHeuristic, key: str, least: int = 1) -> int:
    value = h.params[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ArgumentError(f"heuristic {h.name!r}: {key}= must be a whole number >= {least}, not {value!r}")
    return value


def _number_param(h: BaseHeuristic, key: str, above: float) -> float:
    value = h.params[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > above:
        raise ArgumentError(f"heuristic {h.name!r}: {key}= must be a number above {above:g}, not {value!r}")
    return float(value)


def _flag_param(h: BaseHeuristic, key: str) -> bool:
    value = h.params[key]
    if not isinstance(value, bool):
        raise ArgumentError(f"heuristic {h.name!r}: {key}= must be True or False, not {value!r}")
    return value


def _evidence(h: BaseHeuristic, **figures: Any) -> dict[str, Any]:
    return {**figures, "params": {k: list(v) if isinstance(v, tuple) else v for k, v in h.params.items()}}


def _duration(seconds: float) -> str:
    """A time as people say it: ``45 s``, ``12 min``, ``5.2 h``, ``3.4 days``."""
    if not math.isfinite(seconds):
        return "unknown"
    s = abs(seconds)
    sign = "-" if seconds < 0 else ""
    if s < 90:
        return f"{sign}{s:.0f} s"
    if s < 90 * 60:
        return f"{sign}{s / 60:.0f} min"
    if s < 36 * 3600:
        return f"{sign}{s / 3600:.1f} h"
    return f"{sign}{s / 86400:.1f} days"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if math.isfinite(x) else "unknown"


def _cases(n: int) -> str:
    return f"{n:,} customer{'s' if n != 1 else ''}"


def _share_text(data: JourneyData, k: int) -> str:
    low, high = data.share_ci(k)
    return f"{_cases(k)} ({_pct(k / data.n_cases)}; {_pct(low)} to {_pct(high)})"


def _where(shares: Sequence[SegmentShare]) -> str:
    """Where a finding is concentrated, in a sentence ('' without segments)."""
    if not shares:
        return ""
    hot = [s for s in shares if s.share >= 1.5 * s.rest_share and s.share - s.rest_share >= 0.05]
    if not hot:
        return " It is spread over the segments alike."
    parts = [f"{s.segment} ({_pct(s.share)} of them, against {_pct(s.rest_share)} elsewhere)" for s in hot]
    return f" It is concentrated in {', '.join(parts)}."


def _found(data: JourneyData, name: str, *, where: bool = True, **fields: Any) -> Finding:
    """``data.finding(name, **fields)``, its explanation ending with where it is concentrated."""
    f = data.finding(name, **fields)
    return replace(f, explanation=f.explanation + _where(f.segments)) if where else f


def _interval(impact: Impact, fmt: Callable[[float], str], *, flip: bool = False) -> str:
    """`` (interval low to high)``; ``flip``: of the negated value, for a value told as its size
    ("0.38 lower")."""
    low, high = impact.ci_low, impact.ci_high
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if flip:
        low, high = -high, -low
    return f" (interval {fmt(low)} to {fmt(high)})"


def _impact_text(impact: Impact, who: str = "They") -> str:
    """The impact in a sentence, with its interval."""
    v = impact.value
    if not math.isfinite(v):
        return f" The impact cannot be estimated: {impact.method}."
    if impact.metric == "journey_time_s":
        word = "longer" if v >= 0 else "shorter"
        ci = _interval(impact, _duration, flip=v < 0)
        return f" {who} take {_duration(abs(v))} {word} on average{ci}."
    if impact.metric == "sentiment":
        word = "lower" if v < 0 else "higher"
        ci = _interval(impact, lambda x: f"{x:.2f}", flip=v < 0)
        return f" {who} express a sentiment {abs(v):.2f} {word} on average{ci}."
    return f" About {v:,.0f} completions are lost{_interval(impact, lambda x: f'{x:,.0f}')}."


def _top(counter: Mapping[Any, float], n: int = 3) -> list[tuple[Any, float]]:
    """The ``n`` largest entries, ties by key (as text)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]


def _no_harm(metric: Metric, method: str) -> Impact:
    return Impact(metric, math.nan, math.nan, math.nan, method=method)


# Vectorised over the steps of every path (``data.flat``): a heuristic costs a few passes of
# numpy over the steps, never a Python loop over the paths. Sums of times keep the order of the
# loops they replace (``np.bincount`` adds its weights in the order given), so that the figures
# are the same to the last digit.


def _kinds(activities: Sequence[str], rejected: _Matcher, contact: _Matcher) -> np.ndarray:
    """Per activity code: 1 a rejection, 2 a contact, 0 neither (rejection wins)."""
    return np.array([1 if rejected(a) else 2 if contact(a) else 0 for a in activities], dtype=np.int8)


def _counter(names: Sequence[str], codes: np.ndarray, weights: np.ndarray) -> Counter[str]:
    """``Counter`` of ``names[code]``: the (whole) weights added up per code present."""
    if codes.size == 0:
        return Counter()
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    sums = np.bincount(codes, weights=weights, minlength=len(names))[present]
    return Counter({names[int(k)]: int(v) for k, v in zip(present, sums)})


def _sort_by(key: np.ndarray, at: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``at`` (ascending, below ``size``) ordered by non-negative ``key``, ties in their
    order, and the keys so ordered: one sort of ``key << bits | at`` (much faster than a stable
    argsort)."""
    bits = max(1, size).bit_length()
    if key.size and int(key.max()) >= 2 ** (62 - bits):
        order = np.lexsort((at, key))
        return key[order], at[order]
    combined = np.sort((key << bits) | at)
    return combined >> bits, combined & ((1 << bits) - 1)


def _first(keys: np.ndarray) -> np.ndarray:
    """Of sorted ``keys``: where a run of equal ones starts."""
    first = np.ones(keys.size, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of sorted ``keys``: the distinct ones, and per element the index of its run."""
    first = _first(keys)
    return keys[first], np.cumsum(first) - 1


def _span_sums(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``sum(values[lo:hi])`` per span (``hi > lo``), added left to right as ``sum`` does."""
    out = np.zeros(lo.size)
    live = np.arange(lo.size)
    at = lo.copy()
    while live.size:
        out[live] += values[at]
        at += 1
        more = at < hi[live]
        live, at = live[more], at[more]
    return out


def _next_same(activity: np.ndarray, at: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per step ``at``, the next step of its path (before ``ends``) with the same activity, -1
    when there is none."""
    out = np.full(at.size, -1, dtype=np.int64)
    live = np.arange(at.size)
    want = activity[at]
    pos = at + 1
    end = ends.copy()
    while live.size:
        inside = pos < end
        live, pos, want, end = live[inside], pos[inside], want[inside], end[inside]
        hit = activity[pos] == want
        out[live[hit]] = pos[hit]
        live, pos, want, end = live[~hit], pos[~hit] + 1, want[~hit], end[~hit]
    return out


def _grouped(pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs (``key * n + row``), sorted, and per element its pair's index (for
    ``np.bincount``, which keeps the elements' order within a pair)."""
    pairs, inverse = np.unique(pair, return_inverse=True)
    return pairs, inverse.reshape(-1)


def _rows_of(pairs: np.ndarray, key: int, n: int) -> np.ndarray:
    """The rows paired with ``key`` among sorted ``key * n + row`` pairs."""
    lo, hi = np.searchsorted(pairs, [key * n, (key + 1) * n])
    return pairs[lo:hi] - key * n


def _mask(n: int, rows: np.ndarray) -> Mask:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


# --------------------------------------------------------------------------------------------
# rework-loops


class ReworkLoops(BaseHeuristic):
    """Rework: a touchpoint done again after a rejection, ``A ... R ... A``.

    For each rejection ``R`` (an activity matching ``rejections``) in a path, the step it
    rejects is the nearest step before it that is neither a rejection nor a contact; when that
    step ``A`` comes again after ``R``, the case loops. One finding per ``(A, R)`` with enough
    cases: ``Upload documents is redone after Documents incomplete``.

    Parameters
    ----------
    rejections : list of str, default :data:`REJECTIONS`
        Names or glob patterns (case-insensitive) of the activities that reject.
    contacts : list of str, default :data:`CONTACTS`
        Activities skipped when looking back for the rejected step (a call about it is not it).
    immediate : bool, default False
        Also report plain loops without a rejection: ``A → A`` and ``A → B → A`` (contacts and
        rejections are left to their own heuristics).
    min_share : float, default 0.02
        Report a loop only when at least this share of all cases loops.
    min_cases : int, default 10
        ... and at least this many cases.

    Notes
    -----
    Impact
        ``journey_time_s``: the time spent in the loop per affected case, from the first ``A``
        to its repetition (all loops of a case together), from the paths' mean step times
        (``gaps_s``) and made per case with :meth:`JourneyData.case_times`; a seeded bootstrap
        interval of its mean. Time in a loop is extra by definition, so there is no comparison
        group to be confounded by. Without timestamps: the lost completions (or the sentiment).
        ``evidence``: loops per case, cases looping more than once, and per channel of ``A`` the
        share of its cases that loop (uploads from the app, say).

    Blind spots
        A rejection recorded under a name no pattern matches is missed (add it to
        ``rejections``); a redo that is legitimately needed (a new document period) looks the
        same as rework; the loop time counts waiting, not effort.
    """

    name = "rework-loops"
    description = "A touchpoint redone after a rejection (A ... rejected ... A): rework and the time it costs"
    defaults: ClassVar[Mapping[str, Any]] = {
        "rejections": REJECTIONS,
        "contacts": CONTACTS,
        "immediate": False,
        "min_share": 0.02,
        "min_cases": 10,
    }

    def evaluate(self, data: JourneyData) -> list[Finding]:
        rejected = _Matcher(_patterns(self, "rejections"))
        contact = _Matcher(_patterns(self, "contacts"))
        immediate = _flag_param(self, "immediate")
        min_share = _share_param(self, "min_share")
        min_cases = _count_param(self, "min_cases")
        n = len(data.paths)
        if n == 0 or data.n_cases == 0:
            return []
        flat = data.flat
        names, act, path = flat.activities, flat.activity, flat.path
        kind = _kinds(names, rejected, contact)[act]
        # rework: per rejection, the step it rejects is the nearest one before it that is neither
        # a rejection nor a contact; of several rejections of one step only the first counts (the
        # same span), and the loop closes where that step's activity comes again
        index = np.arange(act.size)
        before = np.maximum.accumulate(np.where(kind == 0, index, -1)) if act.size else index
        j = np.flatnonzero(kind == 1)
        i = before[j]
        keep = i >= flat.starts[path[j]]
        j, i = j[keep], i[keep]
        first = np.ones(i.size, dtype=bool)
        first[1:] = i[1:] != i[:-1]
        j, i = j[first], i[first]
        k = _next_same(act, i, (flat.starts + flat.lengths)[path[i]])
        looped = k >= 0
        lo, hi, rejection = i[looped], k[looped], act[j[looped]]
        # kind of loop: 0 bounce, 1 repeat, 2 rework (their names' order)
        kinds_, a_codes, r_codes = [np.full(lo.size, 2)], [act[lo]], [rejection]
        his = [hi]
        los = [lo]
        if immediate:
            cover = np.zeros(act.size + 1, dtype=np.int64)
            np.add.at(cover, lo, 1)
            np.add.at(cover, hi, -1)
            covered = np.cumsum(cover[:-1]) > 0
            left = flat.remaining
            free = np.flatnonzero((left >= 1) & (kind == 0) & ~covered)
            same = act[free + 1] == act[free]
            twice = free[same]  # A -> A
            bounce = free[~same]
            bounce = bounce[left[bounce] >= 2]
            bounce = bounce[(act[bounce + 2] == act[bounce]) & (kind[bounce + 1] == 0)]  # A -> B -> A
            kinds_ += [np.full(twice.size, 1), np.zeros(bounce.size, dtype=np.int64)]
            a_codes += [act[twice], act[bounce]]
            r_codes += [act[twice], act[bounce + 1]]
            los += [twice, bounce]
            his += [twice + 1, bounce + 2]
        lo, hi = np.concatenate(los), np.concatenate(his)
        width = max(1, len(names))
        key = (np.concatenate(kinds_) * width + np.concatenate(a_codes)) * width + np.concatenate(r_codes)
        if key.size == 0:
            return []
        keys, key_index = np.unique(key, return_inverse=True)
        key_index = key_index.reshape(-1)
        rows = path[lo]
        # the time in each loop (a path's mean step times), added per key and path in order
        spent = _span_sums(data.step_gaps(), lo, hi) if data.timed else np.full(lo.size, math.nan)
        pairs, inverse = _grouped(key_index * n + rows)
        loops = np.bincount(inverse, minlength=pairs.size)
        spent = np.bincount(inverse, weights=spent, minlength=pairs.size)
        pair_key, pair_row = pairs // n, pairs % n
        per_key = np.bincount(pair_key, weights=data.cases[pair_row], minlength=keys.size)
        # the channels loops start on: per key and channel, the cases with such a loop
        channel = flat.channel[lo]
        on = channel >= 0
        n_channels = max(1, len(flat.channels))
        started, _ = _grouped((key_index[on] * n + rows[on]) * n_channels + channel[on])
        started_key, started_channel = started // n_channels // n, started % n_channels
        started_cases = data.cases[started // n_channels % n]
        out = []
        kind_names = ("bounce", "repeat", "rework")
        found = []
        for index_, code in enumerate(keys):
            k_cases = int(per_key[index_])
            if k_cases < min_cases or k_cases / data.n_cases < min_share:
                continue
            mine = started_key == index_
            starts = _counter(flat.channels, started_channel[mine], started_cases[mine])
            found.append((index_, int(code), k_cases, starts))
        # per channel, the cases doing a looping step on it at least once
        on_channel = self._on_channel(
            data, {int(code) % (width * width) // width for _, code, _, s in found if s}
        )
        for index_, code, k_cases, starts in found:
            kind_code, rest = divmod(code, width * width)
            a, r = names[rest // width], names[rest % width]
            lo_, hi_ = np.searchsorted(pair_key, [index_, index_ + 1])
            where = pair_row[lo_:hi_]
            counts = np.zeros(n)
            values = np.full(n, math.nan)
            counts[where] = loops[lo_:hi_]
            values[where] = spent[lo_:hi_]
            item = (kind_names[kind_code], a, r)
            mask = _mask(n, where)
            out.append(self._finding(data, item, counts, values, mask, k_cases, starts, on_channel))
        return out

    @staticmethod
    def _on_channel(data: JourneyData, activities: set[int]) -> dict[str, Counter[str]]:
        """Per activity (code) and channel, the cases doing the activity on it at least once."""
        flat = data.flat
        if not activities:
            return {}
        n, n_channels = len(flat.lengths), max(1, len(flat.channels))
        wanted = np.zeros(len(flat.activities), dtype=bool)
        wanted[list(activities)] = True
        step = wanted[flat.activity] & (flat.channel >= 0)
        # distinct (activity, channel, path), sorted
        triples, _ = _grouped((flat.activity[step] * n_channels + flat.channel[step]) * n + flat.path[step])
        pairs, inverse = _grouped(triples // n)
        cases = np.bincount(inverse, weights=data.cases[triples % n], minlength=pairs.size)
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for pair, m in zip(pairs, cases):
            a, c = divmod(int(pair), n_channels)
            out[flat.activities[a]][flat.channels[c]] = int(m)
        return out

    def _finding(
        self,
        data: JourneyData,
        key: tuple[str, str, str],
        counts: np.ndarray,
        values: np.ndarray,
        mask: Mask,
        k: int,
        starts: Counter[str],
        on_channel: Mapping[str, Counter[str]],
    ) -> Finding:
        kind, a, r = key
        what = f"time from {a} to its repetition, per affected case (the paths' gaps_s)"
        if data.timed:
            impact = data.extra_time_impact(data.case_times(values, mask), what=what)
        elif data.outcome:
            impact = data.completion_impact(mask)
        else:
            impact = data.sentiment_impact(mask)
        per_case = float((counts * data.cases)[mask].sum() / k)
        again = int(data.cases[mask & (counts >= 2)].sum())
        channel_rates = {}
        # per channel: the cases with a loop from A on it, of those who do A on it
        for ch, looped in sorted(starts.items()):
            base = on_channel.get(a, Counter()).get(ch, 0)
            channel_rates[ch] = {"cases": int(looped), "of": int(base)}
        loop = {"rework": f"{a} → {r} → {a}", "repeat": f"{a} → {a}", "bounce": f"{a} → {r} → {a}"}[kind]
        if kind == "rework":
            title = f"{a} is redone after {r}"
            first = f"{_share_text(data, k)} do {a} again after {r}"
            transitions = [(a, r), (r, a)]
        elif kind == "repeat":
            title = f"{a} is done twice in a row"
            first = f"{_share_text(data, k)} do {a} twice in a row"
            transitions = [(a, a)]
        else:
            title = f"{a} is done again after {r}"
            first = f"{_share_text(data, k)} go {loop}"
            transitions = [(a, r), (r, a)]
        channel_text = ""
        if len(channel_rates) > 1:
            rates = {ch: v["cases"] / v["of"] for ch, v in channel_rates.items() if v["of"]}
            ranked = _top(rates, 2)
            if len(ranked) == 2 and ranked[0][1] >= 1.25 * ranked[1][1]:
                (c1, r1), (c2, r2) = ranked
                channel_text = (
                    f" It happens more after {a} on {c1} ({_pct(r1)} of those who use {c1} for it) "
                    f"than on {c2} ({_pct(r2)})."
                )
        explanation = (
            f"{first}, {per_case:.1f} times on average ({_cases(again)} more than once)."
            + (
                f" Each spends {_duration(impact.value)} in the loop on average"
                f"{_interval(impact, _duration)}."
                if impact.metric == "journey_time_s"
                else _impact_text(impact)
            )
            + channel_text
        )
        action = (
            f"Make {a} first time right: tell customers exactly what is needed before they start, "
            f"check it while they do {a} rather than afterwards, and let them add only what is "
            f"missing instead of doing {a} again."
        )
        return _found(
            data,
            self.name,
            title=title,
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=[a, r] if r != a else [a],
            transitions=transitions,
            evidence=_evidence(
                self,
                loop=loop,
                kind=kind,
                loops_per_case=per_case,
                cases_looping_more_than_once=again,
                by_channel=channel_rates,
                impact=impact.to_dict(),
            ),
        )


# --------------------------------------------------------------------------------------------
# repeat-contacts


class RepeatContacts(BaseHeuristic):
    """Failure demand: customers who contact the organisation again and again.

    A contact is an event whose activity matches ``contacts`` (calls, chats, contact forms), or
    any event on one of the ``channels``. One finding per contact touchpoint for the cases with
    at least ``min_contacts`` of it, with *when* the contacts come: the steps before and after
    them (``while waiting between Credit check and Offer sent``).

    Parameters
    ----------
    contacts : list of str, default :data:`CONTACTS`
        Names or glob patterns (case-insensitive) of contact activities.
    channels : list of str, default []
        Channels whose every event is a contact (``["phone"]``).
    min_contacts : int, default 2
        How many contacts of one touchpoint make a repeat.
    min_share : float, default 0.02
    min_cases : int, default 10

    Notes
    -----
    Impact
        ``sentiment`` when a sentiment column is given: the mean sentiment of the repeat
        contacters minus the others' (seeded bootstrap); else ``journey_time_s``, their journey
        time minus the others'. ``evidence`` holds the contacts per case and the other figures.

    Blind spots
        Against all other customers, not like-for-like ones: repeat contacters are often those
        whose case went wrong for another reason (the impact mixes both). Contacts the log does
        not record (an unlogged phone line) are missed; a planned follow-up call looks like a
        repeat.
    """

    name = "repeat-contacts"
    description = "Failure demand: customers who contact again and again, and when they do"
    defaults: ClassVar[Mapping[str, Any]] = {
        "contacts": CONTACTS,
        "channels": (),
        "min_contacts": 2,
        "min_share": 0.02,
        "min_cases": 10,
    }

    def evaluate(self, data: JourneyData) -> list[Finding]:
        contact_act = _Matcher(_patterns(self, "contacts"))
        channels = set(_patterns(self, "channels"))
        k_min = _count_param(self, "min_contacts", 2)
        min_share = _share_param(self, "min_share")
        min_cases = _count_param(self, "min_cases")
        n = len(data.paths)
        if n == 0 or data.n_cases == 0:
            return []
        flat = data.flat
        names, act, path = flat.activities, flat.activity, flat.path
        flags = np.array([contact_act(a) for a in names], dtype=bool)[act]
        if channels and flat.channels:
            by_channel = np.array([c in channels for c in flat.channels], dtype=bool)
            flags |= (flat.channel >= 0) & by_channel[np.maximum(flat.channel, 0)]
        hits = np.flatnonzero(flags)
        if hits.size == 0:
            return []
        # per contact activity: the contacts of each path
        order = np.argsort(act[hits], kind="stable")
        hits = hits[order]
        codes, first = np.unique(act[hits], return_index=True)
        bounds = np.append(first, hits.size)
        counts: dict[str, np.ndarray] = {}
        repeated = np.zeros(hits.size, dtype=bool)  # a contact of a path with k_min or more of it
        for code, lo, hi in zip(codes, bounds[:-1], bounds[1:]):
            per_path = np.bincount(path[hits[lo:hi]], minlength=n)
            counts[names[int(code)]] = per_path
            repeated[lo:hi] = per_path[path[hits[lo:hi]]] >= k_min
        # when the repeated contacts come: the nearest steps before and after that are no contact
        index = np.arange(act.size)
        before = np.maximum.accumulate(np.where(flags, -1, index))
        after = np.minimum.accumulate(np.where(flags, act.size, index)[::-1])[::-1]
        at = hits[repeated]
        row = path[at]
        prev, nxt = before[at], after[at]
        width = len(names) + 1
        prev_code = np.where(prev >= flat.starts[row], act[np.maximum(prev, 0)] + 1, 0)
        ends = flat.starts[row] + flat.lengths[row]
        next_code = np.where(nxt < ends, act[np.minimum(nxt, act.size - 1)] + 1, 0)
        context = (act[at] * width + prev_code) * width + next_code
        contexts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        if context.size:
            found, inverse = _grouped(context)
            cases = np.bincount(inverse, weights=data.cases[row], minlength=found.size)
            for c, m in zip(found, cases):
                rest, after_code = divmod(int(c), width)
                code, before_code = divmod(rest, width)
                b = names[before_code - 1] if before_code else "(start)"
                e = names[after_code - 1] if after_code else "(end)"
                contexts[names[code]][(b, e)] = int(m)
        out = []
        for act_name in sorted(counts):
            mask = counts[act_name] >= k_min
            k = data.count(mask)
            if k < min_cases or k / data.n_cases < min_share:
                continue
            out.append(self._finding(data, act_name, mask, k, counts[act_name], contexts[act_name], k_min))
        return out

    def _finding(
        self,
        data: JourneyData,
        act: str,
        mask: Mask,
        k: int,
        counts: np.ndarray,
        contexts: Counter[tuple[str, str]],
        k_min: int,
    ) -> Finding:
        impact = data.sentiment_impact(mask) if data.measure is not None else None
        time = data.time_impact(mask)
        if impact is None or not (math.isfinite(impact.ci_low) and math.isfinite(impact.ci_high)):
            impact = time
        per_case = float((counts * data.cases)[mask].sum() / k)
        # per number of contacts, the affected cases with that many
        per_count = np.bincount(counts[mask], weights=data.cases[mask]).astype("int64")
        distribution: Counter[str] = Counter({str(c): int(m) for c, m in enumerate(per_count) if m})
        total = sum(contexts.values())
        top = _top(contexts, 3)
        context = [{"after": b, "before": a, "share": m / total} for (b, a), m in top] if total else []
        (before, after), most = top[0] if top else (("(start)", "(end)"), 0.0)
        if before == "(start)" and after == "(end)":
            moment = "with nothing else in the journey"
        elif before == "(start)":
            moment = f"at the start, before {after}"
        elif after == "(end)":
            moment = f"after {before}, at the end of the journey"
        else:
            moment = f"after {before} and before {after}"
        when = f" Most of these contacts ({_pct(most / total)}) come {moment}." if total else ""
        explanation = (
            f"{_share_text(data, k)} have {k_min} or more {act} events, {per_case:.1f} on average."
            + when
            + _impact_text(impact)
        )
        action = (
            f"Find out why customers turn to {act} {moment}: tell them proactively where "
            f"their case stands (a status update with an expected date), and resolve the first "
            f"contact so that no second one is needed."
        )
        touchpoints = [act] + [t for t in (before, after) if not t.startswith("(")]
        return _found(
            data,
            self.name,
            title=f"Customers contact again: {act} {k_min} times or more",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=list(dict.fromkeys(touchpoints)),
            transitions=[(before, act)] if not before.startswith("(") else [],
            evidence=_evidence(
                self,
                contacts_per_case=per_case,
                cases_by_contacts=dict(sorted(distribution.items(), key=lambda kv: int(kv[0]))),
                when=context,
                impact=impact.to_dict(),
                journey_time_s=time.to_dict(),
            ),
        )


# --------------------------------------------------------------------------------------------
# channel-hopping


class ChannelHopping(BaseHeuristic):
    """Journeys that hop between channels, and hand-overs between channels that break.

    *Hopping*: a journey switches channel more often than its own steps need. Each activity
    has a usual channel (the one most of its events use); a path's *extra switches* are its
    channel switches minus those of the same steps on their usual channels. Paths with at least
    ``min_extra_switches`` extra are hopping journeys.

    *Broken hand-over*: after ``A → B``, within ``window`` steps, the customer does ``A`` again,
    does ``B`` again on another channel than the one ``B`` was done on, or contacts: what was
    done did not carry over. A transition ``A → B`` that some customers make on one channel
    and others across two is a broken hand-over when it breaks clearly more often across
    channels (Newcombe's interval of the difference, Bonferroni-adjusted over the transitions
    compared, above zero). One finding per such ``A → B``, for the cases where it broke across
    channels (the channel pairs are in ``evidence``). Rejections and what follows them are left
    to ``rework-loops``, a contact as ``A`` or ``B`` to ``repeat-contacts``; a transition that
    always switches channel (an e-mail after a web form) has nothing to compare with.

    Needs a channel column: without one it finds nothing.

    Parameters
    ----------
    min_extra_switches : int, default 2
    window : int, default 2
        Steps after ``B`` in which a repeat or a contact breaks the hand-over.
    contacts : list of str, default :data:`CONTACTS`
    rejections : list of str, default :data:`REJECTIONS`
    min_share : float, default 0.02
    min_cases : int, default 10
        Also the least cases making ``A → B`` on one channel, to compare with.

    Notes
    -----
    Impact
        ``journey_time_s``: for hopping journeys, their journey time minus the others'; for a
        broken hand-over, the journey time of the cases where it broke across channels minus
        that of the cases that made ``A → B`` on one channel without a break, seeded bootstrap.

    Blind spots
        A customer who deliberately uses two channels (researching on the web, signing in the
        branch) is not hopping, but extra switches cannot tell; channels missing on some events
        count no switch there. The break rates count customers, not why they repeated a step.
    """

    name = "channel-hopping"
    description = (
        "Journeys that switch channel more than their steps need, and hand-overs between channels that break"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        "min_extra_switches": 2,
        "window": 2,
        "contacts": CONTACTS,
        "rejections": REJECTIONS,
        "min_share": 0.02,
        "min_cases": 10,
    }

    def evaluate(self, data: JourneyData) -> list[Finding]:
        min_extra = _count_param(self, "min_extra_switches")
        window = _count_param(self, "window")
        contact = _Matcher(_patterns(self, "contacts"))
        rejected = _Matcher(_patterns(self, "rejections"))
        min_share = _share_param(self, "min_share")
        min_cases = _count_param(self, "min_cases")
        n = len(data.paths)
        if n == 0 or data.n_cases == 0 or not data.has_channels:
            return []
        flat = data.flat
        names, act, path, ch = flat.activities, flat.activity, flat.path, flat.channel
        has = ch >= 0
        if not has.any():
            return []
        n_acts, n_channels = max(1, len(names)), max(1, len(flat.channels))
        # the usual channel of each activity: most events, ties by name (the codes' order)
        events = np.bincount(
            act * (n_channels + 1) + (ch + 1), weights=flat.weight, minlength=n_acts * (n_channels + 1)
        ).reshape(n_acts, n_channels + 1)[:, 1:]  # column 0: no channel
        usual = np.where(events.max(axis=1) > 0, events.argmax(axis=1), -1)
        # slot p: the steps p and p + 1 of one path, both on a channel; its switch, and whether
        # the steps' usual channels need one
        left = flat.remaining
        on = has[:-1] & has[1:] & (left[:-1] >= 1)
        a, b, c2 = act[:-1], act[1:], ch[1:]
        u = usual[act]
        switched = on & (ch[:-1] != c2)
        slot_path = path[:-1]
        switches = np.bincount(slot_path[switched], minlength=n)
        extra = switches - np.bincount(slot_path[on & (u[:-1] != u[1:])], minlength=n)
        hopping = extra >= min_extra
        off = has & hopping[path] & (ch != u)
        unusual = _counter(names, act[off], flat.weight[off])
        out = []
        mask = hopping
        k = data.count(mask)
        if k >= min_cases and k / data.n_cases >= min_share:
            out.append(self._hopping(data, mask, k, extra, switches, unusual, min_extra))
        # hand-overs A -> B (no rejection or contact): broken when within `window` steps after B
        # (before a rejection) comes a contact, A again, or B again on another channel
        kind = _kinds(names, rejected, contact)[act]
        plain = on & (kind[:-1] == 0) & (kind[1:] == 0)
        broke = np.zeros(plain.size, dtype=bool)
        live = plain.copy()
        for offset in range(2, 2 + window):
            size = act.size - offset  # the slots with a step `offset` after them
            if size <= 0:
                break
            live[size:] = False
            now = live[:size] & (left[:size] >= offset)
            kind_m, act_m = kind[offset:], act[offset:]
            hit = (
                now
                & (kind_m != 1)
                & ((kind_m == 2) | (act_m == a[:size]) | ((act_m == b[:size]) & (ch[offset:] != c2[:size])))
            )
            broke[:size] |= hit
            live[:size] = now & (kind_m != 1) & ~hit
        # per transition and path, sorted once: made across channels or on one, and broken
        at = np.flatnonzero(plain)
        edge, at = _sort_by(a[at] * n_acts + b[at], at, act.size)  # paths stay in order
        bits = n.bit_length()  # (transition, path) pairs as edge * stride + path
        stride = 1 << bits
        key = (edge << bits) | slot_path[at]
        across_, broke_ = switched[at], broke[at]

        def grouped(flag: np.ndarray) -> np.ndarray:
            found: np.ndarray = key[flag]
            return found[_first(found)]

        across, along = grouped(across_), grouped(~across_)
        broke_across, broke_along = grouped(across_ & broke_), grouped(~across_ & broke_)
        # the channels of each path's first break across channels of a transition
        found = key[across_ & broke_]
        first = at[across_ & broke_][_first(found)]
        combo = (a[first] * n_acts + b[first]) * n_channels * n_channels + ch[first] * n_channels + c2[first]
        combos, inverse = _grouped(combo)
        cases = np.bincount(inverse, weights=data.cases[slot_path[first]], minlength=combos.size)
        pairs: dict[int, Counter[str]] = defaultdict(Counter)
        for c, m in zip(combos, cases):
            e, c_1, c_2 = (
                int(c) // (n_channels * n_channels),
                int(c) // n_channels % n_channels,
                int(c) % n_channels,
            )
            pairs[e][f"{flat.channels[c_1]} → {flat.channels[c_2]}"] += int(m)

        def count(found: np.ndarray, e: int) -> int:
            return int(data.cases[_rows_of(found, e, stride)].sum())

        compared = []
        for e in np.unique(broke_across >> bits):
            e = int(e)
            k = count(broke_across, e)
            if k < min_cases or k / data.n_cases < min_share or count(along, e) < min_cases:
                continue
            compared.append((e, k))
        level = 1 - (1 - data.confidence) / max(1, len(compared))
        for e, k in compared:
            n1, n2 = count(across, e), count(along, e)
            k2 = count(broke_along, e)
            low, high = data.difference_ci(k, n1, k2, n2, confidence=level)
            if low <= 0:
                continue
            rates = (k / n1, k2 / n2, low, high, level)
            broken = _mask(n, _rows_of(broke_across, e, stride))
            held = _mask(n, _rows_of(along, e, stride)) & ~_mask(n, _rows_of(broke_along, e, stride))
            transition = (names[e // n_acts], names[e % n_acts])
            out.append(self._handover(data, transition, broken, held, k, rates, pairs[e], window))
        return out

    def _hopping(
        self,
        data: JourneyData,
        mask: Mask,
        k: int,
        extra: np.ndarray,
        switches: np.ndarray,
        unusual: Counter[str],
        min_extra: int,
    ) -> Finding:
        impact = data.time_impact(mask)
        w = data.cases
        mean_in = float((switches * w)[mask].sum() / k)
        rest = int(w[~mask].sum())
        mean_out = float((switches * w)[~mask].sum() / rest) if rest else math.nan
        extra_mean = float((extra * w)[mask].sum() / k)
        where = [a for a, _ in _top(unusual, 3)]
        explanation = (
            f"{_share_text(data, k)} switch channel at least {min_extra} times more than their steps "
            f"need ({extra_mean:.1f} extra switches; {mean_in:.1f} switches in all, against "
            f"{mean_out:.1f} for the others)."
            + (f" They most often leave the usual channel at {', '.join(where)}." if where else "")
            + _impact_text(impact)
        )
        action = (
            "Let customers finish what they start on the channel they chose: make each step "
            "possible there, and where a switch is needed carry the case across so that nothing "
            "has to be told or done twice."
        )
        return _found(
            data,
            self.name,
            title="Journeys hop between channels",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=where,
            evidence=_evidence(
                self,
                kind="hopping",
                extra_switches_per_case=extra_mean,
                switches_per_case=mean_in,
                switches_per_other_case=mean_out,
                unusual_channel_at={a: int(m) for a, m in _top(unusual, 10)},
                impact=impact.to_dict(),
            ),
        )

    def _handover(
        self,
        data: JourneyData,
        edge: tuple[str, str],
        mask: Mask,
        held: Mask,
        k: int,
        rates: tuple[float, float, float, float, float],
        pairs: Counter[str],
        window: int,
    ) -> Finding:
        a, b = edge
        impact = data.time_difference(mask, held) if data.count(held) >= 2 else data.time_impact(mask)
        across, along, low, high, level = rates
        top = _top(pairs, 3)
        explanation = (
            f"{_share_text(data, k)} go from {a} to {b} on another channel"
            + (f" (mostly {', '.join(p for p, _ in top)})" if top else "")
            + f" and then, within {window} steps, repeat a step or contact us: the hand-over did not "
            f"carry over. That happens to {_pct(across)} of those who switch channel there, against "
            f"{_pct(along)} of those who stay on one channel."
            + _impact_text(impact)[:-1]
            + " than those who stayed on one channel without a break."
        )
        action = (
            f"Carry the case across when customers move from {a} on one channel to {b} on another: "
            f"show the second channel what was done on the first, so that customers need not repeat "
            f"it or call to explain."
        )
        return _found(
            data,
            self.name,
            title=f"The hand-over from {a} to {b} breaks across channels",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=[a, b],
            transitions=[edge],
            evidence=_evidence(
                self,
                kind="broken hand-over",
                channel_pairs={p: int(m) for p, m in _top(pairs, 10)},
                break_rate_across_channels=across,
                break_rate_on_one_channel=along,
                rate_difference_ci=[low, high],
                rate_difference_confidence=level,
                impact=impact.to_dict(),
            ),
        )


# --------------------------------------------------------------------------------------------
# drop-off


class DropOff(BaseHeuristic):
    """Where journeys end without the outcome: the last touchpoint of the paths that never
    reach it.

    One finding per last touchpoint ``X`` of enough non-completing cases, when at least
    ``min_rate`` of the cases that reach ``X`` end there. Needs an outcome (``outcome=``, or the
    journey map's or the ideal journey's): without one it reports a single note, not material,
    saying so.

    Parameters
    ----------
    min_share : float, default 0.02
    min_cases : int, default 10
    min_rate : float, default 0.05
        The least share of the cases that reach ``X`` and end there.

    Notes
    -----
    Impact
        ``lost_completions``: the cases that end after ``X`` times the completion share of the
        cases that reach ``X`` and go on (what the leavers would have completed had they done as
        the others who got that far), with Newcombe's interval of that gap.

    Blind spots
        Journeys still under way at the end of the export look like drop-offs (cut the log
        where journeys are complete); a customer who completes on a channel the log does not
        see looks lost. Why they leave is not in the log.
    """

    name = "drop-off"
    description = "Where journeys end without the outcome: the last touchpoint of those who never complete"
    defaults: ClassVar[Mapping[str, Any]] = {"min_share": 0.02, "min_cases": 10, "min_rate": 0.05}

    def evaluate(self, data: JourneyData) -> list[Finding]:
        min_share = _share_param(self, "min_share")
        min_cases = _count_param(self, "min_cases")
        min_rate = _share_param(self, "min_rate")
        if not data.outcome:
            return [self._note(data)]
        n = len(data.paths)
        if n == 0 or data.n_cases == 0:
            return []
        done = data.completed()
        flat = data.flat
        ends = flat.last_steps()
        last = np.where(ends >= 0, flat.activity[np.maximum(ends, 0)], -1)  # -1: an empty path
        out = []
        ending = last[~done] + 1  # 0: an empty path
        cases_ending = np.bincount(ending, weights=data.cases[~done], minlength=len(flat.activities) + 1)
        for code in np.unique(ending) - 1:
            x = flat.activities[code] if code >= 0 else ""
            k = int(cases_ending[code + 1])
            if k < min_cases or k / data.n_cases < min_share:
                continue
            mask = (last == code) & ~done
            reached = data.having(x)
            n_reached = data.count(reached)
            if k / n_reached < min_rate:
                continue
            out.append(self._finding(data, x, mask, reached & ~mask, k, n_reached))
        return out

    def _finding(
        self, data: JourneyData, x: str, mask: Mask, going_on: Mask, k: int, reached: int
    ) -> Finding:
        outcome = " / ".join(data.outcome)
        on = data.count(going_on)
        impact = data.completion_difference(mask, going_on) if on else data.completion_impact(mask)
        completed_after = data.count(going_on & data.completed()) / on if on else math.nan
        flat = data.flat
        longer = mask & (flat.lengths > 1)
        penultimate = flat.activity[flat.starts[longer] + flat.lengths[longer] - 2]
        before = _counter(flat.activities, penultimate, data.cases[longer])
        came = _top(before, 1)
        explanation = (
            f"{_share_text(data, k)} end their journey after {x} and never reach {outcome}: "
            f"{_pct(k / reached)} of the {reached:,} who reach {x}."
            + (f" Most came to {x} from {came[0][0]}." if came else "")
            + (
                f" Of those who go on from {x}, {_pct(completed_after)} reach {outcome}; had the "
                f"leavers done as well, about {impact.value:,.0f} more journeys would have completed"
                f"{_interval(impact, lambda v: f'{v:,.0f}')}."
                if on and math.isfinite(impact.value)
                else _impact_text(impact)
            )
        )
        action = (
            f"Follow up with customers who stop after {x}: find out why they leave (an exit "
            f"question, a call within days), remove what stops them there, and win back those "
            f"still in time."
        )
        return _found(
            data,
            self.name,
            title=f"Journeys end after {x} without {outcome}",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=[x],
            transitions=[(came[0][0], x)] if came else [],
            evidence=_evidence(
                self,
                reached=reached,
                rate=k / reached,
                going_on=on,
                completed_after=completed_after,
                came_from={a: int(m) for a, m in _top(before, 5)},
                impact=impact.to_dict(),
            ),
        )

    def _note(self, data: JourneyData) -> Finding:
        note = (
            "no outcome given (outcome=, --outcome, or the journey map's or ideal journey's "
            "outcome): without it complete and incomplete journeys cannot be told apart, so "
            "nothing is said about drop-off"
        )
        return Finding(
            heuristic=self.name,
            title="Drop-off not assessed: no outcome given",
            explanation=f"Drop-off was not assessed: {note}.",
            touchpoints=(),
            transitions=(),
            variants=(),
            cases=0,
            share=0.0 if data.n_cases else math.nan,
            share_ci=data.share_ci(0),
            segments=(),
            impact=_no_harm("lost_completions", "no outcome given"),
            action=(
                "Pass the activity that completes a journey as outcome= "
                "(for example outcome='Contract signed')."
            ),
            evidence=_evidence(self, note=note),
        )


# --------------------------------------------------------------------------------------------
# slow-transitions


class SlowTransitions(BaseHeuristic):
    """Bottlenecks: transitions much slower in one segment than in the rest, and the longest
    waits of the process.

    The strong signal: a transition ``A → B`` whose median or 90th percentile (from the DFG per
    segment) in one segment is at least ``min_ratio`` times that of the other segments (their
    case-weighted mean). Such a finding is material when the extra time on it is clearly above
    zero. The ``bottlenecks`` longest waits of the whole log (``dfg_all``, by median and by p90)
    are reported too, as context that is never material: a wait that is equally long everywhere
    is simply how the process is, with nothing to compare it with.

    Parameters
    ----------
    min_ratio : float, default 1.5
    min_effect : float, default 0.02
        The least extra time at the median or the 90th percentile, in standard deviations of the
        journey time: a web page twice as slow is no bottleneck of a journey of weeks.
    min_cases : int, default 20
        Cases through the transition in the segment and in the rest.
    min_share : float, default 0.01
        Least share of all cases through it in the segment.
    bottlenecks : int, default 3
        How many of the longest waits to report as context (0: none).

    Notes
    -----
    Impact
        ``journey_time_s``: the time on ``A → B`` per case in the segment minus per case in the
        other segments, from the paths' mean step times (``gaps_s``) made per case with
        :meth:`JourneyData.case_times` (a conservative spread), seeded bootstrap; the effect is
        in standard deviations of the journey time.

    Blind spots
        Only direct transitions: a wait interrupted by a call (``Valuation → call → Offer
        sent``) is not on ``Valuation → Offer sent``. The other segments' median is the
        case-weighted mean of their medians, an approximation. A segment slower because its
        customers are (they answer later) looks the same as a slow back office.
    """

    name = "slow-transitions"
    description = (
        "Transitions much slower in one segment than in the rest, and the longest waits of the process"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        "min_ratio": 1.5,
        "min_effect": 0.02,
        "min_cases": 20,
        "min_share": 0.01,
        "bottlenecks": 3,
    }

    def evaluate(self, data: JourneyData) -> list[Finding]:
        min_ratio = _number_param(self, "min_ratio", 1.0)
        min_effect = _number_param(self, "min_effect", -1.0)
        min_cases = _count_param(self, "min_cases")
        min_share = _share_param(self, "min_share")
        bottlenecks = _count_param(self, "bottlenecks", 0)
        if not data.timed or len(data.paths) == 0 or data.n_cases == 0:
            return []
        out = []
        edge_times = _EdgeTimes(data)
        if len(data.segments) >= 2 and len(data.dfg):
            out.extend(self._segments(data, edge_times, min_ratio, min_effect, min_cases, min_share))
        if bottlenecks and len(data.dfg_all):
            out.extend(self._bottlenecks(data, edge_times, bottlenecks, min_cases))
        return out

    def _segments(
        self,
        data: JourneyData,
        edge_times: _EdgeTimes,
        min_ratio: float,
        min_effect: float,
        min_cases: int,
        min_share: float,
    ) -> list[Finding]:
        labels = _labels(data)
        sd = data.duration_sd if math.isfinite(data.duration_sd) else 0.0
        dfg = data.dfg
        label_codes = data._label_codes()[0]
        in_segment: dict[str, Mask] = {}
        rows: dict[tuple[str, str], dict[str, tuple[float, float, float, int]]] = defaultdict(dict)
        for seg, src, tgt, cases, median, p90, mean in zip(
            dfg["segment"],
            dfg["source"],
            dfg["target"],
            dfg["cases"],
            dfg["median_s"],
            dfg["p90_s"],
            dfg["mean_s"],
        ):
            label = labels.get(_key(seg))
            if label is None or not (math.isfinite(median) and math.isfinite(p90)):
                continue
            rows[(str(src), str(tgt))][label] = (float(median), float(p90), float(mean), int(cases))
        slower = []
        for edge in sorted(rows):
            per = rows[edge]
            for seg in data.segments:
                if seg not in per or per[seg][3] < min_cases:
                    continue
                others = [v for s, v in per.items() if s != seg]
                rest_cases = sum(v[3] for v in others)
                if rest_cases < min_cases:
                    continue
                med, p90, _mean, cases = per[seg]
                rest_med = sum(v[0] * v[3] for v in others) / rest_cases
                rest_p90 = sum(v[1] * v[3] for v in others) / rest_cases
                if max(med / max(rest_med, 1.0), p90 / max(rest_p90, 1.0)) < min_ratio:
                    continue
                if max(med - rest_med, p90 - rest_p90) < min_effect * sd:
                    continue  # slower, but by too little to matter for the journey
                slower.append((edge, seg, (med, p90), (rest_med, rest_p90)))
        edge_times.need(edge for edge, *_ in slower)
        candidates = []
        for edge, seg, own, others_ in slower:
            through, values = edge_times.through(edge), edge_times.values(edge)
            if seg not in in_segment:
                in_segment[seg] = label_codes == data.segments.index(seg)
            inside = through & in_segment[seg]
            rest = through & ~in_segment[seg]
            k = data.count(inside)
            if k < min_cases or k / data.n_cases < min_share or data.count(rest) < min_cases:
                continue
            candidates.append((edge, seg, inside, rest, values, k, own, others_))
        # every candidate is a comparison: Bonferroni, so that many edges and segments do not
        # make a slow one by chance
        level = 1 - (1 - data.confidence) / max(1, len(candidates))
        out = []
        for edge, seg, inside, rest, values, k, own, others_ in candidates:
            impact = data.extra_time_impact(
                data.case_times(values, inside),
                data.case_times(values, rest),
                what=(
                    f"time on {edge[0]} → {edge[1]} per case in {seg} minus in the other segments "
                    f"(gaps_s), Bonferroni-adjusted over {len(candidates)} slow candidates"
                ),
                confidence=level,
            )
            out.append(self._slow(data, edge, seg, inside, k, impact, own, others_))
        return out

    def _slow(
        self,
        data: JourneyData,
        edge: tuple[str, str],
        seg: str,
        mask: Mask,
        k: int,
        impact: Impact,
        own: tuple[float, float],
        rest: tuple[float, float],
    ) -> Finding:
        a, b = edge
        ratios = (own[0] / max(rest[0], 1.0), own[1] / max(rest[1], 1.0))
        by = "median" if ratios[0] >= ratios[1] else "90th percentile"
        explanation = (
            f"In {seg}, {a} → {b} takes {_duration(own[0])} (median; 90 % within {_duration(own[1])}), "
            f"against {_duration(rest[0])} ({_duration(rest[1])}) in the other segments: "
            f"{max(ratios):.1f} times as long by the {by}. It concerns the {_share_text(data, k)} of "
            f"{seg} who go straight from {a} to {b}."
            + (
                f" They spend {_duration(impact.value)} longer on it on average"
                f"{_interval(impact, _duration)}."
                if math.isfinite(impact.value)
                else _impact_text(impact)
            )
        )
        action = (
            f"Find what holds up {a} → {b} in {seg} (a queue, a hand-over between teams, "
            f"capacity): compare with how the other segments are served, and set a target time for it."
        )
        return _found(
            data,
            self.name,
            where=False,
            title=f"{a} → {b} is slow in {seg}",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=[a, b],
            transitions=[edge],
            evidence=_evidence(
                self,
                segment=seg,
                median_s=own[0],
                p90_s=own[1],
                rest_median_s=rest[0],
                rest_p90_s=rest[1],
                ratio_median=ratios[0],
                ratio_p90=ratios[1],
                impact=impact.to_dict(),
            ),
        )

    def _bottlenecks(
        self,
        data: JourneyData,
        edge_times: _EdgeTimes,
        top: int,
        min_cases: int,
    ) -> list[Finding]:
        d = data.dfg_all
        edges = [
            (str(s), str(t), float(med), float(p90), float(mean), int(c))
            for s, t, med, p90, mean, c in zip(
                d["source"], d["target"], d["median_s"], d["p90_s"], d["mean_s"], d["cases"]
            )
            if int(c) >= min_cases and math.isfinite(med) and math.isfinite(p90)
        ]
        by_median = sorted(edges, key=lambda e: (-e[2], e[0], e[1]))[:top]
        by_tail = sorted(edges, key=lambda e: (-e[3], e[0], e[1]))[:top]
        chosen = {(e[0], e[1]): e for e in by_median + by_tail}
        out = []
        edge_times.need(chosen)
        for (a, b), (_, _, med, p90, mean, _) in sorted(chosen.items()):
            mask = edge_times.through((a, b))
            if not mask.any():
                continue
            impact = Impact(
                "journey_time_s",
                mean,
                math.nan,
                math.nan,
                method=(
                    "the mean time on the transition (dfg_all); one of the longest waits of the "
                    "whole process, with nothing to compare it with: context, not material"
                ),
            )
            ranks = [
                name
                for name, group in (("median", by_median), ("90th percentile", by_tail))
                if any((e[0], e[1]) == (a, b) for e in group)
            ]
            explanation = (
                f"{a} → {b} is one of the longest waits of the journey by the {' and the '.join(ranks)}: "
                f"{_duration(med)} (median), 90 % within {_duration(p90)}, {_duration(mean)} on average, "
                f"for the {_share_text(data, data.count(mask))} who pass it. On its own this is how the "
                f"process runs today, not something found wrong: that is one segment waiting much "
                f"longer than the rest."
            )
            out.append(
                _found(
                    data,
                    self.name,
                    title=f"{a} → {b} is one of the longest waits",
                    explanation=explanation,
                    mask=mask,
                    impact=impact,
                    action=(
                        f"If customers must wait on {a} → {b}, tell them how long and keep them "
                        f"informed; shorten it where the wait is not needed."
                    ),
                    touchpoints=[a, b],
                    transitions=[(a, b)],
                    evidence=_evidence(
                        self, kind="longest wait", median_s=med, p90_s=p90, mean_s=mean, by=ranks
                    ),
                )
            )
        return out


def _key(segment: Any) -> Any:
    """A segment value as a dict key (missing values alike)."""
    try:
        if segment is None or (isinstance(segment, float) and math.isnan(segment)):
            return None
    except TypeError:
        pass
    return segment


def _labels(data: JourneyData) -> dict[Any, str]:
    """The segment label of each raw segment value (as in ``paths``)."""
    segments, labels = data.paths["segment"], data.paths["label"]
    try:  # a row like the one before it changes nothing: paths come ordered by segment
        same = segments.eq(segments.shift()).to_numpy(dtype=bool) & labels.eq(labels.shift()).to_numpy(
            dtype=bool
        )
        segments, labels = segments[~same], labels[~same]
    except (TypeError, ValueError):
        pass
    out: dict[Any, str] = {}
    for seg, label in zip(segments, labels):
        if label is not None:
            out.setdefault(_key(seg), str(label))
    return out


class _EdgeTimes:
    """Per transition ``A -> B``: the paths through it and the time on it per case (all its
    passes, from the paths' mean step times ``gaps_s``), for the transitions asked for only."""

    def __init__(self, data: JourneyData) -> None:
        self.data = data
        self.found: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.slots: tuple[np.ndarray, np.ndarray] | None = None

    def need(self, edges: Iterable[tuple[str, str]]) -> None:
        """Compute the given transitions, all in one pass over the steps."""
        data, flat = self.data, self.data.flat
        todo = [e for e in dict.fromkeys(edges) if e not in self.found]
        if not todo:
            return
        index = {a: i for i, a in enumerate(flat.activities)}
        width, n = max(1, len(flat.activities)), len(flat.lengths)
        codes = {e: index[e[0]] * width + index[e[1]] for e in todo if e[0] in index and e[1] in index}
        empty: tuple[np.ndarray, np.ndarray] = (np.empty(0, dtype=np.int64), np.empty(0))
        pairs, times = empty
        if codes:
            if self.slots is None:  # every step followed by another, on a path with gaps
                with_gaps = data.list_values("gaps_s")[2] if data.timed else np.zeros(n, dtype=bool)
                i = np.flatnonzero((flat.remaining >= 1) & with_gaps[flat.path])
                self.slots = (i, flat.activity[i] * width + flat.activity[i + 1])
            i, edge = self.slots
            lookup = np.zeros(width * width, dtype=bool)
            lookup[list(codes.values())] = True
            wanted = lookup[edge]
            edge, i = _sort_by(edge[wanted], i[wanted], flat.activity.size)  # per edge, steps in order
            pairs, run = _runs(edge * n + flat.path[i])
            # added per edge and path in the order of the steps (np.bincount keeps it)
            times = np.bincount(run, weights=data.step_gaps()[i], minlength=pairs.size)
        for e in todo:
            if e not in codes:
                self.found[e] = empty
                continue
            lo, hi = np.searchsorted(pairs, [codes[e] * n, (codes[e] + 1) * n])
            self.found[e] = (pairs[lo:hi] - codes[e] * n, times[lo:hi])

    def through(self, edge: tuple[str, str]) -> Mask:
        self.need([edge])
        return _mask(len(self.data.paths), self.found[edge][0])

    def values(self, edge: tuple[str, str]) -> np.ndarray:
        """Per path, the time on ``edge`` per case (NaN for the paths not through it)."""
        self.need([edge])
        rows, times = self.found[edge]
        out = np.full(len(self.data.paths), math.nan)
        out[rows] = times
        return out


# --------------------------------------------------------------------------------------------
# emotion-hotspots


class EmotionHotspots(BaseHeuristic):
    """Touchpoints where customers are unhappy: a mean sentiment clearly below the rest.

    Per touchpoint, the sentiment of its events (``measure_n``, ``measure_sum``,
    ``measure_sq`` of the paths) against that of every other event. With segments, also per
    touchpoint and segment: how much lower the touchpoint is in the segment than in the other
    segments (the median of their means), beyond how much lower the segment is at its other
    touchpoints (the median of those differences), so that a segment that is unhappier
    everywhere does not make every one of its touchpoints a hotspot, and one hotspot moves
    neither baseline. A hotspot is a difference of at least ``min_effect`` (Cohen's *d*)
    whose interval, adjusted for the number of comparisons, lies below zero. Needs a sentiment
    column: without one it finds nothing.

    Parameters
    ----------
    min_effect : float, default 0.2
        The least standardised difference (a small effect) to report.
    min_events : int, default 20
        Events with a sentiment in each group compared.
    min_share : float, default 0.01
    by_segment : bool, default True
        Also compare each touchpoint between segments.

    Notes
    -----
    Impact
        ``sentiment``: the difference of means (less the segment's offset), with Welch's t
        interval (``scipy.stats.t``, Satterthwaite's degrees of freedom; per segment the other
        segments' level has the uncertainty of their pooled events, and the offset, a median of
        k differences, about pi / 2 times their mean variance over k) at a
        Bonferroni-adjusted confidence over all the comparisons made, so that a log with many
        touchpoints does not produce hotspots by chance. The affected cases are those who pass
        the touchpoint (in the segment).

    Blind spots
        Events, not customers: a customer who calls five times counts five times. A touchpoint
        where sentiment is rarely recorded is compared on few events; where it is recorded only
        when something goes wrong (a complaint form), it looks worse than it is. The sentiment a
        touchpoint gets may be caused earlier (a customer arriving frustrated).
    """

    name = "emotion-hotspots"
    description = "Touchpoints where the customers' sentiment is clearly lower than elsewhere"
    defaults: ClassVar[Mapping[str, Any]] = {
        "min_effect": 0.2,
        "min_events": 20,
        "min_share": 0.01,
        "by_segment": True,
    }

    def evaluate(self, data: JourneyData) -> list[Finding]:
        min_effect = _number_param(self, "min_effect", 0.0)
        min_events = _count_param(self, "min_events", 2)
        min_share = _share_param(self, "min_share")
        by_segment = _flag_param(self, "by_segment")
        if data.measure is None or len(data.paths) == 0 or data.n_cases == 0:
            return []
        steps = data.step_measures()
        if steps.empty:
            return []
        per_act: dict[str, np.ndarray] = {}
        per_seg: dict[tuple[str, str], np.ndarray] = {}
        seg_total: dict[str, np.ndarray] = {}
        for label, act, n, s, q in zip(
            steps["label"], steps["activity"], steps["n"], steps["sum"], steps["sq"]
        ):
            v = np.array([n, s, q], dtype="float64")
            per_act[act] = per_act.get(act, np.zeros(3)) + v
            if label is not None:
                per_seg[(str(label), str(act))] = v
                seg_total[str(label)] = seg_total.get(str(label), np.zeros(3)) + v
        total = sum(per_act.values(), np.zeros(3))
        # (segment or None, touchpoint, own, comparison, offset): own - comparison - offset
        tests: list[tuple[str | None, str, np.ndarray, np.ndarray, float, float]] = []
        for act in sorted(per_act):
            tests.append((None, act, per_act[act], total - per_act[act], 0.0, 0.0))
        if by_segment and len(data.segments) >= 2:
            # cell means (segment, touchpoint) with enough events; a touchpoint's level in the
            # other segments is the median of their means, and a segment's offset the median of
            # its differences at its other touchpoints: one hotspot moves neither baseline
            means = {key: v[1] / v[0] for key, v in per_seg.items() if v[0] >= min_events}
            delta: dict[tuple[str, str], tuple[float, float]] = {}  # difference, its variance
            for (seg, act), m in means.items():
                others = [means[(o, act)] for o in data.segments if o != seg and (o, act) in means]
                elsewhere = per_act[act] - per_seg[(seg, act)]
                if others and elsewhere[0] >= min_events:
                    var = _var_of_mean(per_seg[(seg, act)]) + _var_of_mean(elsewhere)
                    delta[(seg, act)] = (m - float(np.median(others)), var)
            for seg, act in sorted(delta):
                elsewhere = per_act[act] - per_seg[(seg, act)]
                theirs = [d for (s2, a2), d in delta.items() if s2 == seg and a2 != act]
                offset, offset_var = 0.0, 0.0
                if len(theirs) >= 2:
                    # a median of k values of about equal variance v has a variance of about
                    # (pi / 2) v / k
                    offset = float(np.median([d for d, _ in theirs]))
                    offset_var = math.pi / 2 * float(np.mean([v for _, v in theirs])) / len(theirs)
                # own - comparison - offset: the comparison's mean moved to the median level
                level_elsewhere = means[(seg, act)] - delta[(seg, act)][0]
                moved = [elsewhere[0], level_elsewhere * elsewhere[0], _sq(elsewhere, level_elsewhere)]
                tests.append((seg, act, per_seg[(seg, act)], np.array(moved), offset, offset_var))
        tests = [t for t in tests if t[2][0] >= min_events and t[3][0] >= min_events]
        if not tests:
            return []
        level = 1 - (1 - data.confidence) / len(tests)
        label_codes = data._label_codes()[0]
        out = []
        for where, act, own, compared, offset, offset_var in tests:
            s = _welch(own, compared, level, offset, offset_var)
            if s is None or -s["d"] < min_effect or not s["high"] < 0:
                continue
            mask = data.having(act)
            if where in data.segments:
                mask &= label_codes == data.segments.index(where)
            elif where is not None:
                mask &= data.paths["label"].to_numpy(dtype=object) == where
            k = data.count(mask)
            if k == 0 or k / data.n_cases < min_share:
                continue
            out.append(self._finding(data, where, act, mask, s, len(tests), level))
        return out

    def _finding(
        self,
        data: JourneyData,
        seg: str | None,
        act: str,
        mask: Mask,
        s: Mapping[str, float],
        m: int,
        level: float,
    ) -> Finding:
        if seg is None:
            against = "the other touchpoints"
            what = f"the mean sentiment of the events at {act} minus that of every other event"
        else:
            against = f"{act} in the other segments"
            what = (
                f"how much lower the mean sentiment at {act} is in {seg} than in the other segments "
                f"(the median of their means), beyond how much lower {seg} is at its other "
                f"touchpoints (the median of those differences, {s['offset']:+.3f})"
            )
        impact = Impact(
            "sentiment",
            s["diff"],
            s["low"],
            s["high"],
            effect=-s["d"],
            method=(
                f"{what}: Welch's t interval, Bonferroni-adjusted over {m} comparisons "
                f"(confidence {level:.4g})"
            ),
        )
        ci = _interval(impact, lambda x: f"{x:.2f}", flip=True)
        k = data.count(mask)
        if seg is None:
            explanation = (
                f"At {act} customers express a mean sentiment of {s['mean']:.2f} ({int(s['n']):,} "
                f"events), against {s['rest_mean']:.2f} at {against} ({int(s['rest_n']):,} events): "
                f"{abs(s['diff']):.2f} lower{ci}. It concerns the {_share_text(data, k)} who pass {act}."
            )
        else:
            explanation = (
                f"At {act} the customers of {seg} express a mean sentiment of {s['mean']:.2f} "
                f"({int(s['n']):,} events), against {s['rest_mean']:.2f} at {against}: "
                f"{abs(s['diff']):.2f} lower{ci} than {seg}'s sentiment at its other touchpoints "
                f"would lead one to expect. It concerns the {_share_text(data, k)} of {seg} who "
                f"pass {act}."
            )
        where = f" for {seg}" if seg else ""
        action = (
            f"Read what customers say at {act}{where} (transcripts, comments): fix what upsets "
            f"them there, and prepare staff for customers who arrive there frustrated."
        )
        return _found(
            data,
            self.name,
            where=seg is None,
            title=f"{act} is an emotional low point{where}",
            explanation=explanation,
            mask=mask,
            impact=impact,
            action=action,
            touchpoints=[act],
            evidence=_evidence(
                self,
                segment=seg,
                mean=s["mean"],
                events=int(s["n"]),
                compared_with=against,
                compared_mean=s["rest_mean"],
                compared_events=int(s["rest_n"]),
                segment_offset=s["offset"],
                cohen_d=s["d"],
                comparisons=m,
                impact=impact.to_dict(),
            ),
        )


def _sq(group: np.ndarray, mean: float) -> float:
    """The sum of squares of a group (n, sum, sum of squares) with its spread kept but its mean
    moved to ``mean``."""
    n, s, q = (float(x) for x in group)
    return q - s * s / n + n * mean * mean


def _var_of_mean(group: np.ndarray) -> float:
    """The variance of the mean of a group given as (n, sum, sum of squares)."""
    n, s, q = (float(x) for x in group)
    return max(0.0, (q - s * s / n) / (n - 1)) / n if n > 1 else math.inf


def _welch(
    own: np.ndarray, rest: np.ndarray, confidence: float, offset: float = 0.0, offset_var: float = 0.0
) -> dict[str, float] | None:
    """``mean(own) - mean(rest) - offset`` for two groups given as (n, sum, sum of squares):
    Welch's t interval (Satterthwaite's degrees of freedom) at ``confidence``, the offset's own
    variance added, and Cohen's d (in pooled standard deviations). None when there is no spread."""
    from scipy import stats

    n1, s1, q1 = (float(x) for x in own)
    n2, s2, q2 = (float(x) for x in rest)
    m1, m2 = s1 / n1, s2 / n2
    v1 = max(0.0, (q1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (q2 - n2 * m2 * m2) / (n2 - 1))
    se2 = v1 / n1 + v2 / n2
    pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
    if se2 <= 0 or pooled <= 0:
        return None
    df = se2 * se2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(se2 + offset_var)
    diff = m1 - m2 - offset
    return {
        "diff": diff,
        "low": diff - half,
        "high": diff + half,
        "d": diff / math.sqrt(pooled),
        "mean": m1,
        "rest_mean": m2,
        "offset": offset,
        "n": n1,
        "rest_n": n2,
    }


# --------------------------------------------------------------------------------------------
# complaint-journeys


class ComplaintJourneys(BaseHeuristic):
    """Journeys with a complaint: how often, where, and what becomes of them.

    The cases whose path holds an activity matching ``complaints``, in one finding, with what
    comes just before the complaint. Finds nothing when no activity of the log matches.

    Parameters
    ----------
    complaints : list of str, default :data:`COMPLAINTS`
        Names or glob patterns (case-insensitive): ``*complain*``, ``*klacht*``, ``*grievance*``.
    min_share : float, default 0.005
    min_cases : int, default 5

    Notes
    -----
    Impact
        ``lost_completions`` when an outcome is known: the complainants times the gap between
        the others' completion share and theirs (Newcombe's interval); without an outcome
        ``journey_time_s``, their journey time minus the others'. ``evidence`` holds both.

    Blind spots
        Only complaints the log records as an activity (not a complaint flag on another event,
        nor one made elsewhere). Customers complain because something went wrong before: the
        impact is of that too, not of the complaint alone.
    """

    name = "complaint-journeys"
    description = "Journeys with a complaint: how many, what precedes it, their completion and time"
    defaults: ClassVar[Mapping[str, Any]] = {"complaints": COMPLAINTS, "min_share": 0.005, "min_cases": 5}

    def evaluate(self, data: JourneyData) -> list[Finding]:
        patterns = _patterns(self, "complaints")
        min_share = _share_param(self, "min_share")
        min_cases = _count_param(self, "min_cases")
        if len(data.paths) == 0 or data.n_cases == 0:
            return []
        acts = set(data.matching(patterns))
        if not acts:
            return []
        flat = data.flat
        complaint = np.isin(flat.activity, flat.codes(acts))
        mask = flat.paths_with(complaint)
        k = data.count(mask)
        if k < min_cases or k / data.n_cases < min_share:
            return []
        time = data.time_impact(mask)
        impact = data.completion_impact(mask) if data.outcome else time
        # per path with a complaint, the step before its first one, and whether it ends with one
        at = np.flatnonzero(complaint)
        first = at[np.r_[True, flat.path[at][1:] != flat.path[at][:-1]]]
        later = first[flat.position[first] > 0]
        before = _counter(flat.activities, flat.activity[later - 1], data.cases[flat.path[later]])
        ends = flat.last_steps()
        ended = int(data.cases[(ends >= 0) & complaint[np.maximum(ends, 0)]].sum())
        names = sorted(acts)
        came = _top(before, 1)
        done = data.completed()
        outcome = " / ".join(data.outcome)
        completion = ""
        if data.outcome:
            own = data.count(mask & done) / k
            rest_n = data.count(~mask)
            rest = data.count(~mask & done) / rest_n if rest_n else math.nan
            completion = f" {_pct(own)} of them reach {outcome}, against {_pct(rest)} of the others."
        explanation = (
            f"{_share_text(data, k)} complain ({', '.join(names)})"
            + (f", most often right after {came[0][0]}" if came else "")
            + f"; {_cases(ended)} end their journey with the complaint."
            + completion
            + _impact_text(impact)
            + (_impact_text(time) if impact is not time else "")
        )
        action = (
            "Treat each complaint as a signal: find and fix what went wrong just before it"
            + (f" ({came[0][0]})" if came else "")
            + ", and close the loop with the customer quickly, so that the journey can still complete."
        )
        return [
            _found(
                data,
                self.name,
                title="Journeys with a complaint",
                explanation=explanation,
                mask=mask,
                impact=impact,
                action=action,
                touchpoints=names + ([came[0][0]] if came else []),
                transitions=[(came[0][0], names[0])] if came else [],
                evidence=_evidence(
                    self,
                    complaint_touchpoints=names,
                    came_from={a: int(m) for a, m in _top(before, 5)},
                    ending_with_complaint=ended,
                    impact=impact.to_dict(),
                    journey_time_s=time.to_dict(),
                ),
            )
        ]


# --------------------------------------------------------------------------------------------
# registration

BUILTINS: tuple[type[BaseHeuristic], ...] = (
    ReworkLoops,
    RepeatContacts,
    ChannelHopping,
    DropOff,
    SlowTransitions,
    EmotionHotspots,
    ComplaintJourneys,
)


@hookimpl
def journeymine_register_heuristics(register: Any) -> None:
    """Register the built-in heuristics, with their default parameters."""
    for cls in BUILTINS:
        register(cls())
