"""The plugin API end to end: real plugin packages installed with pip, loaded in a fresh process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import journeymine as jm
from journeymine import hookspecs

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
import journeymine
from journeymine.connectors.base import Scan

class JmxConnector:
    """Reads '.jmx' files: one event per line, 'case|activity|timestamp'."""
    name = "jmx"
    suffixes = (".jmx",)
    options = ()

    def scan(self, source, **options):
        import pyarrow as pa
        rows = [line.split("|") for line in open(source).read().splitlines() if line]
        table = pa.table({k: [r[i] for r in rows] for i, k in enumerate(["c", "a", "t"])})
        return Scan(kind="arrow", location=str(source), columns=("c", "a", "t"), open=lambda: table)

class Rework:
    name = "example-rework"
    def evaluate(self, dfg):
        return [e for e in dfg.edges.itertuples() if e.source == e.target]

class Text:
    name = "example-text"
    formats = ("txt",)
    def render(self, result, format="txt"):
        return str(result)

@journeymine.hookimpl
def journeymine_register_connectors(register):
    register(JmxConnector())

@journeymine.hookimpl
def journeymine_register_heuristics(register):
    register(Rework())

@journeymine.hookimpl
def journeymine_register_renderers(register):
    register(Text())

@journeymine.hookimpl
def journeymine_resolve_connector(source):
    return "jmx" if str(source).startswith("jmx:") else None
'''

BROKEN_IMPORT = "raise ImportError('this plugin needs a library that is not installed')\n"

BROKEN_REGISTER = """
import journeymine

@journeymine.hookimpl
def journeymine_register_connectors(register):
    raise RuntimeError("cannot register today")
"""

DUPLICATE = """
import journeymine

class FakeCsv:
    name = "csv"
    suffixes = (".csv",)
    options = ()
    def scan(self, source, **options):
        raise NotImplementedError

@journeymine.hookimpl
def journeymine_register_connectors(register):
    register(FakeCsv())
"""

PACKAGES = {
    "good": ("jm-example", "jm_example", GOOD),
    "broken_import": ("jm-broken", "jm_broken", BROKEN_IMPORT),
    "broken_register": ("jm-badreg", "jm_badreg", BROKEN_REGISTER),
    "duplicate": ("jm-dupe", "jm_dupe", DUPLICATE),
}


def build(root: Path, dist: str, module: str, code: str) -> Path:
    """Write a plugin package and install it with pip into its own folder."""
    src = root / "src" / dist
    (src / module).mkdir(parents=True)
    (src / module / "__init__.py").write_text(code)
    (src / "pyproject.toml").write_text(
        textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{dist}"
        version = "1.2.3"

        [project.entry-points.journeymine]
        {module.removeprefix("jm_")} = "{module}"

        [tool.setuptools]
        packages = ["{module}"]
    """)
    )
    target = root / "site" / dist
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugins")
    return {key: build(root, *spec) for key, spec in PACKAGES.items()}


def run(code: str, *paths: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMINE_")}
    environment["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in paths), str(ROOT / "src")])
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


LIST = """
import json, warnings
warnings.simplefilter("always")
import journeymine as jm
table = jm.plugins()
print(json.dumps(table.astype(object).where(table.notna(), None).to_dict("records")))
"""


def listing(result: subprocess.CompletedProcess) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout.splitlines()[-1])}


def test_a_plugin_package_is_discovered_and_used(installed, tmp_path):
    path = tmp_path / "events.jmx"
    path.write_text("c1|Visit|2025-01-01 10:00\nc1|Call|2025-01-01 11:00\nc2|Visit|2025-01-02 10:00\n")
    result = run(
        f"""
        import journeymine as jm
        from journeymine.registry import connectors, heuristics, renderers, resolve_connector
        log = jm.read_events({str(path)!r}, case="c", activity="a", timestamp="t")
        # the repository's own plugin packages (plugins/, e.g. ga4) are installed in the dev venv
        own = {{"ga4"}}
        print(log.n_events, log.n_cases, sorted(set(connectors()) - own), list(heuristics()), list(renderers()))
        print(resolve_connector("jmx:anything").name)
    """,
        installed["good"],
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "3 2 ['csv', 'dataframe', 'jmx', 'parquet', 'spark', 'sql', 'xes'] ['example-rework'] ['example-text']"
    )
    assert lines[1] == "jmx"
    rows = listing(run(LIST, installed["good"]))
    assert rows["example"]["version"] == "1.2.3" and rows["example"]["builtin"] is False
    assert rows["example"]["hooks"] == (
        "journeymine_register_connectors, journeymine_register_heuristics, "
        "journeymine_register_renderers, journeymine_resolve_connector"
    )
    assert rows["journeymine.connectors.csv"]["builtin"] is True
    assert rows["journeymine.engines.duckdb"]["hooks"] == "journeymine_register_engines"


