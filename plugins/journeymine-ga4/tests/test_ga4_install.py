"""The package installed with pip is found through its entry point: `journeymine plugins` lists it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ga4_export import T0, event, write_parquet

PACKAGE = Path(__file__).resolve().parents[1]
JOURNEYMINE = Path(sys.executable).with_name("journeymine")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The package pip-installed (not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    source = build / "journeymine-ga4"  # a copy: setuptools writes build/ and *.egg-info beside it
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
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
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=build,
        env={**os.environ, "TMPDIR": str(build)},
        timeout=300,
    )
    return target


def run(args: list[str], site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JOURNEYMINE_", "PYTHONPATH"))}
    environment.update(PYTHONPATH=str(site), **env)
    return subprocess.run(args, capture_output=True, text=True, env=environment, timeout=300)


@pytest.mark.slow
def test_the_cli_lists_the_installed_plugin(site):
    assert (site / "journeymine_ga4" / "py.typed").exists()
    result = run([str(JOURNEYMINE), "plugins", "--format", "json"], site)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["ga4"]["version"] == "0.1.0"
    assert rows["ga4"]["builtin"] is False
    assert rows["ga4"]["error"] is None
    assert rows["ga4"]["hooks"] == "journeymine_register_connectors, journeymine_resolve_connector"
    table = run([str(JOURNEYMINE), "plugins"], site)
    assert table.returncode == 0 and "ga4" in table.stdout
    off = run([str(JOURNEYMINE), "plugins", "--format", "json"], site, JOURNEYMINE_DISABLE_PLUGINS="ga4")
    assert {row["name"]: row for row in json.loads(off.stdout)}["ga4"]["status"] == "disabled"


@pytest.mark.slow
def test_the_installed_plugin_reads_and_loads_nothing_heavy(site, tmp_path):
    path = write_parquet(
        tmp_path / "events_20240101.parquet", [event("u1", "a", T0), event("u1", "b", T0 + 1)]
    )
    code = f"""
import sys
import journeymine as jm
from journeymine.registry import connectors
connectors()  # loads every plugin
print(sorted(m for m in ("pyarrow", "duckdb") if m in sys.modules))
import journeymine_ga4
print(journeymine_ga4.__file__.startswith({str(site)!r}))
log = jm.read_events({str(path)!r}, case="user_pseudo_id", activity="event_name", timestamp="event_time")
print(log.n_events, jm.registry.resolve_connector({str(path)!r}).name)
"""
    result = run([sys.executable, "-c", code], site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "True", "2 ga4"]
    result = run(
        [str(JOURNEYMINE), "mine", str(path), "--case", "user_pseudo_id", "--activity", "event_name",
         "--timestamp", "event_time", "--format", "json", "--quiet"],
        site,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["events"] == 2
