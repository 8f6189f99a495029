"""The difference map (views/diffmap.py) and the report's comparison section (comparison/section.py).

Comparisons are built by hand (literal frames with the columns of the contract, :func:`build`), so
that each arrow's colour, width, style and label can be checked against the figures it was given;
the demo comparison (``jm.compare``) is drawn too, through the renderer kit.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import journeymine as jm
from journeymine.comparison.result import Comparison, Drift
from journeymine.errors import ArgumentError
from journeymine.views import style
from journeymine.views.diffmap import CONTEXT, MORE_A, MORE_B, DifferenceMap, p_text, points, resolve_pair

SVG = "{http://www.w3.org/2000/svg}"
MODULES = ("journeymine.views.diffmap", "journeymine.comparison.section")
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"

EDGE_COLUMNS = [
    "group_a",
    "group_b",
    "source",
    "target",
    "cases_a",
    "cases_b",
    "share_a",
    "share_b",
    "diff",
    "ci_low",
    "ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "effect",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
VARIANT_COLUMNS = ["group_a", "group_b", "variant_id", "variant", *EDGE_COLUMNS[4:]]
DURATION_COLUMNS = [
    "group_a",
    "group_b",
    "level",
    "source",
    "target",
    "n_a",
    "n_b",
    "median_a_s",
    "median_b_s",
    "diff_s",
    "ci_low_s",
    "ci_high_s",
    "effect",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
KPI_COLUMNS = [
    "group_a",
    "group_b",
    "kpi",
    "stage",
    "touchpoint",
    "n_a",
    "n_b",
    "value_a",
    "value_b",
    "diff",
    "ci_low",
    "ci_high",
    "effect",
    "effect_kind",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
OMNIBUS_COLUMNS = [
    "kind",
    "source",
    "target",
    "variant_id",
    "statistic",
    "dof",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
DISTRIBUTION_COLUMNS = ["group_a", "group_b", "statistic", "p", "permutations", "seed", "method"]

#: untrusted names: markup, entities, quotes, braces, backslashes (Graphviz escapes), newlines
NASTY = ("<script>alert(1)</script>", 'a & "b"', "{x} 'y'", "back\\slash \\N \\G", "two\nlines", "</svg>")


# -- building comparisons by hand -----------------------------------------------------------------


def _h(a: float, b: float) -> float:
    return 2 * math.asin(math.sqrt(a)) - 2 * math.asin(math.sqrt(b))


def share_row(
    a: str, b: str, n: tuple[int, int], share_a: float, share_b: float, q: float | None, **extra: Any
) -> dict[str, Any]:
    """One row of a share table (edges, variants): counts, difference, interval and test."""
    diff = share_a - share_b
    tested = q is not None
    row = {
        "group_a": a,
        "group_b": b,
        "cases_a": round(share_a * n[0]),
        "cases_b": round(share_b * n[1]),
        "share_a": share_a,
        "share_b": share_b,
        "diff": diff,
        "ci_low": diff - 0.03,
        "ci_high": diff + 0.03,
        "ratio": share_a / share_b if share_b else math.nan,
        "ratio_ci_low": math.nan,
        "ratio_ci_high": math.nan,
        "effect": _h(share_a, share_b),
        "p": q / 2 if tested else math.nan,
        "q": q if tested else math.nan,
        "test": "chi-square" if tested else "",
        "significant": tested and q < 0.05,
        "reason": "" if tested else "4 cases in all, fewer than min_count=10",
    }
    row.update(extra)
    return row


def build(
    edges: Sequence[tuple[str, str, float, float, float | None]],
    *,
    groups: Sequence[str] = ("mover", "refinancer"),
    cases: Sequence[int] = (1000, 800),
    pairs: Sequence[tuple[str, str]] | None = None,
    variants: Sequence[tuple[tuple[str, ...], float, float, float | None]] = (),
    durations: Sequence[dict[str, Any]] = (),
    kpis: Sequence[dict[str, Any]] = (),
    alpha: float = 0.05,
    methods: dict[str, str] | None = None,
) -> Comparison:
    """A Comparison of literal figures: ``edges`` as ``(source, target, share_a, share_b, q)``
    (``q=None``: not tested), the same for every pair; ``variants`` as ``(steps, share_a,
    share_b, q)``."""
    pairs = list(pairs) if pairs is not None else [(groups[0], groups[1])]
    size = dict(zip(groups, cases))
    edge_rows, variant_rows, distribution = [], [], []
    for i, (a, b) in enumerate(pairs):
        n = (size[a], size[b])
        for s, t, sa, sb, q in edges:
            edge_rows.append(share_row(a, b, n, sa, sb, q, source=s, target=t))
        for steps, sa, sb, q in variants:
            variant_rows.append(
                share_row(a, b, n, sa, sb, q, variant_id=f"v{len(variant_rows)}", variant=tuple(steps))
            )
        distribution.append(
            {
                "group_a": a,
                "group_b": b,
                "statistic": 0.125 + i,
                "p": 0.002,
                "permutations": 999,
                "seed": 7,
                "method": "permutation_test",
            }
        )
    return Comparison(
        groups=pd.DataFrame(
            {
                "group": list(groups),
                "segments": [[g] for g in groups],
                "cases": list(cases),
                "events": [10 * c for c in cases],
            }
        ),
        edges=pd.DataFrame(edge_rows, columns=EDGE_COLUMNS),
        variants=pd.DataFrame(variant_rows, columns=VARIANT_COLUMNS),
        omnibus=pd.DataFrame(columns=OMNIBUS_COLUMNS),
        distribution=pd.DataFrame(distribution, columns=DISTRIBUTION_COLUMNS),
        durations=pd.DataFrame(list(durations), columns=DURATION_COLUMNS),
        kpis=pd.DataFrame(list(kpis), columns=KPI_COLUMNS),
        settings={
            "by": "segment",
            "bins": None,
            "groups": list(groups),
            "pairs": [list(p) for p in pairs],
            "alpha": alpha,
            "confidence": 0.95,
            "seed": 7,
            "permutations": 999,
            "min_count": 10,
            "against": None,
            "methods": methods if methods is not None else {"edges": "Chi-square or Fisher's exact test."},
        },
    )


#: X -> Y much more in A, Y -> Z more in B, X -> Z about the same, Z -> X not tested, Y -> Y a
#: smaller significant difference in A
EDGES = [
    ("X", "Y", 0.6, 0.2, 0.001),
    ("Y", "Z", 0.1, 0.3, 0.004),
    ("X", "Z", 0.3, 0.28, 0.6),
    ("Z", "X", 0.002, 0.004, None),
    ("Y", "Y", 0.15, 0.05, 0.02),
]


@pytest.fixture
def registered() -> Any:
    """The plugin registry, with the difference map and the comparison section among its built-ins."""
    from journeymine import registry

    assert set(MODULES) <= set(registry.BUILTIN_MODULES)
    return registry


def draw(result: Any, format: str = "svg", **options: Any) -> Any:
    return DifferenceMap().render(result, format=format, **options)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def arrows(svg: str) -> dict[str, ET.Element]:
    """Arrow id (``e_n0_n1``) -> its ``<g>``."""
    return {
        g.get("id", ""): g for g in parse(svg).iter(f"{SVG}g") if "edge" in (g.get("class") or "").split()
    }


def path(g: ET.Element) -> ET.Element:
    found = g.find(f"{SVG}path")
    assert found is not None
    return found


def words(g: ET.Element) -> str:
    return " ".join((t.text or "") for t in g.iter(f"{SVG}text")).strip()


def title(g: ET.Element) -> str:
    found = g.find(f"{SVG}title")
    assert found is not None
    return found.text or ""


def readable(svg: str) -> str:
    """The SVG's text, its runs joined and whitespace folded (the footnote is wrapped in lines)."""
    return " ".join(" ".join(t for el in parse(svg).iter() for t in (el.text, el.tail) if t).split())


