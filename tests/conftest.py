"""Shared fixtures: the real logs beside the repository (skipped when absent), the demo data.

Third-party plugins (e.g. journeymine-ga4, installed in the dev venv) are switched off for the
whole session, before anything loads plugins: every test sees the built-ins only, unless it asks
for the fixture ``third_party_plugins``. Tests that start a fresh process choose for themselves
(tests/test_plugins.py strips the ``JOURNEYMINE_*`` variables).
"""

from __future__ import annotations

import os
import shutil
import warnings

import pytest

# pm4py prints a banner and warnings on import; tests should be quiet and fast to read
warnings.filterwarnings("ignore", module="pm4py")
os.environ.setdefault("PM4PY_DISABLE_BANNER", "1")

# before any test module is imported, so before journeymine can load a plugin
os.environ["JOURNEYMINE_DISABLE_PLUGINS"] = "all"
os.environ.pop("JOURNEYMINE_DEBUG", None)  # warnings are one line unless a test asks for more


@pytest.fixture
def third_party_plugins(monkeypatch):
    """Opt in to third-party plugins: clear ``JOURNEYMINE_DISABLE_PLUGINS`` and load again.

    Yields :mod:`journeymine.registry`. Plugins a test puts on ``sys.path`` (with
    ``monkeypatch.syspath_prepend``) are found too; afterwards the registry is reset, so the next
    test loads the built-ins alone again. Engines already created stay open (the session's logs
    keep working).
    """
    from journeymine import registry

    monkeypatch.delenv("JOURNEYMINE_DISABLE_PLUGINS", raising=False)
    registry.reset(engines=False)
    yield registry
    registry.reset(engines=False)  # loads again, on next use, once monkeypatch has restored "all"


@pytest.fixture(scope="session")
def demo_frame():
    import journeymine as jm

    return jm.datasets.load_demo()


@pytest.fixture(scope="session")
def demo_log(demo_frame):
    import journeymine as jm

    return jm.read_events(demo_frame, **jm.datasets.DEMO_COLUMNS)


SPARK_SETTINGS = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
}


@pytest.fixture(scope="session")
def java():
    """Skip, with the reason, where no Java runtime exists (Spark needs one)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime: the Spark engine needs one (apt-get install openjdk-17-jre-headless)")


@pytest.fixture(scope="session")
def spark(java):
    """A local Spark engine, started once per test process."""
    from journeymine.engines.spark import SparkEngine

    engine = SparkEngine(master="local[2]", config=SPARK_SETTINGS)
    _ = engine.session  # start it once
    yield engine
    engine.close()
