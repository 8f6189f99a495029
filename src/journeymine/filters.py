"""Filters: keep part of a log, inside the engine, and count what was removed.

:meth:`journeymine.EventLog.filter` returns a new :class:`~journeymine.EventLog` over a lazy
relation the engine derives from the old one (:meth:`journeymine.engines.base.Engine.filter`):
no event leaves the engine, and every verb works on the result as on a log read from only the
kept rows. What each step removed is recorded in :attr:`journeymine.EventLog.filters` (one
:class:`FilterStep` per step, in the order applied), and the log's ``stats.filtered`` counts the
events removed, so that ``rows_read == events + invalid_rows + filtered`` still holds.

The steps of one call are applied in a fixed order: event filters (``keep``, a ``period`` with
``period_mode="events"``), then case filters (``keep_cases``, a period with the other modes,
``contains``, ``lacks``, ``starts_with``, ``ends_with``, ``size``), then variant filters
(``top_variants``, ``coverage``). Chain calls for another order:
``log.filter(top_variants=10).filter(keep={...})``.

Periods are written ``START..END`` (either side may be left open), or one unit alone: a year
(``2011``), a month (``2011-11``), a day (``2011-11-30``) or an exact time
(``2011-11-30T12:00:00``). A unit stands for all of it: ``2011-11`` is November 2011, and
``2011-10..2011-11`` runs from 1 October to the end of November; an exact time is a point
(START inclusive, END exclusive). On a log with UTC times (offsets in the source) a period
without an offset is taken as UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from journeymine.engines.base import PERIOD_MODES, Filter
from journeymine.errors import ArgumentError

if TYPE_CHECKING:
    from journeymine.eventlog import EventLog

__all__ = ["EmptyFilterError", "FilterStep", "apply_filters", "parse_period"]

#: Python arguments of :meth:`EventLog.filter` and the command-line flags that stand for them
FILTER_FLAGS = {
    "keep": "--keep",
    "keep_cases": "--keep-cases",
    "period": "--period",
    "period_mode": "--period-mode",
    "contains": "--contains",
    "lacks": "--lacks",
    "starts_with": "--starts-with",
    "ends_with": "--ends-with",
    "size": "--size",
    "top_variants": "--top-variants",
    "coverage": "--coverage",
}

_UNIT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class FilterStep:
    """What one filter step kept.

    Attributes
    ----------
    argument : str
        The step as the Python argument (``"keep={'lifecycle:transition': ['COMPLETE']}"``).
    flag : str
        The same as the command-line flag (``"--keep lifecycle:transition=COMPLETE"``).
    events_before, events_after, cases_before, cases_after : int
        Events and cases before and after the step.
    """

    argument: str
    flag: str
    events_before: int
    events_after: int
    cases_before: int
    cases_after: int

    @property
    def events_removed(self) -> int:
        """Events the step removed."""
        return self.events_before - self.events_after

    @property
    def cases_removed(self) -> int:
        """Cases the step removed (all of their events gone)."""
        return self.cases_before - self.cases_after

    def to_dict(self) -> dict[str, Any]:
        """The step, for JSON."""
        return {
            "filter": self.argument,
            "flag": self.flag,
            "events_before": self.events_before,
            "events_after": self.events_after,
            "cases_before": self.cases_before,
            "cases_after": self.cases_after,
        }

    def sentence(self, *, cli: bool = False) -> str:
        """``"--keep X=Y kept 5 of 8 events and 3 of 3 cases"``, for people."""
        what = self.flag if cli else self.argument
        return (
            f"{what} kept {self.events_after:,} of {self.events_before:,} events and "
            f"{self.cases_after:,} of {self.cases_before:,} cases"
        )


class EmptyFilterError(ArgumentError):
    """A filter step that keeps no events; ``step`` says which (its ``flag`` for the command line)."""

    def __init__(self, step: FilterStep, source: str, *, cli: bool = False) -> None:
        self.step, self.source = step, source
        #: already in the command line's words (``--keep col=v`` is a flag, not an argument)
        self.cli_words = cli
        what = step.flag if cli else step.argument
        super().__init__(
            f"{what} keeps no events of {source} (of {step.events_before:,}); check the names and "
            "values: values match as the column holds them (text exactly, numbers by value)"
        )

    def for_cli(self) -> EmptyFilterError:
        """The same error in the words of the command line."""
        return EmptyFilterError(self.step, self.source, cli=True)


# -- periods ------------------------------------------------------------------------------------


def _bound(text: Any, *, end: bool, where: str) -> datetime | None:
    """A period bound: the start of a unit (or, for ``end``, the start of the next), or a time."""
    import pandas as pd

    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, datetime):
        return pd.Timestamp(text).to_pydatetime()
    value = str(text).strip()
    unit = _UNIT.match(value)
    if unit:
        year, month, day = unit.groups()
        try:
            first = pd.Timestamp(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise ArgumentError(f"{where}: {value!r} is not a date") from None
        if not end:
            return first.to_pydatetime()
        step = pd.DateOffset(days=1) if day else pd.DateOffset(months=1) if month else pd.DateOffset(years=1)
        return (first + step).to_pydatetime()
    try:
        return pd.Timestamp(value).to_pydatetime()
    except (ValueError, TypeError):
        raise ArgumentError(
            f"{where}: {value!r} is not a year, month, day or time; write 2011, 2011-11, 2011-11-30 "
            f"or 2011-11-30T12:00:00"
        ) from None


def parse_period(period: Any, *, where: str = "period=") -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` of a period: ``"START..END"``, one unit (``"2011-11"``), or a pair.

    ``start`` is inclusive and ``end`` exclusive; a unit stands for all of it (see the module
    docstring). Either may be ``None`` (open).

    Examples
    --------
    >>> [str(t) for t in parse_period("2011-11")]
    ['2011-11-01 00:00:00', '2011-12-01 00:00:00']
    >>> [str(t) for t in parse_period("2011-10..2011-11-15")]
    ['2011-10-01 00:00:00', '2011-11-16 00:00:00']
    >>> parse_period("..2012-01-01T06:00")
    (None, datetime.datetime(2012, 1, 1, 6, 0))
    """
    if isinstance(period, (tuple, list)):
        if len(period) != 2:
            raise ArgumentError(f"{where} takes (start, end), not {len(period)} values")
        start, end = _bound(period[0], end=False, where=where), _bound(period[1], end=False, where=where)
    elif isinstance(period, str):
        if ".." in period:
            left, right = period.split("..", 1)
            start, end = _bound(left, end=False, where=where), _bound(right, end=True, where=where)
        else:
            start, end = _bound(period, end=False, where=where), _bound(period, end=True, where=where)
            if start is not None and end == start:  # an exact time alone: a point, not a period
                raise ArgumentError(
                    f"{where}: {period!r} is a point in time; write START..END (2011-11-01..2011-11-30)"
                )
    else:
        raise ArgumentError(
            f"{where} takes 'START..END', a month like '2011-11', or (start, end); not {period!r}"
        )
    if start is None and end is None:
        raise ArgumentError(f"{where}: {period!r} leaves both ends open; give START, END or both")
    if start is not None and end is not None:
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise ArgumentError(f"{where}: {period!r} gives an offset on one end only")
        if end <= start:
            raise ArgumentError(f"{where}: {period!r} ends before it starts")
    return start, end