# -- the map ----------------------------------------------------------------------------------------


def test_arrows_are_coloured_by_direction_and_sized_by_the_difference():
    svg = draw(build(EDGES))
    g = arrows(svg)
    # ids from the sorted names: X n0, Y n1, Z n2
    assert set(g) == {"e_n0_n1", "e_n1_n2", "e_n0_n2", "e_n2_n0", "e_n1_n1"}
    xy, yz, yy = path(g["e_n0_n1"]), path(g["e_n1_n2"]), path(g["e_n1_n1"])
    assert xy.get("stroke") == MORE_A and yz.get("stroke") == MORE_B and yy.get("stroke") == MORE_A
    # the largest difference (40 pp) is the widest; the others on the same square-root scale
    assert float(xy.get("stroke-width", 0)) == 7.0
    assert float(yz.get("stroke-width", 0)) == pytest.approx(
        style.scale(0.2, 0.4, low=1.6, high=7.0), abs=0.01
    )
    assert float(yy.get("stroke-width", 0)) == pytest.approx(
        style.scale(0.1, 0.4, low=1.6, high=7.0), abs=0.01
    )
    assert float(yz.get("stroke-width", 0)) > float(yy.get("stroke-width", 0)) > 1.6
    # significant: solid and labelled with the signed difference
    for key in ("e_n0_n1", "e_n1_n2", "e_n1_n1"):
        assert path(g[key]).get("stroke-dasharray") is None
        assert "significant" in (g[key].get("class") or "").split()
    assert words(g["e_n0_n1"]) == "+40.0 pp"
    assert words(g["e_n1_n2"]) == "-20.0 pp"
    assert words(g["e_n1_n1"]) == "+10.0 pp"
    assert "more_a" in g["e_n0_n1"].get("class", "") and "more_b" in g["e_n1_n2"].get("class", "")


