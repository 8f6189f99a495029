"""The ideal journey (``journeymine.heuristics.ideal``): the YAML form, every mistake as a SpecError
with its file and line (and a close match), safety against hostile YAML, and the round trip."""

from __future__ import annotations

import time

import pytest

import journeymine as jm
from journeymine.errors import ArgumentError, SpecError
from journeymine.heuristics import IdealJourney, IdealStep, load_ideal
from journeymine.journeymap.spec import MAX_DEPTH, MAX_SPEC_BYTES, MAX_VALUES

EXAMPLE = """\
journey: Mortgage
outcome: Contract signed
steps:
  - Ad seen
  - {step: Comparison site visit, optional: true}
  - {any: [Mortgage calculator, Advisor meeting]}
  - {step: Upload documents, channel: app}
  - {step: "Offer*", label: Offer}
  - Contract signed
"""


def test_the_documented_example_reads_as_written():
    ideal = IdealJourney.from_yaml(EXAMPLE)
    assert ideal.journey == "Mortgage"
    assert ideal.outcome == ("Contract signed",)
    assert [s.names for s in ideal.steps] == [
        ("Ad seen",),
        ("Comparison site visit",),
        ("Mortgage calculator", "Advisor meeting"),
        ("Upload documents",),
        ("Offer*",),
        ("Contract signed",),
    ]
    assert [s.optional for s in ideal.steps] == [False, True, False, False, False, False]
    assert [s.channel for s in ideal.steps] == [None, None, None, "app", None, None]
    assert ideal.labels == (
        "Ad seen",
        "Comparison site visit",
        "Mortgage calculator / Advisor meeting",
        "Upload documents",
        "Offer",
        "Contract signed",
    )
    assert [s.line for s in ideal.steps] == [4, 5, 6, 7, 8, 9]
    assert len(ideal.required) == 5


def test_step_of_takes_an_exact_name_first_then_a_pattern_ignoring_case():
    ideal = IdealJourney.from_yaml(EXAMPLE)
    assert ideal.step_of("Advisor meeting").label == "Mortgage calculator / Advisor meeting"
    assert ideal.step_of("offer SENT").label == "Offer"  # the pattern, case ignored
    assert ideal.step_of("upload documents").label == "Upload documents"
    assert ideal.step_of("Chat") is None
    shadow = IdealJourney("J", None, [IdealStep(("Call*",), optional=True), "Call back"])
    assert shadow.step_of("Call back").label == "Call back"  # exact beats an earlier pattern
    assert shadow.step_of("Call in").label == "Call*"
    assert shadow.position("Call back") == 1
    literal = IdealJourney("J", None, ["Call [missed]"])
    assert literal.step_of("Call [missed]") is not None  # an exact name with [ ] matches itself


def test_the_outcome_defaults_to_the_last_required_step():
    ideal = IdealJourney.from_yaml("journey: J\nsteps: [A, {any: [B, C]}, {step: D, optional: true}]")
    assert ideal.outcome == ("B", "C")
    assert ideal.is_outcome("c") and not ideal.is_outcome("D")


@pytest.mark.parametrize(
    "ideal",
    [
        IdealJourney.from_yaml(EXAMPLE),
        jm.datasets.load_demo_ideal(),
        IdealJourney(
            "J", ("X", "Y*"), ["A", IdealStep(("B", "C"), optional=True, channel="web", label="B or C")]
        ),
    ],
    ids=["example", "demo", "built"],
)
def test_round_trip_through_dict_and_yaml(ideal):
    assert IdealJourney.from_dict(ideal.to_dict()) == ideal
    again = IdealJourney.from_yaml(ideal.to_yaml())
    assert again == ideal
    assert again.to_yaml() == ideal.to_yaml()


def test_the_demo_ideal_and_load_ideal_accept_every_form(tmp_path):
    demo = jm.datasets.load_demo_ideal()
    assert demo.outcome == ("Contract signed",)
    assert "Documents incomplete" not in {n for s in demo.steps for n in s.names}
    path = tmp_path / "ideal.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    expected = IdealJourney.from_yaml(EXAMPLE)
    assert load_ideal(path) == expected
    assert load_ideal(str(path)) == expected
    assert load_ideal(EXAMPLE) == expected
    assert load_ideal(expected.to_dict()) == expected
    assert load_ideal(expected) is expected
    assert load_ideal(jm.datasets.DEMO_IDEAL_PATH) == demo
    assert load_ideal(path).source == str(path)
    with pytest.raises(ArgumentError, match="ideal must be an IdealJourney, a YAML file or text"):
        load_ideal(3.5)  # type: ignore[arg-type]


