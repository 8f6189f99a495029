"""The journey map spec: stages in order, their touchpoints, channels, targets and scores.

A spec is written in YAML (or built in Python) and says how the company sees the journey::

    journey: Mortgage
    sentiment: sentiment          # optional: a numeric column (per event)
    nps: nps                      # optional: a 0-10 survey score column
    outcome: Contract signed      # optional: the touchpoint(s) that complete the journey
    stages:
      - name: Orientation
        touchpoints: [Ad seen, Comparison site visit]
      - name: Application
        touchpoints:
          - Upload documents
          - name: Service call
            activity: "Customer service*"      # a pattern (``*``, ``?``, ``[...]``)
            target: {max_repeats: 1}
          - name: Offer
            activity: Offer sent
            target: {max_hours_to: {touchpoint: Contract signed, hours: 120}}

Every mistake is a :class:`~journeymine.errors.SpecError` that names the file and line.

A spec is untrusted input: it is read with a safe loader (plain text, numbers, lists and
mappings; no Python objects) and within bounds (:data:`MAX_SPEC_BYTES`, :data:`MAX_DEPTH`,
:data:`MAX_ALIASES`, :data:`MAX_VALUES`), so that a "billion laughs" alias bomb or a deeply nested
document is refused at once instead of hanging the reader.

Examples
--------
>>> from journeymine.journeymap.spec import JourneyMap
>>> spec = JourneyMap.from_yaml('''
... journey: Mortgage
... stages:
...   - name: Orientation
...     touchpoints: [Ad seen, Website visit]
...   - name: Decision
...     touchpoints:
...       - name: Offer
...         activity: Offer sent
...         target: {max_hours_to: {touchpoint: Signed, hours: 120}}
...       - Signed
... ''')
>>> [tp.name for tp in spec.touchpoints]
['Ad seen', 'Website visit', 'Offer', 'Signed']
>>> spec.touchpoint("Offer").target.max_hours_to
('Signed', 120.0)
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import yaml

from journeymine.errors import ArgumentError, SpecError

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_SPEC_BYTES",
    "MAX_VALUES",
    "JourneyMap",
    "SpecWarning",
    "Stage",
    "Target",
    "Touchpoint",
    "check_unmatched_argument",
    "did_you_mean",
    "is_pattern",
    "load_map",
    "name_matches",
    "report_unmatched",
]

_PATTERN_CHARS = frozenset("*?[")

#: the largest spec file (or text) read, in bytes: a journey map is a few kilobytes
MAX_SPEC_BYTES = 256_000
#: the deepest nesting, counting the values (a journey map needs 8: the spec, its stages, a
#: stage, its touchpoints, a touchpoint, its target, ``max_hours_to``, a value)
MAX_DEPTH = 32
#: the most alias uses (``*name``) in one spec
MAX_ALIASES = 1_000
#: the most values (texts, numbers, lists, mappings) a spec may hold once its aliases are
#: expanded: far above any journey map (the demo's has 104), far below an alias bomb (a billion
#: values from a few lines), and few enough to be read in a fraction of a second
MAX_VALUES = 10_000


class SpecWarning(UserWarning):
    """A journey map (or a ``start=``/``end=`` of :func:`journeymine.cut_journeys`) that does not fit
    the data, with ``unmatched="warn"``: a touchpoint, outcome or target naming no activity in the
    log. The message names it, its spec line and close matches."""


TOP_KEYS = ("journey", "description", "sentiment", "nps", "csat", "channel", "outcome", "stages")
STAGE_KEYS = ("name", "description", "touchpoints")
TOUCHPOINT_KEYS = ("name", "description", "activity", "channel", "target")
TARGET_KEYS = ("max_repeats", "max_hours_to", "max_hours_to_next", "required_outcome")
HOURS_TO_KEYS = ("touchpoint", "hours")


def _where(source: str | None, line: int | None, what: str) -> str:
    place = source or "journey map"
    return f"{place}, line {line}: {what}" if line else f"{place}: {what}"


def is_pattern(text: str) -> bool:
    """Whether an ``activity`` entry is a glob pattern (``*``, ``?``, ``[...]``)."""
    return bool(_PATTERN_CHARS & set(text))


def name_matches(activity: str, name: str) -> bool:
    """Whether ``activity`` is ``name``, or matches it as a glob pattern (an exact name holding
    ``*``, ``?`` or ``[`` still matches itself).

    Examples
    --------
    >>> name_matches("Call [missed]", "Call [missed]"), name_matches("Call in", "Call*")
    (True, True)
    """
    return activity == name or (is_pattern(name) and fnmatchcase(activity, name))


@dataclass(frozen=True)
class Target:
    """When a touchpoint went well, for one customer (all keys given must hold).

    Parameters
    ----------
    max_repeats : int, optional
        At most this many repeats: ``max_repeats=1`` is met with one or two events at the
        touchpoint, missed with three or more.
    max_hours_to : (touchpoint, hours), optional
        The named touchpoint (on the map, or else an activity of the log) follows the
        customer's first event here within ``hours``; missed
        when it follows later or never.
    max_hours_to_next : float, optional
        The customer's next event on another touchpoint follows within ``hours``; not counted
        (neither met nor missed) when nothing follows.
    required_outcome : str, optional
        The named touchpoint (or activity) follows the customer's first event here (at any time).
    line : int, optional
        The spec line, for messages.

    Examples
    --------
    >>> Target(max_repeats=1).keys
    ('max_repeats',)
    """

    max_repeats: int | None = None
    max_hours_to: tuple[str, float] | None = None
    max_hours_to_next: float | None = None
    required_outcome: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        repeats: Any = self.max_repeats
        if repeats is not None and (
            isinstance(repeats, bool) or not isinstance(repeats, numbers.Integral) or repeats < 0
        ):
            raise SpecError(
                f"Target: max_repeats must be a whole number >= 0, not {repeats!r}; pass max_repeats=1"
            )
        to: Any = self.max_hours_to
        if to is not None:
            if (
                isinstance(to, str)
                or not isinstance(to, Sequence)
                or len(to) != 2
                or not _is_text(to[0])
                or not _is_hours(to[1])
            ):
                raise SpecError(
                    f"Target: max_hours_to must be (touchpoint, hours) with hours > 0, not {to!r}; "
                    "pass max_hours_to=('Contract signed', 120)"
                )
            object.__setattr__(self, "max_hours_to", (to[0], float(to[1])))
        nxt = self.max_hours_to_next
        if nxt is not None:
            if not _is_hours(nxt):
                raise SpecError(
                    f"Target: max_hours_to_next must be a positive number of hours, not {nxt!r}; "
                    "pass max_hours_to_next=24"
                )
            object.__setattr__(self, "max_hours_to_next", float(nxt))
        if self.required_outcome is not None and not _is_text(self.required_outcome):
            raise SpecError(
                "Target: required_outcome must be a touchpoint or activity name, not "
                f"{self.required_outcome!r}; pass required_outcome='Contract signed'"
            )

    @property
    def keys(self) -> tuple[str, ...]:
        """The target keys that are set, in spec order."""
        return tuple(k for k in TARGET_KEYS if getattr(self, k) is not None)

    def describe(self) -> str:
        """A short text, e.g. ``'at most 1 repeat; Contract signed within 120 h'``."""
        parts = []
        if self.max_repeats is not None:
            parts.append(f"at most {self.max_repeats} repeat{'s' if self.max_repeats != 1 else ''}")
        if self.max_hours_to is not None:
            parts.append(f"{self.max_hours_to[0]} within {self.max_hours_to[1]:g} h")
        if self.max_hours_to_next is not None:
            parts.append(f"next touchpoint within {self.max_hours_to_next:g} h")
        if self.required_outcome is not None:
            parts.append(f"followed by {self.required_outcome}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Touchpoint:
    """A touchpoint: a name, the activities it stands for, a channel and a target.

    Parameters
    ----------
    name : str
        The touchpoint's name on the map.
    activity : str or list of str, optional
        Activity names (exact) or glob patterns (``"Customer service*"``) that map onto this
        touchpoint; by default the name itself.
    channel : str, optional
        A fixed channel for every event of this touchpoint (otherwise the channel column).
    target : Target, optional
    description : str, optional
    line : int, optional
        The spec line, for messages.

    Examples
    --------
    >>> tp = Touchpoint("Service call", activity="Customer service*")
    >>> tp.matches("Customer service call"), tp.matches("Chat")
    (True, False)
    """

    name: str
    activity: tuple[str, ...] = ()
    channel: str | None = None
    target: Target | None = None
    description: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _is_text(self.name):
            raise SpecError(
                f"Touchpoint: name must be a non-empty text, not {self.name!r}; pass name='Offer'"
            )
        activity: Any = self.activity
        if isinstance(activity, str):
            activity = (activity,)
        if isinstance(activity, Mapping) or not isinstance(activity, Iterable):
            activity = [activity]
        activity = tuple(activity) or (self.name,)
        if not all(_is_text(a) for a in activity):
            raise SpecError(
                f"Touchpoint {self.name!r}: activity must be a name, a pattern or a list of them, not "
                f"{self.activity!r}; pass activity='Customer service*'"
            )
        object.__setattr__(self, "activity", activity)
        if self.channel is not None and not _is_text(self.channel):
            raise SpecError(
                f"Touchpoint {self.name!r}: channel must be a text, not {self.channel!r}; "
                "pass channel='phone'"
            )
        if self.target is not None and not isinstance(self.target, Target):
            raise SpecError(
                f"Touchpoint {self.name!r}: target must be a Target, not {type(self.target).__name__}; "
                "pass target=Target(max_repeats=1)"
            )

    def matches(self, activity: str) -> bool:
        """Whether the activity maps onto this touchpoint."""
        return any(name_matches(activity, p) for p in self.activity)


@dataclass(frozen=True)
class Stage:
    """A stage (episode) of the journey and its touchpoints, in order.

    Examples
    --------
    >>> Stage("Orientation", ["Ad seen", Touchpoint("Site", activity="Website visit")]).names
    ('Ad seen', 'Site')
    """

    name: str
    touchpoints: tuple[Touchpoint, ...] = ()
    description: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _is_text(self.name):
            raise SpecError(
                f"Stage: name must be a non-empty text, not {self.name!r}; pass name='Orientation'"
            )
        raw: Any = self.touchpoints
        if isinstance(raw, (str, Mapping)) or not isinstance(raw, Iterable):
            raise SpecError(
                f"Stage {self.name!r}: touchpoints must be a list of names or Touchpoints, not {raw!r}; "
                "pass touchpoints=['Ad seen', 'Website visit']"
            )
        tps = tuple(Touchpoint(t) if isinstance(t, str) else t for t in raw)
        bad = next((t for t in tps if not isinstance(t, Touchpoint)), None)
        if bad is not None:
            raise SpecError(
                f"Stage {self.name!r}: a touchpoint must be a name or a Touchpoint, not {bad!r}; "
                "pass touchpoints=['Ad seen', Touchpoint('Service call', activity='Customer service*')]"
            )
        object.__setattr__(self, "touchpoints", tps)

    @property
    def names(self) -> tuple[str, ...]:
        """The touchpoint names, in order."""
        return tuple(t.name for t in self.touchpoints)


@dataclass(frozen=True)
class JourneyMap:
    """A journey map spec: see the module docs for the YAML form.

    Parameters
    ----------
    journey : str
        The journey's name.
    stages : list of Stage
        In order; each with at least one touchpoint; a touchpoint name appears once.
    sentiment : str, optional
        A numeric column with the customer's feeling at an event (e.g. -1 ... 1).
    nps : str, optional
        A 0-10 "would you recommend" column (Net Promoter Score).
    csat : str, optional
        A 1-5 satisfaction column (CSAT: the share of 4 and 5).
    channel : str, optional
        The channel column; by default the log's mapped channel.
    outcome : str or list of str, optional
        The touchpoint(s) (or activities) that complete the journey; by default reaching the
        last stage.
    description : str, optional
    source : str, optional
        Where the spec came from (a file name), for messages.
    lines : mapping, optional
        Spec lines of the top-level keys, for messages.

    Examples
    --------
    >>> spec = JourneyMap("Onboarding", [Stage("Sign-up", ["Form", "Confirm"])], outcome="Confirm")
    >>> spec.stage_of("Form"), spec.outcome
    ('Sign-up', ('Confirm',))
    """

    journey: str
    stages: tuple[Stage, ...]
    sentiment: str | None = None
    nps: str | None = None
    csat: str | None = None
    channel: str | None = None
    outcome: tuple[str, ...] = ()
    description: str | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _is_text(self.journey):
            raise SpecError(
                f"JourneyMap: journey must be a non-empty text (its name), not {self.journey!r}; "
                "pass journey='Mortgage'"
            )
        outcome: Any = self.outcome
        if isinstance(outcome, str):
            outcome = (outcome,)
        if isinstance(outcome, Mapping) or not isinstance(outcome or (), Iterable):
            outcome = [outcome]
        outcome = tuple(outcome or ())
        if not all(_is_text(o) for o in outcome):
            raise SpecError(
                f"JourneyMap {self.journey!r}: outcome must be a touchpoint name or a list of them, not "
                f"{self.outcome!r}; pass outcome='Contract signed'"
            )
        object.__setattr__(self, "outcome", outcome)
        stages: Any = self.stages
        if isinstance(stages, (str, Mapping)) or not isinstance(stages, Iterable):
            stages = [stages]
        stages = tuple(stages)
        bad = next((s for s in stages if not isinstance(s, Stage)), None)
        if bad is not None:
            raise SpecError(
                f"JourneyMap {self.journey!r}: stages must be a list of Stage, not {bad!r}; "
                "pass stages=[Stage('Orientation', ['Ad seen'])]"
            )
        object.__setattr__(self, "stages", stages)
        for key in ("sentiment", "nps", "csat", "channel"):
            value = getattr(self, key)
            if value is not None and not _is_text(value):
                raise SpecError(
                    f"JourneyMap {self.journey!r}: {key} must be a column name, not {value!r}; "
                    f"pass {key}={key!r}"
                )
        self._validate()

    # -- reading ----------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text_or_path: str | os.PathLike[str]) -> JourneyMap:
        """Read a spec from YAML text or a ``.yaml``/``.yml`` file.

        Examples
        --------
        >>> JourneyMap.from_yaml("journey: J\\nstages: [{name: S, touchpoints: [A]}]").journey
        'J'
        """
        source = None
        text = str(text_or_path)
        if isinstance(text_or_path, os.PathLike) or ("\n" not in text and text.endswith((".yaml", ".yml"))):
            path = Path(text_or_path)
            source = str(path)
            text = _read_spec_file(path)
        elif len(text) > MAX_SPEC_BYTES:
            raise SpecError(
                _where(
                    None,
                    None,
                    f"the spec text is {len(text):,} characters; a journey map is a few thousand "
                    f"and at most {MAX_SPEC_BYTES:,} are read: is this the right text?",
                )
            )
        node = _compose(text, source)
        if node is None:
            raise SpecError(_where(source, None, "the spec is empty"))
        return cls.from_dict(_plain(node, source), source=source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> JourneyMap:
        """Build a spec from a mapping of the YAML form (lines known when it came from YAML).

        Examples
        --------
        >>> data = {"journey": "J", "stages": [{"name": "S", "touchpoints": ["A"]}]}
        >>> JourneyMap.from_dict(data).stages[0].names
        ('A',)
        """
        if not isinstance(data, Mapping):
            raise SpecError(
                _where(source, _line(data), "the spec must be a mapping with 'journey' and 'stages'")
            )
        _check_keys(data, TOP_KEYS, "the spec", source)
        lines = dict(getattr(data, "key_lines", {}))
        for key in ("journey", "stages"):
            if key not in data:
                raise SpecError(_where(source, _line(data), f"the spec has no {key!r}"))
        stages_raw = data["stages"]
        if not isinstance(stages_raw, list) or not stages_raw:
            raise SpecError(
                _where(source, lines.get("stages"), "'stages' must be a non-empty list of stages")
            )
        stages = [_stage(s, source) for s in stages_raw]
        columns = {}
        for key in ("sentiment", "nps", "csat", "channel"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise SpecError(_where(source, lines.get(key), f"{key!r} must be a column name"))
            columns[key] = value
        outcome = data.get("outcome")
        if outcome is not None and not (
            isinstance(outcome, str)
            or (isinstance(outcome, list) and all(isinstance(o, str) for o in outcome))
        ):
            raise SpecError(
                _where(source, lines.get("outcome"), "'outcome' must be a touchpoint name or a list of them")
            )
        return cls(
            journey=_text(data["journey"], "journey", source, lines.get("journey")),
            stages=tuple(stages),
            outcome=tuple([outcome] if isinstance(outcome, str) else outcome or ()),
            description=data.get("description"),
            source=source,
            lines=lines,
            **columns,
        )

    def to_dict(self) -> dict[str, Any]:
        """The YAML form as plain Python (round-trips through :meth:`from_dict`)."""
        out: dict[str, Any] = {"journey": self.journey}
        if self.description:
            out["description"] = self.description
        for key in ("sentiment", "nps", "csat", "channel"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.outcome:
            out["outcome"] = self.outcome[0] if len(self.outcome) == 1 else list(self.outcome)
        out["stages"] = [
            {
                "name": s.name,
                **({"description": s.description} if s.description else {}),
                "touchpoints": [_touchpoint_dict(t) for t in s.touchpoints],
            }
            for s in self.stages
        ]
        return out

    def to_yaml(self) -> str:
        """The spec as YAML text."""
        import yaml

        return str(yaml.safe_dump(_plain_python(self.to_dict()), sort_keys=False, allow_unicode=True))

    # -- looking up ------------------------------------------------------------------------

    @property
    def touchpoints(self) -> tuple[Touchpoint, ...]:
        """Every touchpoint, in map order (stage by stage)."""
        return tuple(t for s in self.stages for t in s.touchpoints)

    def touchpoint(self, name: str) -> Touchpoint:
        """The touchpoint called ``name``; a :class:`~journeymine.SpecError` naming the
        touchpoints (and close matches) when the map has none of that name."""
        for t in self.touchpoints:
            if t.name == name:
                return t
        raise self._unknown(name)

    def stage_of(self, touchpoint: str) -> str:
        """The name of the stage a touchpoint belongs to (a :class:`~journeymine.SpecError`
        when the map has no such touchpoint)."""
        for s in self.stages:
            if touchpoint in s.names:
                return s.name
        raise self._unknown(touchpoint)

    def _unknown(self, name: str) -> SpecError:
        import difflib

        names = [t.name for t in self.touchpoints]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return SpecError(
            f"the map {self.journey!r} has no touchpoint {name!r}{hint}; its touchpoints: {', '.join(names)}"
        )

    def where(self, line: int | None, what: str) -> str:
        """A message naming the spec file and line."""
        return _where(self.source, line, what)

    def assign(self, activities: Iterable[str]) -> dict[str, str | None]:
        """Map activity names onto touchpoint names (``None``: not on the map).

        An activity is claimed by the first touchpoint, in map order, with an exact name that
        matches; failing that, by the first with a matching pattern.

        Examples
        --------
        >>> spec = JourneyMap("J", [Stage("S", [Touchpoint("Calls", activity="Call*"), "Call back"])])
        >>> spec.assign(["Call in", "Call back", "Chat"])
        {'Call in': 'Calls', 'Call back': 'Call back', 'Chat': None}
        """
        out: dict[str, str | None] = {}
        for act in activities:
            exact = next((t.name for t in self.touchpoints if act in t.activity), None)
            if exact is None:
                exact = next((t.name for t in self.touchpoints if t.matches(act)), None)
            out[act] = exact
        return out

    # -- checks -----------------------------------------------------------------------------

    def _validate(self) -> None:
        if not self.stages:
            raise SpecError(self.where(self.lines.get("stages"), "the map has no stages"))
        seen_stage: dict[str, Stage] = {}
        seen_tp: dict[str, Stage] = {}
        seen_exact: dict[str, Touchpoint] = {}
        for stage in self.stages:
            if stage.name in seen_stage:
                raise SpecError(self.where(stage.line, f"stage {stage.name!r} appears twice"))
            seen_stage[stage.name] = stage
            if not stage.touchpoints:
                raise SpecError(
                    self.where(stage.line, f"stage {stage.name!r} has no touchpoints; list at least one")
                )
            for tp in stage.touchpoints:
                if tp.name in seen_tp:
                    other = seen_tp[tp.name].name
                    where = (
                        f"in stages {other!r} and {stage.name!r}"
                        if other != stage.name
                        else f"twice in stage {other!r}"
                    )
                    raise SpecError(
                        self.where(
                            tp.line,
                            f"touchpoint {tp.name!r} appears {where}; a touchpoint belongs to one stage",
                        )
                    )
                seen_tp[tp.name] = stage
                for act in tp.activity:
                    if not is_pattern(act) and act in seen_exact:
                        raise SpecError(
                            self.where(
                                tp.line,
                                f"activity {act!r} is mapped to touchpoints {seen_exact[act].name!r} "
                                f"and {tp.name!r}; map it to one",
                            )
                        )
                    seen_exact.setdefault(act, tp)
        # Targets and the outcome may name a touchpoint on the map or an activity of the log (an
        # outcome such as 'Contract signed' need not be a touchpoint); the second is checked
        # against the data, by journey_map.


def load_map(source: str | os.PathLike[str] | Mapping[str, Any] | JourneyMap) -> JourneyMap:
    """A :class:`JourneyMap` from a YAML file or text, a mapping, or a map (returned as is).

    Examples
    --------
    >>> import journeymine as jm
    >>> jm.load_map(jm.datasets.DEMO_MAP_PATH).journey
    'Mortgage'
    """
    if isinstance(source, JourneyMap):
        return source
    if isinstance(source, Mapping):
        return JourneyMap.from_dict(source)
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentError(
            f"spec must be a JourneyMap, a YAML file or text, or a mapping, not {type(source).__name__}; "
            "pass spec='journey_map.yaml'"
        )
    return JourneyMap.from_yaml(source)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'A' or 'B'?)"``: the close matches of ``word`` or ``""``.

    The matches of :func:`difflib.get_close_matches` (at most three) that come near the best.

    Examples
    --------
    >>> did_you_mean("Confirmation of recipt", ["Confirmation of receipt", "Offer sent"])
    " (did you mean 'Confirmation of receipt'?)"
    >>> did_you_mean("Offer acepted", ["Offer accepted", "Offer sent", "Chat"])
    " (did you mean 'Offer accepted'?)"
    >>> did_you_mean("Xyz", ["Offer sent"])
    ''
    """
    close = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=3)
    if not close:
        return ""
    scores = [difflib.SequenceMatcher(None, c, word).ratio() for c in close]
    quoted = [repr(c) for c, score in zip(close, scores) if score >= scores[0] - 0.1]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"


