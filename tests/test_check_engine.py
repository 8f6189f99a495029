"""The engine conformance kit (``journeymine.testing.check_engine``): the built-in engines pass it,
broken engines fail it with a message naming the check, and its arguments are checked."""

from __future__ import annotations

import dataclasses
import time

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import journeymine
import journeymine.testing
from journeymine.engines.duckdb import DuckDBEngine, DuckDBEngineFactory
from journeymine.errors import ArgumentError
from journeymine.testing import check_engine
from journeymine.testing import engines as kit


class DropsLastEdge(DuckDBEngine):
    name = "drops-last-edge"

    def dfg(self, rel, *, by):
        table = super().dfg(rel, by=by)
        return table.slice(0, table.num_rows - 1)


class IgnoresNegate(DuckDBEngine):
    name = "ignores-negate"

    def filter(self, rel, step):
        return super().filter(rel, dataclasses.replace(step, negate=False))


class ForgetsFiltered(DuckDBEngine):
    name = "forgets-filtered"

    def filter(self, rel, step):
        out = super().filter(rel, step)
        out.stats = dataclasses.replace(out.stats, filtered=0)
        return out


class MisreadsSizedCases(DuckDBEngine):
    """After a size filter, the case table loses its attributes; the stats stay right."""

    name = "misreads-sized-cases"

    def filter(self, rel, step):
        out = super().filter(rel, step)
        out.cache["kit test: size"] = step.kind == "size"
        return out

    def cases(self, rel, *, by, attributes):
        table = super().cases(rel, by=by, attributes=attributes)
        if rel.cache.get("kit test: size") and "amount" in table.column_names:
            i = table.column_names.index("amount")
            table = table.set_column(i, "amount", pa.nulls(table.num_rows, table.schema.field(i).type))
        return table


class LosesQuarantine(DuckDBEngine):
    name = "loses-quarantine"

    def quarantine(self, rel, **kw):
        table = super().quarantine(rel, **kw)
        return table.slice(1)


class SortsTiesByName(DuckDBEngine):
    """Breaks ties in time by activity name instead of input order."""

    name = "sorts-ties"

    def events(self, rel, *, columns=()):
        table = super().events(rel, columns=columns)
        return table.sort_by([("case", "ascending"), ("timestamp", "ascending"), ("activity", "ascending")])


class DropsATransition(DuckDBEngine):
    """Its journey verb loses the last row of the transitions table."""

    name = "drops-a-transition"

    def journey(self, rel, plan, *, by=None):
        tables = super().journey(rel, plan, by=by)
        return dataclasses.replace(
            tables, transitions=tables.transitions.slice(0, tables.transitions.num_rows - 1)
        )


class MiscountsComplete(DuckDBEngine):
    """Counts one complete journey too many whenever the plan has ends."""

    name = "miscounts-complete"

    def cut(self, rel, plan):
        out = super().cut(rel, plan)
        return dataclasses.replace(out, complete=out.complete + 1) if plan.ends is not None else out


class LosesAReason(DuckDBEngine):
    """Gives the events after an end the reason of those before a start."""

    name = "loses-a-reason"

    def cut_outside(self, rel, plan, *, columns=()):
        table = super().cut_outside(rel, plan, columns=columns)
        reason = table.column("reason")
        lost = pc.if_else(pc.equal(reason, "after an end"), pa.scalar("before a start", reason.type), reason)
        return table.set_column(0, table.schema.field(0), lost)


class LosesTheSecondJourneys(DuckDBEngine):
    """Counts the journeys ``select=1`` keeps, then returns no relation of them."""

    name = "loses-the-second-journeys"

    def cut(self, rel, plan):
        out = super().cut(rel, plan)
        return dataclasses.replace(out, relation=None) if plan.select == 1 else out


class ForgetsDuplicates(DuckDBEngine):
    """Finds the events two sources recorded, then counts none of them."""

    name = "forgets-duplicates"

    def union(self, plan):
        return dataclasses.replace(super().union(plan), duplicates=0)


