"""Directly-follows graphs: how often one activity directly follows another, and how long it takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.eventlog import EventLog
    from journeymine.segments import Bins, Segmentation

__all__ = ["DFG", "discover_dfg"]


@dataclass(frozen=True)
class DFG:
    """A directly-follows graph, per segment.

    Attributes
    ----------
    edges : pandas.DataFrame
        One row per segment x source x target: ``segment, source, target, count`` (transitions),
        ``cases`` (cases containing the transition), ``mean_s, median_s, p90_s`` (seconds between
        the two events; NaN for a log without timestamps).
    start, end : pandas.DataFrame
        ``segment, activity, cases``: cases that begin (end) with the activity.
    activities : pandas.DataFrame
        ``segment, activity, events, cases``.
    by : str or None
        The segment dimension (``None``: one segment, ``segment`` is ``None`` throughout).
    channels : pandas.DataFrame
        ``segment, activity, channel, events``: events per channel (``channel`` missing where
        the event has none); empty when the log maps no channel.
    rarest : pandas.DataFrame
        ``segment, source, target, cases``: cases whose least frequent transition is this edge
        (edges ranked by ``count``, most first, then source and target). The cases a map loses
        when it hides an edge and every rarer one are the sum over those edges.
    """

    edges: pd.DataFrame
    start: pd.DataFrame
    end: pd.DataFrame
    activities: pd.DataFrame
    by: str | None = None
    channels: pd.DataFrame = field(default_factory=lambda: _empty("activity", "channel", "events"))
    rarest: pd.DataFrame = field(default_factory=lambda: _empty("source", "target", "cases"))

    def to_frame(self) -> pd.DataFrame:
        """The edges, as a new DataFrame."""
        return self.edges.copy()

    def _repr_svg_(self) -> str | None:
        """The process map, for Jupyter (a DFG without segments; ``None`` when ``dot`` is missing)."""
        if self.by is not None:
            return None
        from journeymine.errors import RenderError
        from journeymine.views import render

        try:
            return str(
                render(self, "svg", renderer="process-map", detail=0.9 if len(self.edges) > 40 else None)
            )
        except RenderError:
            return None

    def _repr_html_(self) -> str | None:
        """One process map per segment, for Jupyter (``None`` without segments: see ``_repr_svg_``)."""
        if self.by is None:
            return None
        import html

        from journeymine.errors import RenderError
        from journeymine.views.processmap import segment_maps

        try:
            maps = segment_maps(self, format="svg", detail=0.9 if len(self.edges) > 40 else None)
        except RenderError:
            return None
        blocks = [
            f"<figure style='margin:0 0 1.5em 0'><figcaption style='font:600 14px sans-serif'>"
            f"{html.escape(str(self.by))}: {html.escape('(none)' if segment is None else str(segment))}"
            f"</figcaption>{_inline(str(svg))}</figure>"
            for segment, svg in maps.items()
        ]
        return "<div>" + "".join(blocks) + "</div>"

    def __repr__(self) -> str:
        from journeymine.display import format_count, format_duration

        segments = self.edges["segment"].nunique(dropna=False) if self.by is not None else 1
        per = f" in {segments} segments by {self.by!r}" if self.by is not None else ""
        text = (
            f"<DFG{per}: {format_count(self.activities['activity'].nunique())} activities, "
            f"{format_count(len(self.edges))} edges, "
            f"{format_count(self.edges['count'].sum())} transitions"
        )
        if len(self.edges) and self.edges["median_s"].notna().any():
            top = self.edges.sort_values("count", ascending=False, kind="stable").iloc[0]
            text += (
                f"; most frequent {top['source']} -> {top['target']} "
                f"({format_count(top['count'])}, median {format_duration(top['median_s'])})"
            )
        return text + ">"


def _inline(svg: str) -> str:
    """An SVG document as an element to put in HTML (without its XML declaration and doctype)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def discover_dfg(
    log: EventLog | Any, *, by: str | None = None, bins: Bins = None, **read_options: Any
) -> DFG:
    """Mine the directly-follows graph of a log, optionally per segment.

    Parameters
    ----------
    log : EventLog or pandas.DataFrame
        An event log from :func:`journeymine.read_events`; or a DataFrame (or a path) with the
        mapping keywords of ``read_events`` in ``read_options``.
    by : str, optional
        A case attribute (``"segment"``, ``"case:channel"`` or just ``"channel"``), or a cohort
        of the case's first event: ``"cohort:month"``, ``"cohort:week"``.
    bins : int or list of float, optional
        Bin a numeric ``by`` attribute: a number of equal-count bins, or explicit edges
        (``[0, 100_000, 250_000]``; the last bin includes its upper edge).
    **read_options
        ``case=``, ``activity=``, ``timestamp=``, ... as in :func:`journeymine.read_events`,
        when ``log`` is not yet an ``EventLog``.

    Returns
    -------
    DFG
        Per-segment counts add up to the counts of the whole log.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
    ...                      activity="touchpoint", timestamp="timestamp")
    >>> dfg = jm.discover_dfg(log)
    >>> int(dfg.edges["count"].sum()) == log.n_events - log.n_cases
    True
    >>> int(dfg.start["cases"].sum()) == int(dfg.end["cases"].sum()) == log.n_cases
    True
    >>> by_segment = jm.discover_dfg(log, by="segment")
    >>> int(by_segment.edges["count"].sum()) == int(dfg.edges["count"].sum())
    True

    A DataFrame works too, with the mapping keywords of ``read_events``:

    >>> jm.discover_dfg(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)  # doctest: +ELLIPSIS
    <DFG: 19 activities, ... edges, 37,489 transitions; most frequent ... median ...>
    """
    from journeymine.eventlog import as_log

    log = as_log(log, "discover_dfg", **read_options)
    seg = log.segmentation(by, bins)
    edges = log.frame(log.engine.dfg(log._relation, by=seg), seg)
    acts = log.frame(log.engine.activities(log._relation, by=seg), seg)
    start = acts.loc[acts["start"] > 0, ["segment", "activity", "start"]]
    end = acts.loc[acts["end"] > 0, ["segment", "activity", "end"]]
    return DFG(
        edges=edges,
        start=start.rename(columns={"start": "cases"}).reset_index(drop=True),
        end=end.rename(columns={"end": "cases"}).reset_index(drop=True),
        activities=acts[["segment", "activity", "events", "cases"]],
        by=by,
        channels=_activity_channels(log, seg),
        rarest=log.frame(log.engine.rarest_edges(log._relation, by=seg), seg),
    )


def _activity_channels(log: EventLog, seg: Segmentation | None) -> pd.DataFrame:
    """Events per segment, activity and channel (see :attr:`DFG.channels`): asked of the engine
    once per log and segmentation, shared by :func:`discover_dfg` and
    :func:`~journeymine.discover_variants` (each gets its own copy)."""
    key = f"activity_channels:{seg!r}"
    if key not in log._cache:
        log._cache[key] = log.frame(log.engine.activity_channels(log._relation, by=seg), seg)
    frame: pd.DataFrame = log._cache[key]
    return frame.copy()


def _empty(*columns: str) -> pd.DataFrame:
    import pandas as pd

    *text, count = columns
    return pd.DataFrame({"segment": [], **{c: [] for c in columns}}).astype(
        {"segment": object, **dict.fromkeys(text, object), count: "int64"}
    )