def report_unmatched(
    problems: Sequence[tuple[int | None, str]],
    *,
    place: str,
    unmatched: Literal["error", "warn"],
    stacklevel: int = 2,
    error: type[Exception] = SpecError,
) -> None:
    """Raise one :class:`SpecError` listing names that match nothing in the log, or, with
    ``unmatched="warn"``, give a :class:`SpecWarning` for each.

    Parameters
    ----------
    problems : list of (line, text)
        The spec line (or ``None``) and what is wrong, e.g. ``"touchpoint 'X' matches no activity
        in the log (did you mean 'Y'?)"``.
    place : str
        Where: the spec file, ``"journey map"`` or ``"cut_journeys"``.
    unmatched : {"error", "warn"}
    stacklevel : int
        Of the warnings, as for :func:`warnings.warn` called where ``report_unmatched`` is.
    error : exception class
        :class:`~journeymine.errors.SpecError` for a spec; ``cut_journeys`` raises an
        :class:`~journeymine.errors.ArgumentError` about its ``start=`` / ``end=``.

    Examples
    --------
    >>> report_unmatched([(4, "touchpoint 'Sign' matches no activity in the log")],
    ...                  place="map.yaml", unmatched="error")
    Traceback (most recent call last):
    ...
    journeymine.errors.SpecError: map.yaml, line 4: touchpoint 'Sign' matches no activity in ...; correct ...
    """
    if not problems:
        return
    if unmatched == "warn":
        for line, text in problems:
            warnings.warn(
                SpecWarning(f"{_where(place, line, text)}; carrying on without it"), stacklevel=stacklevel + 1
            )
        return
    if len(problems) == 1:
        line, text = problems[0]
        raise error(
            _where(place, line, f"{text}; correct the name, or pass unmatched='warn' to carry on without it")
        )
    listed = "; ".join(f"line {line}: {text}" if line else text for line, text in problems)
    raise error(
        f"{place}: {len(problems)} names find no events in the log: {listed}; correct them, or pass "
        "unmatched='warn' to carry on without them"
    )