def test_differences_that_are_not_significant_are_thin_grey_dashed_and_unlabelled():
    g = arrows(draw(build(EDGES)))
    for key, kind in (("e_n0_n2", "not_significant"), ("e_n2_n0", "untested")):
        p = path(g[key])
        assert p.get("stroke") == CONTEXT
        assert float(p.get("stroke-width", 1)) == 1.0
        assert p.get("stroke-dasharray")  # dashed
        assert words(g[key]) == ""
        assert kind in (g[key].get("class") or "").split()


def test_every_arrow_has_a_tooltip_with_both_shares_the_difference_and_q():
    g = arrows(draw(build(EDGES)))
    xy = title(g["e_n0_n1"]).split("\n")
    assert xy == [
        "X → Y",
        "A mover: 60.0% (600 of 1,000 cases)",
        "B refinancer: 20.0% (160 of 800 cases)",
        "A minus B: +40.0 pp [95% CI +37.0 pp to +43.0 pp]",
        "q = 0.001 (chi-square): significant at FDR 5%",
    ]
    xz = title(g["e_n0_n2"])
    assert "A minus B: +2.0 pp" in xz and "q = 0.600 (chi-square): not significant at FDR 5%" in xz
    assert title(g["e_n2_n0"]).endswith("not tested: 4 cases in all, fewer than min_count=10")
    nodes = [title(n) for n in parse(draw(build(EDGES))).iter(f"{SVG}g") if n.get("class") == "node"]
    assert sorted(nodes) == ["X", "Y", "Z"]


def test_the_legend_names_the_colours_and_what_bold_means():
    svg = draw(build(EDGES, alpha=0.1))
    text = readable(svg)
    assert "Difference map: mover vs refinancer" in text
    assert "more in A (mover)" in text and "more in B (refinancer)" in text
    assert "bold: significant at FDR 10% (Benjamini-Hochberg q < 0.1)" in text
    assert "A: mover, 1,000 cases; B: refinancer, 800 cases." in text
    assert "up to 40.0 pp" in text
    # the colour key's squares are in the colours of the arrows
    fills = {t.get("fill") for t in parse(svg).iter(f"{SVG}text") if t.text == "■"}
    assert {MORE_A, MORE_B, CONTEXT} <= fills
    # at alpha 0.1, Y -> Z (q 0.004) is still significant and X -> Z (q 0.6) is not
    assert (
        "Showing 5 of 5 transitions: 3 significant (2 more in A, 1 more in B), 2 not significant (1 of them not tested)." in text
    )
    assert readable(draw(build(EDGES), title="")).count("Difference map") == 0
    assert "Mine" in readable(draw(build(EDGES), title="Mine"))


def test_the_significance_comes_from_the_comparison_not_from_q_alone():
    # a row the comparison calls significant is drawn so, even at another alpha: `significant` rules
    comparison = build(EDGES)
    edges = comparison.edges.copy()
    edges.loc[(edges.source == "X") & (edges.target == "Z"), "significant"] = True
    g = arrows(draw(dataclasses.replace(comparison, edges=edges)))
    assert path(g["e_n0_n2"]).get("stroke") == MORE_A and words(g["e_n0_n2"]) == "+2.0 pp"


