"""The HTML report as text: deterministic, escaped, self-contained, and assembled from whatever
sections are registered (in order; a failing one noted, not fatal).

The browser side (the script runs under the CSP, the switcher and the detail control work, it
prints every segment) is tests/test_report_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import itertools
import json
import re
import sys
import textwrap
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import ArgumentError
from journeymine.registry import PluginWarning
from journeymine.testing.strategies import shuffle_keeping_ties
from journeymine.views.report import report, script_json

EVIL = ("<script>alert(1)</script>", 'x"];evil[ <b>bold</b>')
#: a segment value that tries to end the JSON block and open a comment in it
SNEAKY = "plain <!-- </script>"
_ids = itertools.count()


def hostile_log(root: Path) -> jm.EventLog:
    """A small log whose activities, channels, segment values and file name are hostile."""
    rows = []
    for i in range(14):
        segment = EVIL[i % 2] if i < 10 else (SNEAKY if i < 12 else "")
        path = ["Start", EVIL[0], EVIL[1], "End"] if i % 3 else ["Start", EVIL[1], "End"]
        for j, activity in enumerate(path):
            rows.append(
                {
                    "case": f"c{i}",
                    "activity": activity,
                    "ts": f"2025-01-{1 + j:02d}T{i:02d}:00:00Z",
                    "segment": segment,
                    "channel": ["web", EVIL[0], "phone", "app"][j % 4],
                }
            )
    # the file name holds both strings: '/' in '</script>' and '</b>' makes folders of the rest
    path = root / EVIL[0] / f"{EVIL[1]}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return jm.read_events(path, case="case", activity="activity", timestamp="ts", channel="channel")


#: a journey map whose journey, stage and description are hostile (touchpoints match the log)
HOSTILE_MAP = {
    "journey": EVIL[0],
    "description": EVIL[1],
    "stages": [
        {"name": EVIL[1], "touchpoints": ["Start", EVIL[0]]},
        {"name": EVIL[0], "touchpoints": [EVIL[1], "End"]},
    ],
}


@pytest.fixture(scope="module")
def demo_html() -> str:
    log = jm.datasets.load_demo_log()
    return report(log, by="segment", map=jm.datasets.load_demo_map())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[jm.EventLog, str]:
    log = hostile_log(tmp_path_factory.mktemp("hostile"))
    return log, report(log, by="segment", map=HOSTILE_MAP, title=EVIL[1])


class Page(HTMLParser):
    """The elements of a page: tags, attributes and the text of each script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def ids(self) -> list[str]:
        return [a["id"] for t, a in self.tags if t == "section" and a.get("id")]

    def data(self) -> dict:
        (text,) = [text for attrs, text in self.scripts if attrs.get("type") == "application/json"]
        return json.loads(text)


# -- deterministic ------------------------------------------------------------------------------


def test_the_same_input_gives_byte_identical_html(demo_html, tmp_path):
    again = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)  # another relation
    path = tmp_path / "report.html"
    text = report(again, by="segment", map=jm.datasets.load_demo_map(), path=path)
    assert text == demo_html
    assert path.read_text(encoding="utf-8") == demo_html


def test_the_order_of_input_rows_changes_nothing(demo_html):
    frame = jm.datasets.load_demo()
    shuffled = shuffle_keeping_ties(frame, seed=7, case="customer_id")  # ties keep input order
    log = jm.read_events(shuffled, **jm.datasets.DEMO_COLUMNS)
    assert report(log, by="segment", map=jm.datasets.load_demo_map()) == demo_html


def test_no_timestamp_of_its_making_is_in_the_report(demo_html):
    today = pd.Timestamp.now(tz="UTC")
    for text in (today.strftime("%Y-%m-%d"), f"{today.day} {today:%b} {today.year}"):
        assert text not in demo_html


