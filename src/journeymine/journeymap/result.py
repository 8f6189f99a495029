"""The result of :func:`journeymine.journey_map`, in a module of its own that imports no pandas.

The renderers name the result types they draw when they register; keeping the class here lets the
journey-map view register without loading pandas and numpy (the figures themselves need them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.journeymap.spec import JourneyMap

__all__ = ["FRAMES", "JourneyMapResult"]

#: the tables of a :class:`JourneyMapResult`, in the order ``to_dict`` gives them
FRAMES = (
    "segments",
    "stages",
    "touchpoints",
    "channels",
    "unmapped",
    "unreached",
    "off_map_transitions",
    "moments_of_truth",
)


@dataclass
class JourneyMapResult:
    """The figures of a journey map; every table is a tidy pandas DataFrame.

    Attributes
    ----------
    spec : JourneyMap
    segments : DataFrame
        ``segment, customers, completed, completed_share, completed_ci_low, completed_ci_high``,
        and ``nps, nps_ci_low, nps_ci_high, nps_respondents`` (``csat...``) when the spec has
        scores.
    stages, touchpoints, channels : DataFrame
        One row per segment x stage, x touchpoint, x touchpoint x channel; see the module docs.
    unmapped : DataFrame
        Activities not on the map: ``activity, events, customers``.
    unreached : DataFrame
        Touchpoints on the map that no customer reached: ``stage, touchpoint, activity, reason``;
        ``reason`` is ``"only outside the cut journeys"`` (its events are in the log, but
        :func:`~journeymine.cut_journeys` left them outside every journey), or, with
        ``unmatched="warn"``, ``"no activity in the log"`` or ``"its activities go to other
        touchpoints"``.
    off_map_transitions : DataFrame
        Transitions between touchpoints the map does not foresee (back to an earlier stage, or
        skipping one): ``source, target, source_stage, target_stage, kind, transitions,
        customers``.
    moments_of_truth : DataFrame
        Ranked; see the module docs.
    summary : dict
        Customers, events, events on the map, segment column, completion rule, confidence.
    """

    spec: JourneyMap
    segments: pd.DataFrame
    stages: pd.DataFrame
    touchpoints: pd.DataFrame
    channels: pd.DataFrame
    unmapped: pd.DataFrame
    unreached: pd.DataFrame
    off_map_transitions: pd.DataFrame
    moments_of_truth: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """The journey-map picture (stages, channel lanes, emotion curve), for Jupyter."""
        from journeymine.views import render

        return str(render(self, "html", renderer="journey-map"))

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready Python (NaN as ``None``), the CLI's ``--format json``."""
        from journeymine.journeymap.figures import _records

        out: dict[str, Any] = {"journey": self.spec.journey, **self.summary}
        for name in FRAMES:
            out[name] = _records(getattr(self, name))
        return out
