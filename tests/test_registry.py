"""The registry in-process: the load sequence, each validation case, each problem reported once.

Plugins here are real entry points: a module and a ``*.dist-info`` folder written to a temporary
folder put on ``sys.path`` (what pip would install, without running pip; tests/test_plugins.py
does the real pip installs).
"""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
import journeymine.registry
from journeymine.registry import COLUMNS, STATUSES, PluginWarning

_ids = itertools.count()

CONNECTOR = """
import journeymine
from journeymine.connectors.base import Scan

class Jmx:
    name = {name!r}
    suffixes = {suffixes!r}
    options = ()

    def scan(self, source, **options):
        import pyarrow as pa
        rows = [line.split("|") for line in open(source).read().splitlines() if line]
        table = pa.table({{k: [r[i] for r in rows] for i, k in enumerate(["c", "a", "t"])}})
        return Scan(kind="arrow", location=str(source), columns=("c", "a", "t"), open=lambda: table)

@journeymine.hookimpl
def journeymine_register_connectors(register):
    register(Jmx())
"""


def connector_plugin(name: str = "jmx", suffixes: tuple[str, ...] = (".jmx",)) -> str:
    return CONNECTOR.format(name=name, suffixes=suffixes)


@pytest.fixture
def install(third_party_plugins, tmp_path, monkeypatch):
    """install(entry_point_name, code) -> module name: an installed plugin, found on next use."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def install(name: str, code: str, *, version: str = "1.0", dist: str | None = None) -> str:
        module = f"jmtest_{next(_ids)}_{name.replace('-', '_')}"
        (site / f"{module}.py").write_text(textwrap.dedent(code))
        dist = dist or f"jmtest-{module}"
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        entry_points = info / "entry_points.txt"
        old = entry_points.read_text() if entry_points.exists() else "[journeymine]\n"
        entry_points.write_text(old + f"{name} = {module}\n")
        importlib.invalidate_caches()
        third_party_plugins.reset(engines=False)
        return module

    yield install
    for module in [m for m in sys.modules if m.startswith("jmtest_")]:
        del sys.modules[module]


def load() -> tuple[pd.DataFrame, list[str]]:
    """The listing and the plugin warnings of one fresh load (used twice: warnings come once)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jm.registry.connectors()
        table = jm.plugins()
        jm.plugins()
        jm.registry.engines()
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    return table.set_index("name"), messages


def about(messages: list[str], plugin: str) -> list[str]:
    return [m for m in messages if m.startswith(f"journeymine plugin {plugin!r}: ")]


