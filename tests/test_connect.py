"""combine: several sources into one log of customers, with every event accounted for."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.connect import read_identities
from journeymine.errors import IdentityError, SchemaError
from journeymine.testing import reference
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties

# The demo split by channel into the three systems of a bank: source -> (channels, id column,
# id prefix). No source keeps customer_id; each knows the customer under its own id.
DEMO_SOURCES = {
    "digital": (("web", "app"), "cookie", "ck-"),
    "contact": (("phone", "branch"), "phone_number", "+31"),
    "crm": (("email", "social", "comparison"), "crm_id", "crm"),
}
CORE = ["case", "events", "start", "end", "duration_s", "variant_id"]


def read(rows, columns=("id", "activity", "ts"), **kw):
    """A small source log: case column first, then ``activity`` and ``ts``."""
    frame = pd.DataFrame(rows, columns=list(columns))
    return jm.read_events(frame, case=columns[0], activity="activity", timestamp="ts", **kw)


def identities(rows):
    return pd.DataFrame(rows, columns=["source", "id", "customer"])


def rest(log):
    """All events with all columns (``case`` is the customer)."""
    mapped = {"customer", "activity", "timestamp", "channel"}
    return log.to_frame(columns=[c for c in log.columns if c not in mapped])


def demo_customer(source, id_):
    """The identity function of the split demo: strip the source's prefix, prefix 'C'."""
    return "C" + id_.removeprefix(DEMO_SOURCES[source][2])


# -- the acceptance: the demo split into three sources ----------------------------------


@pytest.fixture(scope="module")
def split_demo(demo_frame):
    """The demo as three sources (in priority order) and the identity table between them."""
    number = demo_frame["customer_id"].str[1:]
    logs, tables = {}, []
    for name, (channels, column, prefix) in DEMO_SOURCES.items():
        part = demo_frame[demo_frame["channel"].isin(channels)].copy()
        part.insert(0, column, prefix + number[part.index])
        tables.append(pd.DataFrame({"source": name, "id": part[column], "customer": part["customer_id"]}))
        part = part.drop(columns="customer_id")
        logs[name] = jm.read_events(
            part, case=column, activity="touchpoint", timestamp="timestamp", channel="channel"
        )
    table = pd.concat(tables, ignore_index=True).drop_duplicates(ignore_index=True)
    return logs, table


@pytest.fixture(scope="module")
def single_file_log(tmp_path_factory):
    path = jm.datasets.write_demo(tmp_path_factory.mktemp("demo"))
    return jm.read_events(path, **jm.datasets.DEMO_COLUMNS)


@pytest.mark.parametrize("form", ["frame", "csv", "function"])
def test_split_demo_combines_into_the_single_file_log(form, split_demo, single_file_log, tmp_path):
    # Events of one customer at the same second keep their input order. In the demo such ties
    # cross sources only as app -> email (an upload rejected by the automatic check in the same
    # second), i.e. digital -> crm; phone and branch ties stay within contact. Giving the sources
    # in the order digital, contact, crm therefore reproduces the single file's order exactly.
    logs, table = split_demo
    given_ids = {"frame": table, "csv": tmp_path / "identities.csv", "function": demo_customer}[form]
    if form == "csv":
        table.to_csv(given_ids, index=False)
    combined = jm.combine(logs, identities=given_ids)

    assert (
        (combined.n_events, combined.n_cases)
        == (single_file_log.n_events, single_file_log.n_cases)
        == (40489, 3000)
    )
    one, many = jm.discover_dfg(single_file_log), jm.discover_dfg(combined)
    pd.testing.assert_frame_equal(many.edges, one.edges)  # counts, cases and every duration
    pd.testing.assert_frame_equal(many.start, one.start)
    pd.testing.assert_frame_equal(many.end, one.end)
    pd.testing.assert_frame_equal(many.activities, one.activities)
    pd.testing.assert_frame_equal(
        jm.discover_variants(combined).table, jm.discover_variants(single_file_log).table
    )
    pd.testing.assert_frame_equal(combined.cases()[CORE], single_file_log.cases()[CORE])

    sources = combined.report.sources.set_index("source")
    assert list(sources.index) == ["digital", "contact", "crm"]
    assert sources["events"].sum() == sources["events_kept"].sum() == 40489
    assert sources["unmatched_ids"].sum() == sources["duplicates"].sum() == 0
    assert (
        combined.report.unmatched.empty
        and combined.report.duplicates.empty
        and combined.report.set_aside.empty
    )


