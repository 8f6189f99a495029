"""Shared fixtures: the real logs beside the repository (skipped when absent), the demo data."""

from __future__ import annotations

import os
import shutil
import warnings

import pytest

# pm4py prints a banner and warnings on import; tests should be quiet and fast to read
warnings.filterwarnings("ignore", module="pm4py")
os.environ.setdefault("PM4PY_DISABLE_BANNER", "1")


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
