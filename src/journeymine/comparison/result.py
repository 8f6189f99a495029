"""The results of :func:`journeymine.compare` and :func:`journeymine.drift`.

In a module of its own that imports no pandas, so that renderers can name the types they draw
when they register without loading pandas (the frames themselves are pandas DataFrames).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PAIRWISE_TABLES", "TABLES", "Comparison", "Drift"]

#: the tables of a comparison, in the order exports write them
TABLES = ("groups", "edges", "variants", "omnibus", "distribution", "durations", "kpis")
#: the tables with one row per pair of groups and feature (they carry p, q and significant)
PAIRWISE_TABLES = ("edges", "variants", "durations", "kpis")


def _plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN and missing as ``None``, numpy scalars as Python ones."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
        if isinstance(value, list):
            return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@dataclass(frozen=True)
class Comparison:
    """Tested differences between groups of cases: tidy frames, one row per pair and feature.

    ``diff`` is always *a minus b* (``share_a - share_b``, ``median_a_s - median_b_s``) and
    ``ratio`` is *a over b*. ``q`` is the Benjamini-Hochberg adjusted p-value over every test
    of the same table (all pairs together); ``significant`` means ``q < alpha``. A test that was
    not run (too few cases) has ``p`` and ``q`` missing, ``significant`` false and a ``reason``.

    Attributes
    ----------
    groups : DataFrame
        ``group, segments, cases, events``: each group, the segments it holds (labels as they
        print) and its size.
    edges : DataFrame
        Per pair and transition: ``group_a, group_b, source, target, cases_a, cases_b, share_a,
        share_b, diff, ci_low, ci_high, ratio, ratio_ci_low, ratio_ci_high, effect, p, q, test,
        significant, reason``. ``share`` is the share of the group's cases that contain the
        transition at least once; ``effect`` is Cohen's *h*.
    variants : DataFrame
        The same per variant: ``variant_id`` and ``variant`` (a tuple of activities) in place of
        ``source, target``.
    omnibus : DataFrame
        With more than two groups, one test per transition and per variant over all groups at
        once (``kind, source, target, variant_id, statistic, dof, p, q, test, significant,
        reason``); empty with two.
    distribution : DataFrame
        Whether the variant distributions differ as a whole: ``group_a, group_b, statistic, p,
        permutations, seed, method`` (the Jensen-Shannon divergence in bits and a permutation
        p-value); with more than two groups the first row is the omnibus test (groups ``None``).
    durations : DataFrame
        Per pair, for whole cases (``level="case"``) and each transition: ``n_a, n_b,
        median_a_s, median_b_s, diff_s, ci_low_s, ci_high_s, effect`` (Cliff's delta), ``p, q,
        test, significant, reason``.
    kpis : DataFrame
        With a journey map: completion, drop-off per stage, target attainment and sentiment per
        stage (``kpi, stage, touchpoint, n_a, n_b, value_a, value_b, diff, ci_low, ci_high,
        effect, effect_kind, p, q, test, significant, reason``); empty without one.
    settings : dict
        ``by, bins, groups, pairs, alpha, confidence, seed, permutations, min_count, against``,
        ``left_out`` (the cases of each segment in no group: ``{"(none)": 12}`` for the cases
        without a value) and ``methods`` (each test described in a sentence, with references).
    """

    groups: pd.DataFrame
    edges: pd.DataFrame
    variants: pd.DataFrame
    omnibus: pd.DataFrame
    distribution: pd.DataFrame
    durations: pd.DataFrame
    kpis: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The pairs of groups compared, ``(a, b)``, in order."""
        return [(str(a), str(b)) for a, b in self.settings.get("pairs", [])]

    @property
    def alpha(self) -> float:
        """The false discovery rate at which a difference is called significant."""
        return float(self.settings.get("alpha", 0.05))

    def table(self, name: str) -> pd.DataFrame:
        """One of the tables by name (``"edges"``, ``"variants"``, ...; see :data:`TABLES`)."""
        if name not in TABLES:
            from journeymine.errors import ArgumentError

            raise ArgumentError(f"no table {name!r}; pass one of: {', '.join(TABLES)}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def significant(self, name: str = "edges") -> pd.DataFrame:
        """The significant rows of a pairwise table, largest effect first."""
        frame = self.table(name)
        if name not in PAIRWISE_TABLES or frame.empty:
            return frame.iloc[0:0] if name in PAIRWISE_TABLES else frame
        out = frame[frame["significant"]]
        return out.iloc[out["effect"].abs().argsort(kind="stable")[::-1]].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready Python (NaN as ``None``): the CLI's ``--format json``.

        ``distribution`` is the overall test (the only pair, or the omnibus test of more than
        two groups), ``distribution_pairs`` every row; ``groups`` maps each group to its size.
        """
        dist = _records(self.distribution)
        out: dict[str, Any] = {
            "groups": {
                str(r["group"]): {"cases": r["cases"], "events": r["events"], "segments": r["segments"]}
                for r in _records(self.groups)
            },
            "pairs": [list(p) for p in self.pairs],
            "edges": _records(self.edges),
            "variants": _records(self.variants),
            "omnibus": _records(self.omnibus),
            "distribution": dist[0] if dist else None,
            "distribution_pairs": dist,
            "durations": _records(self.durations),
            "kpis": _records(self.kpis),
            "settings": {k: _plain(v) if k != "methods" else dict(v) for k, v in self.settings.items()},
        }
        return out

    def to_csv(self, table: str | None = None) -> str:
        """The tables as CSV text: one table, or all of them with a leading ``table`` column."""
        from journeymine.comparison.export import to_csv

        return to_csv(self, table)

    def to_markdown(self, table: str | None = None, *, max_rows: int | None = 50) -> str:
        """The tables as Markdown (pipe tables), with the methods in a note; at most
        ``max_rows`` rows per table (significant ones first; ``None``: all)."""
        from journeymine.comparison.export import to_markdown

        return to_markdown(self, table, max_rows=max_rows)

    def to_latex(self, table: str | None = None, *, max_rows: int | None = 50) -> str:
        """The tables as LaTeX (``booktabs``), with the methods in a note, for papers; at most
        ``max_rows`` rows per table (significant ones first; ``None``: all)."""
        from journeymine.comparison.export import to_latex

        return to_latex(self, table, max_rows=max_rows)

    def _repr_html_(self) -> str:
        """The difference map of the first pair, for Jupyter."""
        from journeymine.views import render

        return str(render(self, "svg", renderer="difference-map"))


@dataclass(frozen=True)
class Drift:
    """How the journeys change from one period to the next: :func:`journeymine.drift`.

    Attributes
    ----------
    comparison : Comparison
        Each period against the one before (``group_a`` the period, ``group_b`` the one
        before, so ``diff`` is the change since then), with every table of a comparison.
    periods : DataFrame
        ``period, cases, events``, in time order.
    touchpoints : DataFrame
        Per consecutive pair and activity: ``period, previous, activity, cases, cases_before,
        share, share_before, status`` (``"appeared"``, ``"vanished"``, ``"changed"``, ``"steady"``),
        ``p, q, significant``. An activity *appeared* when it has cases in the period and none
        in the one before (and *vanished* the other way round): the signal that a journey map
        must be revised.
    changes : DataFrame
        One row per consecutive pair: ``period, previous, cases, cases_before, edges_changed,
        variants_changed, durations_changed, distribution_p, appeared, vanished`` (lists).
    """

    comparison: Comparison
    periods: pd.DataFrame
    touchpoints: pd.DataFrame
    changes: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready Python: the comparison's tables, then the drift tables."""
        out = self.comparison.to_dict()
        out["periods"] = _records(self.periods)
        out["touchpoints"] = _records(self.touchpoints)
        out["changes"] = _records(self.changes)
        return out

    def _repr_html_(self) -> str:
        """The difference map of the latest period against the one before, for Jupyter."""
        from journeymine.views import render

        return str(render(self, "svg", renderer="difference-map"))