def test_source_order_decides_ties_across_sources(demo_frame, split_demo, single_file_log):
    # The counter-check of the test above: with crm first, exactly the customers who have an
    # app event and an email at the same second get another variant.
    logs, table = split_demo
    combined = jm.combine({n: logs[n] for n in ("crm", "digital", "contact")}, identities=table)
    prev = demo_frame.groupby("customer_id")[["timestamp", "channel"]].shift(1)
    tie = (
        demo_frame["timestamp"].eq(prev["timestamp"])
        & prev["channel"].eq("app")
        & demo_frame["channel"].eq("email")
    )
    expected = set(demo_frame.loc[tie, "customer_id"])
    assert len(expected) > 100

    one = single_file_log.cases()[["case", "variant_id"]].set_index("case")["variant_id"]
    many = combined.cases()[["case", "variant_id"]].set_index("case")["variant_id"]
    assert set(one.index[one.ne(many.reindex(one.index))]) == expected


# -- a small three-source example with every kind of event -------------------------------------


@pytest.fixture
def sources():
    """web, phone, crm: unmatched ids, an event two and three systems recorded, a double within
    one source."""
    web = read(
        [
            ("ck1", "Home", "2025-03-01T10:00:00Z"),
            ("ck1", "Appointment booked", "2025-03-01T10:05:00Z"),
            ("ck2", "Home", "2025-03-01T11:00:00Z"),
            ("ck2", "Home", "2025-03-01T11:00:00Z"),  # recorded twice by web itself: kept
            ("ck9", "Home", "2025-03-01T12:00:00Z"),  # no identity
        ]
    )
    phone = read(
        [
            ("+31a", "Call", "2025-03-01T10:01:00Z"),
            ("+31a", "Appointment booked", "2025-03-01T10:05:00Z"),  # web has it (C1)
            ("+31b", "Appointment booked", "2025-03-01T10:05:00Z"),  # same time, other customer
            ("+31z", "Call", "2025-03-02T09:00:00Z"),  # no identity
            ("+31z", "Call", "2025-03-03T09:00:00Z"),
        ]
    )
    crm = read(
        [
            (1001, "Appointment booked", "2025-03-01T10:05:00Z"),  # web has it too
            (1001, "Offer sent", "2025-03-04T08:00:00Z"),
            (1002, "Offer sent", "2025-03-05T08:00:00Z"),
        ]
    )
    table = identities(
        [
            ("web", "ck1", "C1"),
            ("web", "ck2", "C2"),
            ("phone", "+31a", "C1"),
            ("phone", "+31b", "C2"),
            ("crm", "1001", "C1"),
            ("crm", "1002", "C2"),
            ("crm", "1002", "C2"),  # the same mapping twice is fine
            ("shop", "s1", "C1"),  # a source not given
        ]
    )
    return {"web": web, "phone": phone, "crm": crm}, table


def test_every_event_is_accounted_for(sources):
    logs, table = sources
    combined = jm.combine(logs, identities=table, unmatched="aside")
    report = combined.report
    given_events = sum(log.n_events for log in logs.values())
    assert given_events == 13
    assert combined.n_events + len(report.duplicates) + len(report.set_aside) == given_events
    assert (combined.n_events, len(report.duplicates), len(report.set_aside)) == (8, 2, 3)
    assert report.sources.to_dict("records") == [
        {
            "source": "web",
            "events": 5,
            "ids": 3,
            "matched_ids": 2,
            "unmatched_ids": 1,
            "unmatched_events": 1,
            "duplicates": 0,
            "events_kept": 4,
        },
        {
            "source": "phone",
            "events": 5,
            "ids": 3,
            "matched_ids": 2,
            "unmatched_ids": 1,
            "unmatched_events": 2,
            "duplicates": 1,
            "events_kept": 2,
        },
        {
            "source": "crm",
            "events": 3,
            "ids": 2,
            "matched_ids": 2,
            "unmatched_ids": 0,
            "unmatched_events": 0,
            "duplicates": 1,
            "events_kept": 2,
        },
    ]
    assert report.unused_identities == 1
    assert report.to_dict()["duplicates"] == 2 and report.to_dict()["set_aside"] == 3
    kept = rest(combined)
    assert kept.groupby("source").size().to_dict() == {"crm": 2, "phone": 2, "web": 4}
    assert kept.groupby("case").size().to_dict() == {"C1": 4, "C2": 4}


