"""The variant view and the journey-map view: snapshots of their SVG for fixed inputs, escaping,
segments, top and truncation, missing values, options, and the renderer kit on both.

Snapshots live in tests/snapshots/views/; after a deliberate change of the pictures, write them
again with ``JOURNEYMINE_UPDATE_SNAPSHOTS=1 pytest tests/test_render_views.py`` and look at the
difference (and at the pictures) before committing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import ArgumentError
from journeymine.testing import check_renderer
from journeymine.testing.renderers import UNTRUSTED, journey_spec, sample_events, sample_log
from journeymine.views import render, renderer_for
from journeymine.views.journeyview import JourneyView
from journeymine.views.variantview import MAX_LINES, VariantView

SNAPSHOTS = Path(__file__).parent / "snapshots" / "views"
SVG = "{http://www.w3.org/2000/svg}"


def snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("JOURNEYMINE_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; write it with JOURNEYMINE_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; if the change is meant, write it again with "
        "JOURNEYMINE_UPDATE_SNAPSHOTS=1 and look at the picture"
    )


def texts(svg: str) -> str:
    """Everything a person can read in an SVG: text and tooltips, unescaped."""
    root = ET.fromstring(svg)
    return "\n".join(t for el in root.iter() for t in (el.text, el.tail) if t)


def chip_texts(svg: str) -> list[str]:
    """The words on the chips of the variant view, row by row."""
    root = ET.fromstring(svg)
    rows = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "jm-variant":
            chips = [c for c in g.iter(f"{SVG}g") if c.get("class") == "jm-chip"]
            rows.append([c.find(f"{SVG}text").text or "" for c in chips])
    return rows


def with_channels(variants: jm.Variants, channels: pd.DataFrame) -> jm.Variants:
    """Variants with a ``channels`` frame, before and after that field exists."""
    if "channels" in {f.name for f in dataclasses.fields(variants)}:
        return dataclasses.replace(variants, channels=channels)
    object.__setattr__(variants, "channels", channels)
    return variants


LONG = "Customer service call about the offer that was sent last week"


@pytest.fixture
def variants() -> jm.Variants:
    """Two segments (an ordered categorical, as bins are), four and two variants."""
    steps = ["Website visit", "Sign-up", "Service call", "Offer sent", "Contract signed"]
    rows = [
        ("low", (*steps,), 50, 0.5, 3 * 86_400.0),
        ("low", ("Website visit", LONG, "Contract signed"), 30, 0.3, 90_000.0),
        ("low", tuple(f"Step {i}" for i in range(40)), 15, 0.15, float("nan")),
        ("low", ("Website visit",), 5, 0.05, 0.0),
        ("high", ("Website visit", "Offer sent"), 8, 0.8, 7_200.0),
        ("high", ("Website visit", "Sign-up", "Offer sent"), 2, 0.2, 200.0),
    ]
    table = pd.DataFrame(rows, columns=["segment", "variant", "cases", "share", "median_duration_s"])
    table["segment"] = pd.Categorical(table["segment"], categories=["low", "high"], ordered=True)
    table.insert(2, "variant_id", [hashlib.md5(repr(v).encode()).hexdigest() for v in table["variant"]])
    table.insert(3, "events", [len(v) for v in table["variant"]])
    channels = pd.DataFrame(
        [
            ("low", "Website visit", "web", 80),
            ("low", "Website visit", "app", 20),
            ("low", "Sign-up", "app", 50),
            ("low", "Service call", "phone", 50),
            ("low", LONG, "phone", 30),
            ("low", "Offer sent", "email", 50),
            ("low", "Contract signed", "branch", 80),
            ("high", "Website visit", "app", 9),
            ("high", "Website visit", "web", 1),
            ("high", "Offer sent", "email", 10),
        ],
        columns=["segment", "activity", "channel", "events"],
    )
    channels["segment"] = pd.Categorical(channels["segment"], categories=["low", "high"], ordered=True)
    return with_channels(jm.Variants(table=table, by="amount"), channels)


@pytest.fixture(scope="module")
def small_map() -> jm.JourneyMapResult:
    log = sample_log(cases=40, seed=3)
    spec = journey_spec(
        ["Ad seen", "Website visit", "Sign-up", "Service call", "Offer sent", "Contract signed"],
        journey="Sample",
    )
    return jm.journey_map(log, spec, by="segment")


# -- snapshots -------------------------------------------------------------------------------------


def test_variant_view_snapshot(variants):
    snapshot("variants.svg", VariantView().render(variants, format="svg", top=3, width=900))


def test_variant_view_without_segments_or_channels_snapshot():
    table = pd.DataFrame(
        {
            "segment": [None, None],
            "variant": [("A", "B"), ("A",)],
            "variant_id": ["1", "2"],
            "events": [2, 1],
            "cases": [3, 1],
            "share": [0.75, 0.25],
            "median_duration_s": [60.0, 0.0],
        }
    )
    snapshot("variants-plain.svg", VariantView().render(jm.Variants(table=table), format="svg"))


def test_journey_map_view_snapshot(small_map):
    snapshot("journey-map.svg", JourneyView().render(small_map, format="svg", segment="returning"))


def test_html_is_a_figure_with_the_svg_inline(variants, small_map):
    for renderer, result in ((VariantView(), variants), (JourneyView(), small_map)):
        svg = renderer.render(result, format="svg")
        out = renderer.render(result, format="html")
        assert out.startswith('<figure class="jm-figure jm-')
        assert svg in out
        assert "<figcaption>" in out and out.rstrip().endswith("</figure>")


# -- the variant view ------------------------------------------------------------------------------


def test_segments_are_blocks_in_their_documented_order(variants):
    svg = VariantView().render(variants, format="svg")
    text = texts(svg)
    assert text.index("amount: low") < text.index("amount: high")
    assert svg.count('class="jm-variant"') == 6
    one = VariantView().render(variants, format="svg", segment="high")
    assert "amount: low" not in texts(one) and one.count('class="jm-variant"') == 2


def test_a_segment_that_does_not_exist_is_refused_with_the_segments(variants):
    with pytest.raises(ArgumentError, match=r"segment='middle' is not a segment .* 'low', 'high'"):
        VariantView().render(variants, format="svg", segment="middle")
    plain = dataclasses.replace(variants, by=None)
    with pytest.raises(ArgumentError, match="has no segments"):
        VariantView().render(plain, format="svg", segment="low")


def test_top_says_what_is_not_shown(variants):
    text = texts(VariantView().render(variants, format="svg", top=2, segment="low"))
    assert "top 2 of 4 variants: 80.0% of 100 cases" in text
    assert "Not shown: 2 other variants, 20 cases (20.0%)" in text
    everything = texts(VariantView().render(variants, format="svg", segment="high"))
    assert "all 2 variants: 100.0% of 10 cases" in everything and "Not shown" not in everything


def test_a_table_cut_by_discover_variants_top_does_not_claim_to_be_complete(demo_log):
    cut = jm.discover_variants(demo_log, top=3)
    text = texts(VariantView().render(cut, format="svg", top=2))
    assert "top 2 of more than 3 variants" in text
    assert f"of {demo_log.n_cases:,} cases" in text


def test_long_variants_wrap_and_end_with_a_more_chip_never_cut_silently(variants):
    svg = VariantView().render(variants, format="svg", segment="low", width=700)
    rows = chip_texts(svg)
    long_row = next(r for r in rows if r and r[0] == "Step 0")
    more = long_row[-1]
    assert re.fullmatch(r"\+\d+ more", more)
    hidden = int(more[1:].split()[0])
    assert len(long_row) - 1 + hidden == 40  # every step is a chip or counted in the +N chip
    assert f"{hidden} more touchpoints: Step {40 - hidden} › " in texts(svg)
    # the chips take MAX_LINES lines at most: the row is no taller than that
    root = ET.fromstring(svg)
    g = next(
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "jm-variant" and "Step 0" in "".join(g.itertext())
    )
    ys = {c.find(f"{SVG}rect").get("y") for c in g.iter(f"{SVG}g") if c.get("class") == "jm-chip"}
    assert len(ys) == MAX_LINES


def test_long_names_are_shortened_with_the_full_name_in_a_tooltip(variants):
    svg = VariantView().render(variants, format="svg", segment="low")
    chips = [c for row in chip_texts(svg) for c in row]
    short = next(c for c in chips if c.startswith("Customer service"))
    assert short.endswith("…") and short != LONG
    assert f"<title>{LONG} — phone 100.0%</title>" in svg


def test_chips_take_the_colour_of_the_main_channel_and_the_legend_lists_them(variants):
    from journeymine.views.style import CHANNEL_COLOURS

    low = VariantView().render(variants, format="svg", segment="low")
    high = VariantView().render(variants, format="svg", segment="high")
    # Website visit: mostly web in the low segment, mostly app in the high one
    assert re.search(r"<title>Website visit — web 80.0%, app 20.0%</title><rect [^>]*stroke=\"#0072B2\"", low)
    assert re.search(
        r"<title>Website visit — app 90.0%, web 10.0%</title><rect [^>]*stroke=\"#009E73\"", high
    )
    legend = re.search(r'<g class="jm-legend">(.*?)</g>', low, re.S).group(1)
    assert "web" in legend and "branch" in legend
    assert CHANNEL_COLOURS["web"] in legend


def test_without_channels_the_chips_are_grey_and_there_is_no_legend(variants):
    plain = with_channels(variants, variants.channels.iloc[:0])  # a log that maps no channel
    svg = VariantView().render(plain, format="svg")
    assert "jm-legend" not in svg
    assert 'stroke="#9ca3af"' in svg


def test_missing_durations_show_a_dash(variants):
    svg = VariantView().render(variants, format="svg", segment="low")
    assert "–" in texts(svg)
    assert not re.search(r"\bnan\b|NaN|None", texts(svg))


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"top": 0}, "top= takes a whole number of at least 1"),
        ({"top": True}, "top= takes a whole number"),
        ({"width": 100}, "width= must be at least 480"),
        ({"width": "wide"}, "width= takes a number of pixels"),
        ({"title": 3}, "title= takes a text"),
        ({"format": "png"}, "writes svg, html, not 'png'"),
    ],
)
def test_bad_options_are_argument_errors(variants, options, words):
    options = {"format": "svg", **options}
    with pytest.raises(ArgumentError, match=re.escape(words)):
        VariantView().render(variants, **options)


def test_width_is_the_layout_width(variants):
    svg = VariantView().render(variants, format="svg", width=700)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="700" ')
    assert 'viewBox="0 0 700 ' in svg


# -- the journey-map view --------------------------------------------------------------------------


def test_the_journey_map_shows_stages_touchpoints_lanes_and_figures(small_map):
    svg = JourneyView().render(small_map, format="svg", segment="new")
    text = texts(svg)
    for stage in small_map.spec.stages:
        assert stage.name in text
    assert svg.count('class="jm-touchpoint"') == len(small_map.spec.touchpoints)
    for lane in ("web", "app", "phone", "email"):
        assert re.search(rf">{lane}</text>", svg)
    row = small_map.touchpoints.query("segment == 'new' and touchpoint == 'Website visit'").iloc[0]
    assert f"{100 * row['share']:.1f}% · {int(row['customers'])}" in text
    assert jm.display.format_duration(row["time_spent_s"]) in text
    assert "Emotion" in text and "0 neutral" in text


def test_an_unsegmented_map_draws_every_customer_and_refuses_segment():
    log = sample_log(cases=12, seed=5)
    result = jm.journey_map(log, journey_spec(["Ad seen", "Website visit", "Sign-up"]))
    text = texts(JourneyView().render(result, format="svg"))
    assert "All customers · 12 customers" in text
    assert "Segment 1 of" not in text
    with pytest.raises(ArgumentError, match="has no segments"):
        JourneyView().render(result, format="svg", segment="new")


def test_a_segmented_map_draws_the_first_segment_and_names_the_others(small_map):
    text = texts(JourneyView().render(small_map, format="svg"))
    assert "segment: new ·" in text
    assert "Segment 1 of 2 by segment; the others: returning (draw one with segment=...)" in text
    with pytest.raises(
        ArgumentError, match=r"segment='old' is not a segment of this journey map .* 'new', 'returning'"
    ):
        JourneyView().render(small_map, format="svg", segment="old")


def test_moments_of_truth_are_marked_with_their_rank(demo_log):
    result = jm.journey_map(demo_log, jm.datasets.load_demo_map(), by="segment")
    svg = JourneyView().render(result, format="svg", segment="mover")
    marked = result.moments_of_truth.query("q_value < 0.05")
    assert len(marked) >= 2
    for rec in marked.itertuples():
        card = re.search(
            rf'<g class="jm-touchpoint"><title>{re.escape(rec.touchpoint)} \(.*?</g>\n(?=<g class="jm-touchpoint"|<g class="jm-emotion")',
            svg,
            re.S,
        ).group(0)
        assert f"moment of truth #{rec.rank}" in card
        assert 'class="jm-moment"' in card and f">{rec.rank}</text>" in card
    assert "Moments of truth" in texts(svg)
    unmarked = result.moments_of_truth.query("q_value >= 0.05")
    for name in unmarked["touchpoint"]:
        assert f"{name}: " not in texts(svg).split("Moments of truth")[1]


def test_missing_values_are_dashes_never_nan():
    log = sample_log(cases=6, seed=2)
    spec = jm.JourneyMap.from_yaml(
        textwrap.dedent(
            """
            journey: Plain
            stages:
              - name: One
                touchpoints: [Ad seen, Website visit]
              - name: Two
                touchpoints: [Sign-up, Nowhere]
            """
        )
    )
    with pytest.warns(jm.SpecWarning):
        result = jm.journey_map(log, spec, unmatched="warn")
    svg = JourneyView().render(result, format="svg")
    text = texts(svg)
    assert not re.search(r"\bnan\b|NaN|None|inf", text)
    assert "Target met\n–" in text or ">–</text>" in svg
    assert "not reached in this segment" in text  # Nowhere
    assert "No sentiment in the data" in text


def test_the_emotion_curve_has_points_whiskers_and_a_zero_line(small_map):
    svg = JourneyView().render(small_map, format="svg", segment="new")
    emotion = re.search(r'<g class="jm-emotion">.*?</g>\n</g>\n', svg, re.S).group(0)
    rows = small_map.touchpoints.query("segment == 'new'").dropna(subset=["sentiment_mean"])
    assert emotion.count("<circle") == len(rows) > 0
    for m in rows["sentiment_mean"]:
        assert f"{m:+.2f}".replace("-", "−") in emotion or (round(m, 2) == 0 and ">0</text>" in emotion)
    assert 'stroke="#1f2937" stroke-width="1.2"' in emotion  # the zero line


def test_the_width_option_scales_the_picture(small_map):
    natural = JourneyView().render(small_map, format="svg")
    w, h = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', natural).groups())
    scaled = JourneyView().render(small_map, format="svg", width=800)
    assert f'width="800" height="{-(-h * 800 // w)}" viewBox="0 0 {w} {h}"' in scaled
    with pytest.raises(ArgumentError, match="width= must be at least 480"):
        JourneyView().render(small_map, format="svg", width=10)


# -- escaping, determinism, registration, the kit ------------------------------------------------


def untrusted_frame() -> pd.DataFrame:
    activities = ["Start", *UNTRUSTED]
    return sample_events(12, seed=9, activities=activities, channels=UNTRUSTED, segments=UNTRUSTED)


def test_untrusted_names_are_text_in_both_views():
    log = sample_log(untrusted_frame())
    variants = jm.discover_variants(log, by="segment")
    spec = journey_spec(["Start", *UNTRUSTED], journey=UNTRUSTED[0], stage_names=list(UNTRUSTED))
    result = jm.journey_map(log, spec, by="segment")
    outputs = [VariantView().render(variants, format="svg", title=UNTRUSTED[1])]
    outputs += [JourneyView().render(result, format="svg", segment=s, title=UNTRUSTED[3]) for s in UNTRUSTED]
    for svg in outputs:
        ET.fromstring(svg)  # still one well-formed document
        assert "<script>" not in svg and "<b>" not in svg and "a & b" not in svg
        assert svg.count("</svg>") == 1
    for name in UNTRUSTED:
        assert name in texts(outputs[0])
        assert any(name in texts(svg) for svg in outputs[1:])


def test_control_characters_cannot_break_the_document(variants):
    table = variants.table.copy()
    table["variant"] = [("bell\x07", "nul\x00 byte", "\ud800lone"), *table["variant"][1:]]
    svg = VariantView().render(dataclasses.replace(variants, table=table), format="svg")
    ET.fromstring(svg)
    svg.encode("utf-8")
    assert "bell\ufffd" in texts(svg)


def test_both_views_are_byte_identical_across_processes():
    """Hash randomisation differs between processes: nothing may depend on set or dict order."""
    code = textwrap.dedent(
        """
        import hashlib
        import journeymine as jm
        from journeymine.views import render
        from journeymine.testing.renderers import journey_spec, sample_log
        log = sample_log(cases=30, seed=4)
        spec = journey_spec(["Ad seen", "Website visit", "Sign-up", "Service call", "Offer sent"])
        out = render(jm.discover_variants(log, by="segment"), "svg")
        out += render(jm.journey_map(log, spec, by="segment"), "svg", segment="returning")
        print(hashlib.sha256(out.encode()).hexdigest())
        """
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        digests.add(run.stdout.strip())
    assert len(digests) == 1


def test_the_views_are_registered_and_the_defaults_of_their_types(variants, small_map):
    from journeymine.registry import renderers

    assert renderers()["variants"].name == "variants"
    assert renderer_for(variants).name == "variants"
    assert renderer_for(small_map).name == "journey-map"
    assert render(small_map).startswith("<svg")
    with pytest.raises(ArgumentError, match="does not take zoom="):
        render(variants, zoom=2)


@pytest.mark.parametrize("name", ["variants", "journey-map"])
def test_the_views_pass_the_renderer_kit(name):
    check_renderer(name)