def events(tmp_path: Path, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text("c,a,t\n1,X,2025-01-01\n1,Y,2025-01-02\n")
    return path


# -- the session default ----------------------------------------------------------------------


def test_tests_run_without_third_party_plugins():
    import os

    assert os.environ["JOURNEYMINE_DISABLE_PLUGINS"] == "all"
    table = jm.plugins()
    assert set(table.loc[~table.builtin, "status"]) <= {"disabled"}
    assert set(jm.registry.connectors()) == {"csv", "dataframe", "parquet", "spark", "sql", "xes"}


def test_the_listing_never_lacks_a_column_and_built_ins_are_ok():
    table = jm.plugins()
    assert tuple(table.columns) == COLUMNS
    builtins = table[table.builtin]
    assert list(builtins.name) == list(jm.registry.BUILTIN_MODULES)
    assert set(builtins.status) == {"ok"} and builtins.error.isna().all()
    rows = builtins.set_index("name")
    assert rows.loc["journeymine.engines.spark", "registered"] == "connector spark; engine spark"
    assert rows.loc["journeymine.connectors.xes", "registered"] == "connector xes (.xes, .xes.gz)"


# -- a plugin that works ----------------------------------------------------------------------


def test_a_good_plugin_is_used_and_listed(install, tmp_path):
    install("jmx", connector_plugin())
    table, messages = load()
    assert about(messages, "jmx") == []
    row = table.loc["jmx"]
    assert (row.version, row.builtin, row.status, row.registered, row.hooks, row.error) == (
        "1.0",
        False,
        "ok",
        "connector jmx (.jmx)",
        "journeymine_register_connectors",
        None,
    )
    path = tmp_path / "e.jmx"
    path.write_text("c1|Visit|2025-01-01 10:00\nc1|Call|2025-01-01 11:00\n")
    assert jm.read_events(path, case="c", activity="a", timestamp="t").n_events == 2
    assert jm.registry.connectors().owners["jmx"] == "jmx"


def test_hooks_are_called_through_pluggy(install):
    # pluggy passes only the arguments an implementation asks for (opt-in arguments): an impl
    # that takes none is called; calling impl.function(register=...) directly would fail
    install(
        "optin",
        """
        import journeymine
        CALLED = []

        @journeymine.hookimpl
        def journeymine_register_heuristics():
            CALLED.append(True)
        """,
    )
    table, messages = load()
    assert about(messages, "optin") == [] and table.loc["optin", "status"] == "ok"
    module = next(m for n, m in sys.modules.items() if n.endswith("_optin"))
    assert module.CALLED == [True]


def test_each_plugin_gets_its_own_register_and_objects_know_their_plugin(install):
    install("one", connector_plugin("one", (".one",)))
    install("two", connector_plugin("two", (".two",)))
    load()
    registry = jm.registry.connectors()
    assert (registry.owners["one"], registry.owners["two"]) == ("one", "two")
    assert registry.owners["csv"] == "journeymine.connectors.csv"
    assert (registry.by_suffix("x.one"), registry.by_suffix("x.TWO")) == ("one", "two")


# -- a misspelt hook --------------------------------------------------------------------------


def test_a_misspelt_hook_is_reported_once_and_its_plugin_left_out(install):
    install(
        "typo",
        """
        import journeymine

        class Rework:
            name = "typo-rework"
            description = "finds nothing"
            params = {}

            def evaluate(self, data):
                return []

        @journeymine.hookimpl
        def journeymine_register_conectors(register):
            raise AssertionError("never called")

        @journeymine.hookimpl
        def journeymine_register_heuristics(register):
            register(Rework())
        """,
    )
    table, messages = load()
    assert about(messages, "typo") == [
        "journeymine plugin 'typo': unknown hook journeymine_register_conectors (did you mean "
        "journeymine_register_connectors?); the plugin is left out; rename the hook function (the hooks: "
        "docs/plugins.md), or switch it off with JOURNEYMINE_DISABLE_PLUGINS=typo"
    ]
    row = table.loc["typo"]
    assert row.status == "broken" and "unknown hook journeymine_register_conectors" in row.error
    assert row.hooks == "journeymine_register_conectors, journeymine_register_heuristics"
    assert "typo-rework" not in jm.registry.heuristics()  # the whole plugin is out
    assert not jm.registry._get().pm.has_plugin("typo")
    assert "csv" in jm.registry.connectors()


def test_an_optional_unknown_hook_is_fine(install):
    install(
        "later",
        """
        import journeymine

        @journeymine.hookimpl(optionalhook=True)
        def journeymine_a_hook_of_a_later_version(register):
            pass
        """,
    )
    table, messages = load()
    assert about(messages, "later") == [] and table.loc["later", "status"] == "ok"


# -- malformed objects ------------------------------------------------------------------------

MALFORMED = {
    "no suffixes nor scan": (
        "connector",
        "class C:\n    name = 'half'\n    options = ()\n",
        "connector 'half' is left out: it has no suffixes (want a tuple of file endings such as "
        "('.jmx',), or () for none); it has no scan (want a method scan(source, **options) -> Scan)",
    ),
    "no name": (
        "connector",
        "class C:\n    suffixes = ()\n    options = ()\n    def scan(self, source): pass\n",
        "a connector of type {module}.C is left out: it has no name (want a non-empty str)",
    ),
    "empty name": (
        "connector",
        "class C:\n    name = ' '\n    suffixes = ()\n    options = ()\n    def scan(self, source): pass\n",
        "a connector of type {module}.C is left out: its name is ' ', not a non-empty str",
    ),
    "name not a str": (
        "engine",
        "class C:\n    name = 3\n    def create(self): pass\n",
        "an engine of type {module}.C is left out: its name is 3, not a non-empty str",
    ),
    "suffixes a str": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = '.x'\n    options = ()\n    def scan(self, s): pass\n",
        "connector 'x' is left out: its suffixes is '.x', not a tuple of file endings such as ('.jmx',), or () for none",
    ),
    "suffixes a list": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ['.x']\n    options = ()\n    def scan(self, s): pass\n",
        "connector 'x' is left out: its suffixes is ['.x'], not a tuple of file endings",
    ),
    "suffix without a dot": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ('x', '.y')\n    options = ()\n    def scan(self, s): pass\n",
        "connector 'x' is left out: its suffixes ['x'] do not start with '.' (write '.jmx', not 'jmx')",
    ),
    "options a str": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ()\n    options = 'delimiter'\n    def scan(self, s): pass\n",
        "connector 'x' is left out: its options is 'delimiter', not a tuple of the option names",
    ),
    "options not str": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ()\n    options = (1,)\n    def scan(self, s): pass\n",
        "connector 'x' is left out: its options is (1,), not a tuple",
    ),
    "scan not callable": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ()\n    options = ()\n    scan = None\n",
        "connector 'x' is left out: its scan is None, not a method scan(source, **options) -> Scan",
    ),
    "a class, not an instance": (
        "connector",
        "class C:\n    name = 'x'\n    suffixes = ()\n    options = ()\n    def scan(self, s): pass\n",
        "a connector of type {module}.C is left out: it is a class, not an instance: register(C()), not register(C)",
    ),
    "engine without create": (
        "engine",
        "class C:\n    name = 'fast'\n",
        "engine 'fast' is left out: it has no create (want a method create(**settings) -> Engine)",
    ),
    "heuristic without a name": (
        "heuristic",
        "class C:\n    pass\n",
        "a heuristic of type {module}.C is left out: it has no name (want a non-empty str)",
    ),
    "heuristic without evaluate": (
        "heuristic",
        "class C:\n    name = 'loops'\n    description = 'loops'\n    params = {}\n",
        "heuristic 'loops' is left out: it has no evaluate (want a method evaluate(data) -> list of Finding)",
    ),
    "heuristic with params that are no mapping": (
        "heuristic",
        "class C:\n    name = 'loops'\n    description = 'loops'\n    params = ['min_share']\n"
        "    def evaluate(self, data):\n        return []\n",
        "heuristic 'loops' is left out: its params is ['min_share'], not a mapping of its parameters",
    ),
    "renderer with an empty name": (
        "renderer",
        "class C:\n    name = ''\n    handles = (object,)\n    formats = ('svg',)\n    options = ()\n"
        "    def render(self, result, *, format, **options):\n        return ''\n",
        "a renderer of type {module}.C is left out: its name is '', not a non-empty str",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_object_is_left_out_with_one_warning(install, case):
    kind, body, expected = MALFORMED[case]
    hook = {
        "connector": "connectors",
        "engine": "engines",
        "heuristic": "heuristics",
        "renderer": "renderers",
    }
    instance = "C" if case == "a class, not an instance" else "C()"
    module = install(
        "bad",
        f"""
import journeymine

{body}
class Good:
    name = "good-one"
    suffixes = ()
    options = ()
    handles = (object,)
    formats = ("txt",)
    def scan(self, source): pass
    def create(self): pass
    def render(self, result, *, format, **options): return ""
    description = "a well-formed object of every kind"
    params = {{}}
    def evaluate(self, data): return []

@journeymine.hookimpl
def journeymine_register_{hook[kind]}(register):
    register({instance})
    register(Good())
""",
    )
    table, messages = load()
    [message] = about(messages, "bad")
    assert message.startswith("journeymine plugin 'bad': ")
    assert "\n" not in message
    assert expected.format(module=module) in message, message
    assert message.endswith("; fix the plugin, or switch it off with JOURNEYMINE_DISABLE_PLUGINS=bad")
    row = table.loc["bad"]
    assert row.status == "partial"  # the good object is in use
    assert row.registered == f"{kind} good-one"
    assert row.error == message.removeprefix("journeymine plugin 'bad': ")


def test_a_left_out_connector_asked_for_by_name_says_why(install, tmp_path):
    install(
        "half",
        """
        import journeymine

        class Half:
            name = "half"

        @journeymine.hookimpl
        def journeymine_register_connectors(register):
            register(Half())
        """,
    )
    table, _ = load()
    assert table.loc["half", "status"] == "broken"  # nothing it registered is in use
    assert not jm.registry._get().pm.has_plugin("half")
    with pytest.raises(
        jm.PluginError,
        match=r"the connector 'half' is not available: plugin 'half' registered it, but it has no suffixes",
    ):
        jm.read_events(events(tmp_path), case="c", activity="a", timestamp="t", connector="half")
    assert jm.read_events(events(tmp_path), case="c", activity="a", timestamp="t").n_events == 2


def test_an_unknown_connector_suggests_a_close_name():
    with pytest.raises(
        jm.PluginError, match=r"unknown connector 'cvs'; did you mean 'csv'\?; known connectors: csv, "
    ):
        jm.registry.connectors()["cvs"]


# -- plugins that fail ------------------------------------------------------------------------


def test_a_plugin_that_fails_to_import_is_left_out_and_the_rest_work(install, tmp_path):
    module = install("broken", "raise ImportError('this plugin needs a library that is not installed')\n")
    install("jmx", connector_plugin())
    table, messages = load()
    assert about(messages, "broken") == [
        f"journeymine plugin 'broken': failed to load ({module}): ImportError: this plugin needs a "
        "library that is not installed; it is left out; install what it needs, or switch it off with "
        "JOURNEYMINE_DISABLE_PLUGINS=broken"
    ]
    assert table.loc["broken", "status"] == "broken" and table.loc["broken", "hooks"] == ""
    assert table.loc["jmx", "status"] == "ok"
    assert jm.read_events(events(tmp_path), case="c", activity="a", timestamp="t").n_events == 2


def test_a_plugin_pluggy_refuses_is_left_out(install):
    install(
        "args",
        """
        import journeymine

        @journeymine.hookimpl
        def journeymine_register_connectors(registr):
            pass
        """,
    )
    table, messages = load()
    [message] = about(messages, "args")
    assert message.startswith("journeymine plugin 'args': pluggy refused it: PluginValidationError: ")
    assert "{'registr'} are declared in the hookimpl but can not be found in the hookspec" in message
    assert table.loc["args", "status"] == "broken"


def test_a_hook_that_raises_registers_nothing_from_that_call(install):
    install(
        "badreg",
        """
        import journeymine

        class Early:
            name = "early"
            suffixes = ()
            options = ()
            def scan(self, source): pass

        class Rework:
            name = "badreg-rework"
            description = "finds nothing"
            params = {}

            def evaluate(self, data):
                return []

        @journeymine.hookimpl
        def journeymine_register_connectors(register):
            register(Early())
            raise RuntimeError("cannot register today")

        @journeymine.hookimpl
        def journeymine_register_heuristics(register):
            register(Rework())
        """,
    )
    table, messages = load()
    assert about(messages, "badreg") == [
        "journeymine plugin 'badreg': journeymine_register_connectors raised RuntimeError: cannot "
        "register today; what it registered there is left out; fix the plugin, or switch it off with "
        "JOURNEYMINE_DISABLE_PLUGINS=badreg"
    ]
    assert "early" not in jm.registry.connectors()
    assert "badreg-rework" in jm.registry.heuristics()
    assert (table.loc["badreg", "status"], table.loc["badreg", "registered"]) == (
        "partial",
        "heuristic badreg-rework",
    )


def test_a_plugin_whose_only_hook_raises_is_broken(install):
    install(
        "badreg",
        """
        import journeymine

        @journeymine.hookimpl
        def journeymine_register_connectors(register):
            raise RuntimeError("cannot register today")
        """,
    )
    table, _ = load()
    assert (
        table.loc["badreg", "status"] == "broken" and "cannot register today" in table.loc["badreg", "error"]
    )


def test_register_after_the_hook_returned_is_an_error(install):
    install(
        "late",
        """
        import journeymine
        KEPT = []

        @journeymine.hookimpl
        def journeymine_register_heuristics(register):
            KEPT.append(register)
        """,
    )
    load()
    module = next(m for n, m in sys.modules.items() if n.endswith("_late"))

    class Late:
        name = "late"

    with pytest.raises(
        jm.PluginError, match="called register\\(\\) after journeymine_register_heuristics returned"
    ):
        module.KEPT[0](Late())


def test_a_plugin_using_the_registry_while_loading_is_reported_not_recursive(install):
    install(
        "eager",
        """
        import journeymine
        from journeymine import registry

        @journeymine.hookimpl
        def journeymine_register_heuristics(register):
            registry.connectors()
        """,
    )
    table, messages = load()
    [message] = about(messages, "eager")
    assert "raised PluginError: a plugin used the registry while plugins were being loaded" in message
    assert table.loc["eager", "status"] == "broken"


# -- names ------------------------------------------------------------------------------------


def test_a_built_in_name_always_wins(install, tmp_path):
    install("dupe", connector_plugin("csv", (".csv",)))
    table, messages = load()
    assert about(messages, "dupe") == [
        "journeymine plugin 'dupe': connector 'csv' is left out: the name belongs to the built-in "
        "plugin 'journeymine.connectors.csv', which always keeps it; give the connector another name, "
        "or switch it off with JOURNEYMINE_DISABLE_PLUGINS=dupe"
    ]
    assert jm.registry.connectors().owners["csv"] == "journeymine.connectors.csv"
    assert table.loc["dupe", "status"] == "broken"
    assert table.loc["journeymine.connectors.csv", "status"] == "ok"
    assert jm.read_events(events(tmp_path), case="c", activity="a", timestamp="t").n_events == 2


@pytest.mark.parametrize("order", ["alpha first", "zeta first"])
def test_of_two_plugins_claiming_a_name_the_first_by_name_keeps_it(install, order):
    names = ["alpha", "zeta"] if order == "alpha first" else ["zeta", "alpha"]
    for name in names:  # installed in either order: the same winner
        install(name, connector_plugin("jmx", (f".{name}",)))
    table, messages = load()
    assert about(messages, "alpha") == []
    assert about(messages, "zeta") == [
        "journeymine plugin 'zeta': connector 'jmx' is left out: plugin 'alpha' registers a connector "
        "of that name too (of two plugins claiming a name, the one whose name sorts first keeps it); "
        "rename one, or switch it off with JOURNEYMINE_DISABLE_PLUGINS=zeta"
    ]
    assert jm.registry.connectors().owners["jmx"] == "alpha"
    assert (table.loc["alpha", "status"], table.loc["zeta", "status"]) == ("ok", "broken")


def test_one_plugin_registering_a_name_twice_keeps_the_first(install):
    install(
        "twice",
        """
        import journeymine

        class A:
            name = "same"
            handles = (object,)
            formats = ("txt",)
            options = ()

            def render(self, result, *, format, **options):
                return str(result)

        @journeymine.hookimpl
        def journeymine_register_renderers(register):
            register(A())
            register(A())
        """,
    )
    table, messages = load()
    assert about(messages, "twice") == [
        "journeymine plugin 'twice': renderer 'same' is registered twice; the first is kept; register each "
        "renderer once"
    ]
    assert table.loc["twice", "status"] == "partial" and "same" in jm.registry.renderers()


# -- file endings -----------------------------------------------------------------------------


def test_a_built_in_keeps_its_suffixes(install, tmp_path):
    install(
        "csvclaim",
        """
        import journeymine

        class FastCsv:
            name = "fastcsv"
            suffixes = (".csv", ".fcsv")
            options = ()
            def scan(self, source, **options):
                from journeymine.connectors.csv import CsvConnector
                return CsvConnector().scan(source)

        @journeymine.hookimpl
        def journeymine_register_connectors(register):
            register(FastCsv())
        """,
    )
    table, messages = load()
    assert about(messages, "csvclaim") == [
        "journeymine plugin 'csvclaim': connector 'fastcsv' claims '.csv', which the built-in connector "
        "'csv' keeps; such files go to 'csv' unless you pass connector='fastcsv'; drop the ending from "
        "the connector, or switch it off with JOURNEYMINE_DISABLE_PLUGINS=csvclaim"
    ]
    row = table.loc["csvclaim"]
    assert (row.status, row.registered) == ("partial", "connector fastcsv (.fcsv)")
    path = events(tmp_path)
    assert jm.registry.resolve_connector(path).name == "csv"
    assert jm.registry.resolve_connector(tmp_path / "e.fcsv").name == "fastcsv"
    log = jm.read_events(path, case="c", activity="a", timestamp="t", connector="fastcsv")
    assert log.n_events == 2


@pytest.mark.parametrize("order", ["alpha first", "zeta first"])
def test_of_two_plugins_claiming_a_suffix_the_first_by_name_keeps_it(install, order):
    names = ["alpha", "zeta"] if order == "alpha first" else ["zeta", "alpha"]
    for name in names:
        install(name, connector_plugin(f"jmx-{name}", (".jmx",)))
    table, messages = load()
    assert about(messages, "zeta") == [
        "journeymine plugin 'zeta': connector 'jmx-zeta' claims '.jmx', which connector 'jmx-alpha' of "
        "plugin 'alpha' claims too (of two plugins claiming an ending, the one whose name sorts first "
        "keeps it); such files go to 'jmx-alpha' unless you pass connector='jmx-zeta'; drop the ending "
        "from the connector, or switch it off with JOURNEYMINE_DISABLE_PLUGINS=zeta"
    ]
    assert jm.registry.resolve_connector("x.jmx").name == "jmx-alpha"
    assert "jmx-zeta" in jm.registry.connectors()
    assert (table.loc["alpha", "status"], table.loc["zeta", "status"]) == ("ok", "partial")


def test_the_longest_ending_picks_the_connector(install):
    install("events", connector_plugin("events-csv", (".events.csv",)))
    _, messages = load()
    assert about(messages, "events") == []
    assert jm.registry.resolve_connector("x.events.csv").name == "events-csv"
    assert jm.registry.resolve_connector("x.csv").name == "csv"


# -- claims -----------------------------------------------------------------------------------


def test_claims_are_asked_of_third_party_plugins_first(install):
    install(
        "frames",
        """
        import journeymine

        @journeymine.hookimpl
        def journeymine_resolve_connector(source):
            return "sql" if hasattr(source, "columns") else None
        """,
    )
    load()
    # the built-in dataframe connector claims DataFrames too, but is asked after the plugin
    assert jm.registry.resolve_connector(pd.DataFrame({"a": [1]})).name == "sql"
    builtin = [name in jm.registry.BUILTIN_MODULES for name, _ in jm.registry._get().resolvers]
    assert builtin == sorted(builtin) and builtin[0] is False and builtin[-1] is True


def test_a_claim_that_fails_is_skipped_and_reported_once(install, tmp_path):
    install(
        "claims",
        """
        import journeymine

        @journeymine.hookimpl
        def journeymine_resolve_connector(source):
            if str(source).endswith(".csv"):
                raise ValueError("cannot look at " + str(source))
            if str(source).endswith(".xes"):
                return "nonexistent"
            if str(source).endswith(".parquet"):
                return 42
            return None
        """,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            for name in ("a.csv", "b.csv", "c.xes", "d.parquet"):
                jm.registry.resolve_connector(tmp_path / name)
    messages = about([str(w.message) for w in caught if issubclass(w.category, PluginWarning)], "claims")
    assert messages == [
        "journeymine plugin 'claims': journeymine_resolve_connector raised ValueError: cannot look at "
        f"{tmp_path / 'a.csv'}; its claim is skipped and the other connectors are asked; fix the plugin, "
        "or switch it off with JOURNEYMINE_DISABLE_PLUGINS=claims",
        "journeymine plugin 'claims': journeymine_resolve_connector claims a source for the connector "
        "'nonexistent', which is not registered; the claim is skipped; fix the plugin, or switch it off "
        "with JOURNEYMINE_DISABLE_PLUGINS=claims",
        "journeymine plugin 'claims': journeymine_resolve_connector returned 42, not a connector name or "
        "None; the claim is skipped; fix the plugin, or switch it off with JOURNEYMINE_DISABLE_PLUGINS=claims",
    ]
    assert jm.plugins().set_index("name").loc["claims", "status"] == "partial"


# -- switching off ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["all", "1", "off,other", " off "])
def test_a_disabled_plugin_is_listed_and_never_imported(install, monkeypatch, value):
    module = install("off", "raise AssertionError('a disabled plugin must not be imported')\n")
    install("other", connector_plugin("other", (".other",)))
    monkeypatch.setenv("JOURNEYMINE_DISABLE_PLUGINS", value)
    jm.registry.reset(engines=False)
    table, messages = load()
    assert about(messages, "off") == [] and module not in sys.modules
    row = table.loc["off"]
    assert (row.status, row.registered, row.hooks, row.error) == ("disabled", "", "", None)
    assert table.loc["other", "status"] == ("disabled" if value in ("all", "1", "off,other") else "ok")
    assert table.loc["journeymine.connectors.csv", "status"] == "ok"  # built-ins cannot be switched off


@pytest.mark.parametrize("value", ["", "0", "no"])
def test_nothing_is_disabled_by_an_empty_or_false_value(install, monkeypatch, value):
    install("jmx", connector_plugin())
    monkeypatch.setenv("JOURNEYMINE_DISABLE_PLUGINS", value)
    jm.registry.reset(engines=False)
    table, _ = load()
    assert table.loc["jmx", "status"] == "ok"


# -- reporting --------------------------------------------------------------------------------


def test_each_problem_is_reported_once_per_load(install):
    install(
        "typo",
        "import journeymine\n\n@journeymine.hookimpl\ndef journeymine_register_engine(register):\n    pass\n",
    )
    install("dupe", connector_plugin("csv", (".csv",)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            jm.plugins()
            jm.registry.connectors()
            jm.registry.resolve_connector("x.csv")
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(about(messages, "typo")) == 1 and len(about(messages, "dupe")) == 1
    assert "(did you mean journeymine_register_engines?)" in about(messages, "typo")[0]
    assert {w.message.plugin for w in caught if issubclass(w.category, PluginWarning)} >= {"typo", "dupe"}


def test_debug_adds_the_traceback(install, monkeypatch):
    install("broken", "def helper():\n    raise ImportError('missing library')\n\nhelper()\n")
    install(
        "half",
        "import journeymine\n\nclass H:\n    name = 'h'\n\n@journeymine.hookimpl\ndef journeymine_register_connectors(register):\n    register(H())\n",
    )
    install(
        "typo",
        "import journeymine\n\n@journeymine.hookimpl\ndef journeymine_register_conectors(register):\n    pass\n",
    )
    monkeypatch.setenv("JOURNEYMINE_DEBUG", "1")
    jm.registry.reset(engines=False)
    table, messages = load()
    [broken] = about(messages, "broken")
    first, rest = broken.split("\n", 1)
    assert first.endswith("JOURNEYMINE_DISABLE_PLUGINS=broken")
    assert rest.startswith("Traceback (most recent call last):") and "in helper" in rest
    assert rest.rstrip().endswith("ImportError: missing library")
    [half] = about(messages, "half")
    assert "\nregistered at (most recent call last):\n" in half and "register(H())" in half
    [typo] = about(messages, "typo")
    assert "\ndefined at:\n  File " in typo and "in journeymine_register_conectors" in typo
    assert "\n" not in table.loc["broken", "error"]  # the listing keeps one line per problem


def test_statuses_are_the_documented_ones(install):
    install(
        "typo",
        "import journeymine\n\n@journeymine.hookimpl\ndef journeymine_register_conectors(register):\n    pass\n",
    )
    install("jmx", connector_plugin())
    table, _ = load()
    assert set(table.status) <= set(STATUSES)


def test_two_packages_declaring_one_plugin_name(install):
    install("same", connector_plugin("same-a", (".sa",)), dist="jm-aaa")
    install("same", connector_plugin("same-b", (".sb",)), dist="jm-bbb")
    table, messages = load()
    [message] = about(messages, "same")
    assert (
        "two packages declare this plugin" in message and "jm-aaa 1.0" in message and "jm-bbb 1.0" in message
    )
    assert table.loc["same", "status"] == "partial"
