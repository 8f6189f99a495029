"""The hook specifications of journeymine's plugin API (pluggy).

A plugin is a module or object with functions marked ``@journeymine.hookimpl``, found through
the entry-point group ``journeymine``::

    # pyproject.toml of your plugin
    [project.entry-points.journeymine]
    myconnector = "myconnector.plugin"

    # myconnector/plugin.py
    import journeymine

    @journeymine.hookimpl
    def journeymine_register_connectors(register):
        register(MyConnector())

Every built-in connector and engine is registered through these same hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from journeymine.connectors.base import Connector
    from journeymine.engines.base import EngineFactory

__all__ = [
    "hookimpl",
    "hookspec",
    "journeymine_register_connectors",
    "journeymine_register_engines",
    "journeymine_register_heuristics",
    "journeymine_register_renderers",
    "journeymine_resolve_connector",
]

PROJECT = "journeymine"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def journeymine_register_connectors(register: Callable[[Connector], None]) -> None:
    """Register connectors: call ``register(connector)`` once for each.

    A connector has a ``name``, the file ``suffixes`` it claims, the extra ``options`` it takes,
    and ``scan(source, **options) -> Scan`` (see :class:`journeymine.connectors.Connector`).
    """


@hookspec
def journeymine_register_engines(register: Callable[[EngineFactory], None]) -> None:
    """Register engines: call ``register(factory)`` once for each.

    A factory has a ``name`` and ``create(**settings) -> Engine``; it is called on first use only,
    so that registering an engine imports nothing heavy.
    """


@hookspec
def journeymine_register_heuristics(register: Callable[[Any], None]) -> None:
    """Register heuristics: call ``register(heuristic)`` once for each.

    A heuristic has a ``name`` and ``evaluate(...)``, which turns mined aggregates into findings.
    """


@hookspec
def journeymine_register_renderers(register: Callable[[Any], None]) -> None:
    """Register renderers: call ``register(renderer)`` once for each.

    A renderer has a ``name``, the ``formats`` it writes and ``render(result, format=...)``.
    """


@hookspec(firstresult=True)
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim a source: return the name of the connector that should read it, or ``None``.

    Called when ``read_events`` is given no ``connector=``. Plugins are asked before the
    built-ins (the last registered is asked first), and the first answer that is not ``None`` wins;
    the built-ins fall back to file suffixes.
    """