def test_unmatched_ids_keep_their_own_customer(sources):
    logs, table = sources
    combined = jm.combine(logs, identities=table)  # unmatched="keep"
    report = combined.report
    assert report.unmatched.to_dict("records") == [
        {"source": "web", "id": "ck9", "events": 1, "handling": "own customer"},
        {"source": "phone", "id": "+31z", "events": 2, "handling": "own customer"},
    ]
    assert report.set_aside.empty
    events = rest(combined)
    own = events[events["case"].isin(["web:ck9", "phone:+31z"])]
    assert sorted(own[["case", "activity", "source", "source_id"]].values.tolist()) == [
        ["phone:+31z", "Call", "phone", "+31z"],
        ["phone:+31z", "Call", "phone", "+31z"],
        ["web:ck9", "Home", "web", "ck9"],
    ]
    assert combined.n_cases == 4 and combined.n_events == 11
    assert combined.report.sources["unmatched_events"].tolist() == [1, 2, 0]


def test_unmatched_ids_set_aside(sources):
    logs, table = sources
    combined = jm.combine(logs, identities=table, unmatched="aside")
    report = combined.report
    assert report.unmatched["handling"].tolist() == ["set aside", "set aside"]
    assert report.unmatched[["source", "id", "events"]].values.tolist() == [
        ["web", "ck9", 1],
        ["phone", "+31z", 2],
    ]
    aside = report.set_aside
    assert sorted(zip(aside["source"], aside["source_id"], aside["activity"])) == [
        ("phone", "+31z", "Call"),
        ("phone", "+31z", "Call"),
        ("web", "ck9", "Home"),
    ]
    assert "customer" not in aside.columns
    assert set(rest(combined)["case"]) == {"C1", "C2"}
    assert not rest(combined)["source_id"].isin(["ck9", "+31z"]).any()


def test_a_function_maps_ids_and_none_means_unmatched(sources):
    logs, table = sources
    lookup = {(s, i): c for s, i, c in table.itertuples(index=False)}
    combined = jm.combine(logs, identities=lambda source, id_: lookup.get((source, id_)))
    assert set(rest(combined)["case"]) == {"C1", "C2", "web:ck9", "phone:+31z"}
    assert len(combined.report.unmatched) == 2
    assert combined.report.unused_identities == 0  # a function has no rows to leave unused


def test_without_identities_the_sources_share_one_id_space():
    web = read([("u1", "Home", "2025-03-01T10:00:00Z")])
    app = read([("u1", "Login", "2025-03-01T10:01:00Z"), ("u2", "Login", "2025-03-01T10:02:00Z")])
    combined = jm.combine({"web": web, "app": app})
    cases = combined.cases()
    assert dict(zip(cases["case"], cases["events"])) == {"u1": 2, "u2": 1}
    assert combined.report.unmatched.empty


def test_events_two_sources_recorded_are_dropped_and_reported(sources):
    logs, table = sources
    combined = jm.combine(logs, identities=table)
    dups = combined.report.duplicates
    assert dups.to_dict("records") == [
        {
            "source": "phone",
            "source_id": "+31a",
            "customer": "C1",
            "activity": "Appointment booked",
            "timestamp": pd.Timestamp("2025-03-01T10:05:00Z"),
            "first_source": "web",
        },
        {
            "source": "crm",
            "source_id": "1001",
            "customer": "C1",
            "activity": "Appointment booked",
            "timestamp": pd.Timestamp("2025-03-01T10:05:00Z"),
            "first_source": "web",
        },
    ]
    events = rest(combined)
    booked = events[events["activity"] == "Appointment booked"]
    # C1's booking once, from web (the first source); C2's booking at the same time is no duplicate
    assert sorted(zip(booked["case"], booked["source"])) == [("C1", "web"), ("C2", "phone")]
    # the same event twice within one source is left alone
    assert len(events[(events["case"] == "C2") & (events["activity"] == "Home")]) == 2
    assert jm.discover_variants(combined).table.set_index("variant").loc[
        [("Home", "Call", "Appointment booked", "Offer sent")], "cases"
    ].tolist() == [1]


