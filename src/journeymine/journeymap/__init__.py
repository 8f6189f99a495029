"""Journey maps: the spec (stages, touchpoints, channels, targets, scores) and its figures.

>>> import journeymine as jm
>>> log = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
>>> result = jm.journey_map(log, jm.datasets.load_demo_map())
>>> list(result.stages["stage"])
['Orientation', 'Advice', 'Application', 'Offer', 'Closing']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeymine.journeymap.figures import journey_map
    from journeymine.journeymap.result import JourneyMapResult
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

# imported on first use, so that importing the result type (for a renderer) loads no pandas
_LAZY = {
    "journey_map": "journeymine.journeymap.figures",
    "JourneyMapResult": "journeymine.journeymap.result",
    **dict.fromkeys(
        ("JourneyMap", "SpecWarning", "Stage", "Target", "Touchpoint", "load_map"),
        "journeymine.journeymap.spec",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journeymine.journeymap' has no attribute {name!r}")
