"""The renderer kit notices what it is there to notice: each check fails for a renderer that breaks
its rule (nondeterministic output, a leaked ``<script>``, a bad attribute, ...), and passes a
small correct one."""

from __future__ import annotations

import html
import itertools
import random
import re
import warnings

import pandas as pd
import pytest

import journeymine as jm
import journeymine.testing
from journeymine.errors import ArgumentError, RenderError
from journeymine.testing import renderers as kit
from journeymine.testing.renderers import (
    UNTRUSTED,
    build_result,
    check_attributes,
    check_deterministic,
    check_escaping,
    check_formats,
    check_options,
    check_renderer,
    check_small_logs,
    empty_result,
    sample_events,
    sample_log,
    sample_results,
)


def names_of(result: jm.Variants) -> list[str]:
    table = result.table
    acts = sorted({a for v in table["variant"] for a in v})
    segs = sorted({str(s) for s in table["segment"].astype(object) if not pd.isna(s)})
    return acts + segs


class Good:
    """A small correct renderer: the activities and segments of Variants as SVG text."""

    name = "kit-good"
    handles = (jm.Variants,)
    formats = ("svg", "html", "dot")
    options = ("segment",)

    def text(self, name: str) -> str:
        return html.escape(name)

    def render(self, result, *, format="svg", segment=None):
        names = names_of(result)
        if format == "dot":
            body = "".join(f'  n{i} [label="{html.escape(n)}"];\n' for i, n in enumerate(names))
            return "digraph g {\n" + body + "}\n"
        body = "".join(f"<text>{self.text(n)}</text>" for n in names)
        svg = f'<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>'
        return svg if format == "svg" else f"<figure>{svg}</figure>"


@pytest.fixture(scope="module")
def results():
    return sample_results([jm.Variants])


def test_a_correct_renderer_passes(results):
    check_renderer(Good(), results)


def test_the_kit_is_public_from_journeymine_testing():
    assert journeymine.testing.check_renderer is check_renderer
    assert "check_renderer" in journeymine.testing.__all__ and "renderers" in journeymine.testing.__all__


# -- check_attributes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value", "words"),
    [
        ("name", "", "name must be a non-empty str"),
        ("handles", [jm.Variants], "handles must be a non-empty tuple of types"),
        ("handles", (), "handles must be a non-empty tuple of types"),
        ("formats", ["svg"], "formats must be a non-empty tuple"),
        ("formats", ("svg", "svg"), "formats lists a format twice"),
        ("formats", (".SVG",), "lower-case names without a dot"),
        ("options", "segment", "options must be a tuple"),
        ("options", ("path",), "keywords of journeymine.views itself"),
        ("options", ("segment", "zoom"), "render() does not take the keyword 'zoom'"),
        ("default_for", "Variants", "default_for must be a tuple"),
        ("render", None, "render must be a method"),
    ],
)
def test_a_bad_attribute_fails_check_attributes(attribute, value, words):
    bad = Good()
    setattr(bad, attribute, value)
    with pytest.raises(AssertionError, match=re.escape(words)) as info:
        check_attributes(bad)
    assert "fails check_attributes" in str(info.value)


def test_render_without_a_format_keyword_fails():
    class NoFormat(Good):
        def render(self, result, **kw):  # takes anything: fine
            return super().render(result, **kw)

    check_attributes(NoFormat())

    class Positional(Good):
        def render(self, result, format, /):
            return ""

    with pytest.raises(AssertionError, match="render\\(\\) does not take the keyword 'format'"):
        check_attributes(Positional())


# -- check_formats --------------------------------------------------------------------------------


def test_bytes_for_a_text_format_fail(results):
    class Bytes(Good):
        def render(self, result, *, format="svg", segment=None):
            return super().render(result, format=format).encode()

    with pytest.raises(
        AssertionError, match="'kit-good' fails check_formats: .* gave bytes; svg is a text format"
    ):
        check_formats(Bytes(), results)


def test_text_for_png_fails(results):
    class Png(Good):
        formats = ("png",)

        def render(self, result, *, format="png", segment=None):
            return "not a picture"

    with pytest.raises(AssertionError, match="png is a binary format: return bytes"):
        check_formats(Png(), results)

    class NotPng(Png):
        def render(self, result, *, format="png", segment=None):
            return b"GIF89a..."

    with pytest.raises(AssertionError, match="does not start like a png file"):
        check_formats(NotPng(), results)


def test_malformed_svg_fails(results):
    class Broken(Good):
        def render(self, result, *, format="svg", segment=None):
            return '<svg xmlns="http://www.w3.org/2000/svg"><text>unclosed</svg>'

    with pytest.raises(AssertionError, match="is not well-formed XML"):
        check_formats(Broken(), results)


