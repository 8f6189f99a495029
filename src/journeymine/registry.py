"""The plugin registry: built-ins and entry-point plugins, loaded on first use.

(The module is `registry`, not `plugins`, so that it never shadows the function `jm.plugins()`.)

Plugins are found through the entry-point group ``journeymine``. Set the environment variable
``JOURNEYMINE_DISABLE_PLUGINS`` to ``1`` (or ``all``) to switch every external plugin off, or to a
comma-separated list of plugin names to switch only those off. A plugin that fails to import or to
register is reported by name (a :class:`PluginWarning` and a row in :func:`plugins`) and the
others keep working. Two plugins that register the same name is a :class:`PluginError` naming
both.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from journeymine.errors import PluginError

if TYPE_CHECKING:
    import pandas as pd
    import pluggy

    from journeymine.connectors.base import Connector
    from journeymine.engines.base import Engine, EngineFactory

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "PluginWarning",
    "connectors",
    "engines",
    "get_engine",
    "heuristics",
    "plugins",
    "renderers",
    "reset",
    "resolve_connector",
]

ENTRY_POINT_GROUP = "journeymine"
DISABLE_ENV = "JOURNEYMINE_DISABLE_PLUGINS"

#: the built-in plugin modules, registered before any external plugin
BUILTIN_MODULES = (
    "journeymine.connectors.csv",
    "journeymine.connectors.parquet",
    "journeymine.connectors.xes",
    "journeymine.connectors.dataframe",
    "journeymine.connectors.sql",
    "journeymine.engines.duckdb",
    "journeymine.engines.spark",
)

T = TypeVar("T")


class PluginWarning(UserWarning):
    """A plugin could not be loaded or could not register; the others keep working."""


@dataclass
class PluginInfo:
    """One plugin as listed by :func:`plugins`."""

    name: str
    version: str
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Registry(Generic[T]):
    """The objects of one kind (connectors, engines, ...) registered by plugins, by name."""

    kind: str
    items: dict[str, T] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> T:
        try:
            return self.items[name]
        except KeyError:
            known = ", ".join(sorted(self.items)) or "none"
            raise PluginError(
                f"unknown {self.kind} {name!r}; known {self.kind}s: {known}. "
                f"Run `journeymine plugins` to see what is installed."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.items))

    def add(self, obj: T, owner: str) -> None:
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {owner!r} registered a {self.kind} without a name: {obj!r}")
        if name in self.items:
            raise PluginError(
                f"{self.kind} name {name!r} is claimed by two plugins: {self.owners[name]!r} and "
                f"{owner!r}; uninstall one, or switch one off with {DISABLE_ENV}={owner}"
            )
        self.items[name] = obj
        self.owners[name] = owner


class _State:
    """Everything loaded, built once on first use (thread-safe)."""

    def __init__(self) -> None:
        import pluggy

        from journeymine import hookspecs

        self.pm: pluggy.PluginManager = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self.registries: dict[str, Registry[Any]] = {}
        version = _version("journeymine")
        for module_name in BUILTIN_MODULES:
            module = importlib.import_module(module_name)
            self.pm.register(module, name=module_name)
            self.info[module_name] = PluginInfo(module_name, version, builtin=True)
        self._load_entry_points()
        for name, info in self.info.items():
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                info.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])

    def _load_entry_points(self) -> None:
        from importlib.metadata import distributions

        everything, disabled = _disabled()
        if everything:
            return
        seen: set[str] = set()
        for dist in sorted(distributions(), key=lambda d: str(d.metadata["Name"] or "")):
            for ep in dist.entry_points:
                if ep.group != ENTRY_POINT_GROUP or ep.name in seen:
                    continue
                seen.add(ep.name)
                if ep.name in disabled:
                    continue
                info = PluginInfo(ep.name, dist.version, builtin=False)
                self.info[ep.name] = info
                try:
                    plugin = ep.load()
                    self.pm.register(plugin, name=ep.name)
                except Exception as exc:  # a broken plugin must not take the others down
                    info.error = f"failed to load ({ep.value}): {type(exc).__name__}: {exc}"
                    _warn(ep.name, info.error)

    def registry(self, kind: str, hook: str) -> Registry[Any]:
        if kind not in self.registries:
            registry: Registry[Any] = Registry(kind)
            for impl in getattr(self.pm.hook, hook).get_hookimpls():  # built-ins first
                owner = impl.plugin_name

                def register(obj: Any, _owner: str = owner) -> None:
                    registry.add(obj, _owner)

                try:
                    impl.function(register=register)
                except PluginError:
                    raise
                except Exception as exc:
                    message = f"{hook} failed: {type(exc).__name__}: {exc}"
                    self.info[owner].error = message
                    _warn(owner, message)
            self.registries[kind] = registry
        return self.registries[kind]


_lock = threading.RLock()
_state: _State | None = None
_engines: dict[str, Engine] = {}


def _get() -> _State:
    global _state
    with _lock:
        if _state is None:
            _state = _State()
        return _state


def reset() -> None:
    """Forget every loaded plugin and engine; the next use loads them again (for tests)."""
    global _state
    with _lock:
        for engine in _engines.values():
            close = getattr(engine, "close", None)
            if callable(close):
                close()
        _engines.clear()
        _state = None


def _disabled() -> tuple[bool, set[str]]:
    """(every external plugin off?, the entry-point names switched off)."""
    value = os.environ.get(DISABLE_ENV, "").strip()
    if value.lower() in {"1", "true", "yes", "all"}:
        return True, set()
    return False, {v.strip() for v in value.split(",") if v.strip()}


def _warn(name: str, message: str) -> None:
    warnings.warn(f"journeymine plugin {name!r}: {message}", PluginWarning, stacklevel=3)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def connectors() -> Registry[Connector]:
    """The registered connectors, by name.

    Examples
    --------
    >>> "csv" in connectors()
    True
    """
    return _get().registry("connector", "journeymine_register_connectors")


def engines() -> Registry[EngineFactory]:
    """The registered engine factories, by name.

    Examples
    --------
    >>> "duckdb" in engines()
    True
    """
    return _get().registry("engine", "journeymine_register_engines")


def heuristics() -> Registry[Any]:
    """The registered heuristics, by name.

    Examples
    --------
    >>> isinstance(list(heuristics()), list)
    True
    """
    return _get().registry("heuristic", "journeymine_register_heuristics")


def renderers() -> Registry[Any]:
    """The registered renderers, by name.

    Examples
    --------
    >>> isinstance(list(renderers()), list)
    True
    """
    return _get().registry("renderer", "journeymine_register_renderers")


def get_engine(engine: str | Engine | None = None) -> Engine:
    """Return the engine to use: a name (one shared instance each), an instance, or the default.

    Examples
    --------
    >>> get_engine().name
    'duckdb'
    """
    if engine is None:
        engine = "duckdb"
    if not isinstance(engine, str):
        return engine
    with _lock:
        if engine not in _engines:
            _engines[engine] = engines()[engine].create()
        return _engines[engine]


def resolve_connector(source: Any) -> Connector:
    """Pick the connector for ``source``: a plugin's claim first, else the file suffix.

    Examples
    --------
    >>> resolve_connector("events.csv.gz").name
    'csv'
    """
    from journeymine.errors import ConnectorError

    state = _get()
    registry = connectors()
    for impl in state.pm.hook.journeymine_resolve_connector.get_hookimpls()[::-1]:
        try:
            claimed = cast("str | None", impl.function(source=source))
        except Exception as exc:
            _warn(impl.plugin_name, f"journeymine_resolve_connector failed: {exc!r}")
            continue
        if claimed is not None:
            return registry[claimed]
    if isinstance(source, (str, Path)):
        lower = str(source).lower()
        matches: list[tuple[int, str]] = [
            (len(suffix), name)
            for name in registry
            for suffix in registry[name].suffixes
            if lower.endswith(suffix.lower())
        ]
        if matches:
            return registry[max(matches)[1]]
        if isinstance(source, str) and "://" not in source and not Path(source).exists():
            raise ConnectorError(f"file not found: {source}")
    suffixes = sorted({s for name in registry for s in registry[name].suffixes})
    raise ConnectorError(
        f"no connector knows how to read {_describe(source)}; known endings: {', '.join(suffixes)}; "
        f"pass connector=... (one of: {', '.join(registry)}), or install a plugin that reads it"
    )


def _describe(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return repr(str(source))
    return f"a {type(source).__module__}.{type(source).__qualname__}"


def plugins() -> pd.DataFrame:
    """List the plugins: name, version, hooks, whether built in, and any error.

    Examples
    --------
    >>> table = plugins()
    >>> list(table.columns)
    ['name', 'version', 'builtin', 'hooks', 'error']
    >>> bool(table.loc[table.name == "journeymine.engines.duckdb", "builtin"].item())
    True
    """
    import pandas as pd

    state = _get()
    for kind, hook in (
        ("connector", "journeymine_register_connectors"),
        ("engine", "journeymine_register_engines"),
        ("heuristic", "journeymine_register_heuristics"),
        ("renderer", "journeymine_register_renderers"),
    ):
        state.registry(kind, hook)  # registration errors show up in the listing
    rows = [
        {
            "name": i.name,
            "version": i.version,
            "builtin": i.builtin,
            "hooks": ", ".join(i.hooks),
            "error": i.error,
        }
        for i in state.info.values()
    ]
    return pd.DataFrame(rows, columns=["name", "version", "builtin", "hooks", "error"])
