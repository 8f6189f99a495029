"""Variants: the distinct activity sequences of cases, how many cases follow each, per segment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeymine.dfg import _empty

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from journeymine.eventlog import EventLog
    from journeymine.segments import Bins

__all__ = ["Variants", "discover_variants"]


@dataclass(frozen=True)
class Variants:
    """The variants of a log, per segment.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment x variant, most frequent first: ``segment``, ``variant`` (a tuple of
        activities), ``variant_id`` (a stable id: the same sequence has the same id in every
        segment, log and engine), ``events`` (its length), ``cases``, ``share`` (of the cases in
        the segment), ``median_duration_s``.
    by : str or None
        The segment dimension.
    channels : pandas.DataFrame
        ``segment, activity, channel, events``: events per channel, as
        :attr:`DFG.channels <journeymine.DFG.channels>` (for all the segment's cases, also with
        ``top``); empty when the log maps no channel.
    """

    table: pd.DataFrame
    by: str | None = None
    channels: pd.DataFrame = field(default_factory=lambda: _empty("activity", "channel", "events"))

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self.table["variant"])

    def to_frame(self) -> pd.DataFrame:
        """The variants table, as a new DataFrame."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        """The variant view (touchpoint chips coloured by channel), for Jupyter."""
        from journeymine.views import render

        return str(render(self, "html", renderer="variants"))

    def __repr__(self) -> str:
        from journeymine.display import format_count, format_duration, format_share

        per = f" by {self.by!r}" if self.by is not None else ""
        n = len(self.table)
        cases = format_count(self.table["cases"].sum())
        text = f"<Variants{per}: {format_count(n)} row{'s' * (n != 1)}, {cases} cases"
        if len(self.table):
            top = self.table.iloc[0]
            path = " > ".join(top["variant"])
            if len(path) > 60:
                path = path[:59] + "…"
            text += (
                f"; first: {path} ({format_count(top['cases'])} cases, {format_share(top['share'])}, "
                f"median {format_duration(top['median_duration_s'])})"
            )
        return text + ">"


def discover_variants(
    log: EventLog | Any,
    *,
    by: str | None = None,
    bins: Bins = None,
    top: int | None = None,
    **read_options: Any,
) -> Variants:
    """Find the variants of a log, optionally per segment.

    Parameters
    ----------
    log : EventLog or pandas.DataFrame
        An event log from :func:`journeymine.read_events`; or a DataFrame (or a path) with the
        mapping keywords of ``read_events`` in ``read_options``.
    by, bins : optional
        A segment, as in :func:`journeymine.discover_dfg`.
    top : int, optional
        Keep only the ``top`` most frequent variants of each segment (ties broken by id);
        ``share`` stays relative to all cases of the segment.
    **read_options
        ``case=``, ``activity=``, ``timestamp=``, ... as in :func:`journeymine.read_events`,
        when ``log`` is not yet an ``EventLog``.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
    ...                      activity="touchpoint", timestamp="timestamp")
    >>> variants = jm.discover_variants(log)
    >>> int(variants.table["cases"].sum()) == log.n_cases
    True
    >>> len(jm.discover_variants(log, top=3))
    3
    >>> jm.discover_variants(log, top=1)  # doctest: +ELLIPSIS
    <Variants: 1 row, ... cases; first: Website visit > ... (... cases, ...%, median ... d ... h)>
    """
    from journeymine.dfg import _activity_channels
    from journeymine.errors import ArgumentError
    from journeymine.eventlog import as_log

    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ArgumentError(f"top= takes a whole number of at least 1, not {top!r}")
    log = as_log(log, "discover_variants", **read_options)
    seg = log.segmentation(by, bins)
    table = log.engine.variants(log._relation, by=seg, top=top)
    frame = log.frame(table.drop_columns(["variant"]), seg)
    frame.insert(1, "variant", _tuples(table.column("variant")))
    return Variants(table=frame, by=by, channels=_activity_channels(log, seg))


def _tuples(column: pa.ChunkedArray) -> list[tuple[str, ...]]:
    """A list<string> column as a list of tuples, fast.

    Activity names repeat a lot: dictionary-encode the flat values once, so that every tuple
    holds references to a few shared ``str`` objects instead of millions of new ones.
    """
    from itertools import islice

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out: list[tuple[str, ...]] = []
    for chunk in column.chunks:
        if not isinstance(chunk, pa.ListArray | pa.LargeListArray):
            chunk = chunk.cast(pa.list_(pa.string()))
        encoded = pc.dictionary_encode(chunk.flatten())
        names = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
        codes = encoded.indices.fill_null(len(names) - 1).to_numpy(zero_copy_only=False)
        values = iter(names[codes].tolist())
        lengths = np.diff(chunk.offsets.to_numpy()).tolist()
        out.extend(tuple(islice(values, n)) for n in lengths)
    return out
