"""The plugin registry: one load sequence, then validation (as tox's plugin manager does).

(The module is ``registry``, not ``plugins``, so that it never shadows the function
``jm.plugins()``.)

Nothing is loaded at ``import journeymine``. On first use of a registry (the first
``read_events``, ``jm.plugins()``, ...) the plugins are loaded once, in this order:

1. **Block** what ``JOURNEYMINE_DISABLE_PLUGINS`` switches off (``1`` or ``all``: every
   third-party plugin; else a comma-separated list of entry-point names), with pluggy's
   ``set_blocked``. Built-ins cannot be switched off. A blocked plugin is never imported; it is
   listed with the status ``disabled``.
2. **Load** the entry points of the group ``journeymine``, each on its own: one that fails to
   import, or that pluggy refuses (a hook taking an argument the hookspec does not have), is
   reported and left out, and the next one loads. (pluggy's ``load_setuptools_entrypoints`` stops
   at the first failure, so the loop is ours, with the same ``is_blocked`` check.)
3. **Register the built-ins** (:data:`BUILTIN_MODULES`), exactly like a third-party plugin.
4. **Validate** as ``check_pending()`` does: it is called until it passes, and each plugin it
   rejects (a hook that no hookspec knows, e.g. ``journeymine_register_conectors``) is reported
   with the closest hook name and unregistered. A misspelt hook never makes a command fail.
5. **Collect** what each plugin registers, checking each object on the spot.

How hooks are called
--------------------
Through pluggy, one plugin at a time: for each plugin, ``pm.subset_hook_caller(hook,
remove_plugins=<every other plugin>)`` is called with a ``register`` callable of that plugin's
own. So pluggy still checks the call (hookspec arguments, opt-in arguments, firstresult, tracing
and monitoring), every object is known to come from the plugin that registered it, and a hook that
raises takes only that plugin's call down (what it registered in that call is left out). Plugins
are called in a fixed order, which is what makes the name rules below deterministic: built-ins
first, then third-party plugins by name (Python's string order). ``journeymine_resolve_connector``
is asked of third-party plugins first (in pluggy's order among them), then of the built-ins.

Rules
-----
- Each object is checked when it is registered: a connector needs ``name`` (a non-empty str),
  ``suffixes`` (a tuple of str, each starting with ``"."``), ``options`` (a tuple or list of str)
  and a callable ``scan``; an engine factory ``name`` and a callable ``create``; a renderer
  ``handles`` (a tuple of types), ``formats`` and ``options`` (tuples of str) and a callable
  ``render``; a report section ``title`` (str), ``order`` (a number) and a callable ``render``; a
  heuristic ``description`` (str), ``params`` (a mapping) and a callable ``evaluate``. A malformed
  object is left out.
- **Names**: a built-in's name always wins; of two third-party plugins claiming one name, the
  plugin whose name sorts first keeps it. The other object is left out, with a warning naming both.
- **Suffixes**: each file ending has one owner. A built-in keeps its own endings (a third-party
  connector claiming ``.csv`` reads CSV files only when the user passes ``connector=``); of two
  third-party plugins claiming one ending, the plugin whose name sorts first keeps it (warning
  naming both). A path goes to the owner of the longest ending it matches.
- Every problem is reported once per process (once per load: :func:`reset` loads again) as a
  :class:`PluginWarning`, one line ``journeymine plugin 'NAME': what is wrong; what to do``. With
  ``JOURNEYMINE_DEBUG=1`` the warning also carries the traceback (or, for an object or hook that
  is wrong without raising, where it was registered or defined). Only that object or plugin is
  left out; :func:`plugins` lists every plugin with its status.
- A plugin whose every object was left out, or whose only register hook raised, takes no part
  at all: it is unregistered (status ``broken``).

Examples
--------
>>> from journeymine import registry
>>> "csv" in registry.connectors() and "duckdb" in registry.engines()
True
>>> registry.connectors().suffixes[".csv"]
'csv'
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from journeymine.errors import PluginError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint
    from types import FrameType

    import pandas as pd
    import pluggy

    from journeymine.connectors.base import Connector
    from journeymine.engines.base import Engine, EngineFactory
    from journeymine.heuristics.base import Heuristic
    from journeymine.views import Renderer

__all__ = [
    "BUILTIN_MODULES",
    "COLUMNS",
    "DEBUG_ENV",
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "KINDS",
    "STATUSES",
    "PluginWarning",
    "Registry",
    "connectors",
    "engines",
    "get_engine",
    "heuristics",
    "plugins",
    "renderers",
    "report_sections",
    "reset",
    "resolve_connector",
]

ENTRY_POINT_GROUP = "journeymine"
DISABLE_ENV = "JOURNEYMINE_DISABLE_PLUGINS"
DEBUG_ENV = "JOURNEYMINE_DEBUG"

#: the built-in plugin modules, registered after the entry points (as tox does); they still
#: win every name and file ending they claim
BUILTIN_MODULES = (
    "journeymine.connectors.csv",
    "journeymine.connectors.parquet",
    "journeymine.connectors.xes",
    "journeymine.connectors.dataframe",
    "journeymine.connectors.sql",
    "journeymine.engines.duckdb",
    "journeymine.engines.spark",
    "journeymine.views.processmap",
    "journeymine.views.report",
    "journeymine.views.variantview",
    "journeymine.views.journeyview",
    "journeymine.views.idealview",
    "journeymine.views.diffmap",
    "journeymine.heuristics.builtins",
    "journeymine.heuristics.sections",
    "journeymine.comparison.section",
)

#: (kind, hook) of each registry, in the order they are filled
KINDS = (
    ("connector", "journeymine_register_connectors"),
    ("engine", "journeymine_register_engines"),
    ("heuristic", "journeymine_register_heuristics"),
    ("renderer", "journeymine_register_renderers"),
    ("report section", "journeymine_register_report_sections"),
)
RESOLVE_HOOK = "journeymine_resolve_connector"

#: the values of the ``status`` column of :func:`plugins`
STATUSES = ("ok", "partial", "broken", "disabled")
#: the columns of :func:`plugins`
COLUMNS = ("name", "version", "builtin", "status", "registered", "hooks", "error")

#: values of JOURNEYMINE_DISABLE_PLUGINS that switch every third-party plugin off, or none
_ALL = {"1", "true", "yes", "all"}
_NONE = {"", "0", "false", "no"}
#: values of JOURNEYMINE_DEBUG that turn tracebacks on
_DEBUG = {"1", "true", "yes"}
_MISSING: Any = object()

T = TypeVar("T")


class PluginWarning(UserWarning):
    """A plugin problem; the plugin (or only the object at fault) is left out, the rest works.

    The message is one line, ``journeymine plugin 'NAME': what is wrong; what to do``, followed
    by a traceback when ``JOURNEYMINE_DEBUG=1``. ``plugin`` is the plugin's name.

    Examples
    --------
    >>> w = PluginWarning("journeymine plugin 'x': it is broken; fix it", plugin="x")
    >>> w.plugin, str(w)
    ('x', "journeymine plugin 'x': it is broken; fix it")
    """

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


@dataclass
class _Info:
    """One plugin as listed by :func:`plugins`."""

    name: str
    version: str
    builtin: bool
    disabled: bool = False
    left_out: bool = False
    failed: bool = False  # a register hook raised
    refused: int = 0  # objects left out
    hooks: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        if self.left_out:
            return "broken"
        return "partial" if self.problems else "ok"


@dataclass
class Registry(Generic[T]):
    """The objects of one kind (connectors, engines, ...) that plugins registered, by name.

    Attributes
    ----------
    kind : str
        ``"connector"``, ``"engine"``, ``"heuristic"``, ``"renderer"`` or ``"report section"``.
    items : dict
        Name to object.
    owners : dict
        Name to the name of the plugin that registered it.
    left_out : dict
        Name to why an object of that name was left out (for the error when someone asks for it).
    suffixes : dict
        Connectors only: each claimed file ending (lower case) to the connector that owns it.

    Examples
    --------
    >>> from journeymine.registry import connectors
    >>> registry = connectors()
    >>> registry["csv"].name, registry.owners["csv"]
    ('csv', 'journeymine.connectors.csv')
    >>> registry.by_suffix("events.CSV.gz")
    'csv'
    """

    kind: str
    items: dict[str, T] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    suffixes: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> T:
        try:
            return self.items[name]
        except KeyError:
            pass
        if name in self.left_out:
            raise PluginError(
                f"the {self.kind} {name!r} is not available: {self.left_out[name]}; "
                f"run `journeymine plugins` to see every plugin and its status"
            )
        from difflib import get_close_matches

        close = get_close_matches(str(name), list(self.items), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(self.items)) or "none"
        raise PluginError(
            f"unknown {self.kind} {name!r}{hint}; known {self.kind}s: {known}. "
            f"Run `journeymine plugins` to see what is installed."
        )

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def by_suffix(self, path: str) -> str | None:
        """The connector owning the longest file ending that ``path`` ends with, or ``None``."""
        lower = path.lower()
        matches = [suffix for suffix in self.suffixes if lower.endswith(suffix)]
        return self.suffixes[max(matches, key=len)] if matches else None


class _Register:
    """The ``register`` callable one plugin is given for one call of one hook.

    Objects are checked on the spot and staged; they join the registry when the hook returns
    (a hook that raises registers nothing).
    """

    def __init__(self, state: _State, registry: Registry[Any], owner: str, hook: str) -> None:
        self.state, self.registry, self.owner, self.hook = state, registry, owner, hook
        self.staged: dict[str, Any] = {}
        self.open = True

    def __call__(self, obj: Any) -> None:
        if not self.open:
            raise PluginError(
                f"plugin {self.owner!r} called register() after {self.hook} returned; "
                f"register every object inside the hook"
            )
        self.state.offer(self, obj, sys._getframe(1))


class _State:
    """Everything loaded: the plugin manager, the plugins and the registries (built once)."""

    def __init__(self) -> None:
        import pluggy

        from journeymine import hookspecs

        self.pm: pluggy.PluginManager = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, _Info] = {}
        self.registries: dict[str, Registry[Any]] = {kind: Registry(kind) for kind, _ in KINDS}
        self.resolvers: list[tuple[str, pluggy.HookCaller]] = []
        self.pending: list[PluginWarning] = []
        self._reported: set[tuple[str, str]] = set()
        found = self._find_entry_points()
        self._block(found)
        self._load_entry_points(found)
        self._register_builtins()
        self._check_pending()
        for name, plugin in self.pm.list_name_plugin():
            if plugin is not None:
                self.info[name].hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        for kind, hook in KINDS:
            self._collect(self.registries[kind], hook)
        for info in self.info.values():
            if not info.left_out and not info.registered and (info.refused or info.failed):
                self._leave_out(info.name)  # nothing it offers is in use: it takes no part
        self._order_resolvers()

    # -- the load sequence ------------------------------------------------------------------

    def _find_entry_points(self) -> dict[str, EntryPoint]:
        """The group's entry points by name; of two packages declaring one name, the first on
        ``sys.path`` (the one Python imports) is kept and the clash reported."""
        from importlib.metadata import entry_points

        found: dict[str, EntryPoint] = {}
        clashes: list[tuple[str, str]] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name not in found:
                found[ep.name] = ep
            elif _package(found[ep.name]) != _package(ep):  # the same package twice on the path: fine
                clashes.append((ep.name, _package(ep)))
        found = dict(sorted(found.items()))
        for name, ep in found.items():
            self.info[name] = _Info(name, _version_of(ep), builtin=False)
        for name, other in clashes:
            self.report(
                name,
                f"two packages declare this plugin, {_package(found[name])} and {other}; only the "
                f"first on sys.path ({_package(found[name])}) is loaded; uninstall the other",
            )
        return found

    def _block(self, found: dict[str, EntryPoint]) -> None:
        everything, names = _disabled()
        for name in sorted(set(found) if everything else names):
            if name not in BUILTIN_MODULES:  # built-ins cannot be switched off
                self.pm.set_blocked(name)

    def _load_entry_points(self, found: dict[str, EntryPoint]) -> None:
        for name, ep in found.items():
            info = self.info[name]
            if self.pm.is_blocked(name):
                info.disabled = True
                continue
            off = _switch_off(name)
            if name in BUILTIN_MODULES:
                self._leave_out(name)
                self.report(
                    name,
                    f"the name belongs to a built-in plugin; it is left out; rename the entry point "
                    f"({ep.value})",
                )
                continue
            try:
                plugin = ep.load()
            except (Exception, SystemExit) as exc:
                self._leave_out(name)
                self.report(
                    name,
                    f"failed to load ({ep.value}): {_one_line(exc)}; it is left out; install what it "
                    f"needs, or {off}",
                    exc=exc,
                )
                continue
            if getattr(plugin, "__name__", None) in BUILTIN_MODULES or self.pm.is_registered(plugin):
                same = self.pm.get_name(plugin) or getattr(plugin, "__name__", "?")
                self._leave_out(name)
                self.report(
                    name,
                    f"it is the same module as the plugin {same!r} ({ep.value}); it is left out; "
                    f"declare each plugin once",
                )
                continue
            try:
                self.pm.register(plugin, name=name)
            except Exception as exc:  # pluggy.PluginValidationError, mostly
                self._leave_out(name)
                self.report(
                    name,
                    f"pluggy refused it: {_one_line(exc)}; it is left out; fix the plugin, or {off}",
                    exc=exc,
                )

    def _register_builtins(self) -> None:
        version = _version("journeymine")
        for name in BUILTIN_MODULES:
            self.info[name] = _Info(name, version, builtin=True)
            try:
                self.pm.register(importlib.import_module(name), name=name)
            except Exception as exc:  # a bug in journeymine: still, the rest keeps working
                self._leave_out(name)
                self.report(
                    name,
                    f"failed to load: {_one_line(exc)}; this is a bug in journeymine: please report it",
                    exc=exc,
                )

    def _check_pending(self) -> None:
        """Run ``check_pending()`` until it passes, leaving out each plugin it rejects."""
        import pluggy

        from journeymine import hookspecs

        known = [n for n in hookspecs.__all__ if n.startswith("journeymine_")]
        while True:
            try:
                self.pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                plugin = exc.plugin
                name = self.pm.get_name(plugin)
                if name is None:  # pragma: no cover - pluggy names the plugin it rejects
                    raise
                callers = self.pm.get_hookcallers(plugin) or []
                self.info[name].hooks = sorted(h.name for h in callers)
                for caller in callers:
                    impls = [i for i in caller.get_hookimpls() if i.plugin is plugin and not i.optionalhook]
                    if caller.has_spec() or not impls:
                        continue
                    self.report(
                        name,
                        f"unknown hook {caller.name}{_did_you_mean(caller.name, known)}; the plugin is left "
                        f"out; rename the hook function (the hooks: docs/plugins.md), or {_switch_off(name)}",
                        where=_defined_at(impls[0].function),
                    )
                self._leave_out(name)

    def _leave_out(self, name: str) -> None:
        self.info[name].left_out = True
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    def _order(self) -> list[str]:
        """Built-ins (in :data:`BUILTIN_MODULES` order), then third-party plugins by name."""
        third = sorted(n for n, i in self.info.items() if not i.builtin)
        return [n for n in BUILTIN_MODULES if n in self.info] + third

    def _only(self, hook: str, plugin: object) -> pluggy.HookCaller:
        """The hook caller of ``hook`` restricted to one plugin (pluggy does the call)."""
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        return self.pm.subset_hook_caller(hook, remove_plugins=others)

    def _collect(self, registry: Registry[Any], hook: str) -> None:
        callers = getattr(self.pm.hook, hook)
        implementers = {impl.plugin_name for impl in callers.get_hookimpls()}
        for name in self._order():
            plugin = self.pm.get_plugin(name)
            if name not in implementers or plugin is None:
                continue
            register = _Register(self, registry, name, hook)
            try:
                self._only(hook, plugin)(register=register)
            except Exception as exc:
                self.info[name].failed = True
                self.report(
                    name,
                    f"{hook} raised {_one_line(exc)}; what it registered there is left out; fix the "
                    f"plugin, or {_switch_off(name)}",
                    exc=exc,
                )
                continue
            finally:
                register.open = False
            for obj in register.staged.values():
                self._commit(registry, name, obj)

    def _order_resolvers(self) -> None:
        impls = getattr(self.pm.hook, RESOLVE_HOOK).get_hookimpls()
        order = list(dict.fromkeys(impl.plugin_name for impl in reversed(impls)))  # pluggy's call order
        order.sort(key=lambda n: self.info[n].builtin)  # third-party first (a stable sort)
        for name in order:
            self.resolvers.append((name, self._only(RESOLVE_HOOK, self.pm.get_plugin(name))))

    # -- objects ----------------------------------------------------------------------------

    def offer(self, register: _Register, obj: Any, frame: FrameType | None) -> None:
        """Check ``obj`` as ``register(obj)`` is called; stage it, or leave it out and say why."""
        registry, owner, kind = register.registry, register.owner, register.registry.kind
        info, off = self.info[owner], _switch_off(owner)
        where = _registered_at(frame)
        problems = _check(kind, obj)
        label = _label(kind, obj)
        if problems:
            info.refused += 1
            name = getattr(obj, "name", None) if not isinstance(obj, type) else None
            if isinstance(name, str) and name and name not in registry.items:
                registry.left_out.setdefault(
                    name, f"plugin {owner!r} registered it, but {'; '.join(problems)}"
                )
            self.report(
                owner, f"{label} is left out: {'; '.join(problems)}; fix the plugin, or {off}", where=where
            )
            return
        name = obj.name
        holder = owner if name in register.staged else registry.owners.get(name)
        if holder is None:
            register.staged[name] = obj
            return
        info.refused += 1
        if holder == owner:
            problem = f"{label} is registered twice; the first is kept; register each {kind} once"
        elif self.info[holder].builtin:
            problem = (
                f"{label} is left out: the name belongs to the built-in plugin {holder!r}, which always "
                f"keeps it; give the {kind} another name, or {off}"
            )
        else:
            problem = (
                f"{label} is left out: plugin {holder!r} registers a {kind} of that name too (of two "
                f"plugins claiming a name, the one whose name sorts first keeps it); rename one, or {off}"
            )
        self.report(owner, problem, where=where)

    def _commit(self, registry: Registry[Any], owner: str, obj: Any) -> None:
        name: str = obj.name
        registry.items[name] = obj
        registry.owners[name] = owner
        registry.left_out.pop(name, None)
        description = f"{registry.kind} {name}"
        if registry.kind == "connector":
            granted = []
            for suffix in obj.suffixes:
                key = suffix.lower()
                holder = registry.suffixes.setdefault(key, name)
                if holder == name:
                    if suffix not in granted:
                        granted.append(suffix)
                    continue
                keeper = registry.owners[holder]
                if self.info[keeper].builtin:
                    rule = f"which the built-in connector {holder!r} keeps"
                else:
                    rule = (
                        f"which connector {holder!r} of plugin {keeper!r} claims too (of two plugins "
                        f"claiming an ending, the one whose name sorts first keeps it)"
                    )
                self.report(
                    owner,
                    f"connector {name!r} claims {suffix!r}, {rule}; such files go to {holder!r} unless you "
                    f"pass connector={name!r}; drop the ending from the connector, or {_switch_off(owner)}",
                    key=f"suffix {key}",
                )
            if granted:
                description += f" ({', '.join(granted)})"
        self.info[owner].registered.append(description)

    # -- claims -----------------------------------------------------------------------------

    def claim(self, source: Any) -> str | None:
        """The connector a plugin's ``journeymine_resolve_connector`` claims ``source`` for."""
        registry = self.registries["connector"]
        for name, caller in self.resolvers:
            off = _switch_off(name)
            try:
                claimed = caller(source=source)
            except Exception as exc:
                self.report(
                    name,
                    f"{RESOLVE_HOOK} raised {_one_line(exc)}; its claim is skipped and the other "
                    f"connectors are asked; fix the plugin, or {off}",
                    key=f"{RESOLVE_HOOK} raised",
                    exc=exc,
                )
                continue
            if claimed is None:
                continue
            if not isinstance(claimed, str):
                self.report(
                    name,
                    f"{RESOLVE_HOOK} returned {_short(claimed)}, not a connector name or None; the claim "
                    f"is skipped; fix the plugin, or {off}",
                    key=f"{RESOLVE_HOOK} not a name",
                )
            elif claimed not in registry:
                why = registry.left_out.get(claimed)
                self.report(
                    name,
                    f"{RESOLVE_HOOK} claims a source for the connector {claimed!r}, which is not "
                    f"registered{f' ({why})' if why else ''}; the claim is skipped; fix the plugin, or {off}",
                    key=f"{RESOLVE_HOOK} unknown {claimed}",
                )
            else:
                return claimed
        return None

    # -- reports ----------------------------------------------------------------------------

    def report(
        self,
        plugin: str,
        problem: str,
        *,
        key: str | None = None,
        exc: BaseException | None = None,
        where: str | None = None,
    ) -> None:
        """Record a problem of ``plugin`` and queue its warning (once per ``(plugin, key)``)."""
        with _lock:
            if (plugin, key or problem) in self._reported:
                return
            self._reported.add((plugin, key or problem))
            self.info[plugin].problems.append(problem)
            message = f"journeymine plugin {plugin!r}: {problem}"
            if _debug():
                if exc is not None:
                    import traceback

                    message += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                elif where:
                    message += "\n" + where
            self.pending.append(PluginWarning(message.rstrip(), plugin=plugin))

    def flush(self) -> None:
        """Emit the queued warnings (outside the load, so that a warning turned into an error
        leaves a complete state behind)."""
        while True:
            with _lock:
                if not self.pending:
                    return
                warning = self.pending.pop(0)
            warnings.warn(warning, stacklevel=4)

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for name in self._order():
            info = self.info[name]
            rows.append(
                {
                    "name": info.name,
                    "version": info.version,
                    "builtin": info.builtin,
                    "status": info.status,
                    "registered": "; ".join(info.registered),
                    "hooks": ", ".join(info.hooks),
                    "error": " | ".join(info.problems) or None,
                }
            )
        return rows


