"""CSV, Markdown and LaTeX exports of a Comparison (journeymine.comparison.export).

Comparisons are built by hand from literal frames with the contract's columns, with names that
try to break every format: pipes, ampersands, percent signs, underscores, dollars, backslashes,
braces, HTML, commas, quotes, line breaks, a formula and unicode.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from journeymine.comparison.export import to_csv, to_latex, to_markdown
from journeymine.comparison.result import TABLES, Comparison
from journeymine.display import format_duration
from journeymine.errors import ArgumentError

NASTY = [
    "pipe|name",
    "R&D 100%",
    "under_score $5",
    "back\\slash\\",
    "{braces}",
    "<script>alert(1)</script>",
    'comma, "quoted"',
    "line\nbreak",
    "crlf\r\nend",
    "café – ünïcödé",
    "#hash *star* `tick` [l](x) ~t~ ^c",
    "=SUM(A1)",
    "NA",
    "--dash",
    "[bracket",
    "*starts",
]

SHARE_COLUMNS = [
    "cases_a", "cases_b", "share_a", "share_b", "diff", "ci_low", "ci_high", "ratio", "ratio_ci_low",
    "ratio_ci_high", "effect", "p", "q", "test", "significant", "reason",
]  # fmt: skip
EDGE_COLUMNS = ["group_a", "group_b", "source", "target", *SHARE_COLUMNS]
VARIANT_COLUMNS = ["group_a", "group_b", "variant_id", "variant", *SHARE_COLUMNS]
OMNIBUS_COLUMNS = [
    "kind", "source", "target", "variant_id", "statistic", "dof", "p", "q", "test", "significant", "reason",
]  # fmt: skip
DISTRIBUTION_COLUMNS = ["group_a", "group_b", "statistic", "p", "permutations", "seed", "method"]
DURATION_COLUMNS = [
    "group_a", "group_b", "level", "source", "target", "n_a", "n_b", "median_a_s", "median_b_s", "diff_s",
    "ci_low_s", "ci_high_s", "effect", "p", "q", "test", "significant", "reason",
]  # fmt: skip
KPI_COLUMNS = [
    "group_a", "group_b", "kpi", "stage", "touchpoint", "n_a", "n_b", "value_a", "value_b", "diff", "ci_low",
    "ci_high", "effect", "effect_kind", "p", "q", "test", "significant", "reason",
]  # fmt: skip

METHODS = {
    "edges": "Transitions: Newcombe's hybrid interval (Newcombe 1998); Fisher or chi-square_test.",
    "variants": "Variants: tested as transitions are.",
    "distribution": "Jensen-Shannon divergence; p = (1 + #{T* >= T}) / (1 + permutations) & so on.",
    "durations": "Durations from histograms (bins of 1 % of 1 + seconds); Cliff's delta ~ effect.",
    "fdr": "q-values: Benjamini-Hochberg (1995); significant means q < alpha.",
}


def share_row(a, b, feature, *, share_a=0.5, share_b=0.25, ci=(0.1, 0.4), ratio=(2.0, 1.3, 3.1),
              effect=0.52, p=0.0004, q=0.0008, significant=True, reason="", test="chi-square",
              cases=(60, 20)):  # fmt: skip
    return {
        "group_a": a,
        "group_b": b,
        **feature,
        "cases_a": cases[0],
        "cases_b": cases[1],
        "share_a": share_a,
        "share_b": share_b,
        "diff": share_a - share_b,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "ratio": ratio[0],
        "ratio_ci_low": ratio[1],
        "ratio_ci_high": ratio[2],
        "effect": effect,
        "p": p,
        "q": q,
        "test": test,
        "significant": significant,
        "reason": reason,
    }


def make_comparison(*, pairs=(("web", "branch"),), edges=None, variants=None, omnibus=None,
                    distribution=None, durations=None, kpis=None, groups=None):  # fmt: skip
    labels = list(dict.fromkeys(g for pair in pairs for g in pair))
    if groups is None:
        groups = pd.DataFrame(
            {
                "group": labels,
                "segments": [[g, "other, seg"] for g in labels],
                "cases": [100 + i for i in range(len(labels))],
                "events": [500 + i for i in range(len(labels))],
            }
        )
    if edges is None:
        a, b = pairs[0]
        edges = pd.DataFrame(
            [
                share_row(a, b, {"source": NASTY[i], "target": NASTY[(i + 1) % len(NASTY)]},
                          share_a=0.1 + 0.2 + i / 1000, share_b=1 / 3, ci=(-1e-300, 2 / 3),
                          ratio=(math.pi, 0.5, math.inf if i == 0 else 7.0), effect=(-1) ** i * i / 7,
                          p=[0.00032, 0.0123456, 0.75, float("nan")][i % 4],
                          q=[0.00064, 0.0246, 0.9, float("nan")][i % 4],
                          significant=i % 4 < 2, reason="" if i % 4 < 3 else "5 cases, fewer than min_count=10",
                          test="" if i % 4 == 3 else "fisher")
                for i in range(len(NASTY))
            ],
            columns=EDGE_COLUMNS,
        )  # fmt: skip
    if variants is None:
        a, b = pairs[0]
        variants = pd.DataFrame(
            [
                share_row(a, b, {"variant_id": "v1", "variant": tuple(NASTY[:4])}),
                share_row(a, b, {"variant_id": "v2", "variant": (NASTY[4], NASTY[7], NASTY[10])},
                          significant=False, effect=-0.1, p=0.3, q=0.4),
            ],
            columns=VARIANT_COLUMNS,
        )  # fmt: skip
    if omnibus is None:
        omnibus = pd.DataFrame(columns=OMNIBUS_COLUMNS)
    if distribution is None:
        distribution = pd.DataFrame(
            [[a, b, 0.031, 0.012, 999, 7, "permutation_test"] for a, b in pairs], columns=DISTRIBUTION_COLUMNS
        )
    if durations is None:
        a, b = pairs[0]
        durations = pd.DataFrame(
            [
                [a, b, "case", None, None, 120, 80, 273_600.0, 345_600.0, -72_000.0, -100_800.0, -36_000.0,
                 -0.21, 0.014, 0.014, "mann-whitney", True, ""],
                [a, b, "transition", NASTY[0], NASTY[1], 50, 40, 7_200.0, 3_600.0, 3_600.0, 600.0, 9_000.0,
                 0.33, 0.2, 0.3, "mann-whitney", False, ""],
            ],
            columns=DURATION_COLUMNS,
        )  # fmt: skip
    if kpis is None:
        kpis = pd.DataFrame(columns=KPI_COLUMNS)
    return Comparison(
        groups=groups,
        edges=edges,
        variants=variants,
        omnibus=omnibus,
        distribution=distribution,
        durations=durations,
        kpis=kpis,
        settings={
            "by": "channel",
            "bins": None,
            "groups": labels,
            "pairs": [list(p) for p in pairs],
            "alpha": 0.05,
            "confidence": 0.95,
            "seed": 7,
            "permutations": 999,
            "min_count": 10,
            "against": None,
            "methods": dict(METHODS),
        },
    )


def read_back(text):
    # pandas 3 reads floats back exactly by default (before it, pass float_precision="round_trip")
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])


def texts(series):
    """A column as text, missing values as ""."""
    return ["" if pd.isna(v) else str(v) for v in series.tolist()]


def one_line(text):
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text)


# --------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("name", ["groups", "edges", "variants", "distribution", "durations"])
def test_csv_of_one_table_reads_back_to_the_same_values(name):
    comparison = make_comparison()
    frame = comparison.table(name)
    back = read_back(to_csv(comparison, name))
    assert list(back.columns) == list(frame.columns)
    assert len(back) == len(frame)
    for column in frame.columns:
        original, got = frame[column], back[column]
        if pd.api.types.is_bool_dtype(original):
            assert got.tolist() == original.tolist(), column
        elif pd.api.types.is_numeric_dtype(original):
            # exact equality: full float precision, inf and NaN as they were
            np.testing.assert_array_equal(got.to_numpy(float), original.to_numpy(float), err_msg=column)
        elif column == "variant":
            assert got.tolist() == [" > ".join(v) for v in original], column
        elif column == "segments":
            assert got.tolist() == [", ".join(v) for v in original], column
        else:
            assert texts(got) == texts(original), column


def test_csv_writes_full_precision_booleans_and_empty_missing_values():
    comparison = make_comparison()
    text = to_csv(comparison, "edges")
    assert text.startswith(",".join(EDGE_COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(NASTY)
    first = rows[0]
    assert first["share_a"] == "0.30000000000000004"  # 0.1 + 0.2, not 0.3
    assert first["share_b"] == "0.3333333333333333" and first["ci_low"] == "-1e-300"
    assert first["ratio"] == "3.141592653589793" and first["ratio_ci_high"] == "inf"
    assert (first["test"], first["significant"], first["reason"]) == ("fisher", "true", "")
    assert rows[2]["significant"] == "false"
    fourth = rows[3]
    assert (fourth["p"], fourth["q"], fourth["test"], fourth["significant"]) == ("", "", "", "false")
    assert fourth["reason"] == "5 cases, fewer than min_count=10"
    assert "nan" not in text.lower()
    assert rows[8]["source"] == "crlf\r\nend"  # line breaks kept inside quotes


def test_csv_quotes_untrusted_text_and_does_not_rewrite_formulas():
    comparison = make_comparison()
    text = to_csv(comparison, "edges")
    assert '"comma, ""quoted"""' in text
    assert '"line\nbreak"' in text and '"crlf\r\nend"' in text
    back = read_back(text)
    assert "=SUM(A1)" in back["source"].tolist()  # kept as it is: data must round-trip
    assert "NA" in back["source"].tolist()


