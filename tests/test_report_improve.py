"""The improve sections of the HTML report (findings, reverse thinking, what-if) and the pictures
of the ideal journey: present when asked for, escaped, self-contained, deterministic; the demo
report has them; the two renderers pass the conformance kit.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

import journeymine as jm
from helpers import run_cli
from journeymine.heuristics.ideal import IdealJourney, IdealStep, load_ideal
from journeymine.testing import check_renderer
from journeymine.testing.renderers import empty_result, sample_log
from journeymine.views import render
from journeymine.views.idealview import OFF_IDEAL, AsIsToBe, on_ideal
from journeymine.views.report import build_context, report

EVIL = ("<script>alert(1)</script>", 'x"];evil[ <b>bold</b>')
IMPROVE_IDS = ["jm-improve-findings", "jm-reverse-thinking", "jm-what-if"]
CHANGES = ("remove:Documents incomplete", "first-time-right:Upload documents")


class Page(HTMLParser):
    """The tags (with attributes) of a page, and the ids of its sections in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> list[str]:
        return [a["id"] for t, a in self.tags if t == "section" and a.get("id")]


def section(page: str, anchor: str) -> str:
    """The body of one section of a page."""
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture(scope="module")
def demo_page() -> str:
    log = jm.datasets.load_demo_log()
    return report(
        log,
        by="segment",
        map=jm.datasets.load_demo_map(),
        ideal=jm.datasets.load_demo_ideal(),
        what_if=CHANGES,
    )


# -- the sections -----------------------------------------------------------------------------------


def test_the_report_with_an_ideal_and_changes_has_the_three_sections_in_order(demo_page):
    ids = Page(demo_page).ids()
    assert ids == ["jm-overview", "jm-process-map", "jm-variants", "jm-journey-map", *IMPROVE_IDS]
    assert "could not be made" not in demo_page
    nav = demo_page.split('<nav class="jm-nav"')[1].split("</nav>")[0]
    assert re.findall(r'href="#([^"]+)"', nav) == ids
    assert ">Findings</h2>" in demo_page and ">Reverse thinking</h2>" in demo_page


def test_the_findings_are_ranked_with_intervals_and_evidence(demo_page):
    log = jm.datasets.load_demo_log()
    result = jm.improve(
        log, by="segment", map=jm.datasets.load_demo_map(), ideal=jm.datasets.load_demo_ideal()
    )
    body = section(demo_page, "jm-improve-findings")
    rows = re.findall(r'<tr class="jm-finding">(.*?)</tr>', body)
    assert len(rows) == len(result.findings) > 0
    for rank, (row, finding) in enumerate(zip(rows, result.findings), 1):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[0] == str(rank)
        assert html.escape(finding.title) in cells[1] and html.escape(finding.heuristic) in cells[1]
        assert cells[2] == f"{finding.cases:,}"
        assert 'class="jm-ci-band"' in cells[3]  # the share's interval, drawn
    # one explanation with the evidence beneath each finding, closed until opened
    assert body.count("<details>") == len(result.findings)
    assert body.count('<pre class="jm-evidence">') == len(result.findings)
    assert "95% interval" in body


def test_reverse_thinking_shows_the_lists_the_outcomes_the_note_and_the_pictures(demo_page):
    body = section(demo_page, "jm-reverse-thinking")
    for words in ("Conforming", "Remove", "Redesign", "Missing", "Conforming against deviating cases"):
        assert words in body
    assert "Documents incomplete" in body and "Customer service call" in body  # to remove
    assert "observational differences, not causal effects" in body
    # the as-is map beside the ideal, once per segment, each naming its segment
    assert body.count('aria-label="As is (') == 3
    for segment in ("first-time buyer", "mover", "refinancer"):
        assert f"As is · segment: {segment}" in html.unescape(body)
    assert body.count(OFF_IDEAL) > 0 and "not in the to-be journey" in html.unescape(body)


