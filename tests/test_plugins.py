"""The plugin API end to end: real plugin packages installed with pip, loaded in a fresh process.

The in-process unit tests of each validation case are in tests/test_registry.py; the hooks'
documentation and signatures are held to the hookspecs in tests/test_hookspecs.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from journeymine.registry import BUILTIN_MODULES

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
    description = "finds nothing (a plugin example)"
    params = {}
    def evaluate(self, data):
        return []

class Text:
    name = "example-text"
    handles = (object,)
    formats = ("txt",)
    options = ()
    def render(self, result, *, format="txt"):
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

#: a misspelt hook: pytest would reject it, so does journeymine (but only this plugin is left out)
TYPO = """
import journeymine

class Jsonl:
    name = "typo-jsonl"
    suffixes = (".typo",)
    options = ()
    def scan(self, source, **options):
        raise NotImplementedError

@journeymine.hookimpl
def journeymine_register_conectors(register):
    register(Jsonl())
"""

#: a connector without suffixes and scan
HALF = """
import journeymine

class Half:
    name = "half"
    options = ()

@journeymine.hookimpl
def journeymine_register_connectors(register):
    register(Half())
"""

#: a connector claiming the built-in's '.csv': it must never read a CSV file unless asked for
CSV_CLAIM = """
import journeymine

class FastCsv:
    name = "fastcsv"
    suffixes = (".csv",)
    options = ()
    def scan(self, source, **options):
        raise RuntimeError("fastcsv was asked to read " + str(source))

@journeymine.hookimpl
def journeymine_register_connectors(register):
    register(FastCsv())
"""

PACKAGES = {
    "good": ("jm-example", "jm_example", GOOD),
    "broken_import": ("jm-broken", "jm_broken", BROKEN_IMPORT),
    "broken_register": ("jm-badreg", "jm_badreg", BROKEN_REGISTER),
    "duplicate": ("jm-dupe", "jm_dupe", DUPLICATE),
}

#: the issue's "done when": four misbehaving plugins installed at once
MISBEHAVING = {
    "typo": ("jm-typo", "jm_typo", TYPO),
    "half": ("jm-half", "jm_half", HALF),
    "dupe": ("jm-dupe", "jm_dupe", DUPLICATE),
    "csvclaim": ("jm-csvclaim", "jm_csvclaim", CSV_CLAIM),
}


def write_package(root: Path, dist: str, module: str, code: str) -> Path:
    """Write the source of a plugin package: one module, one entry point (its name without jm_)."""
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
    return src


def build(root: Path, name: str, *packages: tuple[str, str, str]) -> Path:
    """Install plugin packages with pip (one run) into a folder of their own, for PYTHONPATH."""
    sources = [str(write_package(root / name, *package)) for package in packages]
    target = root / "site" / name
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
            *sources,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugins")
    return {key: build(root, key, spec) for key, spec in PACKAGES.items()}


@pytest.fixture(scope="module")
def misbehaving(tmp_path_factory):
    """The four misbehaving plugins, installed together."""
    return build(tmp_path_factory.mktemp("misbehaving"), "all", *MISBEHAVING.values())


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


def cli(args: list[str], *paths: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the `journeymine` command in a fresh process, with ``paths`` on PYTHONPATH."""
    return run(f"import sys; from journeymine.cli import main; sys.exit(main({args!r}))", *paths, env=env)


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
        lines[0] == "3 2 ['csv', 'dataframe', 'jmx', 'parquet', 'spark', 'sql', 'xes'] ['channel-hopping', "
        "'complaint-journeys', 'drop-off', 'emotion-hotspots', 'example-rework', 'repeat-contacts', "
        "'rework-loops', 'slow-transitions'] ['as-is-to-be', 'difference-map', 'example-text', 'ideal-journey', "
        "'journey-map', 'process-map', 'variants']"
    )
    assert lines[1] == "jmx"
    rows = listing(run(LIST, installed["good"]))
    assert rows["example"]["version"] == "1.2.3" and rows["example"]["builtin"] is False
    assert (rows["example"]["status"], rows["example"]["error"]) == ("ok", None)
    assert rows["example"]["registered"] == (
        "connector jmx (.jmx); heuristic example-rework; renderer example-text"
    )
    assert rows["example"]["hooks"] == (
        "journeymine_register_connectors, journeymine_register_heuristics, "
        "journeymine_register_renderers, journeymine_resolve_connector"
    )
    assert rows["journeymine.connectors.csv"]["builtin"] is True
    assert rows["journeymine.engines.duckdb"]["hooks"] == "journeymine_register_engines"


def test_the_cli_lists_plugins(installed):
    result = run("from journeymine.cli import main; main(['plugins'])", installed["good"])
    assert result.returncode == 0, result.stderr
    assert re.search(r"example\s+1\.2\.3\s+(?:False|no)\s+ok\s+connector jmx \(\.jmx\)", result.stdout)
    assert "journeymine.connectors.xes" in result.stdout


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(installed, tmp_path):
    rows = listing(run(LIST, installed["broken_import"], installed["good"]))
    assert "failed to load" in rows["broken"]["error"] and "not installed" in rows["broken"]["error"]
    assert (rows["broken"]["status"], rows["broken"]["version"]) == ("broken", "1.2.3")
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
    assert "cannot register today" in rows["badreg"]["error"] and rows["badreg"]["status"] == "broken"
    assert rows["journeymine.connectors.csv"]["error"] is None


