"""Improve (``jm.improve``): heuristics that find what goes wrong, reverse thinking, what-if.

>>> import journeymine as jm
>>> result = jm.improve(jm.datasets.load_demo_log(), by="segment", outcome="Contract signed",
...                     heuristics=["rework-loops"])
>>> result.findings[0].heuristic
'rework-loops'

- :class:`Finding`, :class:`Impact`, :class:`SegmentShare`: what a heuristic reports.
- :class:`Heuristic` (the protocol), :class:`BaseHeuristic` (a base with checked parameters);
  the built-ins are in :mod:`journeymine.heuristics.builtins`, registered as plugins.
- :class:`JourneyData`: the mined aggregates heuristics work on.
- :func:`improve` and its :class:`Improvement`.
- :class:`IdealJourney` / :func:`load_ideal`, :func:`reverse_thinking`: the as-is journeys
  against the ideal future-state journey.
- :class:`Change` / :func:`what_if`: the estimated future state after a change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeymine.heuristics.base import BaseHeuristic, Heuristic
    from journeymine.heuristics.data import JourneyData
    from journeymine.heuristics.finding import Finding, Impact, SegmentShare, rank
    from journeymine.heuristics.ideal import IdealJourney, IdealStep, load_ideal
    from journeymine.heuristics.reverse import ReverseThinking, reverse_thinking
    from journeymine.heuristics.run import Improvement, improve
    from journeymine.heuristics.whatif import Change, WhatIf, what_if

__all__ = [
    "BaseHeuristic",
    "Change",
    "Finding",
    "Heuristic",
    "IdealJourney",
    "IdealStep",
    "Impact",
    "Improvement",
    "JourneyData",
    "ReverseThinking",
    "SegmentShare",
    "WhatIf",
    "improve",
    "load_ideal",
    "rank",
    "reverse_thinking",
    "what_if",
]

_LAZY = {
    "BaseHeuristic": "journeymine.heuristics.base",
    "Heuristic": "journeymine.heuristics.base",
    "JourneyData": "journeymine.heuristics.data",
    "Finding": "journeymine.heuristics.finding",
    "Impact": "journeymine.heuristics.finding",
    "SegmentShare": "journeymine.heuristics.finding",
    "rank": "journeymine.heuristics.finding",
    "IdealJourney": "journeymine.heuristics.ideal",
    "IdealStep": "journeymine.heuristics.ideal",
    "load_ideal": "journeymine.heuristics.ideal",
    "ReverseThinking": "journeymine.heuristics.reverse",
    "reverse_thinking": "journeymine.heuristics.reverse",
    "Improvement": "journeymine.heuristics.run",
    "improve": "journeymine.heuristics.run",
    "Change": "journeymine.heuristics.whatif",
    "WhatIf": "journeymine.heuristics.whatif",
    "what_if": "journeymine.heuristics.whatif",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journeymine.heuristics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