def test_what_if_shows_each_change_with_its_assumptions(demo_page):
    body = section(demo_page, "jm-what-if")
    assert body.count('<div class="jm-whatif">') == len(CHANGES)
    for change in CHANGES:
        assert f"<code>{html.escape(change)}</code>" in body
    assert "Assumptions" in body and "Cases affected" in body


def test_the_sections_only_when_asked_for():
    log = jm.datasets.load_demo_log()
    assert Page(report(log, detail=1.0)).ids() == ["jm-overview", "jm-process-map", "jm-variants"]
    # improve alone: the findings, neither reverse thinking (no ideal) nor what-if (no change)
    found = report(log, detail=1.0, improve=True, heuristics=["rework-loops"])
    assert Page(found).ids() == ["jm-overview", "jm-process-map", "jm-variants", "jm-improve-findings"]
    # an ideal implies improve
    ideal = report(log, detail=1.0, ideal=jm.datasets.DEMO_IDEAL_PATH, heuristics=["rework-loops"])
    assert Page(ideal).ids()[-2:] == ["jm-improve-findings", "jm-reverse-thinking"]


def test_the_improve_sections_are_deterministic(demo_page):
    again = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
    assert (
        report(
            again,
            by="segment",
            map=jm.datasets.load_demo_map(),
            ideal=jm.datasets.load_demo_ideal(),
            what_if=CHANGES,
        )
        == demo_page
    )


def test_a_wrong_improve_argument_is_refused_before_any_work():
    with pytest.raises(jm.ArgumentError, match="improve= takes True or False"):
        report(jm.datasets.load_demo_log(), improve="yes")


def test_the_context_holds_what_improve_found():
    log = jm.datasets.load_demo_log()
    context = build_context(log, by="segment", ideal=jm.datasets.load_demo_ideal(), heuristics=["drop-off"])
    assert context.improvement is not None and context.improvement.by == "segment"
    assert context.improvement.reverse_thinking is not None
    assert isinstance(context.ideal, IdealJourney)
    assert build_context(log).improvement is None


# -- escaped and self-contained ------------------------------------------------------------------


def hostile_log() -> jm.EventLog:
    """A log whose activities, channels and segments are hostile, with rework and drop-off."""
    rows = []
    start = pd.Timestamp("2025-01-01", tz="UTC")
    for i in range(40):
        path = ["Start", EVIL[0], EVIL[1], "End"]
        if i % 3 == 0:
            path = ["Start", EVIL[0], EVIL[0], EVIL[1], "Other", "End"]  # rework, an extra step
        elif i % 5 == 0:
            path = ["Start", EVIL[0]]  # drops off
        for j, activity in enumerate(path):
            rows.append(
                {
                    "case": f"c{i:02d}",
                    "activity": activity,
                    "ts": start + pd.Timedelta(hours=24 * i + (3 + i % 4) * j),
                    "segment": EVIL[i % 2],
                    "channel": ["web", EVIL[0], "phone", EVIL[1]][(i + j) % 4],
                }
            )
    return jm.read_events(
        pd.DataFrame(rows), case="case", activity="activity", timestamp="ts", channel="channel"
    )


HOSTILE_IDEAL = {
    "journey": EVIL[1],
    "outcome": "End",
    "steps": ["Start", {"step": EVIL[0], "channel": EVIL[1]}, {"any": [EVIL[1], "Shortcut"]}, "End"],
}


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return report(hostile_log(), by="segment", ideal=HOSTILE_IDEAL, what_if=[f"remove:{EVIL[1]}"], detail=1.0)


def test_untrusted_names_are_escaped_in_the_improve_sections(hostile_page):
    assert Page(hostile_page).ids()[-3:] == IMPROVE_IDS
    assert "could not be made" not in hostile_page
    for evil in EVIL:
        assert evil not in hostile_page
    assert "<b>" not in hostile_page
    improve = "".join(section(hostile_page, anchor) for anchor in IMPROVE_IDS)
    assert html.escape(EVIL[0]) in improve and html.escape(EVIL[1]) in improve
    page = Page(hostile_page)
    assert not [t for t, _ in page.tags if t in ("b", "iframe", "object", "embed", "form", "base")]
    assert [t for t, _ in page.tags].count("script") == 2  # the data and the report's own
    findings = section(hostile_page, "jm-improve-findings")
    assert '<tr class="jm-finding">' in findings  # the heuristics found the rework and the drop-off


