"""Comparisons between groups, periods and logs (``jm.compare``, ``jm.drift``).

- :func:`compare` and its :class:`Comparison`: tested differences in transitions, variants,
  durations and journey KPIs between segments, a segment and the rest, periods, or two logs.
- :func:`drift` and its :class:`Drift`: each period against the one before.
- :mod:`journeymine.comparison.stattests`: the tests themselves, on small arrays.
- :mod:`journeymine.comparison.export`: CSV, Markdown and LaTeX tables.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeymine.comparison.result import Comparison, Drift
    from journeymine.comparison.run import compare, drift

__all__ = ["Comparison", "Drift", "compare", "drift"]

_LAZY = {
    "Comparison": "journeymine.comparison.result",
    "Drift": "journeymine.comparison.result",
    "compare": "journeymine.comparison.run",
    "drift": "journeymine.comparison.run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journeymine.comparison' has no attribute {name!r}")