def check_unmatched_argument(unmatched: Any) -> None:
    """An :class:`~journeymine.errors.ArgumentError` unless ``unmatched`` is ``"error"`` or ``"warn"``.

    Examples
    --------
    >>> check_unmatched_argument("ignore")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: unmatched must be 'error' or 'warn', not 'ignore'; pass unmatched='warn'
    """
    if unmatched not in ("error", "warn"):
        raise ArgumentError(f"unmatched must be 'error' or 'warn', not {unmatched!r}; pass unmatched='warn'")


# -- reading YAML safely --------------------------------------------------------------------------


def _read_spec_file(path: Path, kind: str = "journey map", usual: str = "a few kilobytes") -> str:
    """The text of a spec file (UTF-8, at most ``MAX_SPEC_BYTES``), or a SpecError saying why not.

    ``kind`` names the spec in messages (``"journey map"``, ``"ideal journey"``); ``usual`` its
    usual size.
    """
    article = "an" if kind[0] in "aeiou" else "a"
    if not path.exists():
        raise SpecError(f"no {kind} file {path}; pass the path of a .yaml file")
    if not path.is_file():
        raise SpecError(f"{path} is not a file; pass the path of {article} {kind} (.yaml)")
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"{path}: the file is {size:,} bytes; {article} {kind} is {usual} and at most "
            f"{MAX_SPEC_BYTES:,} bytes are read: is this the right file?"
        )
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(
            _where(str(path), line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        ) from None


class _RefusedError(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.line, self.what = line, what


class _BoundedLoader(yaml.SafeLoader):
    """A safe loader whose composer refuses documents that nest too deep, use too many aliases
    or expand (through aliases) into too many values, as it reads them: the expanded size and
    depth of each node are counted once, bottom-up, so an alias bomb costs what its text costs."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._composed = 0
        #: id(node) -> (values once expanded, depth once expanded), for the nodes composed so far
        self._measured: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _RefusedError(
                    line,
                    f"more than {MAX_ALIASES:,} aliases (*{event.anchor}); refused as unsafe: "
                    "write the values out",
                )
            node = super().compose_node(parent, index)
            if id(node) not in self._measured:
                raise _RefusedError(
                    line,
                    f"the alias *{event.anchor} refers to a value that contains it; refused: a journey "
                    "map cannot repeat itself forever",
                )
            return node
        start = self.peek_event()  # type: ignore[no-untyped-call]
        line = start.start_mark.line + 1
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _RefusedError(line, _too_deep())
        self._composed += 1
        if self._composed > MAX_VALUES:
            raise _RefusedError(line, _too_many(aliases=False))
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        sizes = [self._measured[id(c)] for c in children]
        values = 1 + sum(v for v, _ in sizes)
        depth = 1 + max((d for _, d in sizes), default=0)
        if depth > MAX_DEPTH:
            raise _RefusedError(line, _too_deep(through_aliases=True))
        if values > MAX_VALUES:
            raise _RefusedError(line, _too_many(aliases=True))
        self._measured[id(node)] = (values, depth)
        return node


def _too_many(*, aliases: bool) -> str:
    if aliases:
        return (
            f"the value here holds more than {MAX_VALUES:,} values once its aliases are expanded (a YAML "
            "alias bomb?); refused as unsafe: a journey map holds a few hundred, write it out without "
            "aliases of aliases"
        )
    return (
        f"the spec holds more than {MAX_VALUES:,} values; a journey map holds a few hundred: "
        "is this the right file?"
    )


def _too_deep(*, through_aliases: bool = False) -> str:
    how = " through its aliases" if through_aliases else ""
    return (
        f"the spec nests deeper than {MAX_DEPTH} levels{how}; refused as unsafe: a journey map needs 8 "
        "(the spec, its stages, a stage, its touchpoints, a touchpoint, its target, max_hours_to, a value); "
        "write it as docs/journey-map.md shows"
    )


def _compose(text: str, source: str | None) -> Any:
    """The YAML node graph of ``text``, read safely and within bounds (a SpecError otherwise)."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    except _RefusedError as exc:
        raise SpecError(_where(source, exc.line, exc.what)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(_where(source, line, f"not valid YAML: {problem}")) from None
    except RecursionError:  # not reached within MAX_DEPTH; a guard all the same
        raise SpecError(_where(source, None, _too_deep())) from None
    finally:
        loader.dispose()


# -- building from the YAML form ----------------------------------------------------------------


class _Map(dict[str, Any]):
    line: int | None = None
    key_lines: dict[str, int]


class _Seq(list[Any]):
    line: int | None = None
    item_lines: list[int]


def _plain(node: Any, source: str | None = None) -> Any:
    """Turn a composed YAML node into dicts, lists and scalars that remember their lines.

    Scalars are built by the safe constructor (text, numbers, booleans, dates); any other tag is
    a SpecError. The node graph was bounded while it was composed (see :class:`_BoundedLoader`).
    """
    return _Plain(source).build(node)


class _Plain:
    def __init__(self, source: str | None) -> None:
        self.source = source
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: Any) -> Any:
        source = self.source
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise SpecError(_where(source, node.start_mark.line + 1, _bad_tag(node.tag)))
        if isinstance(node, yaml.MappingNode):
            out = _Map()
            out.line = node.start_mark.line + 1
            out.key_lines = {}
            for key_node, value_node in node.value:
                key = str(self.build(key_node))
                if key in out:
                    raise SpecError(
                        _where(source, key_node.start_mark.line + 1, f"the key {key!r} appears twice")
                    )
                out[key] = self.build(value_node)
                out.key_lines[key] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = _Seq(self.build(v) for v in node.value)
            seq.line = node.start_mark.line + 1
            seq.item_lines = [v.start_mark.line + 1 for v in node.value]
            return seq
        line = node.start_mark.line + 1
        try:
            value = self.constructor.construct_object(node)
        except yaml.YAMLError:
            raise SpecError(_where(source, line, _bad_tag(node.tag))) from None
        if isinstance(value, str):
            return _Str(value, line)
        return value


_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _bad_tag(tag: str) -> str:
    short = "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag
    return (
        f"the YAML tag {short!r} is not allowed; a journey map holds only text, numbers, lists and "
        "mappings: remove the tag"
    )


class _Str(str):
    """Text from the YAML that remembers its line (for messages)."""

    line: int | None

    def __new__(cls, value: str, line: int | None = None) -> _Str:
        obj = super().__new__(cls, value)
        obj.line = line
        return obj


def _plain_python(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain_python(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_python(v) for v in value]
    return value


def _with_line(text: str, raw: Any) -> str:
    """``text``, remembering the spec line of ``raw`` (for messages that name it)."""
    return _Str(text, _line(raw))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_hours(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and 0 < float(value) < math.inf


def _line(value: Any) -> int | None:
    return getattr(value, "line", None)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_keys(data: Mapping[str, Any], allowed: Sequence[str], what: str, source: str | None) -> None:
    lines = getattr(data, "key_lines", {})
    for key in data:
        if key not in allowed:
            raise SpecError(
                _where(
                    source,
                    lines.get(key, _line(data)),
                    f"unknown key {key!r} in {what}"
                    + (_suggest(key, allowed) or f"; known keys: {', '.join(allowed)}"),
                )
            )


def _text(value: Any, what: str, source: str | None, line: int | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(
            _where(source, _line(value) or line, f"{what} must be a non-empty text, not {value!r}")
        )
    return str(value)


def _stage(raw: Any, source: str | None) -> Stage:
    if not isinstance(raw, Mapping):
        raise SpecError(
            _where(
                source, _line(raw), f"a stage must be a mapping with 'name' and 'touchpoints', not {raw!r}"
            )
        )
    _check_keys(raw, STAGE_KEYS, "a stage", source)
    lines = getattr(raw, "key_lines", {})
    if "name" not in raw:
        raise SpecError(_where(source, _line(raw), "a stage has no 'name'"))
    name = _text(raw["name"], "a stage name", source, lines.get("name"))
    tps = raw.get("touchpoints")
    if tps is None or (isinstance(tps, list) and not tps):
        raise SpecError(
            _where(
                source,
                lines.get("touchpoints", _line(raw)),
                f"stage {name!r} has no touchpoints; list at least one",
            )
        )
    if not isinstance(tps, list):
        raise SpecError(
            _where(source, lines.get("touchpoints"), f"the touchpoints of stage {name!r} must be a list")
        )
    return Stage(
        name=name,
        touchpoints=tuple(_touchpoint(t, source, lines.get("touchpoints")) for t in tps),
        description=raw.get("description"),
        line=_line(raw),
    )


def _touchpoint(raw: Any, source: str | None, line: int | None) -> Touchpoint:
    if isinstance(raw, str):
        return Touchpoint(name=_text(raw, "a touchpoint name", source, line), line=_line(raw) or line)
    if not isinstance(raw, Mapping):
        raise SpecError(
            _where(source, _line(raw) or line, f"a touchpoint must be a name or a mapping, not {raw!r}")
        )
    _check_keys(raw, TOUCHPOINT_KEYS, "a touchpoint", source)
    lines = getattr(raw, "key_lines", {})
    if "name" not in raw:
        raise SpecError(_where(source, _line(raw), "a touchpoint has no 'name'"))
    name = _text(raw["name"], "a touchpoint name", source, lines.get("name"))
    activity = raw.get("activity", ())
    if isinstance(activity, str):
        activity = (activity,)
    if not isinstance(activity, (list, tuple)) or not all(isinstance(a, str) and a for a in activity):
        raise SpecError(
            _where(
                source,
                lines.get("activity"),
                f"the activity of {name!r} must be a name, a pattern or a list of them",
            )
        )
    channel = raw.get("channel")
    if channel is not None and not isinstance(channel, str):
        raise SpecError(_where(source, lines.get("channel"), f"the channel of {name!r} must be a text"))
    target = (
        _target(raw["target"], name, source, lines.get("target")) if raw.get("target") is not None else None
    )
    return Touchpoint(
        name=name,
        activity=tuple(activity),  # texts that remember their lines, for messages
        channel=channel,
        target=target,
        description=raw.get("description"),
        line=_line(raw),
    )


def _target(raw: Any, name: str, source: str | None, line: int | None) -> Target:
    if not isinstance(raw, Mapping) or not raw:
        raise SpecError(
            _where(
                source,
                _line(raw) or line,
                f"the target of {name!r} must be a mapping of {', '.join(TARGET_KEYS)}",
            )
        )
    _check_keys(raw, TARGET_KEYS, f"the target of {name!r}", source)
    lines = getattr(raw, "key_lines", {})

    def hours(value: Any, what: str, at: int | None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SpecError(
                _where(source, at, f"{what} of {name!r} must be a positive number of hours, not {value!r}")
            )
        return float(value)

    repeats = raw.get("max_repeats")
    if repeats is not None and (isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 0):
        raise SpecError(
            _where(
                source,
                lines.get("max_repeats"),
                f"max_repeats of {name!r} must be a whole number >= 0, not {repeats!r}",
            )
        )
    to = raw.get("max_hours_to")
    hours_to = None
    if to is not None:
        at = lines.get("max_hours_to")
        if not isinstance(to, Mapping):
            raise SpecError(
                _where(source, at, f"max_hours_to of {name!r} must be {{touchpoint: ..., hours: ...}}")
            )
        _check_keys(to, HOURS_TO_KEYS, f"max_hours_to of {name!r}", source)
        if "touchpoint" not in to or "hours" not in to:
            raise SpecError(
                _where(source, at, f"max_hours_to of {name!r} needs both 'touchpoint' and 'hours'")
            )
        hours_to = (
            _with_line(
                _text(to["touchpoint"], f"max_hours_to.touchpoint of {name!r}", source, at), to["touchpoint"]
            ),
            hours(to["hours"], "max_hours_to.hours", getattr(to, "key_lines", {}).get("hours", at)),
        )
    nxt = raw.get("max_hours_to_next")
    outcome = raw.get("required_outcome")
    return Target(
        max_repeats=repeats,
        max_hours_to=hours_to,
        max_hours_to_next=hours(nxt, "max_hours_to_next", lines.get("max_hours_to_next"))
        if nxt is not None
        else None,
        required_outcome=_with_line(
            _text(outcome, f"required_outcome of {name!r}", source, lines.get("required_outcome")), outcome
        )
        if outcome is not None
        else None,
        line=_line(raw) or line,
    )


def _touchpoint_dict(tp: Touchpoint) -> Any:
    plain = tp.activity == (tp.name,) and tp.channel is None and tp.target is None and not tp.description
    if plain:
        return tp.name
    out: dict[str, Any] = {"name": tp.name}
    if tp.description:
        out["description"] = tp.description
    if tp.activity != (tp.name,):
        out["activity"] = tp.activity[0] if len(tp.activity) == 1 else list(tp.activity)
    if tp.channel:
        out["channel"] = tp.channel
    if tp.target is not None:
        t = tp.target
        target: dict[str, Any] = {}
        if t.max_repeats is not None:
            target["max_repeats"] = t.max_repeats
        if t.max_hours_to is not None:
            target["max_hours_to"] = {"touchpoint": t.max_hours_to[0], "hours": t.max_hours_to[1]}
        if t.max_hours_to_next is not None:
            target["max_hours_to_next"] = t.max_hours_to_next
        if t.required_outcome is not None:
            target["required_outcome"] = t.required_outcome
        out["target"] = target
    return out
