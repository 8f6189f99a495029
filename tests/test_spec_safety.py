"""A journey map spec is untrusted input: read with a safe loader and within bounds, so that an alias
bomb, a deeply nested or a huge document is refused at once with a SpecError naming the file and
line, and nothing in it is ever run. The timeouts only guard against a hang (the check is the
error); each case is refused in well under a second."""

from __future__ import annotations

import inspect
import json

import pytest
import yaml

import journeymine as jm
from journeymine.errors import SpecError
from journeymine.journeymap import spec as spec_module
from journeymine.journeymap.spec import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_SPEC_BYTES,
    MAX_VALUES,
    JourneyMap,
    Stage,
    Target,
    Touchpoint,
)

# the classic "billion laughs": nine levels of nine aliases, 9**9 (387 million) texts expanded; line 6
# (59,049 texts: 66,430 values in all) is the first to hold more than MAX_VALUES
BILLION_LAUGHS = """\
journey: Laughs
lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
stages:
  - name: Laugh
    touchpoints: *i
"""

DEEP = "journey: Deep\nstages: " + "[" * 100_000 + "]" * 100_000 + "\n"

SAFE = (
    "refused as unsafe: a journey map needs 8 (the spec, its stages, a stage, its touchpoints, a "
    "touchpoint, its target, max_hours_to, a value); write it as docs/journey-map.md shows"
)