def test_min_share_hides_rare_transitions_and_says_how_many():
    svg = draw(build(EDGES), min_share=0.2)
    g = arrows(svg)
    # larger share below 20%: Z -> X (0.4%) and Y -> Y (15%, significant)
    assert set(g) == {"e_n0_n1", "e_n1_n2", "e_n0_n2"}
    text = readable(svg)
    assert "Showing 3 of 5 transitions" in text
    assert (
        "2 hidden: in fewer than 20.0% of either group's cases (min_share=0.2), 1 of them significant."
        in text
    )
    # the widths are scaled to the largest difference drawn
    assert float(path(g["e_n0_n1"]).get("stroke-width", 0)) == 7.0
    assert set(arrows(draw(build(EDGES), min_share=0.0))) == set(arrows(draw(build(EDGES))))
    assert arrows(draw(build(EDGES), min_share=1)) == {}


def test_significant_only_draws_only_the_significant_arrows():
    svg = draw(build(EDGES), significant_only=True)
    assert set(arrows(svg)) == {"e_n0_n1", "e_n1_n2", "e_n1_n1"}
    assert "2 not significant hidden (significant_only=True)." in readable(svg)
    only = build([("X", "Y", 0.5, 0.1, 0.001), ("Q", "R", 0.2, 0.21, 0.9)])
    text = readable(draw(only, significant_only=True))
    # Q and R have no drawn arrow: left out, and counted
    assert "2 activities without a drawn transition left out." in text
    svg = draw(only, significant_only=True)
    assert sorted(title(n) for n in parse(svg).iter(f"{SVG}g") if n.get("class") == "node") == ["X", "Y"]


def test_a_pair_is_chosen_and_a_reversed_pair_turns_the_signs():
    comparison = build(
        EDGES, groups=("a", "b", "c"), cases=(100, 200, 300), pairs=[("a", "b"), ("a", "c"), ("b", "c")]
    )
    assert comparison.pairs == [("a", "b"), ("a", "c"), ("b", "c")]
    assert "Difference map: a vs b" in readable(draw(comparison))
    text = readable(draw(comparison, pair=("b", "c")))
    assert "Difference map: b vs c" in text and "A: b, 200 cases; B: c, 300 cases." in text
    assert draw(comparison, pair=["a", "c"]) == draw(comparison, pair=("a", "c"))
    flipped = draw(comparison, pair=("c", "a"))
    g = arrows(flipped)
    assert "Difference map: c vs a" in readable(flipped)
    assert path(g["e_n0_n1"]).get("stroke") == MORE_B and words(g["e_n0_n1"]) == "-40.0 pp"
    assert "A minus B: -40.0 pp [95% CI -43.0 pp to -37.0 pp]" in title(g["e_n0_n1"])
    assert "A c: 20.0% (60 of 300 cases)\nB a: 60.0% (60 of 100 cases)" in title(g["e_n0_n1"])
    assert resolve_pair(comparison, ("c", "a")) == ("a", "c", True)


def test_a_pair_that_is_not_compared_is_an_error_listing_the_pairs():
    comparison = build(EDGES, groups=("a", "b", "c"), cases=(100, 200, 300), pairs=[("a", "b"), ("a", "c")])
    with pytest.raises(ArgumentError, match=r"pair=\('b', 'c'\) is not a pair .*\('a', 'b'\); \('a', 'c'\)"):
        draw(comparison, pair=("b", "c"))
    for bad in ("ab", ("a",), ("a", "b", "c"), 3):
        with pytest.raises(ArgumentError, match=r"pair= takes two group names.*\('a', 'b'\)"):
            draw(comparison, pair=bad)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_share": 1.5}, "min_share= takes a share of cases from 0 to 1"),
        ({"min_share": -0.1}, "min_share= takes a share"),
        ({"min_share": True}, "min_share= takes a share"),
        ({"min_share": "0.1"}, "min_share= takes a share"),
        ({"significant_only": "yes"}, "significant_only= takes True or False"),
        ({"significant_only": 1}, "significant_only= takes True or False"),
        ({"title": 3}, "title= takes a text"),
        ({"rankdir": "BT"}, "rankdir= takes 'TB'"),
        ({"colour": "red"}, r"does not take colour=; its options: pair=, min_share="),
    ],
)
def test_bad_options_are_errors(options, message):
    with pytest.raises(ArgumentError, match=message):
        draw(build(EDGES), **options)