# -- helpers ----------------------------------------------------------------------------------


def _check(kind: str, obj: Any) -> list[str]:
    """What is wrong with an object registered as a ``kind`` (empty when nothing is)."""
    if isinstance(obj, type):
        return [f"it is a class, not an instance: register({obj.__name__}()), not register({obj.__name__})"]
    problems = []
    name = _attribute(obj, "name")
    if not (isinstance(name, str) and name.strip()):
        problems.append(_want("name", name, "a non-empty str"))
    if kind == "connector":
        suffixes = _attribute(obj, "suffixes")
        if not isinstance(suffixes, tuple) or not all(isinstance(s, str) for s in suffixes):
            problems.append(
                _want("suffixes", suffixes, "a tuple of file endings such as ('.jmx',), or () for none")
            )
        else:
            bad = [s for s in suffixes if not s.startswith(".") or len(s) < 2]
            if bad:
                problems.append(f"its suffixes {bad} do not start with '.' (write '.jmx', not 'jmx')")
        options = _attribute(obj, "options")
        if (
            isinstance(options, str)
            or not isinstance(options, (tuple, list))
            or not all(isinstance(o, str) for o in options)
        ):
            problems.append(
                _want("options", options, "a tuple of the option names scan() takes, or () for none")
            )
        if not callable(_attribute(obj, "scan")):
            problems.append(
                _want("scan", _attribute(obj, "scan"), "a method scan(source, **options) -> Scan")
            )
    elif kind == "engine" and not callable(_attribute(obj, "create")):
        problems.append(_want("create", _attribute(obj, "create"), "a method create(**settings) -> Engine"))
    elif kind == "renderer":
        handles = _attribute(obj, "handles")
        if not (isinstance(handles, tuple) and handles and all(isinstance(t, type) for t in handles)):
            problems.append(_want("handles", handles, "a tuple of the result types it draws, e.g. (jm.DFG,)"))
        formats = _attribute(obj, "formats")
        if not (isinstance(formats, tuple) and formats and all(isinstance(f, str) and f for f in formats)):
            problems.append(_want("formats", formats, "a tuple of format names such as ('svg', 'png')"))
        options = _attribute(obj, "options")
        if not (isinstance(options, tuple) and all(isinstance(o, str) for o in options)):
            problems.append(_want("options", options, "a tuple of the option names render() takes, or ()"))
        if not callable(_attribute(obj, "render")):
            problems.append(
                _want("render", _attribute(obj, "render"), "a method render(result, *, format, **options)")
            )
    elif kind == "heuristic":
        if not isinstance(_attribute(obj, "description"), str):
            problems.append(
                _want("description", _attribute(obj, "description"), "one line saying what it detects, a str")
            )
        if not isinstance(_attribute(obj, "params"), Mapping):
            problems.append(_want("params", _attribute(obj, "params"), "a mapping of its parameters"))
        if not callable(_attribute(obj, "evaluate")):
            problems.append(
                _want("evaluate", _attribute(obj, "evaluate"), "a method evaluate(data) -> list of Finding")
            )
    elif kind == "report section":
        if not isinstance(_attribute(obj, "title"), str):
            problems.append(_want("title", _attribute(obj, "title"), "the section's heading, a str"))
        order = _attribute(obj, "order")
        if isinstance(order, bool) or not isinstance(order, (int, float)):
            problems.append(_want("order", order, "a number that places the section in the report"))
        if not callable(_attribute(obj, "render")):
            problems.append(
                _want("render", _attribute(obj, "render"), "a method render(context) -> str | None")
            )
    return problems