def test_the_report_uses_results_never_events(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the report read the events")

    log = jm.datasets.load_demo_log()
    monkeypatch.setattr(jm.EventLog, "to_frame", refuse)
    page = Page(report(log, by="segment"))
    assert page.ids() == ["jm-overview", "jm-process-map", "jm-variants"]


# -- escaped ----------------------------------------------------------------------------------------


def test_untrusted_text_is_escaped_everywhere(hostile):
    log, text = hostile
    assert EVIL[0] in log.source and EVIL[1] in log.source
    for evil in (*EVIL, SNEAKY):
        assert evil not in text
    assert "<b>" not in text and "<!--" not in text
    assert html.escape(EVIL[0]) in text and html.escape(EVIL[1]) in text
    page = Page(text)
    assert not [t for t, _ in page.tags if t in ("b", "iframe", "object", "embed", "form", "base")]
    # two scripts: the data (JSON) and the report's own; nothing else became a script
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", None]
    assert text.count("</script>") == 2


def test_data_in_the_script_cannot_end_it(hostile):
    _, text = hostile
    page = Page(text)
    (raw,) = [t for a, t in page.scripts if a.get("type") == "application/json"]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = page.data()
    assert {s["label"] for s in data["segments"]} == {EVIL[0], EVIL[1], SNEAKY, "(none)"}
    assert data["title"] == EVIL[1]
    assert json.loads(script_json({"x": "</script><!--\u2028"})) == {"x": "</script><!--\u2028"}


def test_every_section_of_the_hostile_log_is_made(hostile):
    _, text = hostile
    page = Page(text)
    assert page.ids() == ["jm-overview", "jm-process-map", "jm-variants", "jm-journey-map"]
    assert "could not be made" not in text
    # a panel per segment, the cases without a value included, in each per-segment section
    for section in ("jm-process-map", "jm-variants", "jm-journey-map"):
        body = text.split(f'id="{section}"')[1].split("</section>")[0]
        assert [int(k) for k in re.findall(r'data-jm-segment="s(\d+)"', body)] == [0, 1, 2, 3]
    assert '<button type="button" data-jm-pick="segment" value="s3"' in text
    assert "&gt;(none)</button>" in text or ">(none)</button>" in text


# -- self-contained ------------------------------------------------------------------------------


def test_a_content_security_policy_forbids_everything_else(demo_html):
    page = Page(demo_html)
    metas = [a for t, a in page.tags if t == "meta"]
    assert metas[0] == {"charset": "utf-8"}
    assert metas[1]["http-equiv"] == "Content-Security-Policy"
    policy = dict(part.strip().split(" ", 1) for part in metas[1]["content"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["img-src"] == "data:"
    assert policy["style-src"] == "'unsafe-inline'"
    assert policy["base-uri"] == policy["form-action"] == "'none'"
    (code,) = [text for attrs, text in page.scripts if "type" not in attrs]
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"  # this script runs, and only this one


def test_nothing_is_loaded_from_elsewhere(demo_html):
    page = Page(demo_html)
    assert "http://" not in demo_html and "https://" not in demo_html
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None and not (tag == "object" and name == "data"):
                assert value.startswith(("#", "data:")), (tag, name, value)
        assert not (tag == "link" and attrs.get("rel") != "icon"), attrs
    assert "@import" not in demo_html and "@font-face" not in demo_html
    assert not re.search(r"url\((?!#)", demo_html)


def test_every_picture_is_inline_with_ids_unique_in_the_page(demo_html):
    page = Page(demo_html)
    ids = [a["id"] for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    svgs = [a for t, a in page.tags if t == "svg"]
    # process maps: 3 segments x 3 detail levels; variants and journey maps: one per segment
    assert len(svgs) == 3 * 3 + 3 + 3
    assert "<?xml" not in demo_html and "<!DOCTYPE svg" not in demo_html


# -- sections -------------------------------------------------------------------------------------

SECTIONS = """
import html
import journeymine

class Section:
    def __init__(self, name, order, body):
        self.name, self.title, self.order, self.body = name, name.title() + " <i>x</i>", order, body

    def render(self, context):
        if self.body == "raise":
            raise ValueError("boom <b>bold</b>")
        if self.body == "number":
            return 42
        if self.body is None:
            return None
        return f"<p class='from-plugin'>{self.body}: {context.stats.cases} cases, " \\
               f"{len(context.segments)} segments, {html.escape(context.segment_label(context.segments[0]))}</p>"

@journeymine.hookimpl
def journeymine_register_report_sections(register):
    for name, order, body in SPECS:
        register(Section(name, order, body))
"""


@pytest.fixture
def install(third_party_plugins, tmp_path, monkeypatch):
    """install(specs) -> the plugin's name: a real entry point offering report sections."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def install(specs: list[tuple[str, float, str | None]]) -> str:
        module = f"jmreport_{next(_ids)}"
        (site / f"{module}.py").write_text(textwrap.dedent(SECTIONS) + f"\nSPECS = {specs!r}\n")
        info = site / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[journeymine]\n{module} = {module}\n")
        importlib.invalidate_caches()
        third_party_plugins.reset(engines=False)
        return module

    yield install
    for module in [m for m in sys.modules if m.startswith("jmreport_")]:
        del sys.modules[module]


def test_sections_a_plugin_registers_appear_in_order(install):
    """Sections from a real entry point's ``journeymine_register_report_sections`` appear by order."""
    install(
        [
            ("findings", 25, "found"),
            ("appendix", 99, "the end"),
            ("aaa-first", 20, "tied with the process map, first by name"),
            ("hidden", 15, None),
        ]
    )
    text = report(jm.datasets.load_demo_log(), by="segment", detail=1.0)
    page = Page(text)
    assert page.ids() == [
        "jm-overview",
        "jm-aaa-first",
        "jm-process-map",
        "jm-findings",
        "jm-variants",
        "jm-appendix",
    ]
    assert "<p class='from-plugin'>found: 3000 cases, 3 segments, first-time buyer</p>" in text
    assert "Findings &lt;i&gt;x&lt;/i&gt;" in text  # titles are escaped by the report
    nav = text.split('<nav class="jm-nav"')[1].split("</nav>")[0]
    assert re.findall(r'href="#([^"]+)"', nav) == page.ids()


def test_a_failing_section_is_noted_and_the_rest_is_made(install):
    plugin = install([("broken", 15, "raise"), ("wrong", 16, "number"), ("fine", 17, "ok")])
    with pytest.warns(PluginWarning) as caught:
        text = report(jm.datasets.load_demo_log(), by="segment", detail=1.0)
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert messages == [
        f"journeymine plugin {plugin!r}: report section 'broken' failed (ValueError: boom <b>bold</b>); "
        "the report shows a note in its place",
        f"journeymine plugin {plugin!r}: report section 'wrong' failed (TypeError: render() returned a "
        "int, not an HTML str or None); the report shows a note in its place",
    ]
    page = Page(text)
    assert page.ids() == [
        "jm-overview",
        "jm-broken",
        "jm-wrong",
        "jm-fine",
        "jm-process-map",
        "jm-variants",
    ]
    broken = text.split('id="jm-broken"')[1].split("</section>")[0]
    assert "This section could not be made: ValueError: boom &lt;b&gt;bold&lt;/b&gt;" in broken
    assert f"of the plugin {plugin}" in broken
    assert 'class="jm-section jm-failed"' in text
    assert "<b>bold</b>" not in text


def test_a_built_in_section_that_fails_is_noted_too(monkeypatch):
    from journeymine.views import report as module

    def fail(self, context):
        raise RuntimeError("no picture today")

    monkeypatch.setattr(module.VariantsSection, "render", fail)
    with pytest.warns(PluginWarning, match="report section 'variants' failed"):
        text = report(jm.datasets.load_demo_log(), by="segment", detail=1.0)
    assert "This section could not be made: RuntimeError: no picture today" in text
    assert 'id="jm-process-map"' in text


def test_the_journey_map_section_only_with_a_map(demo_html):
    log = jm.datasets.load_demo_log()
    without = report(log, by="segment")
    assert Page(without).ids() == ["jm-overview", "jm-process-map", "jm-variants"]
    assert "Journey map" not in without
    assert Page(demo_html).ids() == ["jm-overview", "jm-process-map", "jm-variants", "jm-journey-map"]
    journey = demo_html.split('id="jm-journey-map"')[1]
    assert "Moments of truth" in journey and "Completed" in journey


def test_the_default_title_names_the_journey(demo_html):
    assert "<title>Mortgage journey report</title>" in demo_html
    assert "<title>Customer journey report</title>" in report(jm.datasets.load_demo_log())


# -- segments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bins", "labels"),
    [
        ([0, 200_000, 400_000], ["[0, 200000)", "[200000, 400000]", "> 400000"]),
        (3, ["[50000, 257000)", "[257000, 363000)", "[363000, 1034000]"]),
    ],
)
def test_binned_segments_are_in_value_order(bins, labels):
    text = report(jm.datasets.load_demo_log(), by="loan_amount", bins=bins, detail=1.0)
    page = Page(text)
    assert [s["label"] for s in page.data()["segments"]] == labels
    buttons = re.findall(r'data-jm-pick="segment" value="(s\d+|all)"[^>]*>([^<]*)</button>', text)
    assert buttons == [("all", "All")] + [(f"s{i}", html.escape(label)) for i, label in enumerate(labels)]
    # the segments table of the overview, and every per-segment section, in that order too
    overview = text.split('id="jm-overview"')[1].split("</section>")[0]
    assert [html.unescape(c) for c in re.findall(r"<tr><td>([^<]*)</td>", overview)][-3:] == labels
    variants = text.split('id="jm-variants"')[1].split("</section>")[0]
    assert re.findall(r'data-jm-segment="(s\d+)"', variants) == ["s0", "s1", "s2"]


def test_a_log_without_segments_has_no_switcher():
    text = report(jm.datasets.load_demo_log())
    assert 'data-jm-pick="segment"' not in text
    assert "data-jm-segment=" not in text
    assert Page(text).data()["initial"] == {"detail": "d1", "segment": "all"}
    assert text.count('data-jm-pick="detail"') == 3


def test_numeric_segments_read_as_people_write_them():
    text = report(jm.datasets.load_demo_log(), by="nps", detail=1.0)
    labels = [s["label"] for s in Page(text).data()["segments"]]
    assert labels[-1] == "(none)" and "7" in labels
    assert [int(label) for label in labels[:-1]] == sorted(int(label) for label in labels[:-1])


def test_the_figures_of_the_overview():
    frame = jm.datasets.load_demo().head(400).astype({"timestamp": str})
    frame.loc[[3, 5], "customer_id"] = ""
    frame.loc[7, "timestamp"] = "not a time"
    log = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS, on_invalid="quarantine")
    text = report(log, detail=1.0)
    overview = text.split('id="jm-overview"')[1].split("</section>")[0]
    assert 'Rows read</td><td class="jm-n">400</td>' in overview
    assert 'Set aside</td><td class="jm-n">3</td>' in overview
    reasons = re.findall(r"<tr><td>– ([^<]*)</td><td class=\"jm-n\">(\d+)</td>", overview)
    assert sorted(reasons) == sorted(
        (str(k), str(v)) for k, v in log.quarantine["reason"].value_counts().items()
    )
    assert "3 rows were set aside" in overview
    cases = log.cases()
    first, last = cases["start"].min(), cases["end"].max()
    assert f"{first.day} {first:%b} {first.year} – {last.day} {last:%b} {last.year}" in overview


# -- arguments ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"detail": 0}, "detail= takes shares of transitions between 0 and 1"),
        ({"detail": []}, "detail= takes shares"),
        ({"detail": [0.5, 1.5]}, "detail= takes shares"),
        ({"detail": [0.5, 0.5]}, "detail= takes shares"),
        ({"detail": "0.8"}, "detail= takes shares"),
        ({"top": 0}, "top= takes a whole number of at least 1"),
        ({"top": True}, "top= takes a whole number"),
        ({"title": 3}, "title= takes a str"),
        ({"measure": "speed"}, "measure= takes frequency, cases, mean, median or p90"),
    ],
)
def test_arguments_are_checked_before_any_work(arguments, words):
    with pytest.raises(ArgumentError, match=re.escape(words)):
        report(jm.datasets.load_demo_log(), **arguments)