def test_csv_of_all_tables_has_a_table_column_and_the_union_of_columns():
    comparison = make_comparison()
    text = to_csv(comparison)
    back = read_back(text)
    present = [n for n in TABLES if not comparison.table(n).empty]
    assert present == ["groups", "edges", "variants", "distribution", "durations"]
    union = []
    for name in present:
        union += [c for c in comparison.table(name).columns if c not in union]
    assert list(back.columns) == ["table", *union]
    assert back["table"].tolist() == [n for n in present for _ in range(len(comparison.table(n)))]
    assert "omnibus" not in back["table"].tolist() and "kpis" not in back["table"].tolist()
    # cells are empty where a table has no such column, and hold the table's values where it does
    groups = back[back["table"] == "groups"]
    assert groups["source"].isna().all() and groups["p"].isna().all()
    assert groups["cases"].tolist() == comparison.groups["cases"].tolist()
    edges = back[back["table"] == "edges"].reset_index(drop=True)
    np.testing.assert_array_equal(
        edges["share_a"].to_numpy(float), comparison.edges["share_a"].to_numpy(float)
    )
    assert edges["source"].tolist() == comparison.edges["source"].tolist()
    assert edges["variant"].isna().all() and edges["cases"].isna().all()
    durations = back[back["table"] == "durations"].reset_index(drop=True)
    assert durations["median_a_s"].tolist() == [273_600.0, 7_200.0]
    assert texts(durations["source"]) == ["", NASTY[0]]


