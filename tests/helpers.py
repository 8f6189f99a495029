"""Helpers the tests import: where the real logs are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("JOURNEYMINE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_file(name: str) -> Path:
    """A real log from ../shared/data, or skip the test with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real logs absent: {SHARED_DATA} does not exist (it sits beside the repo in CI)")
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"real log absent: {path}")
    return path


def run_cli(args, capsys):
    """Run the command line in this process: (exit code, stdout, stderr)."""
    from journeymine.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