def test_only_comparisons_and_drifts_and_known_formats():
    with pytest.raises(ArgumentError, match="draws a Comparison or a Drift, not a DataFrame"):
        DifferenceMap().render(pd.DataFrame(), format="svg")
    with pytest.raises(ArgumentError, match="writes svg, dot, png, not 'gif'"):
        draw(build(EDGES), "gif")


def test_untrusted_names_are_escaped_everywhere():
    acts = NASTY
    edges = [
        (acts[i], acts[(i + 1) % len(acts)], 0.5 - 0.05 * i, 0.2, 0.001 if i % 2 else 0.5)
        for i in range(len(acts))
    ]
    comparison = build(edges, groups=(NASTY[0], NASTY[1]), cases=(50, 60))
    svg = draw(comparison)
    assert svg.count("<svg") == 1 and svg.count("</svg>") == 1
    assert "<script>" not in svg and 'a & "b"' not in svg
    root = parse(svg)  # well-formed
    text = "\n".join(t for el in root.iter() for t in (el.text, el.tail) if t)
    for name in acts:
        for line in name.split("\n"):
            assert line in text, line
    # Graphviz would replace \N with the node's id, \G with the graph's name: kept literally
    assert "back\\slash \\N \\G" in text
    assert "more in A (<script>alert(1)</script>)" in text and 'more in B (a & "b")' in text
    titles = [title(g) for g in arrows(svg).values()]
    assert any(t.startswith("two\nlines → </svg>") for t in titles)
    assert any("back\\slash \\N \\G → two\nlines" in t for t in titles)
    # DOT: every untrusted text stays inside its HTML-like labels; dot draws it (already above)
    from journeymine.testing.renderers import _dot_tokens

    _, outside = _dot_tokens(draw(comparison, "dot"))
    assert "script" not in outside and "slash" not in outside and "{x}" not in outside


def test_output_is_deterministic():
    comparison = build(EDGES, variants=[(("X", "Y", "Z"), 0.5, 0.2, 0.01)])
    for fmt in ("svg", "dot"):
        first = draw(comparison, fmt, min_share=0.1)
        assert first == draw(copy.deepcopy(comparison), fmt, min_share=0.1)
    # the row order of the frames does not matter
    shuffled = dataclasses.replace(comparison, edges=comparison.edges.iloc[::-1].reset_index(drop=True))
    assert draw(shuffled) == draw(comparison)
    assert "http" not in draw(comparison).replace("http://www.w3.org", "")


def test_node_ids_are_those_of_the_whole_comparison():
    # a pair's map uses the ids of every activity in the comparison: the same box, the same id
    comparison = build(EDGES, groups=("a", "b", "c"), cases=(100, 200, 300), pairs=[("a", "b"), ("a", "c")])
    edges = comparison.edges.copy()
    edges = edges[~((edges.group_b == "c") & (edges.source == "X"))]
    g = arrows(draw(dataclasses.replace(comparison, edges=edges), pair=("a", "c")))
    assert set(g) == {"e_n1_n2", "e_n2_n0", "e_n1_n1"}


def test_the_variants_order_the_boxes_from_where_journeys_begin():
    edges = [("B", "C", 0.5, 0.4, 0.01), ("A", "B", 0.9, 0.9, 0.9), ("C", "A", 0.1, 0.1, 0.9)]
    first = build(edges, variants=[(("A", "B", "C"), 0.5, 0.5, 0.9)])
    dot = draw(first, "dot")
    assert dot.index("\tn0 [") < dot.index("\tn1 [") < dot.index("\tn2 [")
    second = build(edges, variants=[(("C", "A", "B"), 0.5, 0.5, 0.9)])
    dot = draw(second, "dot")
    assert dot.index("\tn2 [") < dot.index("\tn0 [") < dot.index("\tn1 [")


