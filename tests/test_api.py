"""The public surface: `journeymine.__all__` is the documented API, every error is exported."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import subprocess
import sys

import pytest

import journeymine as jm
import journeymine.errors

#: the documented API (docs/reference); a change here is a change of the public API
PUBLIC = {
    "ArgumentError",
    "CombinedLog",
    "Comparison",
    "ConnectorError",
    "DFG",
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
}


def test_all_is_exactly_the_documented_api():
    assert set(jm.__all__) == PUBLIC
    assert len(jm.__all__) == len(set(jm.__all__))
    for name in jm.__all__:
        assert getattr(jm, name) is not None, name
    assert sorted(dir(jm)) == sorted(jm.__all__)


def test_every_module_has_an_all_that_names_what_it_defines():
    for info in pkgutil.walk_packages(jm.__path__, "journeymine."):
        if info.name.endswith((".spark",)) and importlib.util.find_spec("pyspark") is None:
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            defined = hasattr(module, name) or (
                hasattr(module, "__path__") and importlib.util.find_spec(f"{info.name}.{name}") is not None
            )
            assert defined, f"{info.name}.__all__ names {name!r}, which it does not define"


def test_every_error_is_a_journeymine_error_and_exported():
    classes = [
        obj
        for _, obj in inspect.getmembers(journeymine.errors, inspect.isclass)
        if issubclass(obj, Exception) and obj.__module__ == "journeymine.errors"
    ]
    assert {c.__name__ for c in classes} == set(journeymine.errors.__all__)
    for cls in classes:
        assert issubclass(cls, jm.JourneymineError), cls
        assert getattr(jm, cls.__name__) is cls, f"{cls.__name__} is not exported from journeymine"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda log: jm.discover_variants(log, top=0), jm.ArgumentError, "top= takes a whole number"),
        (
            lambda log: jm.read_events(jm.datasets.load_demo(), on_invalid="skip"),
            jm.ArgumentError,
            "on_invalid=",
        ),
        (lambda log: jm.discover_dfg(log, by="segmnt"), jm.SchemaError, "did you mean 'segment'?"),
        (lambda log: jm.discover_dfg(log, case="customer_id"), jm.ArgumentError, "already read and mapped"),
        (lambda log: jm.discover_dfg(jm.datasets.load_demo()), jm.SchemaError, "pass case="),
    ],
)
def test_user_errors_are_journeymine_errors_with_words(call, error, words):
    log = jm.datasets.load_demo_log()
    with pytest.raises(error, match=None) as info:
        call(log)
    assert isinstance(info.value, jm.JourneymineError)
    assert words in str(info.value)


def test_discovery_verbs_take_a_dataframe_with_the_mapping_keywords(demo_frame):
    log = jm.read_events(demo_frame, **jm.datasets.DEMO_COLUMNS)
    from_frame = jm.discover_dfg(demo_frame, by="segment", **jm.datasets.DEMO_COLUMNS)
    assert from_frame.edges.equals(jm.discover_dfg(log, by="segment").edges)
    variants = jm.discover_variants(demo_frame, top=3, **jm.datasets.DEMO_COLUMNS)
    assert variants.table.equals(jm.discover_variants(log, top=3).table)


def test_load_demo_log_is_the_demo_as_an_event_log(demo_frame):
    log = jm.datasets.load_demo_log()
    assert isinstance(log, jm.EventLog)
    assert (log.n_events, log.n_cases) == (len(demo_frame), demo_frame["customer_id"].nunique())
    assert log.schema.channel == "channel"


def test_importing_journeymine_loads_nothing_heavy():
    code = (
        "import sys, journeymine; "
        "heavy = {'pandas', 'duckdb', 'pyarrow', 'pluggy', 'graphviz', 'pm4py', 'pyspark', 'scipy', 'yaml'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_touchpoint_of_a_map_is_a_spec_error():
    spec = jm.datasets.load_demo_map()
    with pytest.raises(
        jm.SpecError, match=r"has no touchpoint 'Credit chek' \(did you mean 'Credit check'\?\)"
    ):
        spec.touchpoint("Credit chek")
    with pytest.raises(jm.SpecError, match="has no touchpoint 'Nope'"):
        spec.stage_of("Nope")