def test_duplicates_keep(sources):
    logs, table = sources
    combined = jm.combine(logs, identities=table, duplicates="keep")
    assert len(combined.report.duplicates) == 2  # still reported
    assert combined.report.sources["duplicates"].tolist() == [0, 1, 1]
    assert combined.report.sources["events_kept"].tolist() == [5, 5, 3]
    events = rest(combined)
    c1 = events[events["case"] == "C1"]
    # ties keep the source order: web, phone, crm
    assert c1["activity"].tolist() == [
        "Home",
        "Call",
        "Appointment booked",
        "Appointment booked",
        "Appointment booked",
        "Offer sent",
    ]
    assert c1["source"].tolist() == ["web", "phone", "web", "phone", "crm", "crm"]
    assert combined.n_events == 13


# -- identity tables -----------------------------------------------------------------------


def test_an_id_with_two_customers_is_an_error(sources, tmp_path):
    logs, _ = sources
    table = identities(
        [
            ("web", "ck1", "C1"),
            ("web", "ck1", "C7"),
            ("web", "ck2", "C2"),
            ("phone", "+31a", "C1"),
            ("phone", "+31a", "C3"),
        ]
    )
    with pytest.raises(IdentityError, match=r"2 ids map to two or more customers") as err:
        jm.combine(logs, identities=table)
    assert "web/ck1 -> C1, C7" in str(err.value) and "phone/+31a -> C1, C3" in str(err.value)
    assert "ck2" not in str(err.value)
    path = tmp_path / "ids.csv"
    table.to_csv(path, index=False)
    with pytest.raises(IdentityError, match=r"identity table .*ids\.csv: 2 ids map .*web/ck1 -> C1, C7"):
        read_identities(path)


@pytest.mark.parametrize("missing", ["source", "id", "customer"])
def test_an_identity_table_without_a_column(missing, sources):
    logs, table = sources
    with pytest.raises(IdentityError, match=rf"has no column '{missing}'; it needs source, id, customer"):
        jm.combine(logs, identities=table.drop(columns=missing))


def test_empty_ids_name_the_row_or_the_csv_line(sources, tmp_path):
    logs, _ = sources
    table = identities(
        [("web", "ck1", "C1"), ("web", " ", "C2"), ("phone", "+31a", "C1"), ("phone", None, "C3")]
    )
    with pytest.raises(IdentityError, match=r"2 rows have an empty id \(row 1, row 3\)"):
        jm.combine(logs, identities=table)
    path = tmp_path / "ids.csv"
    path.write_text("source,id,customer\nweb,ck1,C1\nweb,,C2\nphone,+31a,C1\n", encoding="utf-8")
    with pytest.raises(IdentityError, match=r"ids\.csv: 1 rows have an empty id \(line 3\)"):
        jm.combine(logs, identities=path)
    path.write_text("source,id,customer\nweb,ck1,\n", encoding="utf-8")
    with pytest.raises(IdentityError, match=r"empty customer \(line 2\)"):
        jm.combine(logs, identities=str(path))


def test_empty_id_line_number_counts_blank_lines(tmp_path):
    path = tmp_path / "ids.csv"
    # line 1 header, 2 ck1, 3 blank, 4 ck2, 5 the empty id
    path.write_text("source,id,customer\nweb,ck1,C1\n\nweb,ck2,C2\nweb,,C3\n", encoding="utf-8")
    with pytest.raises(IdentityError, match=r"\(line 5\)"):
        read_identities(path)


def test_read_identities_and_bad_identity_arguments(tmp_path, sources):
    table = read_identities(identities([("web", "ck1", "C1"), ("web", "ck1", "C1"), ("app", 7, "C2")]))
    assert table.values.tolist() == [["web", "ck1", "C1"], ["app", "7", "C2"]]
    logs, _ = sources
    with pytest.raises(IdentityError, match=r"no identity table at .*nowhere\.csv"):
        jm.combine(logs, identities=tmp_path / "nowhere.csv")
    with pytest.raises(IdentityError) as info:
        jm.combine(logs, identities=42)
    assert str(info.value) == (
        "identities must be a DataFrame, a CSV/Parquet path or a function, not int; "
        "pass identities='identities.csv'"
    )


# -- time zones ------------------------------------------------------------------------------


@pytest.fixture
def zoned():
    web = read([("ck1", "Home", "2025-03-01T08:00:00Z"), ("ck1", "Calculator", "2025-07-01T07:30:00Z")])
    phone = read([("+31a", "Call", "2025-03-01 10:00:00"), ("+31a", "Call back", "2025-07-01 10:00:00")])
    assert (web.timezone, phone.timezone) == ("UTC", None)
    return {"web": web, "phone": phone}, identities([("web", "ck1", "C1"), ("phone", "+31a", "C1")])


