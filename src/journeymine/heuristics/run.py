"""``jm.improve``: run the heuristics, reverse thinking and what-if on one log's aggregates."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeymine.errors import ArgumentError, JourneymineError
from journeymine.heuristics.finding import Finding, rank

if TYPE_CHECKING:
    import os

    import pandas as pd

    from journeymine.eventlog import EventLog
    from journeymine.heuristics.base import Heuristic
    from journeymine.heuristics.data import JourneyData
    from journeymine.heuristics.ideal import IdealJourney
    from journeymine.heuristics.reverse import ReverseThinking
    from journeymine.heuristics.whatif import Change, WhatIf
    from journeymine.journeymap.spec import JourneyMap

__all__ = ["Improvement", "improve"]

#: the note every comparison of conforming and deviating (or affected and other) cases carries
OBSERVATIONAL = (
    "These are observational differences between groups of customers, not causal effects: "
    "customers who take a different path may differ in other ways too."
)


@dataclass(frozen=True)
class Improvement:
    """What :func:`improve` found.

    Attributes
    ----------
    findings : tuple of Finding
        Ranked by impact (:func:`journeymine.heuristics.rank`).
    reverse_thinking : ReverseThinking or None
        The as-is journeys against the ideal journey, when one was given.
    what_if : tuple of WhatIf
        One estimate per change asked for.
    heuristics : tuple of (str, dict)
        The heuristics run, with their parameters.
    notes : tuple of str
        What to know (a heuristic that could say nothing without an outcome, ...).
    by : str or None
    seed : int
    data : JourneyData
        The aggregates everything was computed from.
    """

    findings: tuple[Finding, ...]
    reverse_thinking: ReverseThinking | None
    what_if: tuple[WhatIf, ...]
    heuristics: tuple[tuple[str, Mapping[str, Any]], ...]
    notes: tuple[str, ...]
    by: str | None
    seed: int
    data: JourneyData = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON types: what ``journeymine improve --format json`` prints (keys sorted there)."""
        from journeymine.heuristics.finding import _plain

        out: dict[str, Any] = {
            "findings": [f.to_dict() for f in self.findings],
            "heuristics": [{"name": n, "params": _plain(dict(p))} for n, p in self.heuristics],
            "notes": list(self.notes),
            "by": self.by,
            "seed": self.seed,
            "cases": self.data.n_cases,
            "outcome": list(self.data.outcome),
            "note": OBSERVATIONAL,
        }
        if self.reverse_thinking is not None:
            out["reverse_thinking"] = self.reverse_thinking.to_dict()
        if self.what_if:
            out["what_if"] = [w.to_dict() for w in self.what_if]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON, keys sorted (byte-identical for the same log and seed)."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False, allow_nan=False)

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a table: one row each, in rank order."""
        import pandas as pd

        rows = []
        for i, f in enumerate(self.findings, 1):
            rows.append(
                {
                    "rank": i,
                    "heuristic": f.heuristic,
                    "title": f.title,
                    "cases": f.cases,
                    "share": f.share,
                    "share_low": f.share_ci[0],
                    "share_high": f.share_ci[1],
                    "concentrated_in": ", ".join(f.concentrated_in),
                    "metric": f.impact.metric,
                    "impact": f.impact.value,
                    "impact_low": f.impact.ci_low,
                    "impact_high": f.impact.ci_high,
                    "material": f.impact.material,
                    "action": f.action,
                }
            )
        columns = [
            "rank", "heuristic", "title", "cases", "share", "share_low", "share_high", "concentrated_in",
            "metric", "impact", "impact_low", "impact_high", "material", "action",
        ]  # fmt: skip
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame


def _choose(heuristics: Sequence[str | Heuristic] | None) -> list[Heuristic]:
    from journeymine.registry import heuristics as registered

    known = registered()
    if heuristics is None:
        return [known[name] for name in sorted(known)]
    if isinstance(heuristics, str):
        heuristics = [heuristics]
    chosen: list[Heuristic] = []
    for h in heuristics:
        if isinstance(h, str):
            if h not in known:
                from difflib import get_close_matches

                close = get_close_matches(h, list(known), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ArgumentError(
                    f"improve: no heuristic {h!r}{hint}; the heuristics: {', '.join(sorted(known))}"
                )
            chosen.append(known[h])
        else:
            from journeymine.registry import _check

            problems = _check("heuristic", h)
            if problems:
                raise ArgumentError(f"improve: heuristics= got {h!r}, which is no heuristic: {problems[0]}")
            chosen.append(h)
    return chosen


def improve(
    log: EventLog | Any,
    *,
    by: str | None = None,
    bins: Any = None,
    ideal: IdealJourney | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    heuristics: Sequence[str | Heuristic] | None = None,
    outcome: str | Sequence[str] | None = None,
    sentiment: str | None = None,
    map: JourneyMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    what_if: Sequence[Change | str] = (),
    seed: int = 0,
    confidence: float = 0.95,
    **read_options: Any,
) -> Improvement:
    """Find what to improve in the journeys: ranked findings, reverse thinking, what-if.

    Parameters
    ----------
    log : EventLog or pandas.DataFrame
        An event log, or a DataFrame (or path) with the mapping keywords of ``read_events``.
    by, bins : optional
        A segment, as in :func:`journeymine.discover_dfg`: each finding says where it is
        concentrated (its share in each segment against the rest of the log).
    ideal : IdealJourney, path, YAML text or mapping, optional
        The ideal future-state journey (see :mod:`journeymine.heuristics.ideal`): adds reverse
        thinking (the as-is journeys against it). Its ``outcome`` is the outcome unless
        ``outcome=`` is given.
    heuristics : sequence of str or Heuristic, optional
        The heuristics to run, by name or as objects with other parameters; default: every
        registered one.
    outcome : str or sequence of str, optional
        The activity (names or glob patterns) that completes a journey; default: the ideal's,
        else the journey map's. Without one, nothing is said about completion.
    sentiment : str, optional
        A numeric event column with the customer's sentiment; default: the journey map's.
    map : JourneyMap, path, YAML text or mapping, optional
        A journey map, for its ``outcome`` and ``sentiment``.
    what_if : sequence of Change or str
        Changes to estimate (``"remove:Documents incomplete"``, ``"first-time-right:Upload
        documents"``, ``"channel:Advisor meeting=phone"``; see :class:`journeymine.heuristics.Change`).
    seed : int
        Seeds every bootstrap: the same seed gives the same result.
    confidence : float
        Of every interval.

    Returns
    -------
    Improvement
    """
    from journeymine.eventlog import as_log
    from journeymine.heuristics.data import JourneyData

    log = as_log(log, "improve", **read_options)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArgumentError(f"improve: seed= must be a whole number >= 0, not {seed!r}")
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise ArgumentError(f"improve: confidence= must be a number between 0 and 1, not {confidence!r}")
    spec = None
    if map is not None:
        from journeymine.journeymap.spec import load_map

        spec = load_map(map)
    ideal_journey = None
    if ideal is not None:
        from journeymine.heuristics.ideal import load_ideal

        ideal_journey = load_ideal(ideal)
    chosen = _choose(heuristics)
    changes = []
    if what_if:
        from journeymine.heuristics.whatif import Change

        changes = [c if isinstance(c, Change) else Change.parse(c) for c in what_if]
    if outcome is None:
        if ideal_journey is not None and ideal_journey.outcome:
            outcome = ideal_journey.outcome
        elif spec is not None and spec.outcome:
            outcome = spec.outcome
    if sentiment is None and spec is not None:
        sentiment = spec.sentiment
    if sentiment is not None and sentiment not in log.columns:
        from journeymine.journeymap.spec import did_you_mean

        raise ArgumentError(
            f"improve: sentiment={sentiment!r} is no column of the log"
            f"{did_you_mean(sentiment, log.columns)}; pass sentiment= the numeric column with the "
            f"customer's sentiment"
        )
    data = JourneyData.from_log(
        log, by=by, bins=bins, outcome=outcome, measure=sentiment, seed=seed, confidence=confidence
    )
    unmatched = [o for o in data.outcome if not data.matching([o])] if data.n_cases else []
    if unmatched:  # every journey would count as a drop-off
        from journeymine.journeymap.spec import did_you_mean

        raise ArgumentError(
            f"improve: the outcome {unmatched[0]!r} matches no activity of the log"
            f"{did_you_mean(unmatched[0], data.activities)}; pass outcome= an activity (or a glob "
            f"pattern) that completes a journey"
        )
    notes: list[str] = []
    if not data.outcome:
        notes.append(
            "no outcome given (pass outcome=, or give the ideal journey or the journey map one): "
            "nothing is said about completion or drop-off"
        )
    if data.measure is None:
        notes.append("no sentiment column given (pass sentiment=, or map=): no sentiment impacts")
    findings: list[Finding] = []
    for h in chosen:
        try:
            found = list(h.evaluate(data))
        except JourneymineError:  # the user's mistake (a bad parameter value): say so
            raise
        except Exception as exc:  # a heuristic's bug must not take the others down
            from journeymine.registry import PluginWarning

            message = f"heuristic {h.name!r} failed and was left out: {type(exc).__name__}: {exc}"
            warnings.warn(message, PluginWarning, stacklevel=2)
            notes.append(message)
            continue
        bad = [f for f in found if not isinstance(f, Finding)]
        if bad:
            message = f"heuristic {h.name!r} returned {type(bad[0]).__name__}, not Finding: left out"
            from journeymine.registry import PluginWarning

            warnings.warn(message, PluginWarning, stacklevel=2)
            notes.append(message)
            continue
        findings.extend(found)
    reverse = None
    if ideal_journey is not None:
        from journeymine.heuristics.reverse import reverse_thinking

        reverse = reverse_thinking(data, ideal_journey)
    estimates: tuple[WhatIf, ...] = ()
    if changes:
        from journeymine.heuristics.whatif import what_if as estimate

        estimates = tuple(estimate(data, c, ideal=ideal_journey) for c in changes)
    return Improvement(
        findings=rank(findings),
        reverse_thinking=reverse,
        what_if=estimates,
        heuristics=tuple((h.name, dict(h.params)) for h in chosen),
        notes=tuple(notes),
        by=by,
        seed=seed,
        data=data,
    )