def test_a_drift_draws_its_latest_period_against_the_one_before():
    periods = ("2024-01", "2024-02", "2024-03")
    comparison = build(
        EDGES,
        groups=periods,
        cases=(100, 120, 140),
        pairs=[(periods[1], periods[0]), (periods[2], periods[1])],
    )
    drift = Drift(comparison, pd.DataFrame({"period": periods}), pd.DataFrame(), pd.DataFrame())
    svg = draw(drift)
    assert "Difference map: 2024-03 vs 2024-02" in readable(svg)
    assert draw(drift, pair=(periods[1], periods[0])) == draw(comparison)
    assert resolve_pair(drift) == ("2024-03", "2024-02", False)


def test_empty_comparisons_draw_a_map_that_says_so():
    empty = build([])
    svg = draw(empty)
    assert "No transitions to compare." in readable(svg) and arrows(svg) == {}
    nothing = dataclasses.replace(empty, settings={})
    assert "No transitions to compare." in readable(draw(nothing))
    with pytest.raises(ArgumentError, match="its pairs: none"):
        draw(nothing, pair=("a", "b"))
    assert draw(empty, "png").startswith(b"\x89PNG")


def test_words():
    assert [points(x) for x in (0.123, -0.0449, 1e-5, -1e-5, 0.0, math.nan)] == [
        "+12.3 pp",
        "-4.5 pp",
        "+<0.1 pp",
        "-<0.1 pp",
        "0.0 pp",
        "–",
    ]
    assert [p_text(x) for x in (0.05, 0.0004, None, 1.0)] == ["0.050", "<0.001", "–", "1.000"]


def test_the_renderer_is_registered_as_the_view_of_comparisons(registered):
    assert "difference-map" in registered.renderers()
    owner = registered.renderers().owners["difference-map"]
    assert owner == "journeymine.views.diffmap"
    comparison = build(EDGES)
    assert jm.render(comparison, "svg") == draw(comparison)
    assert jm.render(comparison, "svg", renderer="difference-map", pair=("mover", "refinancer")) == draw(
        comparison
    )
    assert comparison._repr_html_() == draw(comparison)
    with pytest.raises(ArgumentError, match="does not take nope="):
        jm.render(comparison, nope=1)
    assert "comparison" in registered.report_sections()


# -- the report section -------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.parts.extend(v for k, v in attrs if v and k in ("title", "aria-label"))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join(" ".join(parser.parts).split()), parser.tags


@pytest.fixture(scope="module")
def demo_context() -> Any:
    from journeymine.views.report import build_context

    return build_context(jm.datasets.load_demo_log(), by="segment", detail=0.8)


def full_comparison(**kwargs: Any) -> Comparison:
    durations = [
        {
            "group_a": "mover",
            "group_b": "refinancer",
            "level": "case",
            "source": None,
            "target": None,
            "n_a": 1000,
            "n_b": 800,
            "median_a_s": 864_000.0,
            "median_b_s": 604_800.0,
            "diff_s": 259_200.0,
            "ci_low_s": 86_400.0,
            "ci_high_s": 345_600.0,
            "effect": 0.21,
            "p": 0.001,
            "q": 0.002,
            "test": "mann-whitney",
            "significant": True,
            "reason": "",
        },
        {
            "group_a": "mover",
            "group_b": "refinancer",
            "level": "transition",
            "source": "X",
            "target": "Y",
            "n_a": 600,
            "n_b": 160,
            "median_a_s": 3600.0,
            "median_b_s": 7200.0,
            "diff_s": -3600.0,
            "ci_low_s": -5000.0,
            "ci_high_s": -2000.0,
            "effect": -0.4,
            "p": 0.0001,
            "q": 0.0003,
            "test": "mann-whitney",
            "significant": True,
            "reason": "",
        },
        {
            "group_a": "mover",
            "group_b": "refinancer",
            "level": "transition",
            "source": "Y",
            "target": "Z",
            "n_a": 5,
            "n_b": 3,
            "median_a_s": 60.0,
            "median_b_s": 70.0,
            "diff_s": -10.0,
            "ci_low_s": math.nan,
            "ci_high_s": math.nan,
            "effect": math.nan,
            "p": math.nan,
            "q": math.nan,
            "test": "",
            "significant": False,
            "reason": "5 cases in A, fewer than min_count=10",
        },
    ]
    kpis = [
        {
            "group_a": "mover",
            "group_b": "refinancer",
            "kpi": "completion",
            "stage": None,
            "touchpoint": None,
            "n_a": 1000,
            "n_b": 800,
            "value_a": 0.7,
            "value_b": 0.6,
            "diff": 0.1,
            "ci_low": 0.05,
            "ci_high": 0.15,
            "effect": 0.21,
            "effect_kind": "h",
            "p": 0.01,
            "q": 0.02,
            "test": "chi-square",
            "significant": True,
            "reason": "",
        },
        {
            "group_a": "mover",
            "group_b": "refinancer",
            "kpi": "sentiment",
            "stage": "Offer",
            "touchpoint": None,
            "n_a": 300,
            "n_b": 250,
            "value_a": -0.2,
            "value_b": 0.1,
            "diff": -0.3,
            "ci_low": -0.4,
            "ci_high": -0.2,
            "effect": -0.5,
            "effect_kind": "d",
            "p": 0.001,
            "q": 0.004,
            "test": "welch",
            "significant": True,
            "reason": "",
        },
    ]
    return build(
        EDGES,
        variants=[(("X", "Y", "Z"), 0.3, 0.31, 0.8), (("X", "Z"), 0.2, 0.19, 0.9)],
        durations=durations,
        kpis=kpis,
        methods={"edges": "Chi-square <Yates> & Fisher", "distribution": "Jensen-Shannon divergence"},
        **kwargs,
    )