def test_the_cli_lists_plugins(installed):
    result = run("from journeymine.cli import main; main(['plugins'])", installed["good"])
    assert result.returncode == 0, result.stderr
    assert re.search(r"example\s+1\.2\.3\s+False", result.stdout)
    assert "journeymine.connectors.xes" in result.stdout


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(installed, tmp_path):
    rows = listing(run(LIST, installed["broken_import"], installed["good"]))
    assert "failed to load" in rows["broken"]["error"] and "not installed" in rows["broken"]["error"]
    assert rows["example"]["error"] is None
    csv = tmp_path / "e.csv"
    csv.write_text("c,a,t\n1,X,2025-01-01\n")
    result = run(
        f"""
        import journeymine as jm
        print(jm.read_events({str(csv)!r}, case="c", activity="a", timestamp="t").n_events)
    """,
        installed["broken_import"],
    )
    assert result.stdout.strip() == "1"
    assert "journeymine plugin 'broken'" in result.stderr and "PluginWarning" in result.stderr


def test_a_plugin_that_fails_to_register_is_reported_by_name(installed):
    rows = listing(run(LIST, installed["broken_register"]))
    assert "cannot register today" in rows["badreg"]["error"]
    assert rows["journeymine.connectors.csv"]["error"] is None


def test_two_plugins_claiming_one_name_is_an_error_naming_both(installed, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("c,a,t\n1,X,2025-01-01\n")
    result = run(
        f"""
        import journeymine as jm
        try:
            jm.read_events({str(csv)!r}, case="c", activity="a", timestamp="t")
        except jm.PluginError as exc:
            print(exc)
    """,
        installed["duplicate"],
    )
    assert "connector name 'csv' is claimed by two plugins" in result.stdout
    assert "'journeymine.connectors.csv' and 'dupe'" in result.stdout


def test_external_plugins_can_be_switched_off(installed):
    all_off = listing(
        run(LIST, installed["good"], installed["duplicate"], env={"JOURNEYMINE_DISABLE_PLUGINS": "1"})
    )
    assert "example" not in all_off and "dupe" not in all_off
    assert "journeymine.connectors.csv" in all_off  # built-ins stay
    one_off = listing(
        run(LIST, installed["good"], installed["duplicate"], env={"JOURNEYMINE_DISABLE_PLUGINS": "dupe"})
    )
    assert "example" in one_off and "dupe" not in one_off


def test_importing_journeymine_loads_nothing_heavy():
    result = run("""
        import sys, journeymine
        heavy = ["duckdb", "pandas", "pyarrow", "pluggy", "pm4py", "graphviz", "lxml", "pyspark",
                 "journeymine.registry", "sqlalchemy"]
        print([m for m in heavy if m in sys.modules])
    """)
    assert result.stdout.strip() == "[]", result.stderr


def test_engines_are_created_on_first_use_only():
    result = run("""
        import sys, journeymine as jm
        table = jm.plugins()
        print("duckdb" in sys.modules)
    """)
    assert result.stdout.strip() == "False", result.stderr


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("journeymine_"))


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_is_documented_and_tested(hook):
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert f"### `{hook}`" in docs, f"docs/plugins.md needs a section for {hook}"
    spec = getattr(hookspecs, hook)
    assert spec.__doc__ and len(spec.__doc__) > 40
    assert (
        hook in GOOD or hook in DUPLICATE or hook in BROKEN_REGISTER or hook == "journeymine_register_engines"
    )
    if hook == "journeymine_register_engines":  # the built-in DuckDB engine is registered by it
        assert jm.plugins().set_index("name").loc["journeymine.engines.duckdb", "hooks"] == hook