class RaisesInPaths(DuckDBEngine):
    name = "raises-in-paths"

    def paths(self, rel, *, by, measure):
        raise NotImplementedError("paths is not written yet")


class Closes(DuckDBEngine):
    closed = 0

    def close(self):
        type(self).closed += 1
        super().close()


class ClosesFactory:
    name = "closes"

    def create(self, **settings):
        return Closes(**settings)


def test_duckdb_passes_every_check():
    check_engine("duckdb")


@pytest.mark.spark
def test_spark_passes_every_check(spark):
    """Every check, on the shared local session (not stopped: the kit closes only what it made)."""
    started = time.perf_counter()
    check_engine(spark)
    print(f"check_engine(spark): {time.perf_counter() - started:.0f} s")
    assert spark.session.range(1).count() == 1  # the session still runs


def test_a_broken_dfg_fails_check_verbs():
    with pytest.raises(AssertionError) as raised:
        check_engine(DropsLastEdge())
    message = str(raised.value)
    assert message.startswith(
        "check_engine: 'drops-last-edge' fails check_verbs: dfg(by=None) on messy_events(seed=0): "
    )
    assert "rows, want" in message and "missing: want {'segment': None, 'source':" in message


def test_a_filter_that_ignores_negate_fails_check_filters():
    with pytest.raises(
        AssertionError, match=r"^check_engine: 'ignores-negate' fails check_filters: "
    ) as raised:
        check_engine(IgnoresNegate())
    message = str(raised.value)
    assert (
        "filtered by Filter(kind='events', column='channel', values=('web', 'app'), negate=True)" in message
    )
    assert "stats.events" in message


def test_a_filter_that_forgets_what_it_removed_fails():
    with pytest.raises(
        AssertionError, match=r"fails check_filters: stats\.filtered of typed_events\(seed=0\)"
    ):
        check_engine(ForgetsFiltered(), checks=["filters"])


def test_a_wrong_table_after_a_filter_fails_against_the_rows_kept():
    with pytest.raises(AssertionError) as raised:
        check_engine(MisreadsSizedCases(), checks=["filters"])
    assert str(raised.value).startswith(
        "check_engine: 'misreads-sized-cases' fails check_filters: cases(by='tier', attributes={'amount': "
        "'amount'}) on typed_events(seed=0) filtered by Filter(kind='size', low=2, high=4) (want: its part "
        "of the rows each step keeps, read together, case ids prefixed with the step (typed_events(seed=0))): "
        "row 0, column 'amount': got None, want "
    )


def test_a_lost_quarantine_row_fails_check_load():
    with pytest.raises(AssertionError) as raised:
        check_engine(LosesQuarantine())
    assert str(raised.value).startswith(
        "check_engine: 'loses-quarantine' fails check_load: quarantine() on messy_events(seed=0): 5 rows, want 6; "
        "row 0, column 'row': "
    )


def test_a_journey_verb_that_drops_a_transition_fails_check_journey():
    with pytest.raises(AssertionError) as raised:
        check_engine(DropsATransition(), checks=["journey"])
    message = str(raised.value)
    assert message.startswith(
        "check_engine: 'drops-a-transition' fails check_journey: journey(JourneyPlan(touchpoints=(('Visit', 0), "
        "('Call ☎', 1), (\"Offer 'gold'\", 2), ('Sign, done', 3), ('Pay', 3)), channel='channel', "
    )
    assert (
        "), by=None).transitions on typed_events(seed=0): 14 rows, want 15; row 14 missing: want {'source': "
        in message
    )


def test_a_cut_that_miscounts_complete_journeys_fails_check_cut():
    with pytest.raises(AssertionError) as raised:
        check_engine(MiscountsComplete(), checks=["cut"])
    assert str(raised.value) == (
        "check_engine: 'miscounts-complete' fails check_cut: cut(CutPlan(starts=('Visit', 'Call ☎'), "
        "ends=('Sign, done', 'Zahlung→ok'), select='last')) on messy_events(seed=0): complete is 11, want 10"
    )