def test_the_section_is_left_out_without_a_comparison(demo_context):
    from journeymine.comparison.section import ComparisonSection

    assert ComparisonSection().render(demo_context) is None


def test_the_section_shows_the_pair_the_tests_the_map_and_the_tables(demo_context, registered):
    from journeymine.comparison.section import ComparisonSection

    context = dataclasses.replace(demo_context, comparison=full_comparison())
    html = ComparisonSection().render(context)
    assert html is not None
    text, tags = html_text(html)
    assert "<h3>Comparison: mover vs refinancer</h3>" in html
    assert "The cases of mover (1,000 cases) against those of refinancer (800 cases) by segment" in text
    # the distribution test: divergence, p, permutations and seed
    assert "0.125 bits" in text and "Permutation p 0.002" in text and "999 permutations, seed 7" in text
    # the difference map, inline, with ids made unique and no title of its own
    assert html.count("<svg") == 1 and 'id="jm1-e_n0_n1"' in html
    assert "Difference map: mover vs refinancer" in text
    # transitions: the three significant ones, largest effect first; the tests counted
    assert (
        "3 of 4 tests significant at FDR 5%; 1 not run (such as: 4 cases in all, fewer than min_count=10)."
        in text
    )
    transitions = html.split("<h3>Transitions</h3>")[1].split("<h3>")[0]
    order = [transitions.index(t) for t in ("X → Y", "Y → Z", "Y → Y")]
    assert order == sorted(order) and "X → Z" not in transitions
    assert "+40.0 pp" in transitions and "95% CI +37.0 pp to +43.0 pp" in transitions
    assert f"background:{MORE_A}" in transitions and f"background:{MORE_B}" in transitions
    # variants: none significant
    variants = html.split("<h3>Variants</h3>")[1].split("<h3>")[0]
    assert "No significant difference at FDR 5%." in variants and "0 of 2 tests significant" in variants
    durations = html.split("<h3>Durations</h3>")[1].split("<h3>")[0]
    assert "whole case" in durations and "+3 d" in durations and "-1 h" in durations
    assert "1 not run (such as: 5 cases in A, fewer than min_count=10)" in durations
    kpis = html.split("<h3>Journey KPIs</h3>")[1]
    assert "+10.0 pp" in kpis and "70.0%" in kpis and "-0.30" in kpis and "Offer" in kpis
    # methods, escaped
    assert "Chi-square &lt;Yates&gt; &amp; Fisher" in html and "<summary>Methods</summary>" in html
    assert "not the effect of being in a group" in text
    assert tags.count("table") == 3  # no variant is significant; the pairs' tests only with several


