"""Journey maps: the spec (stages, touchpoints, channels, targets, scores) and its figures.

>>> import journeymine as jm
>>> log = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
>>> result = jm.journey_map(log, jm.datasets.load_demo_map())
>>> list(result.stages["stage"])
['Orientation', 'Advice', 'Application', 'Offer', 'Closing']
"""

from __future__ import annotations

from journeymine.journeymap.figures import JourneyMapResult, journey_map
from journeymine.journeymap.spec import JourneyMap, SpecWarning, Stage, Target, Touchpoint, load_map

__all__ = [
    "JourneyMap",
    "JourneyMapResult",
    "SpecWarning",
    "Stage",
    "Target",
    "Touchpoint",
    "journey_map",
    "load_map",
]