def test_a_plugin_claiming_a_built_in_name_is_left_out_and_the_built_in_reads(installed, tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("c,a,t\n1,X,2025-01-01\n")
    result = run(
        f"""
        import journeymine as jm
        print(jm.read_events({str(csv)!r}, case="c", activity="a", timestamp="t").n_events)
        print(jm.registry.connectors().owners["csv"])
    """,
        installed["duplicate"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "journeymine.connectors.csv"]
    assert (
        "journeymine plugin 'dupe': connector 'csv' is left out: the name belongs to the built-in plugin "
        "'journeymine.connectors.csv'" in result.stderr
    )
    assert result.stderr.count("journeymine plugin 'dupe'") == 1


def test_external_plugins_can_be_switched_off(installed):
    paths = (installed["good"], installed["duplicate"], installed["broken_import"])
    all_off = listing(run(LIST, *paths, env={"JOURNEYMINE_DISABLE_PLUGINS": "1"}))
    for name in ("example", "dupe", "broken"):
        assert all_off[name]["status"] == "disabled" and all_off[name]["error"] is None
    assert all_off["journeymine.connectors.csv"]["status"] == "ok"  # built-ins stay
    one_off = listing(run(LIST, *paths, env={"JOURNEYMINE_DISABLE_PLUGINS": "dupe,broken"}))
    assert one_off["example"]["status"] == "ok"
    assert one_off["dupe"]["status"] == one_off["broken"]["status"] == "disabled"


# -- the "done when": four misbehaving plugins at once ---------------------------------

MAPPING = ["--case", "c", "--activity", "a", "--timestamp", "t"]

#: what stderr must say about each (the CLI prints each PluginWarning as one line)
WORDS = {
    "typo": "unknown hook journeymine_register_conectors (did you mean journeymine_register_connectors?)",
    "half": "connector 'half' is left out: it has no suffixes",
    "dupe": "connector 'csv' is left out: the name belongs to the built-in plugin 'journeymine.connectors.csv'",
    "csvclaim": "connector 'fastcsv' claims '.csv', which the built-in connector 'csv' keeps; such files go to 'csv' unless you pass --connector fastcsv",
}


@pytest.fixture
def x_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("c,a,t\n1,Visit,2025-01-01 10:00\n1,Buy,2025-01-01 11:00\n2,Visit,2025-01-02 10:00\n")
    return path


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("journeymine: warning: ")]


def test_mine_reads_with_the_built_in_and_names_each_misbehaving_plugin(misbehaving, x_csv):
    result = cli(["mine", str(x_csv), *MAPPING, "--format", "json"], misbehaving)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["events"], summary["cases"]) == (3, 2)  # fastcsv would have raised
    lines = warning_lines(result.stderr)
    for plugin, words in WORDS.items():
        about = [
            line
            for line in lines
            if line.startswith(f"journeymine: warning: journeymine plugin {plugin!r}: ")
        ]
        assert len(about) == 1, (plugin, result.stderr)  # reported once
        assert words in about[0], (plugin, about[0])
    assert "Traceback" not in result.stderr


def test_the_plugins_command_shows_every_misbehaving_plugin_with_its_status(misbehaving):
    result = cli(["plugins", "--format", "json"], misbehaving)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {name: rows[name]["status"] for name in MISBEHAVING} == {
        "typo": "broken",
        "half": "broken",
        "dupe": "broken",
        "csvclaim": "partial",
    }
    for name, words in WORDS.items():
        assert words.replace("--connector fastcsv", "connector='fastcsv'") in rows[name]["error"]
    assert rows["csvclaim"]["registered"] == "connector fastcsv"
    assert rows["typo"]["hooks"] == "journeymine_register_conectors"
    assert {rows[name]["status"] for name in BUILTIN_MODULES} == {"ok"}
    table = cli(["plugins"], misbehaving)
    assert table.returncode == 0, table.stderr
    for name, status in (("typo", "broken"), ("half", "broken"), ("dupe", "broken"), ("csvclaim", "partial")):
        assert re.search(rf"^\s*{name}\s+1\.2\.3\s+(?:False|no)\s+{status}\b", table.stdout, re.MULTILINE), (
            table.stdout
        )


def test_quiet_silences_plugin_warnings_and_debug_shows_where(misbehaving, x_csv):
    quiet = cli(["mine", str(x_csv), *MAPPING, "--quiet"], misbehaving)
    assert quiet.returncode == 0, quiet.stderr
    assert "warning" not in quiet.stderr
    debug = cli(["mine", str(x_csv), *MAPPING, "--debug"], misbehaving)
    assert debug.returncode == 0, debug.stderr
    assert "registered at (most recent call last):" in debug.stderr  # half's register(Half())
    assert "defined at:" in debug.stderr and "in journeymine_register_conectors" in debug.stderr
    env = cli(["plugins"], misbehaving, env={"JOURNEYMINE_DEBUG": "1"})
    assert env.returncode == 0 and "registered at (most recent call last):" in env.stderr


def test_misbehaving_plugins_switched_off_say_nothing(misbehaving, x_csv):
    off = {"JOURNEYMINE_DISABLE_PLUGINS": ",".join(MISBEHAVING)}
    result = cli(["mine", str(x_csv), *MAPPING], misbehaving, env=off)
    assert result.returncode == 0, result.stderr
    assert warning_lines(result.stderr) == []
    rows = listing(run(LIST, misbehaving, env=off))
    assert {rows[name]["status"] for name in MISBEHAVING} == {"disabled"}


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
