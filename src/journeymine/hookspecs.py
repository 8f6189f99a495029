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

Every built-in connector and engine is registered through these same hooks. The registry
(:mod:`journeymine.registry`) calls each hook through pluggy, once per plugin, with a
``register`` callable of that plugin's own, and checks every object on the spot (see
``docs/plugins.md``).

Examples
--------
>>> sorted(name for name in __all__ if name.startswith("journeymine_"))  # doctest: +NORMALIZE_WHITESPACE
['journeymine_register_connectors', 'journeymine_register_engines',
 'journeymine_register_heuristics', 'journeymine_register_renderers',
 'journeymine_register_report_sections', 'journeymine_resolve_connector']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from journeymine.connectors.base import Connector
    from journeymine.engines.base import EngineFactory
    from journeymine.heuristics.base import Heuristic
    from journeymine.views import Renderer
    from journeymine.views.report import ReportSection

__all__ = [
    "PROJECT",
    "hookimpl",
    "hookspec",
    "journeymine_register_connectors",
    "journeymine_register_engines",
    "journeymine_register_heuristics",
    "journeymine_register_renderers",
    "journeymine_register_report_sections",
    "journeymine_resolve_connector",
]

#: the pluggy project name: markers are ``journeymine_spec`` / ``journeymine_impl``
PROJECT = "journeymine"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def journeymine_register_connectors(register: Callable[[Connector], None]) -> None:
    """Register connectors: call ``register(connector)`` once for each.

    A connector has ``name`` (a non-empty str), ``suffixes`` (a tuple of file endings, each
    starting with ``"."``), ``options`` (a tuple of the extra keyword options it takes) and
    ``scan(source, **options) -> Scan`` (see :class:`journeymine.connectors.Connector`). Each
    object is checked when it is registered; a malformed one is left out with a warning.
    """


@hookspec
def journeymine_register_engines(register: Callable[[EngineFactory], None]) -> None:
    """Register engines: call ``register(factory)`` once for each.

    A factory has ``name`` (a non-empty str) and ``create(**settings) -> Engine``; ``create``
    is called on first use only, so that registering an engine imports nothing heavy.
    """


@hookspec
def journeymine_register_heuristics(register: Callable[[Heuristic], None]) -> None:
    """Register improvement heuristics, calling ``register(heuristic)`` once for each.

    A heuristic (:class:`journeymine.heuristics.Heuristic`) has a ``name``, a one-line
    ``description``, its ``params`` (a mapping, as given) and ``evaluate(data) -> list of
    Finding`` on the mined aggregates (:class:`journeymine.heuristics.JourneyData`), deterministic
    for the same data. ``jm.improve`` and ``journeymine improve`` run every registered heuristic
    (or those named); ``journeymine.testing.check_heuristic`` is its contract.
    """


@hookspec
def journeymine_register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register renderers, calling ``register(renderer)`` once for each.

    A renderer (:class:`journeymine.views.Renderer`) has a ``name``, the result types it
    ``handles`` (a tuple of types), the ``formats`` it writes (a tuple of str; ``png`` and ``pdf``
    are bytes, the others text), the ``options`` its ``render`` takes, and
    ``render(result, *, format, **options) -> str | bytes``, deterministic for the same input.
    ``jm.render(result, ...)`` and the report use it; ``journeymine.testing.check_renderer`` is
    its contract.
    """


@hookspec
def journeymine_register_report_sections(register: Callable[[ReportSection], None]) -> None:
    """Register sections of the HTML report, calling ``register(section)`` once for each.

    A section (:class:`journeymine.views.report.ReportSection`) has a ``name``, a ``title``, an
    ``order`` (a number placing it in the report: the built-ins use 10, 20, ...) and
    ``render(context) -> str | None``: an HTML fragment (every untrusted text escaped), or
    ``None`` to leave the section out of this report.
    """


@hookspec(firstresult=True)
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim a source: return the name of the connector that should read it, or ``None``.

    Called when ``read_events`` is given no ``connector=``. Third-party plugins are asked
    first (in pluggy's order among them), then the built-ins; the first answer that is not
    ``None`` wins. When nobody claims a path, its file ending picks the connector.
    """
