"""Cut a customer's event stream into journeys, and select the journey to study.

A customer who took a mortgage in 2021 and looks at refinancing in 2025 made two journeys; a
customer who opened the mortgage calculator, signed, and then kept using the app made one journey
followed by "use". :func:`cut_journeys` cuts by an inactivity gap, by start and end touchpoints,
or both; journeys that never reach the end are kept and flagged (they are the drop-offs), and the
events that fall outside every journey are counted and kept in the report, never dropped silently.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from journeymine.engines.base import CutPlan
from journeymine.errors import ArgumentError, SchemaError
from journeymine.eventlog import EventLog, _other_columns
from journeymine.journeymap.figures import _log_activities
from journeymine.journeymap.spec import check_unmatched_argument, did_you_mean, name_matches, report_unmatched

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["JourneyLog", "JourneyReport", "cut_journeys"]

#: columns ``cut_journeys`` adds to every event
JOURNEY_COLUMNS = ("journey", "journey_index", "journey_complete", "journey_ended_by")


@dataclass
class JourneyReport:
    """What :func:`cut_journeys` did.

    Attributes
    ----------
    customers : int
        Customers (cases) in the input log.
    journeys : int
        Journeys found (before ``select``).
    selected : int
        Journeys kept by ``select``.
    complete, incomplete : int
        Kept journeys that did / did not reach an end touchpoint (``incomplete`` are the
        drop-offs; both 0 when no ``end`` was given).
    events_in : int
        Events of the kept journeys.
    events_outside : int
        Events outside every journey (before a start, after an end) or of journeys ``select``
        left out; listed in :attr:`outside`. ``events_in + events_outside`` is the input's count.
    outside : DataFrame
        Those events, with ``reason``: ``"before a start"``, ``"after an end"`` or
        ``"not selected"``, then the log's columns (the case id under its own name) and
        ``position`` (in the customer's events). Read from the engine when first asked for.
    outside_activities : tuple of str
        The activities of those events, sorted (known without reading them).
    """

    customers: int
    journeys: int
    selected: int
    complete: int
    incomplete: int
    events_in: int
    events_outside: int
    outside_activities: tuple[str, ...] = ()
    _outside: Any = field(default=None, repr=False, compare=False)

    @property
    def outside(self) -> pd.DataFrame:
        """The events outside every journey kept (see the class's attributes)."""
        if callable(self._outside):
            self._outside = self._outside()
        return self._outside if self._outside is not None else pd.DataFrame(columns=["reason"])

    def to_dict(self) -> dict[str, int]:
        """The counts, for JSON."""
        return {
            k: getattr(self, k)
            for k in (
                "customers",
                "journeys",
                "selected",
                "complete",
                "incomplete",
                "events_in",
                "events_outside",
            )
        }


class JourneyLog(EventLog):
    """An :class:`~journeymine.EventLog` of journeys (one case per journey) with its
    :class:`JourneyReport` as ``report``."""

    __slots__ = ("report",)
    report: JourneyReport


def _names(arg: str, spec: Any) -> tuple[str, ...] | None:
    """The activity names (or patterns) of ``start=`` / ``end=``, checked."""
    if spec is None:
        return None
    if isinstance(spec, str):
        names: tuple[Any, ...] = (spec,)
    elif isinstance(spec, (list, tuple, set, frozenset)):
        names = tuple(sorted(spec, key=str) if isinstance(spec, (set, frozenset)) else spec)
    else:
        raise ArgumentError(
            f"{arg} must be an activity name, a pattern or a list of them, not {type(spec).__name__}; "
            f"pass {arg}='Mortgage calculator'"
        )
    if not names:
        raise ArgumentError(
            f"{arg} must name at least one activity (a name or a pattern such as 'Offer*'), not an "
            f"empty list; pass {arg}='Mortgage calculator', or leave {arg} out"
        )
    bad = next((n for n in names if not isinstance(n, str) or not n.strip()), None)
    if bad is not None:
        raise ArgumentError(
            f"{arg} must name activities by text, not {bad!r}; pass {arg}='Mortgage calculator'"
        )
    return names


def _gap_us(gap: Any, log: EventLog) -> int:
    if isinstance(gap, (bool, int, float)) or (
        isinstance(gap, str) and gap.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ArgumentError(f"gap needs a unit, not {gap!r}; pass gap='30D' (30 days) or gap='12h'")
    try:
        delta = pd.Timedelta(gap)
    except (ValueError, TypeError):
        raise ArgumentError(
            f"gap must be a duration such as '30D' or '12h', not {gap!r}; pass gap='30D'"
        ) from None
    if pd.isna(delta) or delta <= pd.Timedelta(0):
        raise ArgumentError(f"gap must be positive, not {gap!r}; pass gap='30D'")
    if not log.stats.timed:
        raise ArgumentError(
            f"gap= needs timestamps; {log.source} is ordered without them: cut it by start= and end=, "
            "or read it with timestamp="
        )
    return int(delta / pd.Timedelta(microseconds=1))


def cut_journeys(
    log: EventLog,
    *,
    gap: str | timedelta | None = None,
    start: str | Sequence[str] | None = None,
    end: str | Sequence[str] | None = None,
    select: Literal["all", "first", "last"] | int = "all",
    unmatched: Literal["error", "warn"] = "error",
) -> JourneyLog:
    """Split each customer's events into journeys; one case per journey in the result.

    Parameters
    ----------
    log : EventLog
        One case per customer.
    gap : str or timedelta, optional
        A new journey begins after this much inactivity (``"30D"``, ``"12h"``, a ``timedelta``);
        the journey before it ends "by gap".
    start : str or list of str, optional
        Activities (names or ``*`` patterns) that open a journey. Events before a start (or
        after an end, until the next start) are outside every journey. A start while a journey
        is open does not open another.
    end : str or list of str, optional
        Activities that complete a journey (included in it). Journeys that never reach one are
        kept with ``journey_complete = False``.
    select : {"all", "first", "last"} or int
        Which journeys of each customer to keep: all, the first, the last, or the n-th
        (0-based; customers with fewer journeys contribute none).
    unmatched : {"error", "warn"}
        A ``start`` or ``end`` name (or pattern) that matches no activity in the log: an
        :class:`~journeymine.errors.ArgumentError` naming it with close matches (``"error"``; a
        misspelt end would leave every journey incomplete), or a
        :class:`~journeymine.journeymap.spec.SpecWarning` and the cut without it (``"warn"``).

    Returns
    -------
    JourneyLog
        An event log with case ``journey`` (``"<customer>#<n>"``, n from 1) and the added columns
        ``journey_index``, ``journey_complete`` (with ``end``) and ``journey_ended_by``
        (``"end"``, ``"gap"`` or ``"data"``: still open when the data ends), plus the original
        columns, the customer id under its own column name. ``.report`` tells what was cut.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
    >>> journeys = jm.cut_journeys(log, start="Mortgage calculator", end="Contract signed")
    >>> r = journeys.report
    >>> r.journeys, r.complete, r.incomplete
    (2510, 1796, 714)
    >>> r.events_in + r.events_outside == log.n_events
    True

    A misspelt end is an error (every journey would be incomplete):

    >>> jm.cut_journeys(log, end="Contract signd")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: cut_journeys: end='Contract signd' matches no activity in the log \
(did you mean 'Contract signed'?); correct the name, or pass unmatched='warn' to carry on without it
    """
    if not isinstance(log, EventLog):
        raise ArgumentError(
            f"cut_journeys needs an EventLog, not {type(log).__name__}; pass "
            "jm.read_events(source, case=..., activity=..., timestamp=...)"
        )
    if gap is None and start is None and end is None:
        raise ArgumentError(
            "cut_journeys needs gap=, start= or end= (or several) to know where journeys begin and end; "
            "pass gap='30D' (a new journey after 30 days without events)"
        )
    if select not in ("all", "first", "last") and not (
        isinstance(select, int) and not isinstance(select, bool) and select >= 0
    ):
        raise ArgumentError(
            f"select must be 'all', 'first', 'last' or a journey number >= 0, not {select!r}; "
            "pass select='last'"
        )
    check_unmatched_argument(unmatched)
    start_names, end_names = _names("start", start), _names("end", end)
    gap_us = None if gap is None else _gap_us(gap, log)
    clash = sorted(set(JOURNEY_COLUMNS) & set(log.columns))
    if clash:
        raise SchemaError(
            f"{log.source} already has a column {clash[0]!r}; rename it before cutting journeys "
            f"(cut_journeys adds {', '.join(JOURNEY_COLUMNS)})"
        )
    activities: list[str] = []
    if start_names or end_names:
        activities = _log_activities(log)
        problems: list[tuple[int | None, str]] = [
            (None, f"{arg}={n!r} matches no activity in the log" + did_you_mean(n, activities))
            for arg, names in (("start", start_names), ("end", end_names))
            for n in names or ()
            if not any(name_matches(a, n) for a in activities)
        ]
        report_unmatched(
            problems, place="cut_journeys", unmatched=unmatched, stacklevel=2, error=ArgumentError
        )
    plan = CutPlan(
        gap_us=gap_us,
        starts=None if start_names is None else _resolve(start_names, activities),
        ends=None if end_names is None else _resolve(end_names, activities),
        select=select,
    )
    cut = log.engine.cut(log._relation, plan)  # the engine reports its slow steps
    report = JourneyReport(
        customers=log.n_cases,
        journeys=cut.journeys,
        selected=cut.selected,
        complete=cut.complete,
        incomplete=cut.selected - cut.complete if end is not None else 0,
        events_in=cut.events_in,
        events_outside=cut.events_outside,
        outside_activities=cut.outside_activities,
        _outside=functools.partial(_outside_frame, log, plan),
    )
    if cut.relation is None:
        hint = (
            f"no customer has journey {select!r}: pass select='all'"
            if isinstance(select, int)
            else "check start= and end= against the log's activities"
        )
        raise ArgumentError(
            f"no journey found in {log.source} with gap={gap!r}, start={start!r}, end={end!r}, "
            f"select={select!r} (report: {report.to_dict()}); {hint}"
        )
    schema = replace(log.schema, case="journey")
    out: JourneyLog = JourneyLog(cut.relation, engine=log.engine, schema=schema, scan=log._scan)
    out.report = report
    return out


def _resolve(names: tuple[str, ...], activities: Sequence[str]) -> tuple[str, ...]:
    """The log's activities that one of ``names`` (names or ``*`` patterns) matches."""
    return tuple(a for a in activities if any(name_matches(a, n) for n in names))


def _outside_frame(log: EventLog, plan: CutPlan) -> pd.DataFrame:
    """The events a cut left out (for :attr:`JourneyReport.outside`), by the log's column names."""
    schema = log.schema
    extra = _other_columns(log)
    table = log.engine.cut_outside(log._relation, plan, columns=extra)
    frame: pd.DataFrame = log.frame(table, None)
    if "reason" in extra:  # the log's own column keeps its values, under another name
        frame.columns = ["reason", *[("case:reason" if c == "reason" else c) for c in frame.columns[1:]]]
    return frame.rename(columns=_original_names(schema))


def _original_names(schema: Any) -> dict[str, str]:
    # a composite activity's label goes back under its name ("concept:name+lifecycle:transition",
    # read again as one column); its parts are columns of their own
    names = {
        "case": schema.case,
        "activity": schema.activity_name,
        "timestamp": schema.timestamp or "timestamp",
    }
    if schema.channel:
        names["channel"] = schema.channel
    return names