def test_a_dataframe_and_the_mapping_keywords_work_too():
    text = report(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS, detail=1.0)
    assert text == report(jm.datasets.load_demo_log(), detail=1.0)


def test_the_detail_levels_are_drawn_and_the_middle_shown_first(demo_html):
    body = demo_html.split('id="jm-process-map"')[1].split("</section>")[0]
    assert re.findall(r'data-jm-pick="detail" value="(d\d)" aria-pressed="(\w+)"[^>]*>([^<]*)<', body) == [
        ("d0", "false", "60%"),
        ("d1", "true", "80%"),
        ("d2", "false", "100% (all)"),
    ]
    panels = re.findall(r'<div class="jm-detail( jm-off)?" data-jm-detail="(d\d)">', body)
    assert panels == [(" jm-off", "d0"), ("", "d1"), (" jm-off", "d2")] * 3
    # a lower detail draws fewer edges
    first = body.split('data-jm-segment="s1"')[0]
    edges = [chunk.count('class="edge"') for chunk in first.split('data-jm-detail="')[1:]]
    assert edges[0] < edges[1] < edges[2]


def test_one_detail_level_needs_no_control():
    text = report(jm.datasets.load_demo_log(), by="segment", detail=0.7)
    assert 'data-jm-pick="detail"' not in text and "data-jm-detail=" not in text
    assert text.count("<svg") == 3 + 3  # a process map and a variant view per segment


def test_warnings_come_only_from_failures():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report(jm.datasets.load_demo_log(), by="region", detail=np.float64(0.9))


def test_many_segments_get_a_drop_down_list():
    text = report(jm.datasets.load_demo_log(), by="cohort:month", detail=1.0)
    months = [s["label"] for s in Page(text).data()["segments"]]
    assert len(months) > 8 and months == sorted(months)
    assert (
        'data-jm-pick="segment"' in text
        and "<button" not in text.split('class="jm-bar"')[1].split("</nav>")[0]
    )
    options = re.findall(r'<option value="(s\d+|all)"( selected)?>([^<]*)</option>', text)
    assert options == [("all", "", "All")] + [
        (f"s{i}", " selected" * (i == 0), m) for i, m in enumerate(months)
    ]