def test_loading_from_elsewhere_fails(results):
    class Far(Good):
        def render(self, result, *, format="svg", segment=None):
            return (
                '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                '<image xlink:href="https://example.com/logo.png"/></svg>'
            )

    with pytest.raises(AssertionError, match="loads something from elsewhere"):
        check_formats(Far(), results)


def test_a_crash_fails_and_names_the_result_and_format(results):
    class Crash(Good):
        def render(self, result, *, format="svg", segment=None):
            if segment is not None:
                raise KeyError(segment)
            return super().render(result, format=format)

    with pytest.raises(
        AssertionError,
        match=r"drawing a Variants by segment \(2 segments\) with segment='new' in 'svg' raised KeyError",
    ):
        check_formats(Crash(), results)


def test_refusing_a_segmented_result_without_segment_is_allowed(results):
    class OneAtATime(Good):
        def render(self, result, *, format="svg", segment=None):
            if result.by is not None and segment is None:
                raise ArgumentError("this result has 2 segments; pass segment=...")
            return super().render(result, format=format)

    check_formats(OneAtATime(), results)
    check_deterministic(OneAtATime(), results)


def test_a_missing_program_skips_its_format_with_a_warning(results):
    class NoDot(Good):
        name = "kit-no-dot"
        formats = ("svg", "png")

        def render(self, result, *, format="svg", segment=None):
            if format == "png":
                raise RenderError("the Graphviz program dot is not installed")
            return super().render(result, format=format)

    kit._SKIPPED.discard(("kit-no-dot", "png"))
    with pytest.warns(UserWarning, match="'kit-no-dot' cannot write 'png' here"):
        check_formats(NoDot(), results)


# -- check_deterministic --------------------------------------------------------------------------


def test_nondeterministic_output_fails(results):
    counter = itertools.count()

    class Counting(Good):
        def render(self, result, *, format="svg", segment=None):
            return super().render(result, format=format).replace("</svg>", f"<!-- {next(counter)} --></svg>")

    with pytest.raises(
        AssertionError, match="fails check_deterministic: two renderings of .* differ at position"
    ):
        check_deterministic(Counting(), results)


def test_output_that_depends_on_object_identity_fails(results):
    class Identity(Good):
        def render(self, result, *, format="svg", segment=None):
            return super().render(result, format=format).replace("<text>", f"<text>{id(result) % 7}", 1)

    with pytest.raises(AssertionError, match="fails check_deterministic"):
        check_deterministic(Identity(), results)


def test_shuffled_order_fails(results):
    rng = random.Random(1)

    class Shuffled(Good):
        def render(self, result, *, format="svg", segment=None):
            names = names_of(result)
            rng.shuffle(names)
            body = "".join(f"<text>{html.escape(n)}</text>" for n in names)
            return f'<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>'

    with pytest.raises(AssertionError, match="fails check_deterministic"):
        check_deterministic(Shuffled(), results)


# -- check_escaping -------------------------------------------------------------------------------


def test_a_leaked_script_fails():
    class Leaky(Good):
        def text(self, name):
            return name.replace("&", "&amp;")  # escapes & only: markup passes through

    with pytest.raises(
        AssertionError,
        match=r"fails check_escaping: .* the untrusted name '<script>alert\(1\)</script>' appears unescaped",
    ):
        check_escaping(Leaky())


def test_escaping_only_the_script_is_not_enough():
    class HalfEscaped(Good):
        def text(self, name):
            return (
                name.replace("&", "&amp;")
                .replace("<script>", "&lt;script&gt;")
                .replace("</script>", "&lt;/script&gt;")
            )

    with pytest.raises(AssertionError, match="appears unescaped"):
        check_escaping(HalfEscaped())


def test_an_injected_closing_svg_tag_fails():
    class ClosesEarly(Good):
        def text(self, name):
            return html.escape(name).replace("&lt;/svg&gt;", "</svg>")

    with pytest.raises(AssertionError, match=r"2 </svg> close 1 <svg> elements|not well-formed XML"):
        check_escaping(ClosesEarly(), formats=["html"])


def test_a_raw_ampersand_in_svg_fails():
    class Amp(Good):
        def text(self, name):
            return html.escape(name).replace("&amp;", "&")

    with pytest.raises(AssertionError, match="'a & b' appears unescaped"):
        check_escaping(Amp(), formats=["svg"])


def test_dot_quotes_that_end_the_string_fail():
    class QuoteBreaker(Good):
        formats = ("dot",)

        def render(self, result, *, format="dot", segment=None):
            body = "".join(
                f'  n{i} [label="{n.replace("<", "&lt;").replace(">", "&gt;")}"];\n'
                for i, n in enumerate(names_of(result))
            )
            return "digraph g {\n" + body + "}\n"

    with pytest.raises(AssertionError, match="fails check_escaping"):
        check_escaping(QuoteBreaker())


