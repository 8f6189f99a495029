"""A reference miner in plain Python: slow, obvious, and independent of every engine.

Events of a case are ordered by timestamp (or order value), ties keep input order, exactly as
every engine must. Used as an oracle by journeymine's own tests and by plugin authors'.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReferenceResult", "mine"]


class ReferenceResult:
    """What :func:`mine` finds: traces per case, edges, start/end and variant counts."""

    def __init__(self, traces: dict[str, list[str]]) -> None:
        self.traces = traces
        self.edges: Counter[tuple[str, str]] = Counter()
        self.edge_cases: Counter[tuple[str, str]] = Counter()
        self.start: Counter[str] = Counter()
        self.end: Counter[str] = Counter()
        self.activities: Counter[str] = Counter()
        self.variants: Counter[tuple[str, ...]] = Counter()
        for trace in traces.values():
            pairs = list(pairwise(trace))
            self.edges.update(pairs)
            self.edge_cases.update(set(pairs))
            self.start[trace[0]] += 1
            self.end[trace[-1]] += 1
            self.activities.update(trace)
            self.variants[tuple(trace)] += 1


def mine(frame: pd.DataFrame, *, case: str, activity: str, key: str) -> ReferenceResult:
    """Mine ``frame`` (rows assumed valid), ordering each case by ``key`` then input row.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"c": ["a", "a", "b"], "x": ["B", "A", "A"], "t": [2, 1, 1]})
    >>> result = mine(frame, case="c", activity="x", key="t")
    >>> dict(result.edges), dict(result.variants)
    ({('A', 'B'): 1}, {('A', 'B'): 1, ('A',): 1})
    """
    rows: dict[str, list[tuple[Any, int, str]]] = defaultdict(list)
    for i, (c, a, k) in enumerate(zip(frame[case], frame[activity], frame[key])):
        rows[str(c)].append((k, i, str(a)))
    traces = {c: [a for _, _, a in sorted(events)] for c, events in rows.items()}
    return ReferenceResult(traces)
