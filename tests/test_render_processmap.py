"""The process map (views/processmap.py) and the aggregates it reads (DFG.channels, DFG.rarest).

Snapshots live in tests/snapshots/processmap_*: written once (``JOURNEYMINE_UPDATE_SNAPSHOTS=1``),
then compared byte for byte. The SVG snapshot is compared only with the Graphviz version that wrote
it (its layout is Graphviz's); the DOT snapshot always.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from helpers import ROOT, shared_file
from journeymine.views import processmap as pm
from journeymine.views import render, renderer_for

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("JOURNEYMINE_UPDATE_SNAPSHOTS") == "1"
UNTRUSTED = [
    "<script>alert(1)</script>",
    'x"];evil[ <b>bold</b>',
    "back\\slash \\N \\G \\E \\L \\\\ end\\",
    "two\nlines\r\nthree",
    "ctl\x01\x1b &amp; &#60; tab\there",
]


def small_frame() -> pd.DataFrame:
    """Ten cases in two segments, with channels (one blank), times, and a single-event case."""
    rows = []

    def case(cid, tier, steps):
        t = pd.Timestamp("2025-01-01T09:00:00Z") + pd.Timedelta(hours=int(cid[1:]))
        for activity, channel, gap in steps:
            t += pd.Timedelta(minutes=gap)
            rows.append(
                {"case": cid, "activity": activity, "ts": t.isoformat(), "channel": channel, "tier": tier}
            )

    for i in range(1, 6):
        case(
            f"c{i}",
            "gold",
            [
                ("Apply", "web", 0),
                ("Review", "app" if i % 2 else "phone", 30 * i),
                ("Close", "branch", 60 * 24 * 2),
            ],
        )
    for i in (6, 7):
        case(f"c{i}", "gold", [("Apply", "web", 0), ("Close", "branch", 90)])
    case("c8", "silver", [("Apply", "web", 0), ("Review", "app", 45), ("Drop", "", 5)])
    case("c9", "silver", [("Apply", "app", 0), ("Review", "app", 20), ("Close", "branch", 600)])
    case("c10", "silver", [("Review", "phone", 0)])
    return pd.DataFrame(rows)


MAP = {"case": "case", "activity": "activity", "timestamp": "ts", "channel": "channel"}


@pytest.fixture(scope="module")
def small_log():
    return jm.read_events(small_frame(), **MAP)


@pytest.fixture(scope="module")
def small(small_log):
    return jm.discover_dfg(small_log)


@pytest.fixture(scope="module")
def tiers(small_log):
    return jm.discover_dfg(small_log, by="tier")


@pytest.fixture(scope="module")
def demo_dfg(demo_log):
    return jm.discover_dfg(demo_log, by="segment")


def drawn_edges(dot: str) -> list[tuple[str, str]]:
    """The activity-to-activity edges of a DOT text (no start/end arrows, no invisible ones)."""
    out = []
    for line in dot.splitlines():
        m = re.match(r"\s*(n\d+) -> (n\d+) \[", line)
        if m and "style=invis" not in line:
            out.append((m.group(1), m.group(2)))
    return out


def declared_nodes(dot: str) -> list[str]:
    return re.findall(r"^\s*(n\d+) \[label=", dot, flags=re.M)


def footnote(dot: str) -> str:
    m = re.search(r"^\tgraph \[.* label=<(.*?)> labeljust", dot, flags=re.M)
    assert m, dot[:400]
    return m.group(1)


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"snapshot {path} is missing: run with JOURNEYMINE_UPDATE_SNAPSHOTS=1 once")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    with open(path, encoding="utf-8", newline="") as f:
        assert text == f.read(), (
            f"{name} differs from its snapshot (JOURNEYMINE_UPDATE_SNAPSHOTS=1 rewrites it)"
        )


def dot_version() -> str:
    out = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=True)
    return re.search(r"version (\S+)", out.stderr + out.stdout).group(1)


# -- the aggregates ---------------------------------------------------------------------------


def test_channels_are_events_per_segment_activity_and_channel(small_log, tiers):
    got = tiers.channels
    assert list(got.columns) == ["segment", "activity", "channel", "events"]
    events = small_frame().assign(channel=lambda f: f["channel"].replace("", None))
    want = events.groupby(["tier", "activity", "channel"], dropna=False).size()
    assert {(s, a, None if pd.isna(c) else c): int(n) for (s, a, c), n in want.items()} == {
        (s, a, None if pd.isna(c) else c): int(n) for s, a, c, n in got.itertuples(index=False)
    }
    # per activity, channel events add up to the activity's events
    per = got.groupby(["segment", "activity"])["events"].sum()
    acts = tiers.activities.set_index(["segment", "activity"])["events"]
    assert per.sort_index().tolist() == acts.sort_index().tolist()
    assert got.loc[got["activity"] == "Drop", "channel"].isna().all()  # blank: no channel


def test_channels_are_empty_without_a_channel_column(small_log):
    log = jm.read_events(small_frame(), case="case", activity="activity", timestamp="ts")
    dfg = jm.discover_dfg(log, by="tier")
    assert dfg.channels.empty and list(dfg.channels.columns) == ["segment", "activity", "channel", "events"]
    assert jm.discover_variants(log).channels.empty
    assert "Main channel" not in render(dfg, "dot", segment="gold")


def test_variants_carry_the_same_channels_and_the_engine_is_asked_once(monkeypatch):
    log = jm.read_events(small_frame(), **MAP)
    calls = []
    verb = log.engine.activity_channels

    def counting(rel, *, by):
        calls.append(by)
        return verb(rel, by=by)

    monkeypatch.setattr(log.engine, "activity_channels", counting)
    dfg = jm.discover_dfg(log, by="tier")
    variants = jm.discover_variants(log, by="tier", top=1)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(dfg.channels, variants.channels)
    dfg.channels.loc[0, "events"] = -1  # each result has its own copy
    assert variants.channels.loc[0, "events"] != -1


def brute_force_rarest(events: pd.DataFrame, segment: str | None) -> dict:
    seqs = events.groupby("case", sort=False)["activity"].apply(list)
    segs = events.groupby("case", sort=False)[segment].first() if segment else None
    counts = collections.Counter()
    for case, seq in seqs.items():
        s = segs[case] if segment else None
        counts.update((s, a, b) for a, b in itertools.pairwise(seq))
    rank = {k: i for i, k in enumerate(sorted(counts, key=lambda k: (str(k[0]), -counts[k], k[1], k[2])))}
    out = collections.Counter()
    for case, seq in seqs.items():
        s = segs[case] if segment else None
        pairs = [(s, a, b) for a, b in itertools.pairwise(seq)]
        if pairs:
            out[max(pairs, key=rank.__getitem__)] += 1
    return dict(out)


@pytest.mark.parametrize("by", [None, "segment"])
def test_rarest_edges_match_a_brute_force_count(demo_log, by):
    dfg = jm.discover_dfg(demo_log, by=by)
    got = {(s, a, b): n for s, a, b, n in dfg.rarest.itertuples(index=False)}
    assert got == brute_force_rarest(demo_log.to_frame(columns=["segment"]), by)
    cases = demo_log.cases(attributes=[])
    assert sum(got.values()) == int((cases["events"] > 1).sum())  # every case with a transition


# -- the renderer: registration, options --------------------------------------------------------


def test_the_process_map_is_the_default_view_of_a_dfg(small):
    chosen = renderer_for(small)
    assert chosen.name == "process-map" and isinstance(chosen, pm.ProcessMap)
    assert chosen.formats == ("dot", "svg", "png") and chosen.default_for == ("DFG",)


def test_unknown_and_bad_options_are_refused(small, tiers):
    with pytest.raises(jm.ArgumentError, match="does not take colour="):
        render(small, "dot", colour="red")
    with pytest.raises(jm.ArgumentError, match="does not take colour="):
        pm.ProcessMap().render(small, format="dot", colour="red")
    bad = [
        ({"measure": "speed"}, "measure= takes frequency, cases, mean, median or p90"),
        ({"measure": "mean+median"}, "measure= takes"),
        ({"measure": "frequency+cases"}, "measure= takes"),
        ({"detail": 1.5}, "detail= takes the share of transitions"),
        ({"detail": True}, "detail= takes"),
        ({"top": -1}, "top= takes a whole number"),
        ({"top": 2.5}, "top= takes a whole number"),
        ({"detail": 0.5, "top": 3}, "not both"),
        ({"rankdir": "RL"}, "rankdir= takes 'TB'"),
        ({"scale": "big"}, "scale= takes 'own'"),
        ({"like": "x"}, "like= takes a DFG"),
        ({"title": 3}, "title= takes a text"),
        ({"segment": "gold"}, "this DFG has no segments"),
    ]
    for options, message in bad:
        with pytest.raises(jm.ArgumentError, match=re.escape(message)):
            render(small, "dot", **options)
    with pytest.raises(jm.ArgumentError, match="draws a DFG, not a Variants"):
        pm.ProcessMap().render(jm.discover_variants(jm.datasets.load_demo_log()), format="dot")


def test_a_segmented_dfg_needs_a_segment(tiers):
    with pytest.raises(
        jm.ArgumentError,
        match=r"this DFG has 2 segments by 'tier': 'gold', 'silver'; a map draws one: pass segment=",
    ):
        render(tiers, "dot")
    with pytest.raises(
        jm.ArgumentError,
        match=r"segment='bronze' is not a segment of this DFG \(by 'tier'\); its segments: 'gold', 'silver'",
    ):
        render(tiers, "dot", segment="bronze")
    gold = render(tiers, "dot", segment="gold")
    assert "tier: gold" in gold and "7 cases" in gold
    assert "Drop" not in gold and "Drop" in render(tiers, "dot", segment="silver")


def test_segments_by_label_missing_values_and_numbers():
    frame = small_frame()
    frame["score"] = frame["case"].map(lambda c: None if c == "c10" else float(int(c[1:]) % 3))
    log = jm.read_events(frame, **MAP)
    dfg = jm.discover_dfg(log, by="score")
    assert pm._segments(dfg) == [0.0, 1.0, 2.0, None]
    assert "score: 1" in render(dfg, "dot", segment="1")  # the label, as the command line gives it
    assert "score: 1" in render(dfg, "dot", segment=1.0)
    assert "score: (none)" in render(dfg, "dot", segment="(none)")
    binned = jm.discover_dfg(jm.datasets.load_demo_log(), by="loan_amount", bins=[0, 200_000, 400_000])
    assert list(pm.segment_maps(binned, format="dot")) == ["[0, 200000)", "[200000, 400000]", "> 400000"]


# -- what the map says --------------------------------------------------------------------------


def test_frequency_labels_nodes_start_and_end(small):
    dot = render(small, "dot")
    assert dot.startswith("digraph process_map {\n")
    ids = {name: f"n{i}" for i, name in enumerate(["Apply", "Close", "Drop", "Review"])}
    # edges: Apply->Review 7, Review->Close 6, Apply->Close 2, Review->Drop 1
    assert sorted(drawn_edges(dot)) == sorted(
        [
            (ids["Apply"], ids["Review"]),
            (ids["Review"], ids["Close"]),
            (ids["Apply"], ids["Close"]),
            (ids["Review"], ids["Drop"]),
        ]
    )
    assert re.search(rf"{ids['Apply']} -> {ids['Review']} \[label=<.*>7</FONT>", dot)
    assert "<B>Apply</B><BR/>" in dot and "9 events" in dot  # Apply: 9 events
    assert "web 89% · app 11%" in dot  # Apply's channels
    assert re.search(r"start -> n0 \[label=<.*>9</FONT>.*style=dashed", dot)  # 9 cases start with Apply
    assert re.search(r"start \[label=<<B>start</B><BR/><FONT POINT-SIZE=\"9\">10</FONT>>", dot)
    assert "Showing all 4 edges." in footnote(dot)
    assert "Main channel of each activity" in dot and "■</FONT>\u00a0web" in dot
    assert "no channel" in dot  # Drop's only event has a blank channel


def test_measures_on_the_edges(small):
    ids = {"Apply": "n0", "Close": "n1", "Review": "n3"}

    def label(dot, a, b):
        m = re.search(rf"{ids[a]} -> {ids[b]} \[label=<.*?<FONT COLOR=\"#1f2937\">(.*?)</FONT>", dot)
        return m.group(1)

    # Apply -> Close: two cases, 90 min each; Review -> Close: 5 x 2 days and 600 min
    assert label(render(small, "dot", measure="cases"), "Review", "Close") == "6"
    assert label(render(small, "dot", measure="median"), "Apply", "Close") == "1 h 30 min"
    assert label(render(small, "dot", measure="median"), "Review", "Close") == "2 d"
    assert label(render(small, "dot", measure="p90"), "Review", "Close") == "2 d"
    assert label(render(small, "dot", measure="mean"), "Review", "Close") == "1 d 18 h"
    both = render(small, "dot", measure="frequency+median")
    assert label(both, "Review", "Close") == "6 · 2 d"
    assert label(render(small, "dot", measure="median+cases"), "Review", "Close") == "2 d · 6"
    assert "thickness: transitions; colour: median time)" in both
    assert "Median time on the arrows, on a log scale" in both and "■</FONT>\u00a02 d</FONT>" in both
    assert "9 cases" in render(small, "dot", measure="cases")  # Apply: on the node, cases too


def test_times_need_a_timed_log():
    frame = small_frame().assign(step=lambda f: range(len(f)))
    log = jm.read_events(frame, case="case", activity="activity", order="step")
    dfg = jm.discover_dfg(log)
    assert render(dfg, "dot")  # frequency works
    with pytest.raises(jm.ArgumentError, match="needs times, and this log has none"):
        render(dfg, "dot", measure="median")


def test_detail_and_top_say_what_they_hide(small):
    # edges by transitions: Apply->Review 7, Review->Close 6, Apply->Close 2, Review->Drop 1 (16)
    dot = render(small, "dot", detail=0.8)  # needs 12.8 -> 13: the first two cover 13
    assert len(drawn_edges(dot)) == 2
    text = footnote(dot)
    assert "Showing 2 of 4 edges (detail 0.8): 81.2% of transitions" in text
    # hidden Apply->Close (c6, c7) and Review->Drop (c8): 3 of 10 cases
    assert "the hidden edges touch 30.0% of cases" in text
    assert "1 activity has every edge hidden (kept on the map, with a dashed border)" in text
    assert re.search(r"n2 \[label=<<B>Drop</B>.*style=\"rounded,filled,dashed\"", dot)
    assert "n2 -> end" in dot  # Drop keeps its end arrow (nothing about the start/end is hidden)
    top = render(small, "dot", top=1)
    assert len(drawn_edges(top)) == 1 and "Showing 1 of 4 edges (top 1): 43.8% of transitions" in footnote(
        top
    )
    assert "the hidden edges touch 90.0% of cases" in footnote(top)  # all but c10 (single event)
    assert len(drawn_edges(render(small, "dot", detail=1))) == 4
    assert len(drawn_edges(render(small, "dot", detail=0))) == 0
    assert len(drawn_edges(render(small, "dot", top=10))) == 4
    # without DFG.rarest (a DFG made by hand) the share of cases is a lower bound
    bare = dataclasses.replace(small, rarest=small.rarest.iloc[:0])
    assert "the hidden edges touch at least 20.0% of cases" in footnote(render(bare, "dot", detail=0.8))


@pytest.mark.parametrize("detail", [0.5, 0.8, 0.95])
def test_the_hidden_share_of_cases_is_exact_on_the_demo(demo_log, demo_dfg, detail):
    events = demo_log.to_frame(columns=["segment"])
    for segment in ["mover", "refinancer"]:
        dot = render(demo_dfg, "dot", segment=segment, detail=detail)
        names = {f"n{i}": n for i, n in enumerate(sorted(demo_dfg.activities["activity"].unique()))}
        shown = {(names[a], names[b]) for a, b in drawn_edges(dot)}
        mine = events[events["segment"] == segment]
        touched = 0
        for _, seq in mine.groupby("case")["activity"]:
            seq = list(seq)
            touched += any((a, b) not in shown for a, b in itertools.pairwise(seq))
        share = 100 * touched / mine["case"].nunique()
        assert f"the hidden edges touch {share:.1f}% of cases" in footnote(dot)


def test_shares_never_round_a_loss_away():
    assert pm._share(1, 10_000) == "<0.1%" and pm._share(9_999, 10_000) == ">99.9%"
    assert pm._share(1, 2) == "50.0%" and pm._share(0, 5) == "0.0%" and pm._share(3, 0) == "–"


# -- comparing maps -----------------------------------------------------------------------------


def widths(dot: str) -> dict[tuple[str, str], float]:
    out = {}
    for line in dot.splitlines():
        m = re.match(r"\s*(n\d+) -> (n\d+) \[.*penwidth=([\d.]+)", line)
        if m:
            out[m.group(1), m.group(2)] = float(m.group(3))
    return out


def test_segment_maps_share_ids_order_and_scale(demo_dfg):
    maps = pm.segment_maps(demo_dfg, format="dot", detail=0.8)
    assert list(maps) == ["first-time buyer", "mover", "refinancer"]
    orders = [declared_nodes(dot) for dot in maps.values()]
    everyone = [n for n in orders[0]]
    for order in orders[1:]:  # the nodes of each map come in one shared order
        common = [n for n in order if n in everyone]
        assert common == [n for n in everyone if n in order]
    # the thickest edge of all segments is 8 only in its own segment; others are thinner
    thickest = [max(widths(dot).values()) for dot in maps.values()]
    assert max(thickest) == 8.0 and sorted(thickest)[0] < 8.0
    # each map on its own scale: every map has an 8
    own = [max(widths(render(demo_dfg, "dot", segment=s, detail=0.8)).values()) for s in maps]
    assert own == [8.0, 8.0, 8.0]
    assert maps["mover"] == render(demo_dfg, "dot", segment="mover", detail=0.8, scale="shared")
    assert set(pm.segment_maps(demo_dfg, format="svg", top=5)) == set(maps)
    with pytest.raises(jm.ArgumentError, match="leave out segment="):
        pm.segment_maps(demo_dfg, segment="mover")


def test_like_draws_two_logs_comparably(small_log, small):
    half = jm.discover_dfg(jm.read_events(small_frame().iloc[:12], **MAP))
    a = render(small, "dot", like=half)
    b = render(half, "dot", like=small)
    # the same ids for the same activities, and one scale over both
    assert re.search(r"n0 \[label=<<B>Apply</B>", a) and re.search(r"n0 \[label=<<B>Apply</B>", b)
    assert max(widths(a).values()) == 8.0 and max(widths(b).values()) < 8.0
    assert max(widths(render(half, "dot")).values()) == 8.0


# -- deterministic output -----------------------------------------------------------------------


def test_dot_snapshot(tiers):
    check_snapshot(
        "processmap_silver.dot", render(tiers, "dot", segment="silver", measure="frequency+median")
    )
    check_snapshot("processmap_detail.dot", render(tiers, "dot", segment="gold", detail=0.7, rankdir="LR"))


def layout_setup() -> str:
    """What an SVG's layout depends on besides the DOT text: Graphviz's version and its font."""
    fc_match = shutil.which("fc-match")
    font = (
        subprocess.run([fc_match, "Helvetica"], capture_output=True, text=True).stdout.strip()
        if fc_match
        else ""
    )
    return f"graphviz {dot_version()}; font {font or 'unknown'}\n"


def test_svg_snapshot(tiers):
    svg = render(tiers, "svg", segment="silver", measure="frequency+median")
    setup = SNAPSHOTS / "processmap_silver.svg.setup"
    if UPDATE:
        setup.write_text(layout_setup(), encoding="utf-8")
    elif setup.exists() and setup.read_text(encoding="utf-8") != layout_setup():
        pytest.skip(
            f"the SVG snapshot was laid out with {setup.read_text().strip()}, this is {layout_setup().strip()}"
        )
    check_snapshot("processmap_silver.svg", svg)


def test_the_same_input_gives_the_same_bytes(tiers, small_log):
    first = render(tiers, "svg", segment="silver", detail=0.5)
    assert first == render(tiers, "svg", segment="silver", detail=0.5)
    # shuffled input rows: the same log, the same map
    shuffled = jm.read_events(small_frame().sample(frac=1, random_state=3), **MAP)
    assert render(jm.discover_dfg(shuffled, by="tier"), "svg", segment="silver", detail=0.5) == first
    # shuffled rows of the DFG's own frames: the same map
    mixed = dataclasses.replace(
        tiers,
        **{
            f.name: getattr(tiers, f.name).sample(frac=1, random_state=5)
            for f in dataclasses.fields(tiers)
            if isinstance(getattr(tiers, f.name), pd.DataFrame)
        },
    )
    assert render(mixed, "svg", segment="silver", detail=0.5) == first


def test_the_same_bytes_in_other_processes(demo_dfg):
    script = (
        "import sys, journeymine as jm\n"
        "from journeymine.views import render\n"
        "dfg = jm.discover_dfg(jm.datasets.load_demo_log(), by='segment')\n"
        "sys.stdout.buffer.write(render(dfg, 'svg', segment='mover', measure='frequency+median', detail=0.8).encode())\n"
    )
    here = render(demo_dfg, "svg", segment="mover", measure="frequency+median", detail=0.8).encode()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, check=True, env=env, cwd=ROOT
        )
        assert out.stdout == here


# -- untrusted text ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def untrusted():
    rows = []
    for i in range(8):
        names = UNTRUSTED[i % 5 :] + UNTRUSTED[: i % 5]
        for j, name in enumerate(names):
            rows.append(
                {
                    "case": f"c{i}",
                    "activity": name,
                    "ts": f"2025-01-0{1 + j}T10:00:00",
                    "channel": UNTRUSTED[(i + j) % 5],
                    "segment": UNTRUSTED[i % 2],
                }
            )
    log = jm.read_events(
        pd.DataFrame(rows), case="case", activity="activity", timestamp="ts", channel="channel"
    )
    return jm.discover_dfg(log, by="segment")


def words(text: str) -> str:
    """Text with every run of white space (line breaks, no-break spaces) as one space."""
    return " ".join(text.replace("\xa0", " ").split())


def visible(name: str) -> str:
    """How a name reads once drawn: control characters replaced, lines and tabs as spaces."""
    return words(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", name))


@pytest.mark.parametrize("segment", UNTRUSTED[:2])
def test_untrusted_text_stays_text_in_dot_and_svg(untrusted, segment):
    title = UNTRUSTED[1] + " " + UNTRUSTED[0]
    dot = render(untrusted, "dot", segment=segment, title=title, measure="frequency+median")
    svg = render(untrusted, "svg", segment=segment, title=title, measure="frequency+median")
    # DOT: no raw markup or quote from the data; every node is one we declared
    for raw in ("<script>", "<b>", 'x"];evil[', "\x01", "\x1b"):
        assert raw not in dot
    assert "x&quot;];evil[ &lt;b&gt;bold&lt;/b&gt;" in dot and "&lt;script&gt;alert(1)&lt;/script&gt;" in dot
    assert set(re.findall(r"^\s*(\w+) \[", dot, flags=re.M)) <= {"graph", "node", "edge", "start", "end"} | {
        f"n{i}" for i in range(5)
    }
    # SVG: well-formed, no element from the data, the names there as text, line by line
    root = ET.fromstring(svg.encode("utf-8"))
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert tags <= {"svg", "g", "title", "text", "path", "polygon", "ellipse", "polyline"}
    assert "<script" not in svg and "<b>" not in svg
    texts = words(" ".join(svg_texts(svg)))
    for name in UNTRUSTED:
        assert visible(name) in texts, name
    assert visible(title) in texts
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert UNTRUSTED[0] in titles and any(" → " in (t or "") for t in titles)  # names on hover


def test_backslashes_are_not_graphviz_escapes(untrusted):
    svg = render(untrusted, "svg", segment=UNTRUSTED[0])
    assert "back\\slash \\N \\G \\E \\L \\\\ end\\" in words(" ".join(svg_texts(svg)))
    heading = render(untrusted, "svg", segment=UNTRUSTED[0], title="a \\N b \\G")
    assert "a \\N b \\G" in svg_texts(heading)


# -- Graphviz missing, failing; PNG ----------------------------------------------------------------


def test_without_dot_the_dot_text_still_works(small, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` there
    assert render(small, "dot").startswith("digraph")
    for fmt in ("svg", "png"):
        with pytest.raises(jm.RenderError) as err:
            render(small, fmt)
        message = str(err.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "conda install -c conda-forge graphviz" in message and "format='dot'" in message
        assert err.value.__cause__ is None and err.value.__suppress_context__


def test_a_failing_dot_is_a_render_error(small, monkeypatch):
    import graphviz

    def failing(*args, **kwargs):
        raise graphviz.CalledProcessError(1, ["dot"], output=b"", stderr=b"Error: syntax error in line 1")

    monkeypatch.setattr(graphviz, "pipe", failing)
    with pytest.raises(
        jm.RenderError, match="Graphviz 'dot' failed to draw the process map as svg: Error: syntax error"
    ):
        render(small, "svg")


def test_png_is_bytes(small, tmp_path):
    png = render(small, "png", path=tmp_path / "map.png")
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (tmp_path / "map.png").read_bytes() == png
    assert render(small, path=tmp_path / "map.svg").startswith("<?xml")  # format from the ending


# -- real data: readable sizes ---------------------------------------------------------------------


def svg_size(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg.encode("utf-8"))
    return float(root.get("width").rstrip("pt")), float(root.get("height").rstrip("pt"))


def test_the_demo_maps_render_at_a_readable_size(demo_dfg):
    for segment, svg in pm.segment_maps(demo_dfg, detail=0.8, measure="frequency+median").items():
        assert len(svg) < 150_000, segment
        width, height = svg_size(svg)
        assert width < 1_200 and height < 2_000, (segment, width, height)
        assert "Showing" in svg and "Main channel" in svg


def test_a_real_log_renders_at_a_reasonable_size():
    log = jm.read_events(shared_file("bpic2012.xes.gz"))
    dfg = jm.discover_dfg(log)
    everything = render(dfg, "svg")
    assert len(everything) < 400_000 and "Showing all 125 edges." in everything
    svg = render(dfg, "svg", detail=0.8, measure="frequency+median")
    width, height = svg_size(svg)
    assert len(svg) < 100_000 and width < 2_500 and height < 1_500, (width, height)
    assert "Showing 24 of 125 edges (detail 0.8): 80.8% of transitions" in svg


def test_small_and_empty_maps_say_so():
    one = jm.read_events(
        pd.DataFrame({"c": ["a", "b"], "a": ["x", "y"], "t": ["2025-01-01", "2025-01-02"]}),
        case="c",
        activity="a",
        timestamp="t",
    )
    dfg = jm.discover_dfg(one)
    assert "No transitions: every case has a single event." in footnote(render(dfg, "dot"))
    empty = dataclasses.replace(
        dfg,
        **{
            f: getattr(dfg, f).iloc[:0] for f in ("edges", "start", "end", "activities", "channels", "rarest")
        },
    )
    assert "No cases to draw." in footnote(render(empty, "dot"))
    assert render(empty, "svg").startswith("<?xml")


def test_the_renderer_passes_the_conformance_kit():
    from journeymine.testing.renderers import check_renderer

    check_renderer("process-map")
