"""pm4py interop (``journeymine.interop``): a Petri net or BPMN model of the demo's ideal journey
gives the same deviations as the YAML ideal on the demo data; the alignment-to-deviation mapping
on hand-made traces; one alignment per variant; logs to and from pm4py; a clear message without
pm4py. Skipped where pm4py is not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

import journeymine as jm
from journeymine.heuristics import JourneyData, load_ideal, reverse_thinking

pm4py = pytest.importorskip("pm4py")

from pm4py.objects.process_tree.utils.generic import parse  # noqa: E402

from journeymine import interop  # noqa: E402


def _tree(ideal):
    """The ideal journey as a process tree: a sequence, each optional step a choice with tau."""
    parts = []
    for step in ideal.steps:
        (name,) = step.names
        parts.append(f"X('{name}', tau)" if step.optional else f"'{name}'")
    return parse("->(" + ", ".join(parts) + ")")


@pytest.fixture(scope="module")
def demo_data(demo_log):
    return JourneyData.from_log(demo_log, by="segment", outcome="Contract signed", seed=1)


@pytest.fixture(scope="module")
def yaml_result(demo_data):
    return reverse_thinking(demo_data, jm.datasets.load_demo_ideal())


@pytest.fixture(scope="module")
def net_ideal():
    net, im, fm = pm4py.convert_to_petri_net(_tree(jm.datasets.load_demo_ideal()))
    return interop.ideal_from_petri_net(net, im, fm, journey="Mortgage")


def _counts(rt):
    return {(d.kind, d.touchpoint): d.cases for d in rt.deviations}


def test_a_petri_net_of_the_demo_ideal_gives_the_yaml_ideals_deviations(demo_data, yaml_result, net_ideal):
    assert net_ideal.outcome == ("Mortgage paid out", "Survey answered")  # the net's own ends
    rt = reverse_thinking(demo_data, net_ideal)  # completion follows the data's outcome
    assert rt.outcome == ("Contract signed",)
    assert _counts(rt) == _counts(yaml_result)
    assert rt.conforming_cases == yaml_result.conforming_cases
    assert [(r.touchpoint, r.cases, r.events) for r in rt.remove] == [
        (r.touchpoint, r.cases, r.events) for r in yaml_result.remove
    ]
    assert [(r.touchpoint, r.cases) for r in rt.redesign] == [
        (r.touchpoint, r.cases) for r in yaml_result.redesign
    ]
    assert [(r.touchpoint, r.cases) for r in rt.missing] == [
        (r.touchpoint, r.cases) for r in yaml_result.missing
    ]
    assert [s.conforming_cases for s in rt.segments] == [s.conforming_cases for s in yaml_result.segments]
    assert any("not available from a process model" in n for n in rt.notes)


def test_a_bpmn_file_reads_as_the_same_ideal(tmp_path, demo_data, yaml_result):
    path = tmp_path / "mortgage.bpmn"
    pm4py.write_bpmn(pm4py.convert_to_bpmn(_tree(jm.datasets.load_demo_ideal())), str(path))
    ideal = load_ideal(path)
    assert isinstance(ideal, interop.ModelIdeal) and ideal.journey == "mortgage" and ideal.source == str(path)
    assert set(ideal.labels) == {s.names[0] for s in jm.datasets.load_demo_ideal().steps}
    rt = reverse_thinking(demo_data, ideal)
    assert _counts(rt) == _counts(yaml_result)
    net, im, fm = pm4py.convert_to_petri_net(_tree(jm.datasets.load_demo_ideal()))
    assert isinstance(load_ideal((net, im, fm)), interop.ModelIdeal)


@pytest.mark.parametrize(
    ("trace", "completed", "expected"),
    [
        (("A", "B", "C", "D"), True, ()),
        (("A", "X", "B", "C", "D"), True, (("extra", "X"),)),
        (("A", "B", "B", "C", "D"), True, (("repeated", "B"),)),
        (("A", "C", "D"), True, (("missing", "B"),)),
        (("A", "C", "B", "D"), True, (("out_of_order", "B"),)),
        (("A", "B"), False, ()),  # left after B: C and D are not missing
        (("A", "C"), False, (("missing", "B"),)),  # B comes before C, which was reached
        (("a", "b", "c", "d"), True, ()),  # case is ignored
    ],
)
def test_alignment_moves_map_onto_the_kinds(trace, completed, expected):
    net, im, fm = pm4py.convert_to_petri_net(parse("->('A', 'B', 'C', 'D')"))
    ideal = interop.ideal_from_petri_net(net, im, fm)
    (found,) = ideal.deviations([trace], [completed])
    if expected and expected[0][0] == "out_of_order":
        assert {k for k, _ in found} == {"out_of_order"}  # which of the swapped pair: the alignment's choice
    else:
        assert found == expected


def test_alignments_run_once_per_distinct_variant(demo_data, monkeypatch):
    net, im, fm = pm4py.convert_to_petri_net(_tree(jm.datasets.load_demo_ideal()))
    ideal = interop.ideal_from_petri_net(net, im, fm)
    calls = []
    original = interop.ModelIdeal.alignments

    def counting(self, variants):
        calls.append(len(variants))
        return original(self, variants)

    monkeypatch.setattr(interop.ModelIdeal, "alignments", counting)
    reverse_thinking(demo_data, ideal)
    assert calls == [len(set(demo_data.sequences))]
    assert len(demo_data.paths) > len(set(demo_data.sequences))  # paths differ by segment and channel


def test_logs_go_to_pm4py_and_back(demo_log):
    frame = interop.to_pm4py(demo_log)
    assert list(frame.columns) == ["case:concept:name", "concept:name", "time:timestamp", "channel"]
    variants = pm4py.get_variants(frame)
    assert sum(variants.values()) == demo_log.n_cases
    back = interop.from_pm4py(frame, channel="channel")
    assert (back.n_cases, back.n_events) == (demo_log.n_cases, demo_log.n_events)
    a = jm.discover_variants(demo_log).to_frame()
    b = jm.discover_variants(back).to_frame()
    assert a["cases"].tolist() == b["cases"].tolist()


def test_bad_models_are_argument_errors(tmp_path):
    with pytest.raises(jm.ArgumentError, match="must be a pm4py PetriNet"):
        interop.ideal_from_petri_net("net", None, None)
    net, _, fm = pm4py.convert_to_petri_net(parse("->('A', 'B')"))
    with pytest.raises(jm.ArgumentError, match="initial_marking must be a pm4py Marking"):
        interop.ideal_from_petri_net(net, {}, fm)
    with pytest.raises(jm.ArgumentError, match="no BPMN file"):
        interop.read_bpmn(tmp_path / "missing.bpmn")
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<not-bpmn>", encoding="utf-8")
    with pytest.raises(jm.ArgumentError, match="not a BPMN model pm4py can read"):
        interop.read_bpmn(broken)
    with pytest.raises(jm.ArgumentError, match="takes a pm4py BPMN model"):
        interop.ideal_from_bpmn(net)


def test_importing_interop_loads_no_pm4py_and_a_missing_pm4py_is_named():
    code = (
        "import sys, journeymine, journeymine.interop, journeymine.heuristics.reverse\n"
        "assert 'pm4py' not in sys.modules, 'pm4py imported'\n"
        "sys.modules['pm4py'] = None\n"
        "from journeymine import interop\n"
        "try:\n"
        "    interop.read_bpmn('ideal.bpmn')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'journeymine[pm4py]'" in out and "optional extra" in out