def _micros(value: datetime | None, log: EventLog, where: str) -> int | None:
    """A bound in the engine's microseconds: UTC for a UTC log, as written for a naive one."""
    import pandas as pd

    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        if log.timezone != "UTC":
            raise ArgumentError(
                f"{where}: {value.isoformat()} has an offset, but the times of {log.source} have none; "
                "write the period without an offset"
            )
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.value // 1000)  # .value is nanoseconds; the engines hold microseconds


# -- arguments ----------------------------------------------------------------------------------


def _texts(values: Any, where: str) -> tuple[str, ...]:
    if isinstance(values, (str, int, float, bool)):
        values = [values]
    if not isinstance(values, Iterable) or isinstance(values, Mapping):
        raise ArgumentError(f"{where} takes a value or a list of values, not {values!r}")
    out = tuple("true" if v is True else "false" if v is False else str(v) for v in values)
    if not out:
        raise ArgumentError(f"{where} needs at least one value")
    return out


def _columns(arg: str, given: Any, log: EventLog) -> list[tuple[str, tuple[str, ...]]]:
    from journeymine.journeymap.spec import did_you_mean

    if not isinstance(given, Mapping) or not given:
        raise ArgumentError(f"{arg}= takes {{column: value or list of values}}, not {given!r}")
    out = []
    for column, values in given.items():
        if column not in log.columns:
            raise ArgumentError(
                f"{arg}=: no column {column!r} in {log.source}{did_you_mean(str(column), log.columns)}; "
                f"columns: {', '.join(log.columns)}"
            )
        out.append((str(column), _texts(values, f"{arg}={{{column!r}: ...}}")))
    return out