# -- mistakes, each with its line ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("journey: J\nstep: [A]\n", "line 2: unknown key 'step' in the ideal journey; did you mean 'steps'?"),
        (
            "journey: J\nsteps:\n  - {step: A, optinal: true}\n",
            "line 3: unknown key 'optinal' in a step; did you mean 'optional'?",
        ),
        (
            "journey: J\nsteps:\n  - A\n  - {step: B, optional: maybe}\n",
            "line 4: 'optional' of the step 'B' must be true or false, not 'maybe'",
        ),
        (
            "journey: J\nsteps:\n  - {step: A, channel: [web, app]}\n",
            "line 3: 'channel' of the step 'A' must be a channel name",
        ),
        (
            "journey: J\nsteps:\n  - {step: A, label: ''}\n",
            "line 3: 'label' of the step 'A' must be a non-empty text",
        ),
        (
            "journey: J\nsteps:\n  - A\n  - {step: B, any: [C]}\n",
            "line 4: a step needs exactly one of 'step' (a name) and 'any' (a list of alternatives), not both",
        ),
        (
            "journey: J\nsteps:\n  - {optional: true}\n",
            "line 3: a step needs exactly one of 'step' (a name) and 'any' (a list of alternatives), not neither",
        ),
        ("journey: J\nsteps:\n  - {any: []}\n", "line 3: 'any' must be a non-empty list of names"),
        ("journey: J\nsteps:\n  - {any: A}\n", "line 3: 'any' must be a non-empty list of names, not 'A'"),
        (
            "journey: J\nsteps:\n  - {step: [A, B]}\n",
            "line 3: 'step' takes one name; for alternatives write any: [A, B]",
        ),
        (
            "journey: J\nsteps:\n  - 42\n",
            "line 3: a step must be a name or a mapping with 'step' or 'any', not 42",
        ),
        (
            "journey: J\nsteps:\n  - {step: 42}\n",
            "line 3: 'step' must be an activity name or pattern, not 42 (quote it",
        ),
        (
            "journey: J\nsteps:\n  - [A, B]\n",
            "line 3: a step must be a name or a mapping with 'step' or 'any'",
        ),
        ("journey: J\nsteps: []\n", "line 2: 'steps' must be a non-empty list of steps"),
        ("journey: J\nsteps: A\n", "line 2: 'steps' must be a non-empty list of steps"),
        ("journey: J\n", "line 1: the ideal journey has no 'steps'; add steps: ..."),
        ("steps: [A]\n", "line 1: the ideal journey has no 'journey'"),
        ("journey: ''\nsteps: [A]\n", "line 1: 'journey' must be a non-empty text"),
        (
            "journey: J\nsteps:\n  - A\n  - B\n  - a\n",
            "line 5: the step 'a' is listed in two steps (first at line 3); list a step once",
        ),
        ("journey: J\nsteps:\n  - {any: [A, A]}\n", "line 3: the step 'A' is listed twice in one step"),
        (
            "journey: J\nsteps:\n  - {step: A, label: X}\n  - {step: B, label: X}\n",
            "line 4: two steps have the label 'X' (the first at line 3)",
        ),
        (
            "journey: J\nsteps:\n  - {step: A, optional: true}\n",
            "line 2: every step is optional, so any journey would conform",
        ),
        (
            "journey: J\noutcome: {a: 1}\nsteps: [A]\n",
            "line 2: 'outcome' must be an activity name or a list of them",
        ),
        ("journey: J\ndescription: [x]\nsteps: [A]\n", "line 2: 'description' must be a text"),
        ("- journey\n", "line 1: the ideal journey must be a mapping with 'journey' and 'steps'"),
        ("journey: J\nsteps: [A\n", "not valid YAML"),
        ("journey: J\njourney: K\nsteps: [A]\n", "line 2: the key 'journey' appears twice"),
        (
            "journey: !!python/object:os.system J\nsteps: [A]\n",
            "line 1: the YAML tag '!!python/object:os.system' is not allowed",
        ),
    ],
)
def test_each_mistake_is_a_spec_error_with_its_line(text, message):
    with pytest.raises(SpecError) as info:
        IdealJourney.from_yaml(text)
    assert str(info.value).startswith("ideal journey, "), str(info.value)
    assert message in str(info.value)