def test_csv_of_an_empty_table_is_its_header():
    comparison = make_comparison()
    assert to_csv(comparison, "kpis") == ",".join(KPI_COLUMNS) + "\r\n"


def test_comparison_methods_delegate_to_the_module():
    comparison = make_comparison()
    assert comparison.to_csv("edges") == to_csv(comparison, "edges")
    assert comparison.to_csv() == to_csv(comparison)
    assert comparison.to_markdown() == to_markdown(comparison)
    assert comparison.to_latex("durations") == to_latex(comparison, "durations")


@pytest.mark.parametrize("export", [to_csv, to_markdown, to_latex])
def test_an_unknown_table_is_an_argument_error_listing_the_names(export):
    with pytest.raises(ArgumentError, match=r"no table 'edge'; pass one of: groups, edges, variants"):
        export(make_comparison(), "edge")


@pytest.mark.parametrize("export", [to_markdown, to_latex])
@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_max_rows_must_be_a_positive_whole_number(export, bad):
    with pytest.raises(ArgumentError, match="max_rows="):
        export(make_comparison(), "edges", max_rows=bad)


def test_exports_are_deterministic_and_leave_the_frames_alone():
    comparison = make_comparison()
    before = comparison.edges.copy(deep=True)
    for export in (to_csv, to_markdown, to_latex):
        assert export(comparison) == export(make_comparison())
    pd.testing.assert_frame_equal(comparison.edges, before)