def test_dot_with_backslash_escaped_quotes_and_entities_passes():
    class Careful(Good):
        formats = ("dot",)

        def render(self, result, *, format="dot", segment=None):
            body = "".join(
                f'  n{i} [label="{html.escape(n, quote=False).replace(chr(34), chr(92) + chr(34))}"];\n'
                for i, n in enumerate(names_of(result))
            )
            return "digraph g {\n" + body + "}\n"

    check_escaping(Careful())


def test_names_that_vanish_fail():
    class Silent(Good):
        def text(self, name):
            return "?" if name in UNTRUSTED else html.escape(name)

    with pytest.raises(AssertionError, match="are not in any 'svg' output, escaped or not"):
        check_escaping(Silent())


# -- check_options --------------------------------------------------------------------------------


def test_an_unknown_option_that_is_accepted_fails(results, monkeypatch):
    import journeymine.views as render_module

    def lenient(result, format=None, *, renderer=None, **options):
        return renderer.render(result, format=format)

    monkeypatch.setattr(render_module, "render", lenient)
    with pytest.raises(
        AssertionError, match="fails check_options: .*jm_conformance_no_such_option=1\\) was accepted"
    ):
        check_options(Good(), results)


def test_an_unknown_option_is_refused_by_jm_render(results):
    check_options(Good(), results)


# -- check_small_logs -----------------------------------------------------------------------------


def test_a_renderer_that_needs_rows_fails_on_an_empty_result():
    class NeedsRows(Good):
        def render(self, result, *, format="svg", segment=None):
            first = result.table.iloc[0]["variant"][0]
            return (
                super()
                .render(result, format=format)
                .replace("</svg>", f"<text>{html.escape(first)}</text></svg>")
            )

    with pytest.raises(
        AssertionError,
        match=r"fails check_small_logs: drawing an empty result \(a Variants\) .* raised IndexError",
    ):
        check_small_logs(NeedsRows())


def test_a_renderer_that_needs_two_cases_fails_on_a_one_case_log():
    class NeedsTwo(Good):
        def render(self, result, *, format="svg", segment=None):
            if 0 < int(result.table["cases"].sum()) < 2:
                raise ValueError("need two cases")
            return super().render(result, format=format)

    with pytest.raises(AssertionError, match="drawing a one-case log .* raised ValueError: need two cases"):
        check_small_logs(NeedsTwo())


# -- the helpers ----------------------------------------------------------------------------------


def test_sample_events_are_reproducible_and_segments_are_case_attributes():
    a, b = sample_events(30, seed=2), sample_events(30, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert (a.groupby("case")["segment"].nunique() == 1).all()
    assert not sample_events(30, seed=3).equals(a)


def test_results_are_built_for_each_known_type_and_emptied():
    log = sample_log(cases=10)
    for kind in (jm.DFG, jm.Variants, jm.JourneyMapResult):
        result = build_result(kind, log, by="segment")
        assert isinstance(result, kind)
        empty = empty_result(result)
        frames = [v for v in vars(empty).values() if isinstance(v, pd.DataFrame)]
        assert frames and all(len(f) == 0 for f in frames)
    with pytest.raises(ValueError, match="cannot build a str; pass make="):
        build_result(str, log)


def test_a_plugin_result_type_is_checked_with_make():
    class Summary:
        def __init__(self, names):
            self.names = names

    class SummaryView:
        name = "kit-summary"
        handles = (Summary,)
        formats = ("svg",)
        options = ()

        def render(self, result, *, format="svg"):
            body = "".join(f"<text>{html.escape(n)}</text>" for n in result.names)
            return f'<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>'

    def make(log, by):
        frame = log.to_frame(columns=["segment"])
        return Summary(sorted(set(frame["activity"]) | set(frame["segment"])))

    check_renderer(SummaryView(), make=make)
    with pytest.raises(AssertionError, match="no results to draw"):
        check_formats(SummaryView(), [])


def test_failures_name_the_renderer_and_the_check(results):
    class Counting(Good):
        name = "my-map"
        formats = ("svg",)
        n = 0

        def render(self, result, *, format="svg", segment=None):
            Counting.n += 1
            return f'<svg xmlns="http://www.w3.org/2000/svg"><text>{Counting.n}</text></svg>'

    with pytest.raises(AssertionError) as info:
        check_renderer(Counting(), results)
    assert str(info.value).startswith("check_renderer: 'my-map' fails check_deterministic: ")


def test_no_warnings_for_a_good_renderer(results):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_renderer(Good(), results)
