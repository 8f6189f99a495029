"""Directly-follows graphs: how often one activity directly follows another, and how long it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.eventlog import EventLog
    from journeymine.segments import Bins

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
    """

    edges: pd.DataFrame
    start: pd.DataFrame
    end: pd.DataFrame
    activities: pd.DataFrame
    by: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The edges, as a new DataFrame."""
        return self.edges.copy()


def discover_dfg(log: EventLog, *, by: str | None = None, bins: Bins = None) -> DFG:
    """Mine the directly-follows graph of a log, optionally per segment.

    Parameters
    ----------
    log : EventLog
    by : str, optional
        A case attribute (``"segment"``, ``"case:channel"`` or just ``"channel"``), or a cohort
        of the case's first event: ``"cohort:month"``, ``"cohort:week"``.
    bins : int or list of float, optional
        Bin a numeric ``by`` attribute: a number of equal-count bins, or explicit edges
        (``[0, 100_000, 250_000]``; the last bin includes its upper edge).

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
    """
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
    )
