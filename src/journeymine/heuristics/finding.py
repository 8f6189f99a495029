"""What a heuristic reports: a :class:`Finding`, with the cases it concerns and its impact.

A finding is a claim someone will act on, so it carries its evidence: how many cases it concerns
(with a confidence interval), where it is concentrated (the share in each segment against the
rest of the log), what it costs (extra journey time, lost completions or sentiment, with an
interval), what to do about it, and the figures it was computed from. Findings are frozen and
serialise to plain JSON types (:meth:`Finding.to_dict`); :func:`rank` orders them by impact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["METRICS", "Finding", "Impact", "Metric", "SegmentShare", "rank"]

Metric = Literal["journey_time_s", "lost_completions", "sentiment"]

#: the impact metrics, and what each value means
METRICS: Mapping[str, str] = {
    "journey_time_s": "extra journey time per affected case, in seconds (affected minus the others)",
    "lost_completions": "completions lost: affected cases times the completion gap to the others",
    "sentiment": "mean sentiment of the affected cases minus that of the others",
}


def _number(x: float | None) -> float | None:
    """A JSON-safe float: None for NaN / infinity."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class SegmentShare:
    """How much of one segment a finding concerns, against the rest of the log.

    Attributes
    ----------
    segment : str
        The segment's label, as the segments print (``[0, 5000)``, ``mover``).
    cases : int
        Affected cases in the segment.
    share : float
        ``cases`` / cases in the segment.
    rest_share : float
        Affected cases in every other segment / cases in every other segment.
    """

    segment: str
    cases: int
    share: float
    rest_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "cases": int(self.cases),
            "share": _number(self.share),
            "rest_share": _number(self.rest_share),
        }


@dataclass(frozen=True)
class Impact:
    """What a finding costs, with a confidence interval.

    Attributes
    ----------
    metric : {"journey_time_s", "lost_completions", "sentiment"}
        See :data:`METRICS`. Positive ``journey_time_s`` and ``lost_completions`` are worse;
        negative ``sentiment`` is worse.
    value, ci_low, ci_high : float
        The estimate and its interval (NaN when it cannot be estimated, e.g. no comparison group).
    effect : float
        The same difference as a standardised effect size (Cohen's *d* for times and sentiment,
        Cohen's *h* for completion), signed so that positive is harm: what findings are ranked by,
        since the metrics have different units.
    method : str
        How the interval was computed (``"bootstrap, 999 resamples, seed 0"``).
    """

    metric: Metric
    value: float
    ci_low: float
    ci_high: float
    effect: float = math.nan
    method: str = ""

    @property
    def material(self) -> bool:
        """Whether the harm is sure: the whole interval is on the harmful side. Lost completions
        without an interval (a drop-off point: the customers who left there are counted, not
        estimated) are material when the effect is harmful."""
        if not (math.isfinite(self.ci_low) and math.isfinite(self.ci_high)):
            return math.isfinite(self.effect) and self.effect > 0 and self.metric == "lost_completions"
        if self.metric == "sentiment":
            return self.ci_high < 0
        return self.ci_low > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": _number(self.value),
            "ci_low": _number(self.ci_low),
            "ci_high": _number(self.ci_high),
            "effect": _number(self.effect),
            "method": self.method,
        }


@dataclass(frozen=True)
class Finding:
    """One thing that goes wrong in the journeys, found by a heuristic.

    Attributes
    ----------
    heuristic : str
        The name of the heuristic that made it.
    title : str
        One line (``"Upload documents is redone after Documents incomplete"``).
    explanation : str
        What happens, in plain language, with the figures.
    touchpoints : tuple of str
        The touchpoints (activities) involved.
    transitions : tuple of (str, str)
        The transitions involved.
    variants : tuple of str
        Ids of the variants involved (as :func:`journeymine.discover_variants` gives them); may
        be empty when the finding concerns many.
    cases : int
        Affected cases; ``share`` = ``cases`` / cases in the log, ``share_ci`` its Wilson interval.
    segments : tuple of SegmentShare
        Per segment, when the log is segmented (in segment order).
    impact : Impact
    action : str
        A suggested action.
    evidence : mapping
        The figures used (JSON types only), and the heuristic's parameters.
    """

    heuristic: str
    title: str
    explanation: str
    touchpoints: tuple[str, ...]
    transitions: tuple[tuple[str, str], ...]
    variants: tuple[str, ...]
    cases: int
    share: float
    share_ci: tuple[float, float]
    segments: tuple[SegmentShare, ...]
    impact: Impact
    action: str
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def score(self) -> float:
        """What findings are ranked by: affected share times the effect size (0 if not harmful)."""
        effect = self.impact.effect
        if not math.isfinite(effect) or effect <= 0 or not math.isfinite(self.share):
            return 0.0
        return float(self.share * effect)

    @property
    def concentrated_in(self) -> tuple[str, ...]:
        """Segments where the share is at least 1.5 times the rest's (and 5 points above it)."""
        return tuple(
            s.segment
            for s in self.segments
            if s.share >= 1.5 * s.rest_share and s.share - s.rest_share >= 0.05
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON types (what ``journeymine improve --format json`` prints)."""
        return {
            "heuristic": self.heuristic,
            "title": self.title,
            "explanation": self.explanation,
            "touchpoints": list(self.touchpoints),
            "transitions": [list(t) for t in self.transitions],
            "variants": list(self.variants),
            "cases": int(self.cases),
            "share": _number(self.share),
            "share_ci": [_number(self.share_ci[0]), _number(self.share_ci[1])],
            "segments": [s.to_dict() for s in self.segments],
            "impact": self.impact.to_dict(),
            "material": self.impact.material,
            "score": _number(self.score),
            "action": self.action,
            "evidence": _plain(self.evidence),
        }


def _plain(value: Any) -> Any:
    """JSON types only: mappings with str keys (sorted on output), lists, str, int, float, bool."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return _number(value)
    try:  # numpy scalars
        return _plain(value.item())
    except AttributeError:
        return str(value)


def rank(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings by impact: material ones first, then by :attr:`Finding.score` (descending), then
    by affected cases, heuristic and title (so the order is the same on every run).

    Examples
    --------
    >>> a = Finding("h", "small", "", (), (), (), 10, 0.1, (0.05, 0.2), (),
    ...             Impact("journey_time_s", 3600.0, 600.0, 7200.0, effect=0.5), "")
    >>> b = Finding("h", "large", "", (), (), (), 30, 0.3, (0.2, 0.4), (),
    ...             Impact("journey_time_s", 3600.0, 600.0, 7200.0, effect=0.5), "")
    >>> [f.title for f in rank([a, b])]
    ['large', 'small']
    """
    return tuple(
        sorted(findings, key=lambda f: (not f.impact.material, -f.score, -f.cases, f.heuristic, f.title))
    )
