"""Shared fixtures: the real logs beside the repository (skipped when absent), the demo data."""

from __future__ import annotations

import os
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