def test_events_outside_with_a_lost_reason_fail_check_cut():
    with pytest.raises(AssertionError) as raised:
        check_engine(LosesAReason(), checks=["journey", "cut"])
    message = str(raised.value)
    assert message.startswith(
        "check_engine: 'loses-a-reason' fails check_cut: cut_outside(CutPlan(starts=('Visit', 'Call ☎'), "
        "ends=('Sign, done', 'Zahlung→ok'), select='last'), columns=['tier', 'score']) on messy_events(seed=0): "
        "row "
    )
    assert (
        "column 'reason': got 'before a start', want 'after an end'; got {'reason': 'before a start',"
        in message
    )


def test_a_cut_that_keeps_no_relation_of_the_journeys_it_counts_fails_check_cut():
    with pytest.raises(AssertionError) as raised:
        check_engine(LosesTheSecondJourneys(), checks=["cut"])
    assert str(raised.value) == (
        "check_engine: 'loses-the-second-journeys' fails check_cut: cut(CutPlan(gap_us=10800000000, "
        "ends=(\"Offer 'gold'\",), select=1)) on messy_events(seed=0): keeps no relation, want one"
    )


def test_a_union_that_forgets_its_duplicates_fails_check_union():
    with pytest.raises(AssertionError) as raised:
        check_engine(ForgetsDuplicates(), checks=["union"])
    assert str(raised.value) == (
        "check_engine: 'forgets-duplicates' fails check_union: union(parts=['web', 'phone', 'crm'], "
        "zones={'phone': 'Europe/Helsinki'}, identities=UNION_IDENTITIES, unmatched='keep', "
        "duplicates='drop') on union_sources(seed=0): duplicates is 0, want 6"
    )


def test_ties_out_of_input_order_fail():
    with pytest.raises(
        AssertionError, match=r"fails check_verbs: events\(columns=\['tier', 'score'\]\) on messy"
    ):
        check_engine(SortsTiesByName(), checks=["load", "verbs"])


def test_an_error_in_a_verb_is_a_failure_naming_the_verb():
    with pytest.raises(AssertionError) as raised:
        check_engine(RaisesInPaths(), checks=["verbs"])
    assert str(raised.value) == (
        "check_engine: 'raises-in-paths' fails check_verbs: paths(by=None, measure=None) on "
        "messy_events(seed=0) raised NotImplementedError: paths is not written yet"
    )


def test_checks_selects_and_orders_the_checks(monkeypatch):
    check_engine(DropsLastEdge(), checks=["load", "filters"])  # its dfg is never compared there
    ran = []
    for name in kit.CHECKS:
        monkeypatch.setitem(kit.CHECKS, name, lambda e, r, *, seed, name=name: ran.append((name, seed)))
    check_engine("duckdb", checks=["filters", "load"], seed=4)
    assert ran == [("filters", 4), ("load", 4)]
    ran.clear()
    check_engine("duckdb", checks=[])
    assert ran == []


def test_each_check_is_a_public_function_listed_in_checks():
    assert list(kit.CHECKS) == [
        "load",
        "verbs",
        "row_order",
        "order_only",
        "timezones",
        "filters",
        "composite",
        "journey",
        "cut",
        "union",
    ]
    for name, function in kit.CHECKS.items():
        assert function is getattr(kit, f"check_{name}") and f"check_{name}" in kit.__all__
    kit.check_order_only(DuckDBEngine(), DuckDBEngine(), seed=3)  # alone, with other logs
    kit.check_cut(DuckDBEngine(), DuckDBEngine(), seed=3)
    kit.check_union(DuckDBEngine(), DuckDBEngine(), seed=3)


