"""Tools for testing journeymine and its plugins: strategies, a reference miner, conformance checks.

``journeymine.testing.strategies`` generates event logs (segments, ties, invalid rows, unicode
names); ``journeymine.testing.reference`` mines them in plain Python, the slow obvious way, so that
any engine or connector can be checked against it; ``journeymine.testing.conformance`` runs the
checks every connector must pass (:func:`~journeymine.testing.conformance.check_connector`), from
journeymine's tests or from a plugin's own; ``journeymine.testing.renderers`` those every renderer
must pass (:func:`check_renderer`, also importable from here); ``journeymine.testing.heuristics``
those every improvement heuristic must pass (:func:`check_heuristic`, also importable from here),
with :func:`~journeymine.testing.heuristics.planted_log`, event logs with a planted problem of
known size and segment; ``journeymine.testing.engines`` those every engine must pass
(:func:`check_engine`, also importable from here: every verb compared with DuckDB's on generated
logs, filters against a pandas oracle). Needs ``hypothesis`` (``pip install
'journeymine[test]'``) for the strategies, the connector kit and the engine kit's row-order
check; the renderer and heuristic kits need nothing more than journeymine.

Examples
--------
>>> from journeymine.testing import check_heuristic, check_renderer
>>> check_renderer("variants", formats=["svg"])
>>> check_heuristic("complaint-journeys", problem="complaint", seeds=[0])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "check_engine",
    "check_heuristic",
    "check_renderer",
    "conformance",
    "engines",
    "heuristics",
    "reference",
    "renderers",
    "strategies",
]

_SUBMODULES = {"conformance", "engines", "heuristics", "reference", "renderers", "strategies"}


def __getattr__(name: str) -> Any:
    # loaded on first use, so that `import journeymine.testing` needs neither hypothesis nor pandas
    if name == "check_renderer":
        from journeymine.testing.renderers import check_renderer

        return check_renderer
    if name == "check_heuristic":
        from journeymine.testing.heuristics import check_heuristic

        return check_heuristic
    if name == "check_engine":
        from journeymine.testing.engines import check_engine

        return check_engine
    if name in _SUBMODULES:
        return importlib.import_module(f"journeymine.testing.{name}")
    raise AttributeError(f"module 'journeymine.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from journeymine.testing import conformance, engines, heuristics, reference, renderers, strategies
    from journeymine.testing.engines import check_engine
    from journeymine.testing.heuristics import check_heuristic
    from journeymine.testing.renderers import check_renderer