# ---------------------------------------------------------------------------------------- Markdown


def md_cells(line):
    """The cells of a pipe-table row, split on pipes not escaped by a backslash."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, cell, i = [], "", 1
    body = line[1:-1]
    while i <= len(body):
        ch = body[i - 1]
        if ch == "\\" and i < len(body):
            cell += ch + body[i]
            i += 2
            continue
        if ch == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += ch
        i += 1
    cells.append(cell.strip())
    return cells


def md_tables(text):
    """Each pipe table of a Markdown text: (heading above it, rows of cells)."""
    tables, heading, current = [], None, None
    for line in text.split("\n"):
        if line.startswith("### "):
            heading = line[4:]
        if line.startswith("|"):
            if current is None:
                current = (heading, [])
                tables.append(current)
            current[1].append(md_cells(line))
        else:
            current = None
    return tables


def md_unescape(cell):
    return re.sub(r"\\(.)", r"\1", cell)


def test_markdown_tables_have_the_same_cells_in_every_row():
    comparison = make_comparison()
    text = to_markdown(comparison)
    tables = md_tables(text)
    assert [h for h, _ in tables] == ["Groups", "Edges", "Variants", "Variant distribution", "Durations"]
    for heading, rows in tables:
        widths = {len(r) for r in rows}
        assert len(widths) == 1, (heading, widths)
        assert set(rows[1]) <= {":---", "---:"}
    sizes = {h: len(rows) - 2 for h, rows in tables}
    assert sizes == {
        "Groups": 2,
        "Edges": len(NASTY),
        "Variants": 2,
        "Variant distribution": 1,
        "Durations": 2,
    }
    # every line of the output is a heading, a table row, or prose: no line broken by a name
    for line in text.split("\n"):
        assert "\r" not in line


def test_markdown_escapes_every_special_character_in_cells():
    comparison = make_comparison()
    for _, rows in md_tables(to_markdown(comparison)):
        for row in rows[2:]:
            for cell in row:
                residue = re.sub(r"\\.", "", cell)
                assert not set(residue) & set("\\`*_[]<>#|~&$"), (cell, residue)
    assert "<script>" not in to_markdown(comparison)


def test_markdown_cells_read_back_to_the_names():
    comparison = make_comparison()
    _, rows = next(t for t in md_tables(to_markdown(comparison)) if t[0] == "Edges")
    header = [md_unescape(c) for c in rows[0]]
    transition = header.index("transition")
    shown = sorted(md_unescape(r[transition]) for r in rows[2:])
    expected = sorted(
        f"{one_line(s)} -> {one_line(t)}" for s, t in zip(comparison.edges.source, comparison.edges.target)
    )
    assert shown == expected
    _, groups = md_tables(to_markdown(comparison, "groups"))[0]
    assert md_unescape(groups[2][1]) == "web, other, seg"


def test_markdown_formats_shares_intervals_p_values_and_durations():
    comparison = make_comparison()
    text = to_markdown(comparison)
    tables = dict(md_tables(text))
    edges = tables["Edges"]
    header = [md_unescape(c) for c in edges[0]]
    assert header == ["group a", "group b", "transition", "share a", "share b", "diff, pp [95% CI]",
                      "ratio [95% CI]", "effect (h)", "p", "q", "significant", "reason"]  # fmt: skip
    rows = {md_unescape(r[2]).split(" -> ")[0]: [md_unescape(c) for c in r] for r in edges[2:]}
    first = rows[one_line(NASTY[0])]  # share_a = 0.30000000000000004, share_b = 1/3
    assert first[3:7] == ["30.0%", "33.3%", "-3.3 [0.0, 66.7]", "3.14 [0.500, ∞]"]
    assert first[8:11] == ["<0.001", "<0.001", "yes"]
    second = rows[one_line(NASTY[1])]
    assert second[7] == "-0.14" and second[8:11] == ["0.0123", "0.0246", "yes"]
    third = rows[one_line(NASTY[2])]
    assert third[8:11] == ["0.750", "0.900", ""]
    fourth = rows[one_line(NASTY[3])]
    assert fourth[8:12] == ["–", "–", "", "5 cases, fewer than min_count=10"]
    durations = [[md_unescape(c) for c in r] for r in tables["Durations"][2:]]
    assert durations[0][2:9] == ["(whole case)", "120", "80", format_duration(273_600), format_duration(345_600),
                                 "-20 h [-1 d 4 h, -10 h]", "-0.21"]  # fmt: skip
    assert durations[1][8] == "+1 h [10 min, 2 h 30 min]" or durations[1][7] == "+1 h [10 min, 2 h 30 min]"
    assert "+1 h [10 min, 2 h 30 min]" in durations[1]


def test_markdown_sorts_significant_rows_first_then_by_effect():
    comparison = make_comparison()
    _, rows = next(t for t in md_tables(to_markdown(comparison)) if t[0] == "Edges")
    effects = [float(md_unescape(r[7])) for r in rows[2:]]
    significant = [r[10] == "yes" for r in rows[2:]]
    assert significant == sorted(significant, reverse=True)
    k = sum(significant)
    assert k == 8
    for part in (effects[:k], effects[k:]):
        assert [abs(e) for e in part] == sorted((abs(e) for e in part), reverse=True)


def test_markdown_ends_with_the_methods_note():
    comparison = make_comparison()
    text = to_markdown(comparison)
    methods = text[text.index("### Methods") :]
    assert text.rstrip().endswith(methods.rstrip())
    plain = md_unescape(methods)
    for sentence in METHODS.values():
        assert sentence in plain
    assert "alpha = 0.05" in plain and "Seed 7" in plain and "999 permutations" in plain
    assert "Benjamini-Hochberg" in plain


def long_variants(n=120, significant=5):
    rows = []
    for i in range(n):
        path = tuple(f"Step {j:02d} of the long journey" for j in range(30)) if i == 0 else (f"A{i}", f"B{i}")
        sig = i < significant
        # the significant rows have the smallest effects: they must still come first
        rows.append(share_row("web", "branch", {"variant_id": f"v{i}", "variant": path},
                              effect=(0.01 * (i + 1)) if sig else (i / n), significant=sig))  # fmt: skip
    return pd.DataFrame(rows, columns=VARIANT_COLUMNS)


def test_markdown_shows_at_most_max_rows_and_says_how_many_were_left_out():
    comparison = make_comparison(variants=long_variants())
    text = to_markdown(comparison, "variants", max_rows=10)
    ((_, rows),) = md_tables(text)
    body = [[md_unescape(c) for c in r] for r in rows[2:]]
    assert len(body) == 10
    assert [r[10] for r in body] == ["yes"] * 5 + [""] * 5
    assert [r[2] for r in body[5:]] == [f"A{i} > B{i}" for i in (119, 118, 117, 116, 115)]
    assert [float(r[7]) for r in body[:5]] == [0.05, 0.04, 0.03, 0.02, 0.01]
    note = md_unescape(text)
    assert "10 of 120 rows shown" in note and "110 rows left out" in note and "CSV and JSON" in note
    default = to_markdown(comparison, "variants")
    assert len(md_tables(default)[0][1]) - 2 == 50 and "70 rows left out" in default
    everything = to_markdown(comparison, "variants", max_rows=None)
    assert len(md_tables(everything)[0][1]) - 2 == 120 and "left out" not in everything
    assert "left out" not in to_markdown(comparison, "edges")


def test_markdown_shortens_long_variants_with_an_ellipsis():
    comparison = make_comparison(variants=long_variants())
    ((_, rows),) = md_tables(to_markdown(comparison, "variants", max_rows=None))
    cells = [md_unescape(r[2]) for r in rows[2:]]
    long = next(c for c in cells if c.startswith("Step 00"))
    assert "…" in long and long.endswith("Step 29 of the long journey") and len(long) <= 62


def test_markdown_skips_empty_tables_and_says_so_when_one_is_asked_for():
    comparison = make_comparison()
    text = to_markdown(comparison)
    assert "### Omnibus" not in text and "### KPIs" not in text
    asked = to_markdown(comparison, "kpis")
    assert asked.startswith("### KPIs\n\nNo rows.\n")


def several_pairs():
    pairs = (("web", "branch"), ("web", "phone"), ("branch", "phone"))
    edges = pd.DataFrame(
        [share_row(a, b, {"source": "Apply", "target": f"Offer {i}"}, effect=i / 10, significant=i % 2 == 0)
         for a, b in pairs for i in range(3)],
        columns=EDGE_COLUMNS,
    )  # fmt: skip
    variants = pd.DataFrame(
        [share_row(a, b, {"variant_id": "v1", "variant": ("Apply", "Sign")}) for a, b in pairs],
        columns=VARIANT_COLUMNS,
    )
    omnibus = pd.DataFrame(
        [["edge", "Apply", "Offer 1", None, 12.5, 2, 0.002, 0.004, "chi-square", True, ""],
         ["variant", None, None, "v1", 3.25, 2, 0.2, 0.2, "chi-square", False, ""]],
        columns=OMNIBUS_COLUMNS,
    )  # fmt: skip
    distribution = pd.DataFrame(
        [[None, None, 0.05, 0.001, 999, 7, "permutation_test"]]
        + [[a, b, 0.03, 0.01, 999, 7, "permutation_test"] for a, b in pairs],
        columns=DISTRIBUTION_COLUMNS,
    )
    kpis = pd.DataFrame(
        [["web", "branch", "completion", None, None, 100, 101, 0.6, 0.45, 0.15, 0.02, 0.28, 0.3, "h", 0.02, 0.03,
          "chi-square", True, ""],
         ["web", "branch", "sentiment", "Offer", None, 90, 80, 4.2, 3.9, 0.3, -0.1, 0.7, 0.25, "d", 0.15, 0.2,
          "welch", False, ""]],
        columns=KPI_COLUMNS,
    )  # fmt: skip
    return make_comparison(pairs=pairs, edges=edges, variants=variants, omnibus=omnibus,
                           distribution=distribution, kpis=kpis)  # fmt: skip


def test_markdown_splits_pairwise_tables_by_pair():
    comparison = several_pairs()
    tables = md_tables(to_markdown(comparison))
    headings = [h for h, _ in tables]
    assert headings[:4] == ["Groups", "Edges: web vs branch", "Edges: web vs phone", "Edges: branch vs phone"]
    assert "Omnibus tests" in headings and "KPIs" in headings
    for heading, rows in tables:
        if heading.startswith("Edges: "):
            a, b = heading[len("Edges: ") :].split(" vs ")
            assert {(r[0], r[1]) for r in rows[2:]} == {(a, b)} and len(rows) - 2 == 3
    omnibus = [[md_unescape(c) for c in r] for r in dict(tables)["Omnibus tests"][2:]]
    assert omnibus[0][:4] == ["edge", "Apply -> Offer 1", "12.50", "2"]
    assert omnibus[1][1] == "Apply > Sign"  # the variant's path, looked up by its id
    distribution = [[md_unescape(c) for c in r] for r in dict(tables)["Variant distribution"][2:]]
    assert distribution[0][:4] == ["(all groups)", "", "0.0500", "0.00100"]  # p < 0.001 only below it
    kpis = [[md_unescape(c) for c in r] for r in dict(tables)["KPIs"][2:]]
    assert kpis[0][5:9] == ["60.0%", "45.0%", "+15.0 pp [2.0, 28.0]", "+0.30 (h)"]
    assert kpis[1][5:9] == ["4.20", "3.90", "+0.30 [-0.10, 0.70]", "+0.25 (d)"]


# ------------------------------------------------------------------------------------------- LaTeX

TEX_TOKENS = re.compile(
    r"\\(?:textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|ldots)\{\}"
    r"|\\[&%$#_{}]|\$-\$|\$<\$|\$>\$|\$\\rightarrow\$|\$\\infty\$|\{\[\}|\{\]\}|\{\}"
)
TEX_BACK = {
    "\\textbackslash{}": "\\", "\\textasciitilde{}": "~", "\\textasciicircum{}": "^", "\\textless{}": "<",
    "\\textgreater{}": ">", "\\textbar{}": "|", "\\ldots{}": "…", "$-$": "-", "$<$": "<", "$>$": ">",
    "$\\rightarrow$": "->", "$\\infty$": "∞", "{[}": "[", "{]}": "]", "{}": "",
}  # fmt: skip


def tex_unescape(cell):
    return TEX_TOKENS.sub(lambda m: TEX_BACK.get(m.group(0), m.group(0)[1:]), cell)


def tex_tables(text):
    """Each tabular: (label, column spec, rows of cells), the cells split on unescaped &."""
    out = []
    for block in re.findall(r"\\begin\{table\}.*?\\end\{table\}", text, flags=re.S):
        label = re.search(r"\\label\{([^}]*)\}", block).group(1)
        spec = re.search(r"\\begin\{tabular\}\{([a-z]+)\}", block).group(1)
        body = block.split("\\toprule\n")[1].split("\n\\bottomrule")[0]
        rows = []
        for line in body.split("\n"):
            if line == "\\midrule":
                continue
            assert line.endswith(" \\\\"), line
            rows.append(re.split(r"(?<!\\)&", line[: -len(" \\\\")]))
        out.append((label, spec, [[c.strip() for c in r] for r in rows], block))
    return out


def test_latex_has_booktabs_tables_with_captions_labels_and_notes():
    comparison = make_comparison()
    text = to_latex(comparison)
    tables = tex_tables(text)
    assert [t[0] for t in tables] == [
        "tab:compare-" + n for n in ("groups", "edges", "variants", "distribution", "durations")
    ]
    for _, spec, rows, block in tables:
        assert block.count("\\toprule") == block.count("\\midrule") == block.count("\\bottomrule") == 1
        assert "\\caption{" in block and "\\begin{tabular}" in block
        assert {len(r) for r in rows} == {len(spec)}  # every & outside the separators is escaped
    edges = tables[1]
    assert edges[1] == "lllrrrrrrrcl"  # numbers right aligned, the * marker centred
    assert "\\par\\smallskip\\footnotesize" in edges[3]
    note = edges[3].split("\\footnotesize\n")[1]
    assert "Newcombe" in note and "alpha = 0.05" in note and "seed 7" in note
    assert "chi-square\\_test" in note  # the methods sentence is escaped too
    distribution = tables[3][3]
    assert "\\#\\{T* \\textgreater{}= T\\}" in distribution and "\\& so on" in distribution
    assert "1 \\% of 1" in tables[4][3]
    assert "\\textsuperscript" not in text


def test_latex_escapes_every_special_character_in_cells():
    comparison = make_comparison()
    text = to_latex(comparison)
    for _, _, rows, _ in tex_tables(text):
        for row in rows:
            for cell in row:
                residue = TEX_TOKENS.sub("", cell)
                assert not set(residue) & set("\\&%$#_{}~^<>|"), (cell, residue)
    # every % is escaped, but for the comment on the first line
    assert all(re.search(r"(?<!\\)%", line) is None for line in text.split("\n")[1:])
    assert "<script>" not in text and "\r" not in text


def test_latex_braces_balance():
    text = to_latex(make_comparison())
    depth = 0
    for token in re.findall(r"\\[{}]|\\\\|\\[a-zA-Z]+|[{}]", text):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            assert depth >= 0
    assert depth == 0


def test_latex_cells_read_back_to_the_names():
    comparison = make_comparison()
    _, _, rows, _ = tex_tables(to_latex(comparison, "edges"))[0]
    shown = sorted(tex_unescape(r[2]) for r in rows[1:])
    expected = sorted(
        f"{one_line(s)} -> {one_line(t)}" for s, t in zip(comparison.edges.source, comparison.edges.target)
    )
    assert shown == expected
    assert "-{}-dash" in to_latex(comparison, "edges")  # no en-dash ligature from a name


def test_latex_numbers_signs_p_values_and_markers():
    comparison = make_comparison()
    _, _, rows, _ = tex_tables(to_latex(comparison, "edges"))[0]
    first = next(r for r in rows[1:] if tex_unescape(r[2]).startswith(NASTY[0]))
    assert first[3:10] == ["30.0\\%", "33.3\\%", "$-$3.3 [0.0, 66.7]", "3.14 [0.500, $\\infty$]",
                           "0.00", "$<$0.001", "$<$0.001"]  # fmt: skip
    assert first[10] == "*"
    assert rows[0][10] == ""  # the marker column has no header
    negative = next(r for r in rows[1:] if tex_unescape(r[2]).startswith(one_line(NASTY[1])))
    assert negative[7] == "$-$0.14" and negative[8] == "0.0123"
    for row in rows[1:]:
        for cell in row[3:10]:
            assert re.search(r"(?<!\$)-\d", cell) is None, cell  # minus signs are $-$


def test_latex_guards_rows_that_start_with_a_star_or_bracket():
    groups = pd.DataFrame({"group": ["*starts", "[bracket"], "segments": [["x"], ["y"]], "cases": [1, 2],
                           "events": [3, 4]})  # fmt: skip
    text = to_latex(make_comparison(groups=groups), "groups")
    assert "\n{}*starts & x & 1 & 3 \\\\" in text
    assert "\n{[}bracket & y & 2 & 4 \\\\" in text


def test_latex_truncates_and_splits_by_pair():
    comparison = make_comparison(variants=long_variants())
    text = to_latex(comparison, "variants", max_rows=7)
    ((_, _, rows, block),) = tex_tables(text)
    assert len(rows) - 1 == 7
    assert [r[10] for r in rows[1:]] == ["*"] * 5 + [""] * 2
    assert "7 of 120 rows shown" in block and "113 rows left out" in block and "CSV and JSON" in block
    long = next(tex_unescape(r[2]) for r in tex_tables(to_latex(comparison, "variants", max_rows=None))[0][2][1:]
                if tex_unescape(r[2]).startswith("Step 00"))  # fmt: skip
    assert "…" in long and long.endswith("Step 29 of the long journey")
    split = tex_tables(to_latex(several_pairs(), "edges"))
    assert [t[0] for t in split] == ["tab:compare-edges-1", "tab:compare-edges-2", "tab:compare-edges-3"]
    assert "web vs phone" in split[1][3]


def test_latex_skips_empty_tables():
    comparison = make_comparison()
    text = to_latex(comparison)
    assert "compare-omnibus" not in text and "compare-kpis" not in text
    asked = to_latex(comparison, "kpis")
    assert "\\multicolumn{13}{l}{No rows.} \\\\" in asked


def test_latex_compiles():
    engine = shutil.which("pdflatex")
    if engine is None:
        pytest.skip("pdflatex is not installed: the LaTeX output is checked by the escaping tests only")
    import tempfile
    from pathlib import Path

    comparison = several_pairs()
    body = to_latex(make_comparison()) + to_latex(comparison)
    document = (
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{booktabs}\n\\usepackage[a3paper,landscape,margin=1cm]{geometry}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "tables.tex").write_text(document, encoding="utf-8")
        result = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
            cwd=folder, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:]


def test_csv_writes_nullable_and_numpy_values():
    groups = pd.DataFrame(
        {
            "group": pd.array(["web", None], dtype="string"),
            "segments": [np.array(["a", "b"]), []],
            "cases": pd.array([3, None], dtype="Int64"),
            "events": np.array([0.1, np.nan], dtype="float32"),
            "flag": pd.array([True, None], dtype="boolean"),
        }
    )
    text = to_csv(make_comparison(groups=groups), "groups")
    assert text == 'group,segments,cases,events,flag\r\nweb,"a, b",3,0.10000000149011612,true\r\n,,,,\r\n'
    assert np.float32(read_back(text)["events"][0]) == np.float32(0.1)