def test_a_naive_and_a_utc_source_need_a_time_zone(zoned):
    logs, table = zoned
    with pytest.raises(
        SchemaError, match=r"source 'phone' has times without an offset .* pass timezones=\{'phone': "
    ):
        jm.combine(logs, identities=table)


def test_naive_local_times_become_utc(zoned):
    logs, table = zoned
    combined = jm.combine(logs, identities=table, timezones={"phone": "Europe/Amsterdam"})
    assert combined.timezone == "UTC"
    events = rest(combined)
    times = dict(zip(events["activity"], events["timestamp"]))
    assert times["Call"] == pd.Timestamp("2025-03-01T09:00:00Z")  # winter time: UTC+1
    assert times["Call back"] == pd.Timestamp("2025-07-01T08:00:00Z")  # summer time: UTC+2
    assert times["Home"] == pd.Timestamp("2025-03-01T08:00:00Z")
    assert events["activity"].tolist() == ["Home", "Call", "Calculator", "Call back"]
    # a zone given for a source whose times carry offsets changes nothing
    both = jm.combine(
        logs, identities=table, timezones={"phone": "Europe/Amsterdam", "web": "America/New_York"}
    )
    pd.testing.assert_frame_equal(rest(both), events)


def test_naive_sources_combine_as_they_are():
    a = read([("x", "A", "2025-03-01 10:00:00")])
    b = read([("x", "B", "2025-03-01 09:30:00")])
    combined = jm.combine({"a": a, "b": b})
    assert combined.timezone is None
    events = rest(combined)
    assert events["activity"].tolist() == ["B", "A"]
    assert events["timestamp"].tolist() == [
        pd.Timestamp("2025-03-01 09:30:00"),
        pd.Timestamp("2025-03-01 10:00:00"),
    ]
    # both given a zone: both in UTC
    utc = rest(jm.combine({"a": a, "b": b}, timezones={"a": "Europe/Amsterdam", "b": "UTC"}))
    assert utc["activity"].tolist() == ["A", "B"]
    assert utc["timestamp"].tolist() == [
        pd.Timestamp("2025-03-01T09:00:00Z"),
        pd.Timestamp("2025-03-01T09:30:00Z"),
    ]


@pytest.mark.parametrize(
    ("zone", "when", "message"),
    [
        (
            "Europe/Amsterdam",
            "2025-03-30 02:30:00",
            r"cannot read the times of source 'phone' as Europe/Amsterdam: .*nonexistent.*; correct those "
            r"times in the source \(they fall in a change of the clock\), or give them with an offset$",
        ),
    ],
)
def test_bad_zones_and_local_times_that_do_not_exist(zone, when, message, zoned):
    logs, table = zoned
    logs = {**logs, "phone": read([("+31a", "Call", when)])}
    with pytest.raises(SchemaError, match=message):
        jm.combine(logs, identities=table, timezones={"phone": zone})


# -- columns ---------------------------------------------------------------------------------


def test_columns_channels_and_attributes():
    web = read(
        [("ck1", "Home", "2025-03-01T10:00:00Z", "/home", "x")],
        columns=("id", "activity", "ts", "url", "source"),
    )
    phone = read(
        [
            ("+31a", "Call", "2025-03-01T11:00:00Z", "branch", 310),
            ("+31a", "Call", "2025-03-02T11:00:00Z", None, 20),
        ],
        columns=("number", "activity", "ts", "medium", "seconds"),
        channel="medium",
    )
    combined = jm.combine({"web": web, "phone": phone}, identities=lambda s, i: "C1")
    assert combined.columns[:6] == ("customer", "activity", "timestamp", "channel", "source", "source_id")
    # the sources' own columns follow; web's own 'source' column does not overwrite the source name
    assert combined.columns[6:] == ("url", "web:source", "seconds")
    assert combined.schema.channel == "channel" and combined.schema.case == "customer"
    events = rest(combined)
    # no channel column: the source name; a missing channel value: the source name too
    assert events["channel"].tolist() == ["web", "branch", "phone"]
    assert events["source"].tolist() == ["web", "phone", "phone"]
    assert events["url"].tolist()[0] == "/home" and events["url"].iloc[1:].isna().all()
    assert events["seconds"].iloc[0] != events["seconds"].iloc[0]  # empty (NaN) for web
    assert events["seconds"].iloc[1:].tolist() == [310, 20]
    assert events["web:source"].tolist()[0] == "x"


