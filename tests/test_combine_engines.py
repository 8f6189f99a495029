"""Combining sources inside the engine (``Engine.union``, issue 12): the same combined log and
report on DuckDB and Spark.

DuckDB's union is checked against hand-counted figures and a pandas oracle in
tests/test_connect.py; here Spark is compared with it on the same sources: identities as a table
and as a function, unmatched ids kept and set aside, duplicates dropped and kept, naive times in
a zone (and one that does not exist), columns whose types differ, and the demo split into three
systems.
"""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import SchemaError

pytestmark = pytest.mark.spark

WEB = [
    ("ck1", "Home", "2025-03-01T10:00:00Z", 1),
    ("ck1", "Appointment booked", "2025-03-01T10:05:00Z", 2),
    ("ck2", "Home", "2025-03-01T11:00:00Z", 3),
    ("ck2", "Home", "2025-03-01T11:00:00Z", 3),
    ("ck9", "Home", "2025-03-01T12:00:00Z", None),
]
PHONE = [
    ("+31a", "Call", "2025-03-01 11:01:00", "good"),
    ("+31a", "Appointment booked", "2025-03-01 11:05:00", "ok"),
    ("+31b", "Appointment booked", "2025-03-01 11:05:00", None),
    ("+31z", "Call", "2025-03-02 10:00:00", "bad"),
    ("+31z", "Call", "2025-03-03 10:00:00", "bad"),
]
CRM = [
    (1001, "Appointment booked", "2025-03-01T10:05:00Z", 0.5),
    (1001, "Offer sent", "2025-03-04T08:00:00Z", 1.5),
    (1002, "Offer sent", "2025-03-05T08:00:00Z", None),
]
IDS = pd.DataFrame(
    [
        ("web", "ck1", "C1"),
        ("web", "ck2", "C2"),
        ("phone", "+31a", "C1"),
        ("phone", "+31b", "C2"),
        ("crm", "1001", "C1"),
        ("crm", "1002", "C2"),
        ("crm", "1002", "C2"),
    ],
    columns=["source", "id", "customer"],
)
ZONES = {"phone": "Europe/Amsterdam"}


def sources(engine, phone=PHONE):
    def read(rows):
        frame = pd.DataFrame(rows, columns=["id", "activity", "ts", "score"])
        return jm.read_events(frame, case="id", activity="activity", timestamp="ts", engine=engine)

    return {"web": read(WEB), "phone": read(phone), "crm": read(CRM)}


def events(log):
    mapped = {"customer", "activity", "timestamp", "channel"}
    return log.to_frame(columns=[c for c in log.columns if c not in mapped])


def assert_same_combined(a, b):
    assert a.columns == b.columns
    assert a.stats == b.stats
    pd.testing.assert_frame_equal(events(a), events(b), obj="events")
    ra, rb = a.report, b.report
    assert ra.to_dict() == rb.to_dict()
    pd.testing.assert_frame_equal(ra.sources, rb.sources, obj="sources")
    pd.testing.assert_frame_equal(ra.unmatched, rb.unmatched, obj="unmatched")
    pd.testing.assert_frame_equal(ra.duplicates, rb.duplicates, obj="duplicates")
    assert (ra.set_aside.empty and rb.set_aside.empty) or ra.set_aside.equals(rb.set_aside)


@pytest.mark.parametrize(
    "kw",
    [
        {"identities": IDS, "timezones": ZONES},
        {"identities": IDS, "timezones": ZONES, "unmatched": "aside", "duplicates": "keep"},
        {"identities": lambda s, i: None if i.endswith("9") else f"C{i[-1]}", "timezones": ZONES},
        {"timezones": {"phone": "UTC"}},
    ],
    ids=["table", "aside-keep", "function", "no-identities"],
)
def test_combined_logs_are_the_same_on_both_engines(spark, kw):
    a = jm.combine(sources("duckdb"), **kw)
    b = jm.combine(sources(spark), **kw)
    assert a.n_events > 0 and a.timezone == b.timezone == "UTC"
    assert_same_combined(a, b)


def test_the_split_demo_combines_alike(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00200"]
    parts = {"digital": ("web", "app"), "contact": ("phone", "branch"), "crm": ("email", "social", "comparison")}
    logs = {}
    for engine in ("duckdb", spark):
        logs[engine if isinstance(engine, str) else "spark"] = {
            name: jm.read_events(
                frame[frame["channel"].isin(channels)],
                case="customer_id",
                activity="touchpoint",
                timestamp="timestamp",
                channel="channel",
                engine=engine,
            )
            for name, channels in parts.items()
        }
    a, b = (jm.combine(logs[k]) for k in ("duckdb", "spark"))
    assert a.n_events == len(frame)
    assert_same_combined(a, b)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("2025-03-30 02:30:00", "2025-03-30 02:30:00 does not exist there (nonexistent local time)"),
        ("2025-10-26 02:30:00", "2025-10-26 02:30:00 occurs twice (ambiguous)"),
    ],
    ids=["nonexistent", "ambiguous"],
)
def test_a_local_time_without_one_reading_is_the_same_error(spark, when, said):
    phone = [("+31a", "Call", when, None)]
    messages = []
    for engine in ("duckdb", spark):
        with pytest.raises(SchemaError) as raised:
            jm.combine(sources(engine, phone=phone), identities=IDS, timezones=ZONES)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert said in messages[0]


def test_sources_on_two_engines_combine_on_the_first_ones(spark):
    logs = sources("duckdb")
    logs["crm"] = sources(spark)["crm"]
    a = jm.combine(logs, identities=IDS, timezones=ZONES)
    assert a.engine.name == "duckdb"
    assert_same_combined(a, jm.combine(sources("duckdb"), identities=IDS, timezones=ZONES))


def test_identities_that_name_none_of_the_sources_are_the_same_error(spark):
    wrong = IDS.assign(source=IDS["source"].str.title())  # "Web" for "web": no row applies
    messages = []
    for engine in ("duckdb", spark):
        with pytest.raises(jm.IdentityError) as raised:
            jm.combine(sources(engine), identities=wrong, unmatched="aside", timezones=ZONES)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert "no events left after combining" in messages[0]


def test_a_cut_log_combines_alike(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00150"]
    combined = []
    for engine in ("duckdb", spark):
        log = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS, engine=engine)
        cut = jm.cut_journeys(log, start="Mortgage calculator", end="Contract signed")
        sample = jm.read_events(frame.head(300), **jm.datasets.DEMO_COLUMNS, engine=engine)
        combined.append(jm.combine({"journeys": cut, "sample": sample}, duplicates="keep"))
    a, b = combined
    want = int(a.report.sources["events"].sum())  # duplicates kept: every source event once
    assert len(events(a)) == a.n_events == want
    assert len(events(b)) == b.n_events == want
    assert_same_combined(a, b)
