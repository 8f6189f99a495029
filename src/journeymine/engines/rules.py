"""Rules every engine applies the same way, written once: timestamp format choice, the typing of
text attributes, the reasons rows are set aside, and the messages of the errors about them.

Engines compute the figures (counts over a sample, example rows); these functions decide and
word, so that every engine decides alike and says the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from journeymine.errors import InvalidRowsError, SchemaError
from journeymine.schema import COMMON_TIMESTAMP_FORMATS

if TYPE_CHECKING:
    from journeymine.connectors.base import Scan
    from journeymine.schema import Schema

__all__ = [
    "EXAMPLES",
    "ISO",
    "NAIVE_CANDIDATES",
    "REASON_COLUMN",
    "SAMPLE",
    "TEXT_TYPES",
    "choose_naive_format",
    "invalid_rows_error",
    "local_time_error",
    "mixed_timezones_error",
    "reason_columns",
    "spark_pattern",
]

#: how many first values decide the format of text timestamps
SAMPLE = 10_000
#: how many example rows an error shows
EXAMPLES = 5
#: the name of the plain ISO 8601 parser among the candidates
ISO = "ISO 8601"
#: naive timestamp parsers, in the order they are preferred
NAIVE_CANDIDATES: tuple[str, ...] = (ISO, *COMMON_TIMESTAMP_FORMATS)

#: which mapped part each reason is about (malformed lines are about no column)
REASON_COLUMN = {
    "empty case id": "case",
    "empty activity": "activity",
    "missing timestamp": "timestamp",
    "unparseable timestamp": "timestamp",
    "missing order value": "order",
    "order value is not a number": "order",
    "case over the event limit": "case",
}

#: how a text attribute (from a CSV) is typed: the first rule every non-null value matches
#: decides (anchored regular expressions, the same in every engine), else it stays text
TEXT_TYPES: tuple[tuple[str, str], ...] = (
    ("BIGINT", r"^[+-]?[0-9]{1,18}$"),
    ("DOUBLE", r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"),
    ("BOOLEAN", r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"),
)


def reason_columns(schema: Schema) -> dict[str, str]:
    """``{reason: source column}`` for the reasons that concern a mapped column."""
    mapped = schema.mapped
    return {reason: mapped[part] for reason, part in REASON_COLUMN.items() if part in mapped}


def choose_naive_format(
    total: int,
    hits: Sequence[int],
    aware_parsed: int,
    *,
    column: str,
    location: str,
    examples: Sequence[str],
) -> str:
    """Choose the parser of naive text timestamps from counts over the first values.

    Parameters
    ----------
    total : int
        Naive (offset-less) values among the first ``SAMPLE`` non-empty ones.
    hits : sequence of int
        How many of them each of ``NAIVE_CANDIDATES`` reads, in that order.
    aware_parsed : int
        How many offset-aware values among the first ones parse.
    examples : sequence of str
        A few values, with where they are, for the error messages.

    Returns
    -------
    str
        One of ``NAIVE_CANDIDATES``: the first that reads every value; else the one that reads
        most (values it cannot read become invalid rows).

    Raises
    ------
    SchemaError
        When day-first and month-first formats both read every value (ambiguous), or when no
        format reads any value and no offset-aware value parses either.

    Examples
    --------
    >>> hits = [0] * len(NAIVE_CANDIDATES)
    >>> hits[NAIVE_CANDIDATES.index("%Y/%m/%d %H:%M")] = 2
    >>> choose_naive_format(2, hits, 0, column="ts", location="x.csv", examples=["'2014/10/22 11:15'"])
    '%Y/%m/%d %H:%M'
    """
    if total == 0:
        return ISO
    full = [name for name, n in zip(NAIVE_CANDIDATES, hits) if n == total]
    if full:
        day = [f for f in full if f.startswith("%d")]
        month = [f for f in full if f.startswith("%m")]
        if day and month and len(full) == len(day) + len(month):
            raise SchemaError(
                f"timestamps in column {column!r} of {location} read as day-first and as "
                f"month-first (e.g. {', '.join(examples)}); pass timestamp_format={day[0]!r} or "
                f"{month[0]!r}"
            )
        return full[0]
    best = max(range(len(hits)), key=lambda i: (hits[i], -i))
    if hits[best] == 0 and not aware_parsed:
        raise SchemaError(
            f"cannot read the timestamps in column {column!r} of {location}: "
            f"{', '.join(examples)}; pass timestamp_format=... (a strftime format like "
            f"'%d-%m-%Y %H:%M:%S'), or map the right column with timestamp=..."
        )
    return NAIVE_CANDIDATES[best]


def mixed_timezones_error(
    column: str, location: str, with_offset: Sequence[str], without: Sequence[str]
) -> SchemaError:
    """The error for a timestamp column that mixes naive and offset-aware values."""
    return SchemaError(
        f"timestamp column {column!r} of {location} mixes values with and without a UTC offset "
        f"(with an offset: {', '.join(with_offset)}; without: {', '.join(without)}); naive times "
        f"cannot be placed on one time line with offset-aware ones. Add the offset to every "
        f"value, or strip it from every value."
    )


def local_time_error(source: str, zone: str, when: object, kind: str) -> SchemaError:
    """The error for a naive time of a source that ``zone`` has no one reading of: ``kind`` is
    ``"nonexistent"`` (skipped when the clock moves forward) or ``"ambiguous"`` (shown twice
    when it moves back)."""
    what = "does not exist" if kind == "nonexistent" else "occurs twice (ambiguous)"
    return SchemaError(
        f"cannot read the times of source {source!r} as {zone}: {when} {what} there ({kind} "
        f"local time); correct those times in the source (they fall in a change of the clock), "
        f"or give them with an offset"
    )


def invalid_rows_error(
    scan: Scan, reasons: Mapping[str, int], examples: Sequence[Mapping[str, Any]]
) -> InvalidRowsError:
    """The error ``on_invalid="raise"`` raises: counts per reason and the first rows.

    ``examples`` are quarantine rows (``row``, ``reason``, ``column``, ``value``, ``detail``).
    """
    lines = [
        f"  {scan.where(int(r['row']))}: {r['reason']}"
        + (f" in column {r['column']!r}" if r.get("column") else "")
        + (f" (value {r['value']!r})" if r.get("value") not in (None, "") else "")
        + (f": {r['detail']}" if r.get("detail") else "")
        for r in examples
    ]
    counts = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    total = sum(reasons.values())
    return InvalidRowsError(
        f"{scan.location}: {total} row{'s' * (total != 1)} cannot be used ({counts}); "
        f"for example:\n" + "\n".join(lines) + "\nFix the source, or pass "
        "on_invalid='quarantine' to set such rows aside (see log.quarantine).",
        counts=dict(reasons),
    )


_STRFTIME_TO_SPARK = {
    "Y": "yyyy", "y": "yy", "m": "M", "d": "d", "H": "H", "I": "h", "M": "m", "S": "s",
    "g": "SSS", "f": "SSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "a": "EEE", "A": "EEEE",
    "z": "XX", "Z": "z", "j": "D", "%": "%",
}  # fmt: skip


def spark_pattern(fmt: str) -> str:
    """Translate a strftime format (DuckDB's dialect, ``%g`` = milliseconds) into a Spark
    datetime pattern; single-letter fields so that ``1`` and ``01`` both read, as in DuckDB.

    Examples
    --------
    >>> spark_pattern("%Y/%m/%d %H:%M:%S.%g")
    'yyyy/M/d H:m:s.SSS'
    >>> spark_pattern("%d-%m-%YT%H")
    "d-M-yyyy'T'H"
    """
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code not in _STRFTIME_TO_SPARK:
                raise SchemaError(f"timestamp_format {fmt!r}: %{code} is not supported")
            out.append(_STRFTIME_TO_SPARK[code])
            i += 2
        elif re.match(r"[A-Za-z']", ch):
            out.append("''" if ch == "'" else f"'{ch}'")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)