def test_an_attribute_with_numbers_in_one_source_and_text_in_another_stays_text():
    web = read(
        [("ck1", "Home", "2025-03-01T10:00:00Z", 1), ("ck1", "Calc", "2025-03-01T10:01:00Z", 2)],
        columns=("id", "activity", "ts", "score"),
    )
    phone = read(
        [("+31a", "Call", "2025-03-01T11:00:00Z", "good")], columns=("id", "activity", "ts", "score")
    )
    combined = jm.combine({"web": web, "phone": phone}, identities=lambda s, i: "C1")
    assert rest(combined)["score"].tolist() == ["1", "2", "good"]


# -- invariants ------------------------------------------------------------------------------

PREFIX = {"web": "w-", "app": "a-", "phone": "p-"}


def as_dicts(log):
    dfg, variants = jm.discover_dfg(log), jm.discover_variants(log).table
    return (
        {(r.source, r.target): (r.count, r.cases, r.median_s) for r in dfg.edges.itertuples()},
        dict(zip(dfg.start["activity"], dfg.start["cases"])),
        dict(zip(dfg.end["activity"], dfg.end["cases"])),
        dict(zip(variants["variant"], variants["cases"])),
    )


def split(frame):
    """The generated events as one source per channel, ids prefixed per source."""
    out = {}
    for name, prefix in PREFIX.items():
        part = frame[frame["channel"] == name].drop(columns="channel").reset_index(drop=True)
        if len(part):
            out[name] = part.assign(case=prefix + part["case"])
    return out


def combined_log(parts):
    logs = {
        n: jm.read_events(p, case="case", activity="activity", timestamp="timestamp")
        for n, p in parts.items()
    }
    return jm.combine(logs, identities=lambda source, id_: id_.removeprefix(PREFIX[source]))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_frames(max_cases=5, max_events=6), st.integers(0, 2**32 - 1))
def test_combine_is_one_log_in_source_order_and_ignores_row_order(frame, seed):
    parts = split(frame)
    combined = combined_log(parts)
    # the oracle: the sources one after the other in one frame (ties keep that order), an event
    # another source recorded earlier (same customer, activity and time) left out
    one = pd.concat(
        [p.assign(case=p["case"].str[2:], rank=i) for i, p in enumerate(parts.values())], ignore_index=True
    )
    first = one.groupby(["case", "activity", "timestamp"])["rank"].transform("min")
    one = one[one["rank"] == first]
    assert combined.n_events == len(one) == len(frame) - len(combined.report.duplicates)
    ref = reference.mine(one, case="case", activity="activity", key="timestamp")
    mined = as_dicts(combined)
    assert {edge: count for edge, (count, _, _) in mined[0].items()} == dict(ref.edges)
    assert {edge: cases for edge, (_, cases, _) in mined[0].items()} == dict(ref.edge_cases)
    assert mined[1:] == (dict(ref.start), dict(ref.end), dict(ref.variants))
    shuffled = {n: shuffle_keeping_ties(p, seed + i) for i, (n, p) in enumerate(parts.items())}
    assert as_dicts(combined_log(shuffled)) == mined


# -- bad input -------------------------------------------------------------------------------


def _message(call, error=jm.ArgumentError):
    with pytest.raises(error) as info:
        call()
    return str(info.value)


