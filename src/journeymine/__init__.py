"""journeymine: process mining of customer journeys.

Read an event log once, then mine directly-follows graphs, variants and case tables per customer
segment, on DuckDB (the default, embedded) or any engine a plugin adds.

>>> import journeymine as jm
>>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id", activity="touchpoint",
...                      timestamp="timestamp", channel="channel")
>>> dfg = jm.discover_dfg(log)
>>> int(dfg.edges["count"].sum()) == log.n_events - log.n_cases
True

Importing journeymine loads nothing heavy: the names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DFG",
    "ArgumentError",
    "CombinedLog",
    "Comparison",
    "ConnectorError",
    "Drift",
    "EngineError",
    "EventLog",
    "IdentityError",
    "InvalidRowsError",
    "JourneyLog",
    "JourneyMap",
    "JourneyMapResult",
    "JourneymineError",
    "PluginError",
    "PluginWarning",
    "RenderError",
    "Schema",
    "SchemaError",
    "SpecError",
    "SpecWarning",
    "Variants",
    "VaryingAttributeWarning",
    "__version__",
    "combine",
    "compare",
    "cut_journeys",
    "datasets",
    "discover_dfg",
    "discover_variants",
    "drift",
    "hookimpl",
    "improve",
    "journey_map",
    "load_map",
    "plugins",
    "read_events",
    "render",
    "report",
]

_LAZY = {
    "DFG": "journeymine.dfg",
    "discover_dfg": "journeymine.dfg",
    "Variants": "journeymine.variants",
    "discover_variants": "journeymine.variants",
    "EventLog": "journeymine.eventlog",
    "read_events": "journeymine.eventlog",
    "Schema": "journeymine.schema",
    "ArgumentError": "journeymine.errors",
    "ConnectorError": "journeymine.errors",
    "IdentityError": "journeymine.errors",
    "EngineError": "journeymine.errors",
    "InvalidRowsError": "journeymine.errors",
    "JourneymineError": "journeymine.errors",
    "PluginError": "journeymine.errors",
    "SchemaError": "journeymine.errors",
    "SpecError": "journeymine.errors",
    "RenderError": "journeymine.errors",
    "render": "journeymine.views",
    "report": "journeymine.views.report",
    "JourneyMap": "journeymine.journeymap.spec",
    "load_map": "journeymine.journeymap.spec",
    "SpecWarning": "journeymine.journeymap.spec",
    "JourneyMapResult": "journeymine.journeymap.result",
    "journey_map": "journeymine.journeymap.figures",
    "combine": "journeymine.connect",
    "CombinedLog": "journeymine.connect",
    "cut_journeys": "journeymine.journeys",
    "JourneyLog": "journeymine.journeys",
    "hookimpl": "journeymine.hookspecs",
    "improve": "journeymine.heuristics.run",
    "Comparison": "journeymine.comparison.result",
    "Drift": "journeymine.comparison.result",
    "compare": "journeymine.comparison.run",
    "drift": "journeymine.comparison.run",
    "plugins": "journeymine.registry",
    "PluginWarning": "journeymine.registry",
    "VaryingAttributeWarning": "journeymine.segments",
}
_SUBMODULES = {"comparison", "datasets", "heuristics"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"journeymine.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journeymine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from journeymine import comparison, datasets, heuristics  # noqa: F401 (submodules)
    from journeymine.comparison.result import Comparison, Drift
    from journeymine.comparison.run import compare, drift
    from journeymine.connect import CombinedLog, combine
    from journeymine.dfg import DFG, discover_dfg
    from journeymine.errors import (
        ArgumentError,
        ConnectorError,
        EngineError,
        IdentityError,
        InvalidRowsError,
        JourneymineError,
        PluginError,
        RenderError,
        SchemaError,
        SpecError,
    )
    from journeymine.eventlog import EventLog, read_events
    from journeymine.heuristics.run import improve
    from journeymine.hookspecs import hookimpl
    from journeymine.journeymap.figures import journey_map
    from journeymine.journeymap.result import JourneyMapResult
    from journeymine.journeymap.spec import JourneyMap, SpecWarning, load_map
    from journeymine.journeys import JourneyLog, cut_journeys
    from journeymine.registry import PluginWarning, plugins
    from journeymine.schema import Schema
    from journeymine.segments import VaryingAttributeWarning
    from journeymine.variants import Variants, discover_variants
    from journeymine.views import render
    from journeymine.views.report import report