def test_the_improve_sections_load_nothing_from_elsewhere(hostile_page, demo_page):
    for text in (hostile_page, demo_page):
        page = Page(text)
        assert "http://" not in text and "https://" not in text
        for tag, attrs in page.tags:
            for name in ("src", "href", "xlink:href", "action", "srcset", "poster"):
                value = attrs.get(name)
                if value is not None:
                    assert value.startswith(("#", "data:")), (tag, name, value)
        assert "@import" not in text and not re.search(r"url\((?!#)", text)
        ids = [a["id"] for _, a in page.tags if a.get("id")]
        assert len(ids) == len(set(ids))  # the pictures' ids stay unique in the page


# -- the demo -----------------------------------------------------------------------------------------


def test_the_demo_report_has_the_improve_sections(tmp_path, capsys):
    code, _, err = run_cli(["demo", "--out", tmp_path, "--quiet", "--format", "json"], capsys)
    assert code == 0, err
    page = (tmp_path / "demo_report.html").read_text(encoding="utf-8")
    # the improve sections, then the comparison the demo adds (movers against refinancers)
    assert Page(page).ids()[-4:] == [*IMPROVE_IDS, "jm-comparison"]
    assert "could not be made" not in page
    assert "Mortgage" in section(page, "jm-reverse-thinking")


# -- the pictures -----------------------------------------------------------------------------------


def kit_ideal(log: jm.EventLog, by: str | None) -> IdealJourney:
    """An ideal journey over a log's activities (in the order they first occur), with an ``any``
    step, optional steps and channels: what the conformance kit draws."""
    events = log.to_frame()
    acts = list(dict.fromkeys(events["activity"].astype(str)))
    channels = sorted({str(c) for c in events["channel"].dropna()}) or [None]
    steps = [IdealStep(acts[0])]
    rest = acts[1:]
    if len(acts) >= 3:
        steps.append(IdealStep((acts[1], acts[2]), channel=channels[0]))
        rest = acts[3:]
    steps += [
        IdealStep(a, optional=i % 2 == 1, channel=channels[i % len(channels)]) for i, a in enumerate(rest)
    ]
    return IdealJourney(f"{acts[0]} journey", None, tuple(steps))


def kit_pair(log: jm.EventLog, by: str | None) -> AsIsToBe:
    return AsIsToBe(jm.discover_dfg(log, by=by), kit_ideal(log, by))


def test_the_ideal_journey_renderer_passes_the_conformance_kit():
    check_renderer("ideal-journey", [jm.datasets.load_demo_ideal()], make=kit_ideal)


def test_the_as_is_to_be_renderer_passes_the_conformance_kit():
    log = sample_log()
    empty = AsIsToBe(empty_result(jm.discover_dfg(log, by="segment")), kit_ideal(log, None))
    check_renderer("as-is-to-be", [empty], make=kit_pair)


def test_the_ideal_is_drawn_step_by_step():
    ideal = load_ideal(
        "journey: J\noutcome: D\nsteps:\n  - A\n  - {step: B, optional: true, channel: app}\n"
        "  - {any: [C1, C2]}\n  - D\n"
    )
    dot = render(ideal, "dot")
    assert re.findall(r"^\t+(s\d+(?:_\d+)?) \[", dot, re.M) == ["s0", "s1", "s2_0", "s2_1", "s3"]
    assert "subgraph cluster_s2" in dot and "{rank=same; s2_0; s2_1}" in dot  # side by side
    assert re.search(r"^\t+s1 \[.*style=\"rounded,filled,dashed\"", dot, re.M)  # optional: dashed
    assert re.search(r'^\t+s1 \[.*color="#009E73"', dot, re.M)  # the app's colour, as everywhere
    assert re.search(r"^\t+s0 -> s2_0 \[.*style=dashed", dot, re.M)  # past the optional step
    svg = render(ideal, "svg")
    assert "<title>B</title>" in svg and "<title>A → B</title>" in svg  # tooltips name steps