def test_a_file_is_named_in_the_message(tmp_path):
    path = tmp_path / "ideal.yaml"
    path.write_text("journey: J\nsteps:\n  - {stepp: A}\n", encoding="utf-8")
    with pytest.raises(
        SpecError, match=r"ideal\.yaml, line 3: unknown key 'stepp' in a step; did you mean 'step'\?"
    ):
        load_ideal(path)
    with pytest.raises(
        SpecError, match="no ideal journey file .*missing.yaml; pass the path of a .yaml file"
    ):
        load_ideal(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="is not a file"):
        load_ideal(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("journey: J\nsteps: [Caf\xe9]\n".encode("latin-1"))
    with pytest.raises(SpecError, match=r"latin1\.yaml, line 2: not UTF-8 text \(byte 0xe9\)"):
        load_ideal(bad)
    with pytest.raises(SpecError, match="neither a YAML mapping nor an existing file"):
        load_ideal("ideal-journey.txt")


def test_python_objects_are_checked_too():
    with pytest.raises(SpecError, match="names must be an activity name, a glob pattern or a list of them"):
        IdealStep(())
    with pytest.raises(SpecError, match="optional must be true or false"):
        IdealStep(("A",), optional="yes")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="channel must be a text"):
        IdealStep(("A",), channel=3)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="a step must be a name or an IdealStep, not 3"):
        IdealJourney("J", None, ["A", 3])  # type: ignore[list-item]
    with pytest.raises(SpecError, match="the ideal journey has no steps"):
        IdealJourney("J", None, [])
    with pytest.raises(SpecError, match="journey must be a non-empty text"):
        IdealJourney("", None, ["A"])
    with pytest.raises(SpecError, match="the step 'a' is listed in two steps"):
        IdealJourney("J", None, ["A", "a"])
    with pytest.raises(SpecError, match="has no step 'Upload'"):
        IdealJourney("J", None, ["Upload documents"]).step("Upload")


def test_a_frozen_ideal_cannot_change():
    ideal = IdealJourney.from_yaml(EXAMPLE)
    with pytest.raises(AttributeError):
        ideal.journey = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        ideal.steps[0].optional = True  # type: ignore[misc]


# -- safety -------------------------------------------------------------------------------------

BILLION_LAUGHS = """\
journey: Laughs
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
steps: *g
"""


def _refused_fast(source) -> str:
    started = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_ideal(source)
    assert time.perf_counter() - started < 2.0
    return str(info.value)


@pytest.mark.timeout(30)
def test_an_alias_bomb_is_refused_at_once_with_its_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    message = _refused_fast(path)
    assert message.startswith(f"{path}, line 6: the value here holds more than {MAX_VALUES:,} values")
    assert "alias bomb" in message


@pytest.mark.timeout(30)
def test_deep_nesting_is_refused_at_once():
    deep = "journey: Deep\nsteps: " + "[" * 100_000 + "]" * 100_000 + "\n"
    message = _refused_fast(deep)
    assert message.startswith("ideal journey, line 2: ")
    assert f"nests deeper than {MAX_DEPTH} levels" in message


@pytest.mark.timeout(30)
def test_a_huge_text_or_file_is_refused_before_it_is_parsed(tmp_path):
    text = "journey: J\nsteps:\n" + "  - A step name that goes on\n" * (MAX_SPEC_BYTES // 20)
    assert f"at most {MAX_SPEC_BYTES:,} are read" in _refused_fast(text)
    path = tmp_path / "huge.yaml"
    path.write_text(text, encoding="utf-8")
    assert f"at most {MAX_SPEC_BYTES:,} bytes are read" in _refused_fast(path)


def test_ordinary_anchors_still_work():
    ideal = IdealJourney.from_yaml("journey: J\nsteps:\n  - A\n  - &s Sign\noutcome: *s\n")
    assert ideal.outcome == ("Sign",)
    text = "journey: J\nsteps:\n  - &a Upload documents\n  - Check\n  - {step: Sign, label: *a}\n"
    with pytest.raises(SpecError, match="line 5: two steps have the label 'Upload documents'"):
        IdealJourney.from_yaml(text)  # the alias is read, and the duplicate label caught
