"""Progress messages on stderr for steps that take more than a moment.

Off by default (a library stays quiet); the command line turns it on. Engines wrap their long
steps in :func:`step`; a message appears only when the step is still running after ``delay``
seconds, followed by its duration when it ends.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["disable", "enable", "step"]

_stream: TextIO | None = None
_delay = 1.0


def enable(stream: TextIO | None = None, *, delay: float = 1.0) -> None:
    """Print progress of slow steps to ``stream`` (stderr by default)."""
    global _stream, _delay
    _stream, _delay = stream or sys.stderr, delay


def disable() -> None:
    """Stop printing progress."""
    global _stream
    _stream = None


@contextmanager
def step(what: str) -> Iterator[None]:
    """Report ``what`` if it runs longer than the delay.

    Examples
    --------
    >>> with step("counting"):
    ...     total = sum(range(10))
    >>> total
    45
    """
    stream = _stream
    if stream is None:
        yield
        return
    started = time.perf_counter()
    shown = threading.Event()

    def say(text: str) -> None:
        # the stream may have gone away: progress is not worth an error
        with contextlib.suppress(OSError, ValueError):
            print(f"journeymine: {text}", file=stream, flush=True)

    def announce() -> None:
        shown.set()
        say(f"{what} ...")

    timer = threading.Timer(_delay, announce)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if shown.is_set():
            elapsed = time.perf_counter() - started
            say(f"{what}: done in {elapsed:.1f} s")