def test_the_section_with_several_groups(demo_context, registered):
    from journeymine.comparison.section import MAX_MAPS, ComparisonSection

    groups = [f"g{i}" for i in range(5)]
    pairs = [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]
    comparison = build(EDGES, groups=groups, cases=[100 + i for i in range(5)], pairs=pairs)
    html = ComparisonSection().render(dataclasses.replace(demo_context, comparison=comparison))
    assert html is not None
    text, _ = html_text(html)
    assert "<h3>Groups compared</h3>" in html and "5 groups by segment: g0 (100 cases)" in text
    assert html.count("<svg") == MAX_MAPS and f"{len(pairs) - MAX_MAPS} more pairs are not drawn" in text
    assert "Pair" in text and "g3 vs g4" in text  # the pairs' distribution tests, and a pair column
    assert html.count("jm-picture") == MAX_MAPS


def test_the_section_escapes_every_name(demo_context, registered):
    from journeymine.comparison.section import ComparisonSection

    edges = [(NASTY[i], NASTY[(i + 1) % len(NASTY)], 0.5, 0.1 + 0.05 * i, 0.001) for i in range(len(NASTY))]
    comparison = build(
        edges,
        groups=(NASTY[0], NASTY[1]),
        cases=(40, 50),
        variants=[(NASTY, 0.4, 0.1, 0.001)],
        methods={NASTY[0]: NASTY[1]},
    )
    html = ComparisonSection().render(dataclasses.replace(demo_context, comparison=comparison))
    assert html is not None
    assert "<script>" not in html and 'a & "b"' not in html
    assert html.count("<svg") == html.count("</svg>") == 1
    text, tags = html_text(html)
    assert "script" not in tags
    assert f"Comparison: {NASTY[0]} vs {NASTY[1]}" in text
    assert "back\\slash \\N \\G → two lines" in text  # HTML folds the line break


def test_the_section_is_in_the_report(demo_context, registered):
    from journeymine.views.report import assemble

    page = assemble(dataclasses.replace(demo_context, comparison=full_comparison()))
    sections = [part.split('"')[0] for part in page.split('<section class="jm-section" id="')[1:]]
    assert sections == ["jm-overview", "jm-process-map", "jm-variants", "jm-comparison"]
    assert "This section could not be made" not in page


# -- the demo comparison -------------------------------------------------------------------------------


def _compare_ready() -> bool:
    try:
        return importlib.util.find_spec("journeymine.comparison.stattests") is not None and bool(
            importlib.util.find_spec("journeymine.comparison.run")
        )
    except ImportError:
        return False


needs_compare = pytest.mark.skipif(not _compare_ready(), reason="jm.compare is not there yet")


@pytest.fixture(scope="module")
def demo_comparison() -> Comparison:
    return jm.compare(jm.datasets.load_demo_log(), by="segment", groups=("mover", "refinancer"))


@needs_compare
def test_the_demo_difference_map(demo_comparison):
    comparison = demo_comparison
    svg = draw(comparison)
    g = arrows(svg)
    edges = comparison.edges
    for row in edges.to_dict("records"):
        names = sorted(set(edges["source"]) | set(edges["target"]))
        key = f"e_n{names.index(row['source'])}_n{names.index(row['target'])}"
        stroke = path(g[key]).get("stroke")
        if row["significant"]:
            assert stroke == (MORE_A if row["diff"] > 0 else MORE_B), key
            assert words(g[key]) == points(row["diff"])
        else:
            assert stroke == CONTEXT and words(g[key]) == ""
    assert draw(comparison) == svg
    png = draw(comparison, "png")
    assert png.startswith(b"\x89PNG")
    if not (IMAGES / "difference-map.png").exists() or _update():
        IMAGES.mkdir(parents=True, exist_ok=True)
        (IMAGES / "difference-map.png").write_bytes(png)


def _update() -> bool:
    import os

    return bool(os.environ.get("JOURNEYMINE_UPDATE_SCREENSHOTS"))


@needs_compare
def test_the_renderer_passes_the_conformance_kit(registered, demo_comparison):
    from journeymine.testing import check_renderer

    def make(log: jm.EventLog, by: str | None) -> Comparison:
        segments = log.cases(by="segment", attributes=[])["segment"].dropna().astype(str)
        labels = sorted(set(segments))
        if len(labels) < 2:  # a one-case log: nothing to compare, an empty comparison
            return build([], groups=[*(labels or ["a"])[:1], "b"], cases=(1, 0))
        return jm.compare(log, by="segment", groups=tuple(labels[:2]))

    check_renderer("difference-map", [demo_comparison], make=make)