def _activities(arg: str, given: Any, log: EventLog) -> tuple[str, ...]:
    from journeymine.journeymap.figures import _log_activities
    from journeymine.journeymap.spec import did_you_mean

    names = _texts(given, f"{arg}=")
    known = set(_log_activities(log))
    for name in names:
        if name not in known:
            composite = ""
            if len(log.schema.activity_columns) > 1:
                composite = (
                    f" (activities here are {log.schema.activity_name} labels, like 'A_SUBMITTED+COMPLETE')"
                )
            raise ArgumentError(
                f"{arg}={name!r} matches no activity in {log.source}{did_you_mean(name, sorted(known))}"
                f"{composite}; correct the name"
            )
    return names


def _count(value: Any, arg: str, *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ArgumentError(f"{arg}= takes a whole number of at least {low}, not {value!r}")
    return value


def _plan(log: EventLog, options: Mapping[str, Any]) -> list[tuple[Filter, str, str]]:
    """The steps of one ``filter`` call, in the documented order, with their descriptions."""
    steps: list[tuple[Filter, str, str]] = []
    mode = options.get("period_mode", "events")
    if mode not in PERIOD_MODES:
        raise ArgumentError(f"period_mode= takes {', '.join(map(repr, PERIOD_MODES))}, not {mode!r}")
    period = options.get("period")
    if period is None and "period_mode" in options and mode != "events":
        raise ArgumentError("period_mode= needs period= (START..END)")

    def period_step() -> None:
        if not log.stats.timed:
            raise ArgumentError(
                f"period= needs timestamps, and {log.source} has none (it is ordered by --order)"
            )
        start, end = parse_period(period)
        f = Filter(
            kind="period", start=_micros(start, log, "period="), end=_micros(end, log, "period="), mode=mode
        )
        text = str(period) if isinstance(period, str) else f"{start}..{end}"
        steps.append((f, f"period={text!r}, period_mode={mode!r}", f"--period {text} --period-mode {mode}"))

    for column, values in _columns("keep", options["keep"], log) if options.get("keep") is not None else []:
        steps.append(
            (
                Filter(kind="events", column=column, values=values),
                f"keep={{{column!r}: {list(values)!r}}}",
                f"--keep {column}={','.join(values)}",
            )
        )
    if period is not None and mode == "events":
        period_step()
    if options.get("keep_cases") is not None:
        for column, values in _columns("keep_cases", options["keep_cases"], log):
            steps.append(
                (
                    Filter(kind="cases", column=column, values=values),
                    f"keep_cases={{{column!r}: {list(values)!r}}}",
                    f"--keep-cases {column}={','.join(values)}",
                )
            )
    if period is not None and mode != "events":
        period_step()
    for arg, kind, negate in (
        ("contains", "contains", False),
        ("lacks", "contains", True),
        ("starts_with", "starts", False),
        ("ends_with", "ends", False),
    ):
        if options.get(arg) is not None:
            names = _activities(arg, options[arg], log)
            steps.append(
                (
                    Filter(kind=kind, values=names, negate=negate),
                    f"{arg}={list(names)!r}",
                    " ".join(
                        f"{FILTER_FLAGS[arg]} {n!r}" if " " in n else f"{FILTER_FLAGS[arg]} {n}"
                        for n in names
                    ),
                )
            )
    if options.get("size") is not None:
        size = options["size"]
        low: int | None
        high: int | None
        if isinstance(size, int) and not isinstance(size, bool):
            low, high = _count(size, "size", low=1), size
        elif isinstance(size, (tuple, list)) and len(size) == 2:
            low = None if size[0] is None else _count(size[0], "size", low=1)
            high = None if size[1] is None else _count(size[1], "size", low=1)
        else:
            raise ArgumentError(
                f"size= takes events per case (3) or (min, max) with None for open, not {size!r}"
            )
        if low is not None and high is not None and high < low:
            raise ArgumentError(f"size={size!r}: the maximum is below the minimum")
        steps.append(
            (
                Filter(kind="size", low=low, high=high),
                f"size={size!r}",
                f"--size {'' if low is None else low}..{'' if high is None else high}",
            )
        )
    top, coverage = options.get("top_variants"), options.get("coverage")
    if top is not None and coverage is not None:
        raise ArgumentError("pass top_variants= or coverage=, not both")
    if top is not None:
        steps.append(
            (
                Filter(kind="variants", top=_count(top, "top_variants", low=1)),
                f"top_variants={top}",
                f"--top-variants {top}",
            )
        )
    if coverage is not None:
        if isinstance(coverage, bool) or not isinstance(coverage, (int, float)) or not 0 < coverage <= 1:
            raise ArgumentError(
                f"coverage= takes a share of cases above 0 and at most 1 (0.8), not {coverage!r}"
            )
        steps.append(
            (
                Filter(kind="variants", coverage=float(coverage)),
                f"coverage={coverage}",
                f"--coverage {coverage}",
            )
        )
    return steps


def apply_filters(log: EventLog, options: Mapping[str, Any]) -> EventLog:
    """The log that :meth:`EventLog.filter` returns (see there)."""
    from journeymine.eventlog import EventLog

    unknown = sorted(set(options) - set(FILTER_FLAGS))
    if unknown:
        raise ArgumentError(
            f"filter() does not take {', '.join(u + '=' for u in unknown)}; it takes "
            f"{', '.join(k + '=' for k in FILTER_FLAGS)}"
        )
    steps = _plan(log, {k: v for k, v in options.items() if v is not None})
    if not steps:
        raise ArgumentError(f"filter() needs something to keep: {', '.join(k + '=' for k in FILTER_FLAGS)}")
    if not callable(getattr(log.engine, "filter", None)):
        from journeymine.errors import EngineError

        raise EngineError(
            f"the {log.engine.name} engine has no filter verb (Engine.filter), so it cannot filter "
            "inside the engine; read the log with engine='duckdb', or filter the source first"
        )
    relation, done = log._relation, list(log.filters)
    for step, argument, flag in steps:
        before = relation.stats
        relation = log.engine.filter(relation, step)
        after = relation.stats
        record = FilterStep(argument, flag, before.events, after.events, before.cases, after.cases)
        done.append(record)
        if after.events == 0:
            raise EmptyFilterError(record, log.source)
    out = EventLog(relation, engine=log.engine, schema=log.schema, scan=log._scan)
    out._filters = tuple(done)
    return out


def describe(steps: Sequence[FilterStep], *, cli: bool = False) -> list[str]:
    """One sentence per step (see :meth:`FilterStep.sentence`)."""
    return [s.sentence(cli=cli) for s in steps]
