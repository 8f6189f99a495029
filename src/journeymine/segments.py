"""Customer segments: which case attribute (or cohort) splits the log, resolved once.

``by=`` takes a case attribute (``"product"`` or ``"case:product"``), or a cohort of the case's
first event: ``"cohort:month"`` or ``"cohort:week"`` (the Monday that starts the week). Numeric
attributes can be binned with ``bins=``: a number of equal-count bins (quantiles of the case values)
or explicit edges. Every case lands in exactly one segment (``None`` where the attribute is
missing), so per-segment counts always add up to the whole.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from journeymine.errors import SchemaError

if TYPE_CHECKING:
    from journeymine.eventlog import EventLog

__all__ = [
    "COHORTS",
    "Segmentation",
    "VaryingAttributeWarning",
    "bin_labels",
    "resolve_segmentation",
    "warn_varying",
]

COHORTS = {"cohort:month": "month", "cohort:week": "week"}
Bins = int | Sequence[float] | None


@dataclass(frozen=True)
class Segmentation:
    """A resolved ``by=``: what every engine needs to give each case its segment.

    Attributes
    ----------
    name : str
        The dimension, for display (``"AMOUNT_REQ"``, ``"cohort:month"``).
    column : str or None
        The source column of a case attribute; ``None`` for a cohort.
    cohort : {"month", "week"} or None
        Cohort by the month (``"2025-03"``) or week (``"2025-03-03"``, its Monday) of the first event.
    edges : tuple of float
        Bin edges for a binned numeric attribute (empty when not binned).
    labels : tuple of str
        ``len(edges) + 1`` labels: below the first edge, one per bin, above the last edge.
    """

    name: str
    column: str | None = None
    cohort: Literal["month", "week"] | None = None
    edges: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...] | None:
        """The labels in their natural order, for binned segments (else ``None``)."""
        return self.labels or None


def resolve_segmentation(log: EventLog, by: str | None, bins: Bins = None) -> Segmentation | None:
    """Resolve ``by=`` and ``bins=`` against a log; raise a clear error when they do not fit.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id", activity="touchpoint",
    ...                      timestamp="timestamp")
    >>> resolve_segmentation(log, "loan_amount", bins=[0, 200_000, 400_000]).labels
    ('< 0', '[0, 200000)', '[200000, 400000]', '> 400000')
    >>> resolve_segmentation(log, "cohort:month").cohort
    'month'
    """
    if by is None:
        if bins is not None:
            raise SchemaError("bins= needs by=: name the numeric case attribute to bin")
        return None
    if not isinstance(by, str):
        raise SchemaError(f"by= takes one column name or 'cohort:month'/'cohort:week', not {by!r}")
    columns = log.columns
    if by in COHORTS and by not in columns:
        if bins is not None:
            raise SchemaError(f"bins= cannot be used with a cohort ({by!r})")
        if log.schema.timestamp is None:
            raise SchemaError(f"{by!r} needs timestamps, and this log is ordered by {log.schema.order!r}")
        return Segmentation(name=by, cohort=COHORTS[by])  # type: ignore[arg-type]
    column = by if by in columns else f"case:{by}" if f"case:{by}" in columns else None
    if column is None:
        options = [c for c in log.case_attributes] + list(COHORTS)
        close = difflib.get_close_matches(by, list(dict.fromkeys([*options, *columns])), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise SchemaError(
            f"segment column {by!r} not found; {hint}case attributes: {', '.join(options)}; pass by=..."
        )
    mapped = {v: k for k, v in log.schema.mapped.items() if k != "channel"}
    if column in mapped:
        raise SchemaError(f"column {column!r} is the {mapped[column]} column; it cannot be a segment")
    if bins is None:
        return Segmentation(name=by, column=column)
    if isinstance(bins, bool) or not isinstance(bins, (int, Sequence)):
        raise SchemaError(f"bins= takes a number of bins or a list of edges, not {bins!r}")
    if isinstance(bins, int):
        if bins < 1:
            raise SchemaError(f"bins= must be at least 1, not {bins}")
        qs = [i / bins for i in range(bins + 1)]
        edges = [q for q in log._engine.quantiles(log._relation, column, qs) if q is not None]
        if not edges:
            raise SchemaError(f"column {column!r} has no values to bin")
        edges = sorted(set(edges))
        if len(edges) == 1:
            edges = edges * 2
    else:
        edges = [float(e) for e in bins]
        if len(edges) < 2 or any(b <= a for a, b in pairwise(edges)):
            raise SchemaError(f"bins= edges must be at least two increasing numbers, not {list(bins)}")
    return Segmentation(name=by, column=column, edges=tuple(edges), labels=bin_labels(edges))


class VaryingAttributeWarning(UserWarning):
    """A column used as a case attribute takes more than one value within some cases."""


def warn_varying(column: str, cases: int, examples: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Warn that ``column`` varies within ``cases`` cases; each then takes its first value.

    Every engine calls this with the same figures, so the message is the same on every engine.
    """
    import warnings

    shown = "; ".join(f"case {c!r}: {', '.join(repr(v) for v in values)}" for c, values in examples)
    warnings.warn(
        f"column {column!r} takes more than one value in {cases} case{'s' * (cases != 1)} "
        f"({shown}); each such case takes the value of its first event that has one. "
        f"Check that this is the attribute you mean (see log.case_attributes).",
        VaryingAttributeWarning,
        stacklevel=4,
    )


def bin_labels(edges: Sequence[float]) -> tuple[str, ...]:
    """Labels for values below, inside and above the bins; the last bin is closed.

    Examples
    --------
    >>> bin_labels([0, 10.5, 20])
    ('< 0', '[0, 10.5)', '[10.5, 20]', '> 20')
    """
    text = [_number(e) for e in edges]
    inner = [f"[{a}, {b})" for a, b in pairwise(text)]
    if inner:
        inner[-1] = inner[-1][:-1] + "]"
    return (f"< {text[0]}", *inner, f"> {text[-1]}")


def _number(x: float) -> str:
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return format(x, ".12g")