def test_bad_arguments_are_clear_errors(sources):
    logs, table = sources
    assert _message(lambda: jm.combine({})) == "combine needs at least one log; pass logs={'web': web_log}"
    assert _message(lambda: jm.combine({"web": logs["web"], "phone": pd.DataFrame({"id": ["+31a"]})})) == (
        "source 'phone' must be an EventLog (from jm.read_events), not DataFrame; pass "
        "logs={'phone': jm.read_events(..., case=..., activity=..., timestamp=...)}"
    )
    assert _message(lambda: jm.combine(logs, identities=table, timezones={"fone": "Europe/Amsterdam"})) == (
        "timezones names 'fone', which is not one of the sources (web, phone, crm) (did you mean "
        "'phone'?); pass timezones= with the sources' names"
    )
    assert _message(lambda: jm.combine(logs, identities=table, unmatched="drop")) == (
        "unmatched must be 'keep' or 'aside', not 'drop'; pass unmatched='aside'"
    )
    assert _message(lambda: jm.combine(logs, identities=table, duplicates="first")) == (
        "duplicates must be 'drop' or 'keep', not 'first'; pass duplicates='keep'"
    )
    assert _message(lambda: jm.combine(logs, timezones="Europe/Amsterdam")) == (
        "timezones must be a mapping of source name to time zone, not str; "
        "pass timezones={'phone': 'Europe/Amsterdam'}"
    )
    assert _message(lambda: jm.combine({1: logs["web"]})) == (
        "source names must be non-empty texts, not 1; pass logs={'web': ...}"
    )
    ordered = jm.read_events(
        pd.DataFrame({"id": ["a", "a"], "activity": ["X", "Y"], "n": [1, 2]}),
        case="id",
        activity="activity",
        order="n",
    )
    assert _message(lambda: jm.combine({"web": logs["web"], "shop": ordered}), SchemaError) == (
        "source 'shop' (DataFrame) has no timestamps; combining needs times: read it with timestamp="
    )
    # argument errors are still ValueErrors, for code written before
    with pytest.raises(ValueError, match="combine needs at least one log"):
        jm.combine({})


def test_an_unknown_time_zone_is_an_argument_error_with_close_matches(zoned):
    logs, table = zoned
    assert _message(lambda: jm.combine(logs, identities=table, timezones={"phone": "Europe/Amsterdm"})) == (
        "timezones gives source 'phone' the time zone 'Europe/Amsterdm', which is not one (did you mean "
        "'Europe/Amsterdam'?); pass an IANA name such as timezones={'phone': 'Europe/Amsterdam'}"
    )
    assert _message(lambda: jm.combine(logs, identities=table, timezones={"phone": 1})) == (
        "timezones gives source 'phone' the time zone 1, which is not one; pass an IANA name such as "
        "timezones={'phone': 'Europe/Amsterdam'}"
    )


def test_every_source_set_aside_is_an_error_with_the_report(sources):
    logs, _ = sources
    message = _message(
        lambda: jm.combine(logs, identities=identities([("shop", "s1", "C1")]), unmatched="aside"),
        IdentityError,
    )
    assert message.startswith(
        "no events left after combining: the identities map no id of the sources, and unmatched='aside' "
        "set every event aside (report: {"
    )
    assert "'set_aside': 13" in message
    assert message.endswith(
        "); check that the identity table names the sources as given (web, phone, crm), or pass "
        "unmatched='keep'"
    )


def test_a_list_of_logs_is_a_clear_error(sources):
    logs, _ = sources
    assert _message(lambda: jm.combine(list(logs.values()))) == (
        "logs must be a mapping of source name to EventLog, not list; "
        "pass logs={'web': web_log, 'phone': phone_log}"
    )


def test_an_identity_file_that_cannot_be_read_is_an_identity_error(tmp_path, sources):
    logs, _ = sources
    path = tmp_path / "ids.csv"
    path.write_bytes(b"source,id,customer\nweb,ck1,C\xe9\n")
    message = _message(lambda: jm.combine(logs, identities=path), IdentityError)
    assert message.startswith(f"cannot read identity table {path}: ")
    assert message.endswith(
        "; it must be a CSV (UTF-8, with the header line source,id,customer) or a Parquet file"
    )
    parquet = tmp_path / "ids.parquet"
    parquet.write_text("not parquet", encoding="utf-8")
    message = _message(lambda: jm.combine(logs, identities=parquet), IdentityError)
    assert message.startswith(f"cannot read identity table {parquet}: ")


def test_a_cut_log_combines_with_every_event_once(demo_log):
    # a cut log keeps its root log's row numbers (rows beyond its own count): every combined
    # event must still be one row of the combined log
    cut = jm.cut_journeys(demo_log, start="Mortgage calculator", end="Contract signed")
    sample = jm.read_events(jm.datasets.load_demo().head(500), **jm.datasets.DEMO_COLUMNS)
    combined = jm.combine({"journeys": cut, "sample": sample}, duplicates="keep")
    assert combined.n_events == cut.n_events + sample.n_events
    events = combined.to_frame(columns=["source"])
    assert len(events) == combined.n_events
    assert events.groupby("source").size().to_dict() == {"journeys": cut.n_events, "sample": 500}
