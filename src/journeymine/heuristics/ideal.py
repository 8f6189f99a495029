"""The ideal journey: the future-state journey as the customer would want it, step by step.

*Reverse thinking* starts from the customer's side: write down the journey as it should be
(fewest touchpoints, each done once, on the channel that suits it), then compare the real
journeys with it (:func:`journeymine.heuristics.reverse_thinking`) to see which touchpoints to
remove and which to redesign. An ideal journey is written in YAML (or built in Python)::

    journey: Mortgage
    outcome: Contract signed            # optional: by default the last required step
    description: The mortgage as a customer would want it.
    steps:
      - Ad seen                                       # a required step: one name
      - {step: Comparison site visit, optional: true} # a step the customer may skip
      - {any: [Mortgage calculator, Advisor meeting]} # one of these (alternatives)
      - {step: Upload documents, channel: app}        # done on this channel
      - {step: "Offer*", label: Offer}                # a glob pattern, shown as "Offer"
      - Contract signed

A step is a name, or a mapping with ``step`` (one name or glob pattern) or ``any`` (a list of
them), and optionally ``optional`` (true / false), ``channel`` (the channel it should be done
on) and ``label`` (how it is shown; by default its name, or the alternatives joined by
``" / "``). A name is an activity name, or a glob pattern (``*``, ``?``, ``[...]``) as in the
journey map; an exact name holding those characters still matches itself. Matching ignores case,
as the outcome of :func:`journeymine.improve` does (:func:`journeymine.heuristics.data.matches_any`),
so ``outcome: contract signed`` and the step ``Contract signed`` agree with the findings.

An activity belongs to the first step that names it exactly, else to the first step with a
pattern that matches it (:meth:`IdealJourney.step_of`); an activity that belongs to no step is a
touchpoint the ideal journey does without.

Every mistake is a :class:`~journeymine.errors.SpecError` naming the file and line, with a close
match for a misspelt key: an unknown key, a wrong type, no steps, a step listed twice, only
optional steps. The YAML is read with the journey map's bounded safe loader
(:mod:`journeymine.journeymap.spec`: plain values only, limits on size, depth and aliases).

Examples
--------
>>> from journeymine.heuristics.ideal import IdealJourney
>>> ideal = IdealJourney.from_yaml('''
... journey: Mortgage
... outcome: Contract signed
... steps:
...   - Ad seen
...   - {step: Comparison site visit, optional: true}
...   - {any: [Mortgage calculator, Advisor meeting]}
...   - {step: Upload documents, channel: app}
...   - Offer sent
...   - Contract signed
... ''')
>>> [s.label for s in ideal.steps]  # doctest: +NORMALIZE_WHITESPACE
['Ad seen', 'Comparison site visit', 'Mortgage calculator / Advisor meeting',
 'Upload documents', 'Offer sent', 'Contract signed']
>>> ideal.step_of("Advisor meeting").label, ideal.step_of("Chat")
('Mortgage calculator / Advisor meeting', None)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import ArgumentError, SpecError
from journeymine.journeymap.spec import (
    MAX_SPEC_BYTES,
    _check_keys,
    _compose,
    _is_text,
    _line,
    _plain,
    _plain_python,
    _read_spec_file,
    _where,
    did_you_mean,
    is_pattern,
)

if TYPE_CHECKING:
    from journeymine.heuristics.reverse import IdealModel

__all__ = ["STEP_KEYS", "TOP_KEYS", "IdealJourney", "IdealStep", "load_ideal", "matches"]

#: the keys of an ideal journey
TOP_KEYS = ("journey", "description", "outcome", "steps")
#: the keys of a step written as a mapping
STEP_KEYS = ("step", "any", "optional", "channel", "label")

_PLACE = "ideal journey"  # where, in messages about YAML text that came from no file


def matches(activity: str, name: str) -> bool:
    """Whether ``activity`` is ``name`` or matches it as a glob pattern, ignoring case.

    Examples
    --------
    >>> matches("Call [missed]", "call [missed]"), matches("Customer service call", "*CALL")
    (True, True)
    >>> matches("Chat", "Call")
    False
    """
    a, n = activity.casefold(), name.casefold()
    return a == n or (is_pattern(name) and fnmatchcase(a, n))


@dataclass(frozen=True)
class IdealStep:
    """One step of the ideal journey.

    Parameters
    ----------
    names : str or tuple of str
        The activity name or glob pattern of the step, or its alternatives (any one of them
        does the step).
    optional : bool
        Whether the customer may skip it (an optional step left out is not ``missing``).
    channel : str, optional
        The channel the step should be done on (a step done on another one is a ``channel``
        deviation); ``None``: any channel.
    label : str, optional
        How the step is shown; by default its name, or the alternatives joined by ``" / "``.
    line : int, optional
        The spec line, for messages.

    Examples
    --------
    >>> step = IdealStep(("Mortgage calculator", "Advisor*"), optional=True)
    >>> step.label, step.matches("Advisor meeting"), step.matches("Chat")
    ('Mortgage calculator / Advisor*', True, False)
    """

    names: tuple[str, ...]
    optional: bool = False
    channel: str | None = None
    label: str = ""
    line: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        names: Any = self.names
        if isinstance(names, str):
            names = (names,)
        if isinstance(names, Mapping) or not isinstance(names, Iterable):
            names = (names,)
        names = tuple(names)
        if not names or not all(_is_text(n) for n in names):
            raise SpecError(
                f"IdealStep: names must be an activity name, a glob pattern or a list of them, not "
                f"{self.names!r}; pass names='Upload documents'"
            )
        object.__setattr__(self, "names", tuple(str(n) for n in names))
        if not isinstance(self.optional, bool):
            raise SpecError(
                f"IdealStep {self.names[0]!r}: optional must be true or false, not {self.optional!r}; "
                "pass optional=True"
            )
        if self.channel is not None:
            if not _is_text(self.channel):
                raise SpecError(
                    f"IdealStep {self.names[0]!r}: channel must be a text, not {self.channel!r}; "
                    "pass channel='app'"
                )
            object.__setattr__(self, "channel", str(self.channel))
        label: Any = self.label
        if label is None or label == "":
            label = " / ".join(self.names)
        if not _is_text(label):
            raise SpecError(
                f"IdealStep {self.names[0]!r}: label must be a non-empty text, not {self.label!r}; "
                "pass label='Offer'"
            )
        object.__setattr__(self, "label", str(label))

    def matches(self, activity: str) -> bool:
        """Whether ``activity`` does this step (one of its names, or matches one of its patterns)."""
        return any(matches(activity, n) for n in self.names)

    def to_dict(self) -> str | dict[str, Any]:
        """The YAML form: the bare name when that says it all, else a mapping."""
        default_label = self.label == " / ".join(self.names)
        if len(self.names) == 1 and not self.optional and self.channel is None and default_label:
            return self.names[0]
        out: dict[str, Any] = {"step": self.names[0]} if len(self.names) == 1 else {"any": list(self.names)}
        if self.optional:
            out["optional"] = True
        if self.channel is not None:
            out["channel"] = self.channel
        if not default_label:
            out["label"] = self.label
        return out


@dataclass(frozen=True)
class IdealJourney:
    """The ideal future-state journey: see the module docs for the YAML form.

    Parameters
    ----------
    journey : str
        The journey's name.
    outcome : str or tuple of str, optional
        The activity names or glob patterns that complete the journey; by default the names of
        the last required step.
    steps : tuple of IdealStep (or str)
        In order; at least one required; a name or pattern listed once.
    description : str, optional
    source : str, optional
        Where it came from (a file name), for messages.
    lines : mapping, optional
        Spec lines of the top-level keys, for messages.

    Examples
    --------
    >>> ideal = IdealJourney("Onboarding", None, ["Sign up", IdealStep("Tour", optional=True), "Confirm"])
    >>> ideal.outcome, [s.label for s in ideal.required]
    (('Confirm',), ['Sign up', 'Confirm'])
    """

    journey: str
    outcome: tuple[str, ...]
    steps: tuple[IdealStep, ...]
    description: str | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.source or _PLACE
        if not _is_text(self.journey):
            raise SpecError(
                _where(
                    where,
                    self.lines.get("journey"),
                    f"journey must be a non-empty text (its name), not {self.journey!r}; "
                    "pass journey='Mortgage'",
                )
            )
        object.__setattr__(self, "journey", str(self.journey))
        raw: Any = self.steps
        if isinstance(raw, (str, Mapping)) or not isinstance(raw, Iterable):
            raise SpecError(
                f"IdealJourney {self.journey!r}: steps must be a list of names or IdealSteps, not {raw!r}; "
                "pass steps=['Ad seen', 'Contract signed']"
            )
        steps = tuple(IdealStep((s,)) if isinstance(s, str) else s for s in raw)
        bad = next((s for s in steps if not isinstance(s, IdealStep)), None)
        if bad is not None:
            raise SpecError(
                f"IdealJourney {self.journey!r}: a step must be a name or an IdealStep, not {bad!r}; "
                "pass steps=['Ad seen', IdealStep('Chat', optional=True)]"
            )
        object.__setattr__(self, "steps", steps)
        if not steps:
            raise SpecError(
                _where(where, self.lines.get("steps"), "the ideal journey has no steps; list at least one")
            )
        self._check_steps()
        outcome: Any = self.outcome
        if outcome is None or (not isinstance(outcome, str) and not outcome):
            outcome = self.required[-1].names
        if isinstance(outcome, str):
            outcome = (outcome,)
        if isinstance(outcome, Mapping) or not isinstance(outcome, Iterable):
            outcome = (outcome,)
        outcome = tuple(outcome)
        if not all(_is_text(o) for o in outcome):
            raise SpecError(
                _where(
                    where,
                    self.lines.get("outcome"),
                    f"outcome must be an activity name or a list of them, not {self.outcome!r}; "
                    "pass outcome='Contract signed'",
                )
            )
        object.__setattr__(self, "outcome", tuple(str(o) for o in outcome))
        if self.description is not None and not isinstance(self.description, str):
            raise SpecError(_where(where, self.lines.get("description"), "description must be a text"))

    def _check_steps(self) -> None:
        seen: dict[str, IdealStep] = {}
        labels: dict[str, IdealStep] = {}
        for step in self.steps:
            for name in step.names:
                if name.casefold() in seen:
                    first = seen[name.casefold()]
                    at = f" (first at line {first.line})" if first.line else ""
                    what = "twice in one step" if first is step else f"in two steps{at}"
                    raise SpecError(
                        _where(
                            self.source or _PLACE,
                            step.line,
                            f"the step {name!r} is listed {what}; list a step once (a customer who "
                            "repeats it is what reverse thinking reports)",
                        )
                    )
                seen[name.casefold()] = step
            if step.label in labels:
                first = labels[step.label]
                raise SpecError(
                    _where(
                        self.source or _PLACE,
                        step.line,
                        f"two steps have the label {step.label!r}"
                        + (f" (the first at line {first.line})" if first.line else "")
                        + "; give each step its own label",
                    )
                )
            labels[step.label] = step
        if all(s.optional for s in self.steps):
            raise SpecError(
                _where(
                    self.source or _PLACE,
                    self.lines.get("steps"),
                    "every step is optional, so any journey would conform; make at least one required "
                    "(leave out 'optional: true')",
                )
            )

    # -- reading ----------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text_or_path: str | os.PathLike[str]) -> IdealJourney:
        """Read an ideal journey from YAML text or a ``.yaml``/``.yml`` file.

        Examples
        --------
        >>> IdealJourney.from_yaml("journey: J\\nsteps: [A, {step: B, optional: true}, C]").outcome
        ('C',)
        """
        source = None
        text = str(text_or_path)
        single_line = "\n" not in text
        if isinstance(text_or_path, os.PathLike) or (
            single_line and (text.endswith((".yaml", ".yml")) or _is_file(text))
        ):
            path = Path(text_or_path)
            source = str(path)
            text = _read_file(path)
        elif len(text) > MAX_SPEC_BYTES:
            raise SpecError(
                f"{_PLACE}: the text is {len(text):,} characters; an ideal journey is a few hundred and "
                f"at most {MAX_SPEC_BYTES:,} are read: is this the right text?"
            )
        node = _compose(text, source or _PLACE)
        if node is None:
            raise SpecError(_where(source or _PLACE, None, "the ideal journey is empty"))
        data = _plain(node, source or _PLACE)
        if not isinstance(data, Mapping) and single_line and isinstance(data, str):
            raise SpecError(
                f"{_PLACE}: {text!r} is neither a YAML mapping nor an existing file; pass the path of "
                "a .yaml file, or YAML text with 'journey' and 'steps'"
            )
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> IdealJourney:
        """Build an ideal journey from a mapping of the YAML form (lines known when it came from YAML).

        Examples
        --------
        >>> IdealJourney.from_dict({"journey": "J", "steps": ["A", {"any": ["B", "C"]}]}).steps[1].names
        ('B', 'C')
        """
        place = source or _PLACE
        if not isinstance(data, Mapping):
            raise SpecError(
                _where(
                    place,
                    _line(data),
                    f"the ideal journey must be a mapping with 'journey' and 'steps', not {data!r}",
                )
            )
        _check_keys(data, TOP_KEYS, "the ideal journey", place)
        lines = dict(getattr(data, "key_lines", {}))
        for key in ("journey", "steps"):
            if key not in data:
                raise SpecError(
                    _where(place, _line(data), f"the ideal journey has no {key!r}; add {key}: ...")
                )
        journey = data["journey"]
        if not _is_text(journey):
            raise SpecError(
                _where(
                    place,
                    _line(journey) or lines.get("journey"),
                    f"'journey' must be a non-empty text (the journey's name), not {journey!r}",
                )
            )
        raw = data["steps"]
        if not isinstance(raw, list) or not raw:
            raise SpecError(
                _where(
                    place,
                    _line(raw) or lines.get("steps"),
                    "'steps' must be a non-empty list of steps (names, or mappings with 'step' or 'any')",
                )
            )
        item_lines = list(getattr(raw, "item_lines", []))
        steps = [
            _step(s, place, _line(s) or (item_lines[i] if i < len(item_lines) else lines.get("steps")))
            for i, s in enumerate(raw)
        ]
        outcome = data.get("outcome")
        if outcome is not None and not (
            _is_text(outcome) or (isinstance(outcome, list) and outcome and all(_is_text(o) for o in outcome))
        ):
            raise SpecError(
                _where(
                    place,
                    _line(outcome) or lines.get("outcome"),
                    f"'outcome' must be an activity name or a list of them, not {outcome!r}",
                )
            )
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            raise SpecError(
                _where(
                    place,
                    lines.get("description"),
                    f"'description' must be a text, not {description!r}",
                )
            )
        return cls(
            journey=str(journey),
            outcome=tuple(str(o) for o in ([outcome] if isinstance(outcome, str) else outcome or ())),
            steps=tuple(steps),
            description=None if description is None else str(description),
            source=source,
            lines=lines,
        )

    def to_dict(self) -> dict[str, Any]:
        """The YAML form as plain Python (round-trips through :meth:`from_dict`).

        Examples
        --------
        >>> IdealJourney("J", None, ["A", IdealStep("B", optional=True)]).to_dict()
        {'journey': 'J', 'outcome': 'A', 'steps': ['A', {'step': 'B', 'optional': True}]}
        """
        out: dict[str, Any] = {"journey": self.journey}
        if self.description:
            out["description"] = self.description
        out["outcome"] = self.outcome[0] if len(self.outcome) == 1 else list(self.outcome)
        out["steps"] = [s.to_dict() for s in self.steps]
        return out

    def to_yaml(self) -> str:
        """The ideal journey as YAML text (read back by :meth:`from_yaml`)."""
        import yaml

        return str(yaml.safe_dump(_plain_python(self.to_dict()), sort_keys=False, allow_unicode=True))

    # -- looking up ------------------------------------------------------------------------

    @property
    def required(self) -> tuple[IdealStep, ...]:
        """The steps that are not optional, in order."""
        return tuple(s for s in self.steps if not s.optional)

    @property
    def labels(self) -> tuple[str, ...]:
        """The step labels, in order."""
        return tuple(s.label for s in self.steps)

    def position(self, activity: str) -> int | None:
        """The index of the step ``activity`` belongs to (see :meth:`step_of`), or ``None``."""
        low = activity.casefold()
        for i, step in enumerate(self.steps):
            if any(low == n.casefold() for n in step.names):
                return i
        for i, step in enumerate(self.steps):
            if step.matches(activity):
                return i
        return None

    def step_of(self, activity: str) -> IdealStep | None:
        """The step ``activity`` belongs to: the first that names it exactly, else the first
        with a matching pattern; ``None`` for a touchpoint the ideal journey does without.

        Examples
        --------
        >>> ideal = IdealJourney("J", None, [IdealStep("Call*", optional=True), "Call back"])
        >>> ideal.step_of("Call back").label, ideal.step_of("Call in").label, ideal.step_of("Chat")
        ('Call back', 'Call*', None)
        """
        i = self.position(activity)
        return None if i is None else self.steps[i]

    def is_outcome(self, activity: str) -> bool:
        """Whether ``activity`` completes the journey (matches :attr:`outcome`)."""
        return any(matches(activity, o) for o in self.outcome)

    def step(self, label: str) -> IdealStep:
        """The step with this label (or name); a :class:`~journeymine.errors.SpecError` with close
        matches otherwise."""
        for s in self.steps:
            if s.label == label or any(label.casefold() == n.casefold() for n in s.names):
                return s
        raise SpecError(
            f"the ideal journey {self.journey!r} has no step {label!r}{did_you_mean(label, self.labels)}; "
            f"its steps: {', '.join(self.labels)}"
        )


def load_ideal(
    source: IdealJourney | IdealModel | str | os.PathLike[str] | Mapping[str, Any] | tuple[Any, Any, Any],
) -> IdealJourney | IdealModel:
    """An ideal journey from a YAML file or text, a mapping, or an :class:`IdealJourney` (returned
    as is). A process model is accepted too, through :mod:`journeymine.interop` (which needs
    pm4py): a ``.bpmn`` file, a ``(net, initial_marking, final_marking)`` Petri net, or a model
    made there (returned as is); reverse thinking takes both kinds.

    Examples
    --------
    >>> import journeymine as jm
    >>> load_ideal(jm.datasets.DEMO_IDEAL_PATH).outcome
    ('Contract signed',)
    >>> load_ideal(42)
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: ideal must be an IdealJourney, a YAML file or text, ..., not int; ...
    """
    from journeymine.heuristics.reverse import IdealModel

    if isinstance(source, IdealJourney):
        return source
    if isinstance(source, IdealModel):
        return source
    if isinstance(source, Mapping):
        return IdealJourney.from_dict(source)
    if isinstance(source, tuple) and len(source) == 3 and not any(isinstance(x, str) for x in source):
        from journeymine.interop import ideal_from_petri_net

        return ideal_from_petri_net(*source)
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentError(
            "ideal must be an IdealJourney, a YAML file or text, a mapping, a .bpmn file or a "
            f"(net, initial_marking, final_marking) Petri net, not {type(source).__name__}; "
            "pass ideal='ideal_journey.yaml'"
        )
    if str(source).lower().endswith(".bpmn") and "\n" not in str(source):
        from journeymine.interop import read_bpmn

        return read_bpmn(source)
    return IdealJourney.from_yaml(source)


# -- the YAML form ------------------------------------------------------------------------------


def _is_file(text: str) -> bool:
    try:
        return bool(text) and len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):
        return False


def _read_file(path: Path) -> str:
    return _read_spec_file(path, "ideal journey", "a few hundred bytes")


def _name(value: Any, what: str, place: str, line: int | None) -> str:
    if not _is_text(value):
        hint = "" if isinstance(value, str) else ' (quote it if it is a name: "...")'
        raise SpecError(
            _where(
                place,
                _line(value) or line,
                f"{what} must be an activity name or pattern, not {value!r}{hint}",
            )
        )
    return str(value)


def _step(raw: Any, place: str, line: int | None) -> IdealStep:
    if isinstance(raw, str):
        return IdealStep(names=(_name(raw, "a step", place, line),), line=line)
    if not isinstance(raw, Mapping):
        raise SpecError(
            _where(
                place,
                line,
                f"a step must be a name or a mapping with 'step' or 'any', not {raw!r}; write "
                "- Upload documents, or - {step: Upload documents, optional: true}",
            )
        )
    _check_keys(raw, STEP_KEYS, "a step", place)
    lines = getattr(raw, "key_lines", {})
    if ("step" in raw) == ("any" in raw):
        raise SpecError(
            _where(
                place,
                line,
                "a step needs exactly one of 'step' (a name) and 'any' (a list of alternatives), not "
                + ("both" if "step" in raw else "neither"),
            )
        )
    if "step" in raw:
        value = raw["step"]
        if isinstance(value, list):
            raise SpecError(
                _where(
                    place,
                    lines.get("step", line),
                    "'step' takes one name; for alternatives write any: [A, B]",
                )
            )
        names: tuple[str, ...] = (_name(value, "'step'", place, lines.get("step", line)),)
    else:
        value = raw["any"]
        at = lines.get("any", line)
        if not isinstance(value, list) or not value:
            raise SpecError(
                _where(place, _line(value) or at, f"'any' must be a non-empty list of names, not {value!r}")
            )
        names = tuple(_name(v, "an alternative of 'any'", place, at) for v in value)
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise SpecError(
            _where(
                place,
                lines.get("optional", line),
                f"'optional' of the step {names[0]!r} must be true or false, not {optional!r}",
            )
        )
    channel = raw.get("channel")
    if channel is not None and not _is_text(channel):
        raise SpecError(
            _where(
                place,
                lines.get("channel", line),
                f"'channel' of the step {names[0]!r} must be a channel name, not {channel!r}",
            )
        )
    label = raw.get("label")
    if label is not None and not _is_text(label):
        raise SpecError(
            _where(
                place,
                lines.get("label", line),
                f"'label' of the step {names[0]!r} must be a non-empty text, not {label!r}",
            )
        )
    return IdealStep(
        names=names,
        optional=optional,
        channel=None if channel is None else str(channel),
        label="" if label is None else str(label),
        line=line,
    )