def test_engines_the_kit_creates_are_closed_and_others_are_not():
    before = Closes.closed
    check_engine(ClosesFactory(), checks=["load"])
    assert Closes.closed == before + 1
    mine = Closes()
    check_engine(mine, checks=["load"])
    check_engine(lambda: mine, checks=["load"], reference=mine)
    assert Closes.closed == before + 1
    assert mine.connection.execute("SELECT 1").fetchall() == [(1,)]
    check_engine(DuckDBEngineFactory(), reference=DuckDBEngine, checks=["load"])  # a class is a callable


def test_an_unknown_check_is_refused():
    with pytest.raises(
        ArgumentError, match=r"^check_engine: checks= has no check 'joins'; checks: load, verbs"
    ):
        check_engine("duckdb", checks=["load", "joins"])
    with pytest.raises(TypeError, match=r"checks= takes a list of check names, not 'load'"):
        check_engine("duckdb", checks="load")
    with pytest.raises(TypeError, match="seed= takes an int"):
        check_engine("duckdb", seed="1")


def test_a_bad_factory_is_refused():
    with pytest.raises(
        ValueError, match=r"^check_engine: factory='duckbd' is no registered engine; engines: duckdb"
    ):
        check_engine("duckbd")
    with pytest.raises(TypeError, match=r"^check_engine: factory= takes an engine name, an EngineFactory"):
        check_engine(42)
    with pytest.raises(TypeError, match=r"^check_engine: reference= takes"):
        check_engine("duckdb", reference=3.5)
    with pytest.raises(TypeError, match=r"gave a dict, which is no engine \(it lacks name, load, filter"):
        check_engine(dict)


def test_an_engine_without_the_journey_verbs_is_named_as_lacking_them():
    def partial(lacking):
        verbs = {n: (lambda self, *args, **kw: None) for n in kit._missing(object()) if n not in lacking}
        return type("Partial", (), {**verbs, "name": "partial"})

    everything = partial(())()
    assert kit._missing(everything) == []
    assert check_engine(lambda: everything, checks=[]) is None  # it is an engine (none of its verbs runs)
    with pytest.raises(
        TypeError, match=r"gave a Partial, which is no engine \(it lacks journey, cut, cut_outside\)$"
    ):
        check_engine(partial(("journey", "cut", "cut_outside")))
    for verb in ("filter", "journey", "cut", "cut_outside"):
        with pytest.raises(TypeError, match=rf"\(it lacks {verb}\)$"):
            check_engine(partial((verb,)))


def test_assert_same_tables_tolerates_last_bits_and_names_the_difference():
    a = pa.table({"x": [1.0, float("nan")], "n": [[0.5], [1.0]]})
    b = pa.table({"x": [1.0 + 1e-12, float("nan")], "n": [[0.5 + 1e-13], [1.0]]})
    kit.assert_same_tables({"t": a}, {"t": b})
    with pytest.raises(AssertionError, match=r"^t: column 'x' is int64, want double$"):
        kit.assert_same_tables({"t": pa.table({"x": [1, 2]})}, {"t": b.select(["x"])})
    with pytest.raises(AssertionError, match=r"^t: columns \['n', 'x'\], want \['x', 'n'\]$"):
        kit.assert_same_tables({"t": a.select(["n", "x"])}, {"t": b})
    with pytest.raises(AssertionError, match=r"^t: 1 rows, want 2; row 1 missing: want \{'x': nan"):
        kit.assert_same_tables({"t": a.slice(0, 1)}, {"t": b})
    with pytest.raises(AssertionError, match=r"^q: got \[1.0\], want \[2.0\]$"):
        kit.assert_same_tables({"q": [1.0]}, {"q": [2.0]})


def test_the_kit_is_exported_lazily_from_journeymine_testing():
    assert journeymine.testing.check_engine is kit.check_engine
    assert {"check_engine", "engines"} <= set(journeymine.testing.__all__)
    assert "check_engine" not in journeymine.__all__
