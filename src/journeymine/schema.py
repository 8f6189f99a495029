"""The column mapping, given once: which column holds the case, activity, timestamp, ...

Mapping by keyword (``case=``, ``activity=``, ``timestamp=``) is the rule. Sources that follow the
XES naming (``case:concept:name``, ``concept:name``, ``time:timestamp``) are mapped without flags.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from journeymine.errors import SchemaError

__all__ = ["ACTIVITY_SEPARATOR", "XES_ACTIVITY", "XES_CASE", "XES_TIMESTAMP", "Schema"]

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"
CASE_PREFIX = "case:"

#: timestamp formats that are not ISO 8601 but common in exports, tried in this order
#: (``%g`` is milliseconds in DuckDB and Spark alike; the engines translate).
COMMON_TIMESTAMP_FORMATS: tuple[str, ...] = (
    "%Y/%m/%d %H:%M:%S.%g",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y%m%d%H%M%S",
)
#: joins the parts of a composite activity (``activity=["concept:name", "lifecycle:transition"]``)
ACTIVITY_SEPARATOR = "+"
#: numeric timestamps, by unit
EPOCH_FORMATS = {"epoch_s": 1_000_000, "epoch_ms": 1_000, "epoch_us": 1}


@dataclass(frozen=True)
class Schema:
    """Which source column plays which part.

    Parameters
    ----------
    case, activity : str
        Columns of the case (customer, journey) id and of the activity (touchpoint) name.
    timestamp : str, optional
        Column of the event time. Either ``timestamp`` or ``order`` is needed.
    channel : str, optional
        Column of the channel (web, app, phone, ...).
    order : str, optional
        A numeric column giving the order of events within a case (clickstreams without
        times). With a timestamp too, it breaks ties between equal timestamps.
    timestamp_format : str, optional
        A strftime format (``"%d-%m-%Y %H:%M"``) or ``"epoch_s"``, ``"epoch_ms"``, ``"epoch_us"``.
        Without it, ISO 8601 and the common formats in ``COMMON_TIMESTAMP_FORMATS`` are detected.

    Examples
    --------
    >>> Schema(case="user", activity="event", timestamp="ts").resolve(["user", "event", "ts"])
    Schema(case='user', activity='event', timestamp='ts', channel=None, order=None, timestamp_format=None)
    >>> Schema().resolve(["case:concept:name", "concept:name", "time:timestamp"]).case
    'case:concept:name'
    >>> xes_without_times = ["concept:name", "case:concept:name", "jm:position"]
    >>> Schema().resolve(xes_without_times, defaults={"order": "jm:position"}).order
    'jm:position'
    """

    case: str | None = None
    activity: str | tuple[str, ...] | None = None
    timestamp: str | None = None
    channel: str | None = None
    order: str | None = None
    timestamp_format: str | None = None

    def __post_init__(self) -> None:
        activity: object = self.activity
        if isinstance(activity, list):  # a list given despite the type: taken as the tuple
            object.__setattr__(self, "activity", activity := tuple(activity))
        if isinstance(activity, tuple):
            if len(activity) == 1:
                object.__setattr__(self, "activity", activity[0])
            elif not activity or not all(isinstance(a, str) and a for a in activity):
                raise SchemaError(
                    "activity= takes a column name or a list of two or more column names, "
                    f"not {list(activity)!r}"
                )
            elif len(set(activity)) < len(activity):
                raise SchemaError(f"activity={list(activity)!r} names a column twice")

    @property
    def activity_columns(self) -> tuple[str, ...]:
        """The column(s) the activity is made of: one, or the parts of a composite activity.

        Examples
        --------
        >>> Schema(activity=["concept:name", "lifecycle:transition"]).activity_columns
        ('concept:name', 'lifecycle:transition')
        """
        if self.activity is None:
            return ()
        return self.activity if isinstance(self.activity, tuple) else (self.activity,)

    @property
    def activity_name(self) -> str | None:
        """The activity's name as a column: the column itself, or a composite activity's parts
        joined by ``+`` (``"concept:name+lifecycle:transition"``), the name its label takes in
        tables of events.

        A composite activity's label is the text of each part joined by
        :data:`ACTIVITY_SEPARATOR` (``"A_SUBMITTED+COMPLETE"``); a blank or missing part is the
        empty text (``"A_SUBMITTED+"``), and a row whose parts are all blank is invalid
        (``"empty activity"``).

        Examples
        --------
        >>> Schema(activity=["concept:name", "lifecycle:transition"]).activity_name
        'concept:name+lifecycle:transition'
        """
        cols = self.activity_columns
        return ACTIVITY_SEPARATOR.join(cols) if cols else None

    @property
    def mapped(self) -> dict[str, str]:
        """The parts given, as ``{part: column}`` (``{"case": "user_id", ...}``); a composite
        activity maps its first column (see :attr:`activity_columns` for all)."""
        parts = {
            "case": self.case,
            "activity": self.activity_columns[0] if self.activity_columns else None,
            "timestamp": self.timestamp,
            "channel": self.channel,
            "order": self.order,
        }
        return {k: v for k, v in parts.items() if v is not None}

    def resolve(
        self, columns: Sequence[str], *, where: str = "the source", defaults: Mapping[str, str] | None = None
    ) -> Schema:
        """Fill the connector's suggested ``defaults`` (``{"case": ..., "activity": ...}``), then XES
        names, for what the user did not map; then check every mapped column exists in ``columns``.

        A suggested ``timestamp`` or ``order`` is used only when the user maps neither: the user's
        ``timestamp=`` or ``order=`` decides the order of events alone. An ``order`` (the user's
        or suggested) keeps the XES ``time:timestamp`` from being added.

        Raises
        ------
        SchemaError
            A column that is not there, with the available columns and what to pass.
        """
        cols = list(columns)
        filled = self
        act = self.activity
        if isinstance(act, str) and act not in cols and ACTIVITY_SEPARATOR in act:
            # "concept:name+lifecycle:transition" (the command line's way): a composite activity
            # when every part is a column
            parts = tuple(p for p in act.split(ACTIVITY_SEPARATOR))
            if all(p in cols for p in parts):
                filled = replace(filled, activity=parts)
            else:
                missing = next(p for p in parts if p not in cols)
                raise SchemaError(
                    _missing("activity", missing, cols, where)
                    + f" (a composite activity {act!r} joins the columns named between the '+')"
                )
        # the user's timestamp= or order= is a choice of how to order events: it replaces the
        # suggested timestamp and order both (a suggested order is no tie-breaker of the user's time)
        ordered = self.timestamp is not None or self.order is not None
        for part, column in (defaults or {}).items():
            if part not in ("case", "activity", "timestamp", "channel", "order"):
                continue
            if part in ("timestamp", "order") and ordered:
                continue
            if getattr(filled, part) is None and column in cols:
                filled = replace(filled, **{part: column})
        defaults = {"case": XES_CASE, "activity": XES_ACTIVITY, "timestamp": XES_TIMESTAMP}
        for part, xes_name in defaults.items():
            if getattr(filled, part) is None and xes_name in cols:
                if part == "timestamp" and filled.order is not None:
                    continue  # an order column was chosen on purpose; do not add a timestamp
                filled = replace(filled, **{part: xes_name})
        for part in ("case", "activity"):
            if getattr(filled, part) is None:
                raise SchemaError(
                    f"no {part} column given for {where}; pass {part}=... (available: {_list(cols)})"
                )
        if filled.timestamp is None and filled.order is None:
            raise SchemaError(
                f"no timestamp column given for {where}; pass timestamp=... "
                f"or, for a log without times, order=... (available: {_list(cols)})"
            )
        named = [*filled.mapped.items(), *(("activity", c) for c in filled.activity_columns[1:])]
        for part, column in named:
            if column not in cols:
                raise SchemaError(_missing(part, column, cols, where))
        seen: dict[str, str] = {}
        for part, column in named:
            if column in seen:
                raise SchemaError(
                    f"column {column!r} is mapped twice in {where}: as {seen[column]} and as {part}"
                )
            seen[column] = part
        fmt = filled.timestamp_format
        if fmt is not None and fmt not in EPOCH_FORMATS and "%" not in fmt:
            raise SchemaError(
                f"timestamp_format={fmt!r} is not a strftime format (like '%d-%m-%Y %H:%M:%S') "
                f"nor one of {', '.join(sorted(EPOCH_FORMATS))}"
            )
        return filled


def _list(cols: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(cols[:limit])
    return shown + (f", ... ({len(cols) - limit} more)" if len(cols) > limit else "")


def _missing(part: str, column: str, cols: Sequence[str], where: str) -> str:
    close = difflib.get_close_matches(column, cols, n=1, cutoff=0.6)
    folded = [c for c in cols if c.casefold() == column.casefold()]
    hint = folded[0] if folded else (close[0] if close else None)
    did_you_mean = f"; did you mean {hint!r}?" if hint else ""
    return f"column {column!r} not found in {where}{did_you_mean} available: {_list(cols)}; pass {part}=..."