def _write(tmp_path, text: str, name: str = "map.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(source) -> str:
    with pytest.raises(SpecError) as info:
        JourneyMap.from_yaml(source)
    return str(info.value)


@pytest.mark.timeout(10)
def test_an_alias_bomb_is_refused_at_once_naming_the_file_and_line(tmp_path):
    path = _write(tmp_path, BILLION_LAUGHS)
    message = _refused(path)
    assert message == (
        f"{path}, line 6: the value here holds more than {MAX_VALUES:,} values once its aliases are "
        "expanded (a YAML alias bomb?); refused as unsafe: a journey map holds a few hundred, write it "
        "out without aliases of aliases"
    )
    # the same through load_map and journey_map
    with pytest.raises(SpecError, match=r"line 6: the value here holds more than"):
        jm.load_map(path)


@pytest.mark.timeout(10)
def test_deep_nesting_is_refused_at_once(tmp_path):
    path = _write(tmp_path, DEEP)
    message = _refused(path)
    assert message == f"{path}, line 2: the spec nests deeper than {MAX_DEPTH} levels; {SAFE}"
    block = "journey: Deep\nstages:\n" + "".join("  " * i + "- \n" for i in range(1, 60))
    message = _refused(_write(tmp_path, block, "block.yaml"))
    assert f"line {MAX_DEPTH + 2}: the spec nests deeper than {MAX_DEPTH} levels; refused" in message


@pytest.mark.timeout(10)
def test_nesting_through_aliases_counts_too():
    # each level is shallow, but every alias stacks the level below under it
    lines = ["journey: Deep", "l0: &l0 [x]"]
    lines += [f"l{i}: &l{i} [[[[[*l{i - 1}]]]]]" for i in range(1, 10)]
    lines += ["stages: *l9"]
    message = _refused("\n".join(lines) + "\n")
    assert message.startswith(
        f"journey map, line 9: the spec nests deeper than {MAX_DEPTH} levels through its aliases; refused"
    )


def test_an_alias_that_contains_itself_is_refused():
    message = _refused("journey: J\nstages: &s [*s]\n")
    assert message == (
        "journey map, line 2: the alias *s refers to a value that contains it; refused: a journey map "
        "cannot repeat itself forever"
    )


def test_too_many_aliases_are_refused():
    text = "journey: J\nname: &n Ad seen\nstages:\n  - name: S\n    touchpoints: ["
    text += ", ".join(["*n"] * (MAX_ALIASES + 1)) + "]\n"
    message = _refused(text)
    assert message == (
        f"journey map, line 5: more than {MAX_ALIASES:,} aliases (*n); refused as unsafe: write the values out"
    )


@pytest.mark.timeout(10)
def test_too_many_values_and_too_large_a_file_are_refused(tmp_path):
    many = "journey: J\nstages:\n  - name: S\n    touchpoints: [" + ", ".join(["A"] * MAX_VALUES) + "]\n"
    message = _refused(many)
    assert message == (
        f"journey map, line 4: the spec holds more than {MAX_VALUES:,} values; a journey map holds a few "
        "hundred: is this the right file?"
    )
    path = _write(tmp_path, "journey: J\n" + "#" * MAX_SPEC_BYTES + "\n")
    message = _refused(path)
    assert message == (
        f"{path}: the file is {MAX_SPEC_BYTES + 12:,} bytes; a journey map is a few kilobytes and at most "
        f"{MAX_SPEC_BYTES:,} bytes are read: is this the right file?"
    )
    message = _refused("journey: J\n" + "#" * MAX_SPEC_BYTES)
    assert message.startswith(f"journey map: the spec text is {MAX_SPEC_BYTES + 11:,} characters;")


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    for text, tag in [
        (
            f"journey: !!python/object/apply:os.system ['touch {marker}']\nstages: []\n",
            "!!python/object/apply:os.system",
        ),
        (
            f"journey: J\nstages: !!python/object/apply:os.system ['touch {marker}']\n",
            "!!python/object/apply:os.system",
        ),
        ("journey: !!python/name:os.system J\nstages: []\n", "!!python/name:os.system"),
        ("journey: J\nstages: !!set {a, b}\n", "!!set"),
    ]:
        message = _refused(text)
        line = 1 if text.startswith("journey: !!") else 2
        assert message == (
            f"journey map, line {line}: the YAML tag {tag!r} is not allowed; a journey map holds only "
            "text, numbers, lists and mappings: remove the tag"
        )
    assert not marker.exists()


def test_the_reader_is_a_safe_loader_and_never_a_full_one():
    assert issubclass(spec_module._BoundedLoader, yaml.SafeLoader)
    source = inspect.getsource(spec_module)
    for unsafe in ("yaml.load(", "yaml.full_load", "yaml.unsafe_load", "FullLoader", "UnsafeLoader"):
        assert unsafe not in source


def test_the_demo_map_is_well_within_the_bounds():
    text = jm.datasets.DEMO_MAP_PATH.read_text(encoding="utf-8")
    loader = spec_module._BoundedLoader(text)
    node = loader.get_single_node()
    values, depth = loader._measured[id(node)]
    assert (values, depth) == (104, 8)
    assert len(text.encode()) < MAX_SPEC_BYTES / 100 and values < MAX_VALUES / 50 and depth < MAX_DEPTH


def test_ordinary_anchors_and_aliases_still_work():
    spec = JourneyMap.from_yaml(
        """\
journey: J
stages:
  - name: Apply
    touchpoints:
      - name: Upload
        target: &first_time {max_repeats: 0}
      - name: Sign
        target: *first_time
"""
    )
    assert spec.touchpoint("Sign").target == spec.touchpoint("Upload").target == Target(max_repeats=0)


def test_a_file_that_is_not_utf8_or_not_a_file_is_an_error(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("journey: J\nstages:\n  - name: Caf\u00e9\n".encode("latin-1"))
    message = _refused(path)
    assert message == f"{path}, line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    folder = tmp_path / "maps.yaml"
    folder.mkdir()
    message = _refused(folder)
    assert message == f"{folder} is not a file; pass the path of a journey map (.yaml)"


@pytest.mark.timeout(60)
def test_the_cli_refuses_an_alias_bomb_with_exit_2(tmp_path, capsys):
    from journeymine.cli import main

    data = jm.datasets.write_demo(tmp_path)
    path = _write(tmp_path, BILLION_LAUGHS)
    flags = [f"--{k}={v}" for k, v in jm.datasets.DEMO_COLUMNS.items()]
    assert main(["journey", str(data), *flags, "--map", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}, line 6: the value here holds more than {MAX_VALUES:,} values" in err
    assert "Traceback" not in err


# -- specs built in Python are checked too ----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Target(max_repeats=-1),
            "Target: max_repeats must be a whole number >= 0, not -1; pass max_repeats=1",
        ),
        (
            lambda: Target(max_repeats=True),
            "Target: max_repeats must be a whole number >= 0, not True; pass max_repeats=1",
        ),
        (
            lambda: Target(max_hours_to=("Signed",)),
            "Target: max_hours_to must be (touchpoint, hours) with hours > 0, not ('Signed',); "
            "pass max_hours_to=('Contract signed', 120)",
        ),
        (
            lambda: Target(max_hours_to_next=0),
            "Target: max_hours_to_next must be a positive number of hours, not 0; pass max_hours_to_next=24",
        ),
        (
            lambda: Target(required_outcome=""),
            "Target: required_outcome must be a touchpoint or activity name, not ''; "
            "pass required_outcome='Contract signed'",
        ),
        (
            lambda: Touchpoint(5),
            "Touchpoint: name must be a non-empty text, not 5; pass name='Offer'",
        ),
        (
            lambda: Touchpoint("Calls", activity=["Call*", 3]),
            "Touchpoint 'Calls': activity must be a name, a pattern or a list of them, not ['Call*', 3]; "
            "pass activity='Customer service*'",
        ),
        (
            lambda: Touchpoint("Calls", target={"max_repeats": 1}),
            "Touchpoint 'Calls': target must be a Target, not dict; pass target=Target(max_repeats=1)",
        ),
        (
            lambda: Stage("Orientation", "Ad seen"),
            "Stage 'Orientation': touchpoints must be a list of names or Touchpoints, not 'Ad seen'; "
            "pass touchpoints=['Ad seen', 'Website visit']",
        ),
        (
            lambda: JourneyMap("J", ["Orientation"]),
            "JourneyMap 'J': stages must be a list of Stage, not 'Orientation'; "
            "pass stages=[Stage('Orientation', ['Ad seen'])]",
        ),
        (
            lambda: JourneyMap("J", [Stage("S", ["A"])], sentiment=3),
            "JourneyMap 'J': sentiment must be a column name, not 3; pass sentiment='sentiment'",
        ),
    ],
)
def test_a_spec_built_in_python_with_wrong_types_is_a_spec_error(build, message):
    with pytest.raises(SpecError) as info:
        build()
    assert str(info.value) == message


def test_a_spec_from_yaml_pickles_and_keeps_its_json_form():
    import pickle

    spec = jm.datasets.load_demo_map()
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(spec.to_dict(), sort_keys=True)