def test_which_transitions_the_ideal_has():
    ideal = jm.datasets.load_demo_ideal()
    assert on_ideal(ideal, "Upload documents", "Credit check")
    assert on_ideal(ideal, None, "Website visit") and on_ideal(ideal, None, "Advisor meeting")
    assert on_ideal(ideal, "Mortgage paid out", None) and on_ideal(ideal, "Survey answered", None)
    assert not on_ideal(ideal, "Upload documents", "Documents incomplete")  # an extra touchpoint
    assert not on_ideal(ideal, "Upload documents", "Upload documents")  # done twice
    assert not on_ideal(ideal, "Application started", "Credit check")  # a required step skipped
    assert not on_ideal(ideal, "Offer viewed", "Offer sent")  # backwards
    assert not on_ideal(ideal, None, "Application started")


def test_every_arrow_the_ideal_lacks_is_marked_and_no_other():
    log = jm.datasets.load_demo_log()
    ideal = jm.datasets.load_demo_ideal()
    dfg = jm.discover_dfg(log, by="segment")
    dot = render(AsIsToBe(dfg, ideal), "dot", segment="mover")
    as_is, to_be = dot.split("digraph ideal_journey {")
    assert "cluster_ideal" in to_be
    names = sorted({str(a) for a in dfg.activities["activity"]})
    ids = {f"n{i}": n for i, n in enumerate(names)} | {"start": None, "end": None}
    arrows = re.findall(r"^\t+(n\d+|start) -> (n\d+|end) \[(.*)\]$", as_is, re.M)
    drawn = [(a, b, attrs) for a, b, attrs in arrows if "style=invis" not in attrs]
    mover = dfg.edges[dfg.edges["segment"] == "mover"]
    assert len([1 for a, b, _ in drawn if a != "start" and b != "end"]) == len(mover)
    for a, b, attrs in drawn:
        marked = f'color="{OFF_IDEAL}"' in attrs
        assert marked == (not on_ideal(ideal, ids[a], ids[b])), (ids[a], ids[b])
    extra = {"Customer service call", "Documents incomplete", "Chat"}
    boxes = dict(re.findall(r"^\t+(n\d+) \[(.*)\]$", as_is, re.M))
    for node, attrs in boxes.items():
        assert ("not in the to-be journey" in attrs) == (ids[node] in extra), ids[node]
    assert "digraph process_map {" in as_is and "Red, dashed: not in the to-be journey" in as_is


def test_a_segmented_pair_needs_its_segment():
    pair = AsIsToBe(jm.discover_dfg(jm.datasets.load_demo_log(), by="segment"), jm.datasets.load_demo_ideal())
    with pytest.raises(jm.ArgumentError, match="segment="):
        render(pair, "svg")
    with pytest.raises(jm.ArgumentError, match="AsIsToBe takes a DFG"):
        AsIsToBe("not a dfg", jm.datasets.load_demo_ideal())  # type: ignore[arg-type]


def test_the_pair_is_drawn_side_by_side_in_one_svg():
    log = jm.datasets.load_demo_log()
    ideal = jm.datasets.load_demo_ideal()
    svg = render(AsIsToBe(jm.discover_dfg(log, by="segment"), ideal), "svg", segment="refinancer", detail=0.8)
    assert svg.count("<svg") == svg.count("</svg>") == 3  # one around the two sides
    outer = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    sides = re.findall(r'<svg x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)
    assert outer is not None and len(sides) == 2
    (x1, y1, w1, h1), (x2, y2, w2, h2) = [tuple(map(float, side)) for side in sides]
    assert x1 == 0 and y1 == y2 == 0 and x2 >= w1  # the ideal to the right, tops aligned
    assert float(outer.group(1)) == pytest.approx(x2 + w2) and float(outer.group(2)) == max(h1, h2)
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert len(ids) == len(set(ids)) and all(i.startswith(("asis-", "tobe-")) for i in ids)