def _attribute(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, _MISSING)
    except Exception:  # a property that raises is as good as missing
        return _MISSING


def _want(attribute: str, value: Any, wanted: str) -> str:
    if value is _MISSING:
        return f"it has no {attribute} (want {wanted})"
    return f"its {attribute} is {_short(value)}, not {wanted}"


def _label(kind: str, obj: Any) -> str:
    name = _attribute(obj, "name") if not isinstance(obj, type) else _MISSING
    if isinstance(name, str) and name.strip():
        return f"{kind} {name!r}"
    cls = obj if isinstance(obj, type) else type(obj)
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind} of type {cls.__module__}.{cls.__qualname__}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _did_you_mean(name: str, known: list[str]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else f" (the hooks are: {', '.join(known)})"


def _switch_off(name: str) -> str:
    """The way out for the user: switch the plugin off (a built-in cannot be: report the bug)."""
    if name in BUILTIN_MODULES:
        return "report this bug in journeymine (a built-in cannot be switched off)"
    return f"switch it off with {DISABLE_ENV}={name}"


def _registered_at(frame: FrameType | None) -> str | None:
    """Where ``register()`` was called, for the debug output (only built when debugging)."""
    if frame is None or not _debug():
        return None
    import traceback

    return "registered at (most recent call last):\n" + "".join(traceback.format_stack(frame))


def _defined_at(function: Any) -> str:
    code = getattr(function, "__code__", None)
    if code is None:
        return f"defined as {function!r}"
    return f'defined at:\n  File "{code.co_filename}", line {code.co_firstlineno}, in {code.co_name}'


def _package(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "an unknown package"
    return f"{dist.metadata['Name']} {dist.version}"


def _version_of(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return str(dist.version) if dist is not None else "unknown"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _disabled() -> tuple[bool, set[str]]:
    """(every third-party plugin off?, the entry-point names switched off)."""
    value = os.environ.get(DISABLE_ENV, "").strip()
    if value.lower() in _ALL:
        return True, set()
    if value.lower() in _NONE:
        return False, set()
    return False, {v.strip() for v in value.split(",") if v.strip()}


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in _DEBUG


# -- the state --------------------------------------------------------------------------------

_lock = threading.RLock()
_state: _State | None = None
_loading = False
_engines: dict[str, Engine] = {}


def _get() -> _State:
    global _state, _loading
    with _lock:
        if _state is None:
            if _loading:
                raise PluginError(
                    "a plugin used the registry while plugins were being loaded; a hook must not read "
                    "events or look up connectors and engines"
                )
            _loading = True
            try:
                _state = _State()
            finally:
                _loading = False
        state = _state
    state.flush()
    return state


def reset(*, engines: bool = True) -> None:
    """Forget every loaded plugin (and engine); the next use loads them again (for tests).

    The environment (``JOURNEYMINE_DISABLE_PLUGINS``, ``JOURNEYMINE_DEBUG``) is read again, and
    problems are reported again.

    Parameters
    ----------
    engines : bool, default True
        Also close and forget the engines :func:`get_engine` created. ``False`` keeps them, so
        that logs read before stay usable (a test fixture that reloads the plugins wants this).

    Examples
    --------
    >>> reset(engines=False)
    >>> "csv" in connectors()
    True
    """
    global _state
    with _lock:
        if engines:
            for engine in _engines.values():
                close = getattr(engine, "close", None)
                if callable(close):
                    close()
            _engines.clear()
        _state = None


def connectors() -> Registry[Connector]:
    """The registered connectors, by name.

    Examples
    --------
    >>> "csv" in connectors()
    True
    """
    return _get().registries["connector"]


def engines() -> Registry[EngineFactory]:
    """The registered engine factories, by name.

    Examples
    --------
    >>> "duckdb" in engines()
    True
    """
    return _get().registries["engine"]


def heuristics() -> Registry[Heuristic]:
    """The registered improvement heuristics, by name (see :mod:`journeymine.heuristics`).

    Examples
    --------
    >>> "rework-loops" in heuristics()
    True
    """
    return _get().registries["heuristic"]


def renderers() -> Registry[Renderer]:
    """The registered renderers, by name (see :mod:`journeymine.views`).

    Examples
    --------
    >>> "process-map" in renderers()
    True
    """
    return _get().registries["renderer"]


def report_sections() -> Registry[Any]:
    """The registered sections of the HTML report, by name (see :mod:`journeymine.views.report`).

    Examples
    --------
    >>> "overview" in report_sections()
    True
    """
    return _get().registries["report section"]


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


def create_engine(name: str, settings: Mapping[str, Any], *, flag: str = "settings") -> Engine:
    """A new engine by name with ``settings`` given as text (from the command line's
    ``--engine-setting KEY=VALUE``), under the same names as in Python.

    Text that is a whole number becomes an int (``threads=2``); for Spark, a key with a dot
    (``spark.driver.maxResultSize``) is a Spark setting (``config=``). A setting the engine does
    not take is an :class:`~journeymine.errors.ArgumentError` naming the ones it does.

    Examples
    --------
    >>> create_engine("duckdb", {"memory_limit": "1GB", "threads": "1"}).threads
    1
    """
    from journeymine.errors import ArgumentError

    known = engines()
    if name not in known:
        raise ArgumentError(f"no engine {name!r}; engines: {', '.join(sorted(known))}")
    factory = known[name]
    values: dict[str, Any] = {}
    config: dict[str, str] = {}
    for key, value in settings.items():
        if "." in key and name == "spark":
            config[key] = str(value)
        else:
            values[key] = int(value) if isinstance(value, str) and value.isdigit() else value
    if config:
        values["config"] = {**values.get("config", {}), **config}
    try:
        engine = factory.create(**values)
    except TypeError as exc:
        accepted = ""
        params = _engine_parameters(factory)
        if params:
            accepted = f"; the {name} engine takes {', '.join(params)}"
        raise ArgumentError(f"{flag}: {exc}{accepted}") from None
    return engine


def _engine_parameters(factory: Any) -> list[str]:
    """The keyword settings an engine factory's engine takes (from its class signature)."""
    import inspect

    made = inspect.signature(factory.create).return_annotation
    cls = made if isinstance(made, type) else None
    if cls is None:
        module = inspect.getmodule(factory)
        cls = getattr(module, str(made), None) if module is not None else None
    if not isinstance(cls, type):
        return []
    return [p for p in inspect.signature(cls).parameters if p not in ("self", "session")]


def resolve_connector(source: Any) -> Connector:
    """Pick the connector for ``source``: a plugin's claim first, else the file ending.

    Claims (``journeymine_resolve_connector``) are asked of third-party plugins first, then of
    the built-ins; a path nobody claims goes to the owner of the longest file ending it matches
    (a built-in keeps its own endings).

    Examples
    --------
    >>> resolve_connector("events.csv.gz").name
    'csv'
    """
    from journeymine.errors import ConnectorError

    state = _get()
    registry = state.registries["connector"]
    claimed = state.claim(source)
    state.flush()
    if claimed is not None:
        return registry[claimed]
    if isinstance(source, (str, Path)):
        owner = registry.by_suffix(str(source))
        if owner is not None:
            return registry[owner]
        if isinstance(source, str) and "://" not in source and not Path(source).exists():
            raise ConnectorError(f"file not found: {source}")
    endings = ", ".join(sorted(registry.suffixes)) or "none"
    raise ConnectorError(
        f"no connector knows how to read {_describe(source)}; known endings: {endings}; "
        f"pass connector=... (one of: {', '.join(registry)}), or install a plugin that reads it"
    )


def _describe(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return repr(str(source))
    return f"a {type(source).__module__}.{type(source).__qualname__}"


def plugins() -> pd.DataFrame:
    """List every plugin, built-in and third-party, including disabled and broken ones.

    Never raises: a plugin's problems show in its row (and as a :class:`PluginWarning`, once).

    Returns
    -------
    pandas.DataFrame
        One row per plugin, built-ins first, then third-party plugins by name, with the columns
        :data:`COLUMNS`:

        - ``name``: the entry-point name (a built-in: its module);
        - ``version``: its package's version;
        - ``builtin``: whether it ships with journeymine;
        - ``status``: ``ok``; ``partial`` (loaded, but something it registered or claimed was left
          out, e.g. a malformed object or a file ending another connector keeps); ``broken``
          (left out entirely: it failed to import, pluggy refused it, it has an unknown hook,
          or everything it registered was left out); ``disabled`` (switched off by
          ``JOURNEYMINE_DISABLE_PLUGINS``, never imported);
        - ``registered``: what it registered and is in use, e.g. ``connector jmx (.jmx);
          heuristic example-rework`` (a connector with the file endings it owns);
        - ``hooks``: the hooks it implements, comma-separated;
        - ``error``: what is wrong, or None: each warning's first line without its
          ``journeymine plugin 'NAME': ``, separated by `` | ``.

    Examples
    --------
    >>> table = plugins()
    >>> list(table.columns)
    ['name', 'version', 'builtin', 'status', 'registered', 'hooks', 'error']
    >>> table.set_index("name").loc["journeymine.connectors.csv", ["status", "registered"]].tolist()
    ['ok', 'connector csv (.csv, .csv.gz, .tsv, .tsv.gz, .txt, .txt.gz)']
    """
    import pandas as pd

    return pd.DataFrame(_get().rows(), columns=list(COLUMNS))
