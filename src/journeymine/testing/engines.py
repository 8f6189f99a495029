"""A conformance kit for engines: the checks every engine, built-in or plugin, must pass.

As :func:`~journeymine.testing.check_renderer` does for renderers, :func:`check_engine` runs every
check on one engine (a warehouse, Polars, ...) and compares it, verb by verb and table for table,
with a reference engine (DuckDB) on the same generated logs; each check is also a public function
``check_<name>(engine, reference, *, seed)``, listed in :data:`CHECKS`, so that one can be run
alone while it is being fixed:

- :func:`check_load`: on a messy log (:func:`messy_events`: ties, unicode names with quotes and
  commas, every kind of invalid row) the stats and the quarantine equal the reference's with
  ``on_invalid="quarantine"``, and ``on_invalid="raise"`` raises the same error with the same
  message;
- :func:`check_verbs`: every verb (:data:`VERBS`) on that log equals the reference's, without
  segments, by a text case attribute and binned by a numeric one;
- :func:`check_row_order`: the same log with its rows shuffled
  (:func:`~journeymine.testing.strategies.shuffle_keeping_ties`) gives the same tables;
- :func:`check_order_only`: a log ordered by an ``order`` column, without timestamps;
- :func:`check_timezones`: timestamps with offsets (normalised to UTC), naive ones, and a column
  that mixes the two (the same ``SchemaError``);
- :func:`check_filters`: for every kind of :class:`~journeymine.engines.base.Filter`
  (:data:`FILTER_STEPS`), the filtered relation gives the tables of a log read on the same engine
  from only the rows a pandas selection keeps (:func:`kept_rows`), its ``stats`` count what was
  removed, and the relation filtered is unchanged;
- :func:`check_composite`: a composite activity (``activity=[col1, col2]``) gives the reference's
  labels and tables;
- :func:`check_journey`: the journey verb (:class:`~journeymine.engines.base.JourneyPlan`) gives
  the reference's seven figure tables, for maps with a channel, measures, ranges, a completion
  column, outcomes, refs, stages, every kind of target and a fixed channel, and for a bare map,
  per segment and without, on a timed log and on an untimed one whose measures are text
  (:func:`scored_events`);
- :func:`check_cut`: cutting into journeys (:class:`~journeymine.engines.base.CutPlan`: gaps,
  starts, ends, ``select``, a plan that keeps nothing) gives the reference's counts, events left
  out (``cut_outside``, with their reasons) and cut relation (stats, events, cases), on the
  messy log and an untimed one.

The tables are compared with :func:`assert_same_tables` in the order each verb documents: the
same columns and types, the same values, floats to 1e-9 relative (engines may differ in the last
bits of a percentile). The helpers the checks are built of (:func:`verb_tables`,
:func:`kept_rows`, :func:`valid_rows`, :func:`per_case`, :func:`cases_kept`) are public too, for
an engine's own tests.

Every failure is an ``AssertionError`` naming the engine, the check and what differs:
``check_engine: 'polars' fails check_verbs: dfg(by='tier') on messy_events(seed=0): 11 rows,
want 12; row 11 missing: ...``. The logs are pandas DataFrames (an ``arrow`` scan), so an engine
that loads Arrow tables can run the kit; everything is seeded.

Examples
--------
>>> from journeymine.testing import check_engine
>>> check_engine("duckdb")
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import math
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NoReturn

from journeymine.engines.base import (
    CutPlan,
    Filter,
    JourneyPlan,
    LogStats,
    TargetPlan,
    UnionPart,
    UnionPlan,
)
from journeymine.errors import ArgumentError
from journeymine.segments import Segmentation, bin_labels

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from journeymine.engines.base import Engine, Relation
    from journeymine.eventlog import EventLog

__all__ = [
    "CHECKS",
    "COLUMNS",
    "FILTER_STEPS",
    "PROBS",
    "UNION_IDENTITIES",
    "VERBS",
    "assert_same_tables",
    "cases_kept",
    "check_composite",
    "check_cut",
    "check_engine",
    "check_filters",
    "check_journey",
    "check_load",
    "check_order_only",
    "check_row_order",
    "check_timezones",
    "check_union",
    "check_verbs",
    "kept_rows",
    "messy_events",
    "ordered_events",
    "ordered_rows",
    "per_case",
    "scored_events",
    "typed_events",
    "union_sources",
    "valid_rows",
    "variant_id",
    "verb_tables",
    "zoned_events",
]

#: how the kit's logs are read: ``read_events(frame, **COLUMNS)``
COLUMNS: dict[str, Any] = {
    "case": "customer",
    "activity": "touchpoint",
    "timestamp": "ts",
    "channel": "channel",
}

#: the verbs :func:`verb_tables` runs: per segmentation ``dfg`` ... ``cases`` (``top_variants``
#: is ``variants(top=2)``, ``measured_paths`` is ``paths(measure=...)``), then once ``events``,
#: ``case_attributes`` and ``quantiles``
VERBS = (
    "dfg",
    "activities",
    "activity_channels",
    "rarest_edges",
    "variants",
    "top_variants",
    "paths",
    "measured_paths",
    "durations",
    "cases",
    "events",
    "case_attributes",
    "quantiles",
)
_SEGMENT_VERBS = VERBS[:10]
#: the quantiles asked of ``quantiles``
PROBS = (0.0, 0.1, 0.5, 0.9, 1.0)
#: relative and absolute tolerance of floats in :func:`assert_same_tables`
_RTOL = _ATOL = 1e-9

_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
_DAY_US = 86_400_000_000
_T0 = int(_START.timestamp()) * 1_000_000

#: the filter steps :func:`check_filters` applies to :func:`typed_events`: every kind of
#: :data:`~journeymine.engines.base.FILTER_KINDS`, value matches on text, numbers and booleans,
#: ``negate`` on events, cases and activities, the three period modes, ``top`` and ``coverage``
#: (few, so that a slow engine gets through; ``tests/test_duckdb_filters.py`` has them all)
FILTER_STEPS = (
    Filter(kind="events", column="channel", values=("web", "app"), negate=True),
    Filter(kind="events", column="score", values=("2.25", "0.50", "x")),
    Filter(kind="cases", column="vip", values=("TRUE", "yes"), negate=True),
    Filter(kind="period", start=_T0 + 20 * _DAY_US, end=_T0 + 50 * _DAY_US, mode="events"),
    Filter(kind="period", end=_T0 + 60 * _DAY_US, mode="contained"),
    Filter(kind="period", start=_T0 + 30 * _DAY_US, mode="intersecting"),
    Filter(kind="contains", values=("Pay", "Visit")),
    Filter(kind="starts", values=("Visit", "Ad seen")),
    Filter(kind="ends", values=("Pay",), negate=True),
    Filter(kind="size", low=2, high=4),
    Filter(kind="variants", top=3),
    Filter(kind="variants", coverage=0.5),
)

_NUMBER = re.compile(r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity))\s*")
_Fail = Callable[[str], NoReturn]


# --------------------------------------------------------------------------------------------
# generated logs


def messy_events(seed: int = 0, cases: int = 40) -> pd.DataFrame:
    """Events with ties, unicode names with quotes and commas, and every kind of invalid row.

    Columns (read with :data:`COLUMNS`): ``customer``, ``touchpoint``, ``ts`` (ISO 8601 text in
    UTC), ``channel``, the case attributes ``tier`` (text, or missing), ``amount`` (numbers as
    text, or missing) and ``spend`` (a number, or missing), and ``score`` (a number on some
    events). Six rows are invalid: an empty and a blank case id, a missing and an empty activity,
    an unparseable and a missing timestamp. The rows are shuffled; the same arguments give the
    same frame.

    Examples
    --------
    >>> frame = messy_events(cases=5)
    >>> list(frame.columns)
    ['customer', 'touchpoint', 'ts', 'channel', 'tier', 'amount', 'score', 'spend']
    >>> frame.loc[3, "customer"], frame.loc[24, "ts"]
    ('', 'not a time')
    """
    import pandas as pd

    rnd = random.Random(seed)
    more = random.Random(seed + 1)  # the kit's columns, drawn apart from those of the model
    acts = ["Ad seen", "Visit", "Call ☎", "Offer 'gold'", 'Quote "x"', "Sign, done", "Zahlung→ok"]
    rows = []
    for i in range(cases):
        t = _START + timedelta(days=rnd.randrange(300), minutes=rnd.randrange(1440))
        tier = rnd.choice(["gold", "silver", None])
        amount = rnd.choice([None, str(rnd.randrange(1000, 900000))])
        spend = more.choice([None, float(more.randrange(10, 5000)), more.randrange(10, 5000) / 4])
        for _ in range(rnd.randrange(1, 9)):
            t += timedelta(minutes=rnd.choice([0, 0, 1, 5, 60, 600]))
            rows.append(
                {
                    "customer": f"c{i:03d}",
                    "touchpoint": rnd.choice(acts),
                    "ts": t.isoformat(),
                    "channel": rnd.choice(["web", "app", "phone"]),
                    "tier": tier,
                    "amount": amount,
                    "score": more.choice([None, -1.0, 0.25, 0.5, 2.0]),
                    "spend": spend,
                }
            )
    rnd.shuffle(rows)
    frame = pd.DataFrame(rows)
    frame["score"] = frame["score"].astype("float64")
    frame["spend"] = frame["spend"].astype("float64")
    invalid = [
        ("customer", ""),
        ("customer", "   "),
        ("touchpoint", None),
        ("ts", "not a time"),
        ("ts", None),
        ("touchpoint", ""),
    ]
    for i, (column, value) in enumerate(invalid):
        if 7 * i + 3 < len(frame):
            frame.loc[7 * i + 3, column] = value
    return frame


def typed_events(seed: int = 0, cases: int = 40) -> pd.DataFrame:
    """Events with ties, case attributes of every type, and two invalid rows.

    Columns (read with :data:`COLUMNS`): ``customer``, ``touchpoint``, ``stage`` (text, blank or
    missing: the second part of a composite activity), ``ts`` (UTC datetimes over 90 days from
    2025-01-01), ``channel`` (or missing), the case attributes ``tier`` (text or missing),
    ``amount`` (an integer) and ``vip`` (a boolean), and ``score`` (a float on some events).
    Row 5 has no case id, row 9 a blank activity.

    Examples
    --------
    >>> frame = typed_events(cases=4)
    >>> [str(t) for t in frame.dtypes[["ts", "amount", "score", "vip"]]]
    ['datetime64[us, UTC]', 'int64', 'float64', 'bool']
    """
    import pandas as pd

    rnd = random.Random(seed)
    acts = ["Ad seen", "Visit", "Call ☎", "Offer 'gold'", "Sign, done", "Pay"]
    rows = []
    for i in range(cases):
        t = _START + timedelta(days=rnd.randrange(90), minutes=rnd.randrange(1440))
        tier = rnd.choice(["gold", "silver", None])
        amount = rnd.choice([100, 250, 1000, 5000])
        vip = rnd.choice([True, False])
        for _ in range(rnd.randrange(1, 7)):
            t += timedelta(minutes=rnd.choice([0, 0, 5, 60, 600]))
            rows.append(
                {
                    "customer": f"c{i:02d}",
                    "touchpoint": rnd.choice(acts),
                    "stage": rnd.choice(["start", "end", "", None]),
                    "ts": t,
                    "channel": rnd.choice(["web", "app", "phone", None]),
                    "tier": tier,
                    "amount": amount,
                    "score": rnd.choice([0.5, 1.0, 2.25, None]),
                    "vip": vip,
                }
            )
    out = pd.DataFrame(rows)
    out["ts"] = out["ts"].astype("datetime64[us, UTC]")
    out["score"] = out["score"].astype("float64")
    for row, column, value in ((5, "customer", None), (9, "touchpoint", "  ")):
        if row < len(out):
            out.loc[row, column] = value
    return out


def ordered_events(seed: int = 0, cases: int = 30) -> pd.DataFrame:
    """An order-only log (a clickstream): ``customer``, ``touchpoint``, ``step`` (a nullable
    integer that orders the events of a case, with ties), ``channel``, ``tier`` (a case
    attribute). Three rows are invalid: a missing step, an empty activity, an empty case id.
    Read with ``case="customer", activity="touchpoint", order="step", channel="channel"``.

    Examples
    --------
    >>> frame = ordered_events(cases=3)
    >>> str(frame["step"].dtype), "ts" in frame
    ('Int64', False)
    """
    import pandas as pd

    rnd = random.Random(seed)
    pages = ["home", "news", "tech", "sports, live", "météo", "cart"]
    rows = []
    for i in range(cases):
        tier = rnd.choice(["free", "paid", None])
        step = rnd.randrange(5)
        for _ in range(rnd.randrange(1, 8)):
            step += rnd.choice([0, 1, 1, 3])
            rows.append(
                {
                    "customer": f"u{i:02d}",
                    "touchpoint": rnd.choice(pages),
                    "step": step,
                    "channel": rnd.choice(["web", "app"]),
                    "tier": tier,
                }
            )
    rnd.shuffle(rows)
    out = pd.DataFrame(rows)
    out["step"] = out["step"].astype("Int64")
    for row, column, value in ((2, "step", None), (6, "touchpoint", ""), (11, "customer", "")):
        if row < len(out):
            out.loc[row, column] = value
    return out


def zoned_events(seed: int = 0, cases: int = 20, *, naive: bool = False) -> pd.DataFrame:
    """Events whose timestamps carry offsets: ``customer``, ``touchpoint``, ``ts``, ``channel``,
    ``tier``.

    ``ts`` is ISO 8601 text with an offset per event (``+00:00``, ``+05:30``, ``-08:00``,
    ``+01:00``, ``Z``) around the ends of months and weeks, so that the UTC month or week of
    the first event differs from its local one; with ``naive``, the same wall times as naive
    datetimes. Ties stay ties in UTC.

    Examples
    --------
    >>> sorted(set(zoned_events()["ts"].str[19:]))
    ['+00:00', '+01:00', '+05:30', '-08:00', 'Z']
    """
    import pandas as pd

    rnd = random.Random(seed)
    zones = [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    zones.append(timezone(timedelta(hours=1)))
    acts = ["Visit", "Call", "Offer", "Sign"]
    rows = []
    for i in range(cases):
        first = datetime(2025, rnd.randrange(1, 12), 1, tzinfo=timezone.utc)
        t = first + timedelta(minutes=rnd.choice([-600, -300, -30, 30, 300, 600]))
        tier = rnd.choice(["gold", "silver"])
        for _ in range(rnd.randrange(1, 6)):
            t += timedelta(minutes=rnd.choice([0, 7, 90, 2000]))
            zone = rnd.choice(zones)
            local = t.astimezone(zone)
            text = local.isoformat()
            if zone is timezone.utc and rnd.random() < 0.5:
                text = text.replace("+00:00", "Z")
            rows.append(
                {
                    "customer": f"z{i:02d}",
                    "touchpoint": rnd.choice(acts),
                    "ts": local.replace(tzinfo=None) if naive else text,
                    "channel": rnd.choice(["web", "phone"]),
                    "tier": tier,
                }
            )
    out = pd.DataFrame(rows)
    if naive:
        out["ts"] = out["ts"].astype("datetime64[us]")
    return out


#: the text of :func:`scored_events`' ``rating``: numbers (with spaces, a sign, an exponent),
#: NaN, blanks, and text that is no number to the engines' measure rule (though ``1_000`` is a
#: number to DuckDB's cast and ``1d`` to Spark's)
_RATINGS: tuple[str | None, ...] = ("7", " 8.5 ", "\t9", "-2", "+3.", ".5", "1e1", "nan", "NaN", "")
_RATINGS += ("  ", None, "n/a", "sehr gut ☺", "1_000", "1d", "7,5")


def scored_events(seed: int = 0, cases: int = 24) -> pd.DataFrame:
    """An order-only log whose measure and completion columns are text: ``customer``,
    ``touchpoint``, ``step`` (an integer that orders the events of a case, with ties),
    ``channel`` (or missing), ``rating`` (text: numbers, ``nan``, blanks, missing values and
    text that is no number), ``done`` (text flags: ``yes``, ``no``, ``TRUE``, ``0``, blank or
    missing) and ``tier`` (a case attribute). Row 4 has a blank activity. Read with
    ``case="customer", activity="touchpoint", order="step", channel="channel"``.

    Examples
    --------
    >>> frame = scored_events(cases=3)
    >>> list(frame.columns)
    ['customer', 'touchpoint', 'step', 'channel', 'rating', 'done', 'tier']
    """
    import pandas as pd

    rnd = random.Random(seed)
    pages = ["home", "search", "offer ✓", "chat, live", "cart", "pay"]
    rows = []
    for i in range(cases):
        tier = rnd.choice(["free", "paid"])
        step = rnd.randrange(3)
        for _ in range(rnd.randrange(1, 8)):
            step += rnd.choice([0, 1, 1, 2])
            rows.append(
                {
                    "customer": f"s{i:02d}",
                    "touchpoint": rnd.choice(pages),
                    "step": step,
                    "channel": rnd.choice(["web", "app", None]),
                    "rating": rnd.choice(_RATINGS),
                    "done": rnd.choice(["yes", "no", "TRUE", "0", "", None, None]),
                    "tier": tier,
                }
            )
    rnd.shuffle(rows)
    out = pd.DataFrame(rows)
    out["step"] = out["step"].astype("int64")
    if len(out) > 4:
        out.loc[4, "touchpoint"] = " "
    return out


def union_sources(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Three sources of one set of customers, for :func:`check_union`: ``web`` (``customer``,
    ``touchpoint``, ``ts`` in UTC as text with ``Z``, ``channel`` with a missing value, an
    integer ``score``, a text ``tier``), ``phone`` (no channel, naive times in
    ``Europe/Helsinki``, ``score`` as text) and ``crm`` (times with ``+00:00``, a float
    ``amount``).

    Ids overlap between sources (``a1`` and ``a2`` are in ``web`` and ``crm``); ``a9`` and
    ``p9`` are mapped by no identity (:data:`UNION_IDENTITIES`); ``web``, ``phone`` (12:05 in
    Helsinki) and ``crm`` all recorded ``a1``/``p1``'s ``Booked`` at 10:05 UTC; ``web`` holds
    one row twice. ``phone`` holds 2025-03-30 02:30 too, a time that exists in Helsinki but
    not in Amsterdam (its clocks skip from 02:00 to 03:00). ``seed`` adds a few events per
    source.

    Examples
    --------
    >>> {name: len(frame) for name, frame in union_sources().items()}
    {'web': 8, 'phone': 9, 'crm': 6}
    """
    import pandas as pd

    rnd = random.Random(seed)
    web = [
        ("a1", "Home", "2025-03-01T10:00:00Z", "web", 1, "gold"),
        ("a1", "Booked", "2025-03-01T10:05:00Z", "app", 2, "gold"),
        ("a2", "Home", "2025-03-01T11:00:00Z", None, 3, "silver"),
        ("a2", "Home", "2025-03-01T11:00:00Z", None, 3, "silver"),
        ("a9", "Home", "2025-03-01T12:00:00Z", "web", 4, None),
    ]
    phone = [
        ("p1", "Call", "2025-03-01 12:01:00", "good"),
        ("p1", "Booked", "2025-03-01 12:05:00", "ok"),
        ("p2", "Booked", "2025-03-01 13:00:00", None),
        ("p2", "Call", "2025-03-30 02:30:00", None),
        ("p9", "Call", "2025-03-02 11:00:00", "bad"),
        ("p9", "Call", "2025-03-03 11:00:00", "bad"),
    ]
    crm = [
        ("a1", "Booked", "2025-03-01T10:05:00+00:00", 0.5),
        ("a1", "Offer", "2025-03-04T08:00:00+00:00", 1.5),
        ("a2", "Offer", "2025-03-05T08:00:00+00:00", math.nan),
    ]
    for _ in range(3):  # seeded events, on a few times so that sources meet again
        t = datetime(2025, 3, rnd.randrange(1, 4), 10, rnd.choice([0, 5, 30]))
        act = rnd.choice(["Home", "Booked", "Call", "Offer"])
        i = rnd.choice("129")
        web.append((f"a{i}", act, f"{t.isoformat()}Z", rnd.choice(["web", "app"]), rnd.randrange(9), "gold"))
        local = t + timedelta(hours=2)  # Helsinki in March, before the clocks change
        phone.append((f"p{i}", act, str(local), rnd.choice(["good", "7", None])))
        crm.append((f"a{i}", act, f"{t.isoformat()}+00:00", rnd.choice([0.25, 2.0])))
    frames = {
        "web": pd.DataFrame(web, columns=["customer", "touchpoint", "ts", "channel", "score", "tier"]),
        "phone": pd.DataFrame(phone, columns=["customer", "touchpoint", "ts", "score"]),
        "crm": pd.DataFrame(crm, columns=["customer", "touchpoint", "ts", "amount"]),
    }
    frames["phone"]["ts"] = pd.to_datetime(frames["phone"]["ts"]).astype("datetime64[us]")
    return frames


#: ``source, id, customer`` of :func:`union_sources`' ids (``a9`` and ``p9`` are unmapped)
UNION_IDENTITIES = (
    ("web", "a1", "C1"),
    ("web", "a2", "C2"),
    ("phone", "p1", "C1"),
    ("phone", "p2", "C2"),
    ("crm", "a1", "C1"),
    ("crm", "a2", "C2"),
)


# --------------------------------------------------------------------------------------------
# the pandas oracle


def valid_rows(
    data: pd.DataFrame, *, case: str = "customer", activity: str = "touchpoint", timestamp: str | None = "ts"
) -> pd.DataFrame:
    """The valid rows of ``data``: a case id and an activity that are not missing or blank, and
    (for a ``timestamp`` column of datetimes) a time.

    Examples
    --------
    >>> len(typed_events(cases=4)), len(valid_rows(typed_events(cases=4)))
    (18, 16)
    """
    keep = _present(data[case]) & _present(data[activity])
    if timestamp is not None and timestamp in data:
        keep &= data[timestamp].notna()
    return data[keep]


def ordered_rows(
    data: pd.DataFrame, *, case: str = "customer", activity: str = "touchpoint", timestamp: str = "ts"
) -> pd.DataFrame:
    """The valid rows in the canonical order: by case, then time, then input row.

    Examples
    --------
    >>> ordered_rows(typed_events(cases=4))["customer"].is_monotonic_increasing
    True
    """
    v = valid_rows(data, case=case, activity=activity, timestamp=timestamp).copy()
    v["__row"] = range(len(v))
    return v.sort_values([case, timestamp, "__row"], kind="stable").drop(columns="__row")


def per_case(
    data: pd.DataFrame, *, case: str = "customer", activity: str = "touchpoint", timestamp: str = "ts"
) -> pd.DataFrame:
    """Per case (the index, sorted): ``first`` and ``last`` time, ``n`` events, ``seq`` (the
    activities in order, a tuple), ``start`` and ``end`` (the first and last activity).

    Examples
    --------
    >>> first = per_case(typed_events(cases=4)).loc["c00"]
    >>> int(first["n"]), first["start"]
    (4, "Offer 'gold'")
    """
    import pandas as pd

    g = ordered_rows(data, case=case, activity=activity, timestamp=timestamp).groupby(case, sort=True)
    return pd.DataFrame(
        {
            "first": g[timestamp].min(),
            "last": g[timestamp].max(),
            "n": g.size(),
            "seq": g[activity].agg(tuple),
            "start": g[activity].first(),
            "end": g[activity].last(),
        }
    )


def cases_kept(
    data: pd.DataFrame,
    cases: Any,
    *,
    case: str = "customer",
    activity: str = "touchpoint",
    timestamp: str = "ts",
) -> pd.DataFrame:
    """The valid rows of the given ``cases`` (any iterable of case ids), in input order.

    Examples
    --------
    >>> cases_kept(typed_events(cases=4), ["c01"])["customer"].unique().tolist()
    ['c01']
    """
    v = valid_rows(data, case=case, activity=activity, timestamp=timestamp)
    return v[v[case].isin(set(cases))]


def variant_id(activities: Sequence[str]) -> str:
    """The id of a variant on every engine: the MD5 of its activity names joined by U+001F.

    Examples
    --------
    >>> variant_id(["Visit", "Pay"]) == variant_id(("Visit", "Pay")) != variant_id(["Pay"])
    True
    """
    return hashlib.md5("\x1f".join(activities).encode("utf-8")).hexdigest()


def kept_rows(
    data: pd.DataFrame,
    step: Filter,
    *,
    case: str = "customer",
    activity: str = "touchpoint",
    timestamp: str = "ts",
) -> pd.DataFrame:
    """The valid rows of ``data`` that ``step`` keeps, computed in pandas as
    :class:`~journeymine.engines.base.Filter` documents it: the oracle of :func:`check_filters`.

    ``timestamp`` is a column of datetimes (a period is compared in microseconds). A value
    matches by the column's type: text exactly, numbers by value (a value that is not a number
    matches nothing), booleans as ``true`` / ``false`` in any case.

    Examples
    --------
    >>> frame = typed_events()
    >>> kept = kept_rows(frame, Filter(kind="size", low=2, high=2))
    >>> set(kept.groupby("customer").size())
    {2}
    >>> len(kept_rows(frame, Filter(kind="events", column="amount", values=("1e3",)))) == int(
    ...     valid_rows(frame)["amount"].eq(1000).sum())
    True
    """
    import pandas as pd

    keys = {"case": case, "activity": activity, "timestamp": timestamp}
    v = valid_rows(data, **keys)
    kind, negate = step.kind, step.negate
    if kind == "events":
        hit = _matches(v[step.column or ""], step.values)
        return v[~hit] if negate else v[hit]
    micros = _micros(v[timestamp])
    if kind == "period" and step.mode == "events":
        inside = pd.Series(True, index=v.index)
        if step.start is not None:
            inside &= micros >= step.start
        if step.end is not None:
            inside &= micros < step.end
        return v[inside]
    pc = per_case(data, **keys)
    if kind == "cases":
        column = step.column or ""
        values = ordered_rows(data, **keys).dropna(subset=[column]).groupby(case, sort=True)[column].first()
        hit_cases = set(values.index[_matches(values, step.values)])
        chosen = set(pc.index) - hit_cases if negate else hit_cases
    elif kind == "period":
        first, last = _micros(pc["first"]), _micros(pc["last"])
        ok = pd.Series(True, index=pc.index)
        if step.mode == "contained":
            ok &= (first >= step.start) if step.start is not None else True
            ok &= (last < step.end) if step.end is not None else True
        else:
            ok &= (first < step.end) if step.end is not None else True
            ok &= (last >= step.start) if step.start is not None else True
        chosen = set(pc.index[ok])
    elif kind == "contains":
        names = set(step.values)
        chosen = {c for c, s in pc["seq"].items() if (not names & set(s) if negate else names <= set(s))}
    elif kind in ("starts", "ends"):
        at = pc["start" if kind == "starts" else "end"].isin(list(step.values))
        chosen = set(pc.index[~at if negate else at])
    elif kind == "size":
        ok = pd.Series(True, index=pc.index)
        if step.low is not None:
            ok &= pc["n"] >= step.low
        if step.high is not None:
            ok &= pc["n"] <= step.high
        chosen = set(pc.index[ok])
    elif kind == "variants":
        vids = pc["seq"].map(variant_id)
        counts = vids.value_counts().rename("cases").rename_axis("vid").reset_index()
        counts = counts.sort_values(["cases", "vid"], ascending=[False, True]).reset_index(drop=True)
        if step.coverage is not None:
            before = counts["cases"].cumsum() - counts["cases"]
            picked = counts["vid"][before / len(pc) < step.coverage]
        else:
            picked = counts["vid"][: int(step.top or 0)]
        chosen = set(pc.index[vids.isin(set(picked))])
    else:
        raise ArgumentError(f"kept_rows: no filter kind {kind!r}")
    return v[v[case].isin(chosen)]


def _present(s: pd.Series) -> pd.Series:
    return s.notna() & ~s.astype("string").str.strip().eq("").fillna(False)


def _micros(s: pd.Series) -> pd.Series:
    import pandas as pd

    t = pd.to_datetime(s, utc=True)
    return (t - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)


def _matches(s: pd.Series, values: Sequence[str]) -> pd.Series:
    """Whether each value of ``s`` is one of ``values`` (text), by the type of ``s``; never a
    missing value."""
    from pandas.api import types

    present = s.dropna()
    if types.is_bool_dtype(s.dtype) or (
        len(present) and s.dtype == object and all(isinstance(x, bool) for x in present)
    ):
        flags = {v.strip().lower() for v in values} & {"true", "false"}
        hit = s.map(lambda x: x is not None and x == x and str(bool(x)).lower() in flags)
    elif types.is_numeric_dtype(s.dtype):
        numbers = {float(v) for v in values if _NUMBER.fullmatch(v)}
        hit = s.astype("float64").isin(numbers)
    else:
        texts = {str(v) for v in values}
        hit = s.map(lambda x: isinstance(x, str) and x in texts)
    return hit.astype(bool) & s.notna()


# --------------------------------------------------------------------------------------------
# verb tables and their comparison


def _by_label(by: Segmentation | None) -> str:
    if by is None:
        return "by=None"
    if by.edges:
        edges = ", ".join(bin_labels([e])[0][2:] for e in by.edges)  # as the labels write them
        return f"by={by.name!r}, bins=[{edges}]"
    return f"by={by.name!r}"


def _verb_calls(
    engine: Engine,
    rel: Relation,
    *,
    by: Sequence[Segmentation | None] = (None,),
    verbs: Sequence[str] = VERBS,
    measure: str | None = None,
    attributes: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
    quantiles: str | None = None,
) -> Iterator[tuple[str, Callable[[], object]]]:
    """``(key, call)`` per verb, in the order of :data:`VERBS` per segmentation."""
    unknown = [v for v in verbs if v not in VERBS]
    if unknown:
        raise ArgumentError(f"verb_tables: no verb {unknown[0]!r}; verbs: {', '.join(VERBS)}")
    named = dict(attributes or {})
    for seg in by:
        b = _by_label(seg)
        keys = {
            "variants": f"variants({b}, top=None)",
            "top_variants": f"variants({b}, top=2)",
            "paths": f"paths({b}, measure=None)",
            "measured_paths": f"paths({b}, measure={measure!r})",
            "cases": f"cases({b}, attributes={named})",
        }
        for verb in _SEGMENT_VERBS:
            if verb in verbs and (verb != "measured_paths" or measure is not None):
                call = functools.partial(_segment_verb, engine, rel, verb, seg, measure, named)
                yield keys.get(verb, f"{verb}({b})"), call
    if "events" in verbs:
        yield f"events(columns={list(columns)})", functools.partial(engine.events, rel, columns=list(columns))
    if "case_attributes" in verbs:
        yield "case_attributes()", functools.partial(engine.case_attributes, rel)
    if "quantiles" in verbs and quantiles is not None:
        yield (
            f"quantiles({quantiles!r}, {list(PROBS)})",
            functools.partial(engine.quantiles, rel, quantiles, PROBS),
        )


def _segment_verb(
    engine: Engine,
    rel: Relation,
    verb: str,
    by: Segmentation | None,
    measure: str | None,
    attributes: dict[str, str],
) -> pa.Table:
    if verb == "dfg":
        return engine.dfg(rel, by=by)
    if verb == "activities":
        return engine.activities(rel, by=by)
    if verb == "activity_channels":
        return engine.activity_channels(rel, by=by)
    if verb == "rarest_edges":
        return engine.rarest_edges(rel, by=by)
    if verb in ("variants", "top_variants"):
        return engine.variants(rel, by=by, top=2 if verb == "top_variants" else None)
    if verb in ("paths", "measured_paths"):
        return engine.paths(rel, by=by, measure=measure if verb == "measured_paths" else None)
    if verb == "durations":
        return engine.durations(rel, by=by)
    return engine.cases(rel, by=by, attributes=attributes)


def verb_tables(
    engine: Engine,
    rel: Relation,
    *,
    by: Sequence[Segmentation | None] = (None,),
    verbs: Sequence[str] = VERBS,
    measure: str | None = None,
    attributes: Mapping[str, str] | None = None,
    columns: Sequence[str] = (),
    quantiles: str | None = None,
) -> dict[str, object]:
    """Every verb's output on ``rel``, keyed by the call (``"dfg(by='tier')"``): the tables two
    engines, or a filtered and a fresh log, must agree on.

    Parameters
    ----------
    engine, rel : Engine and Relation
        The engine and a relation it loaded (``log.engine``, ``log._relation``) or filtered.
    by : sequence of Segmentation or None
        The segmentations the per-segment verbs run with (``log.segmentation("tier")``).
    verbs : sequence of str
        Which of :data:`VERBS` to run (all by default); ``measured_paths`` runs only with
        ``measure``, ``quantiles`` only with ``quantiles``.
    measure : str, optional
        A numeric event column for ``paths(measure=...)``.
    attributes : mapping, optional
        ``{output name: column}`` for ``cases``.
    columns : sequence of str
        Source columns for ``events``.
    quantiles : str, optional
        A numeric case attribute for ``quantiles`` (at :data:`PROBS`).

    Returns
    -------
    dict
        Arrow tables, and lists for ``case_attributes`` and ``quantiles``.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(typed_events(cases=6), on_invalid="quarantine", **COLUMNS)
    >>> tables = verb_tables(log.engine, log._relation, verbs=["dfg", "events"], columns=["tier"])
    >>> list(tables)
    ['dfg(by=None)', "events(columns=['tier'])"]
    """
    calls = _verb_calls(
        engine,
        rel,
        by=by,
        verbs=verbs,
        measure=measure,
        attributes=attributes,
        columns=columns,
        quantiles=quantiles,
    )
    return {key: call() for key, call in calls}


def assert_same_tables(
    got: Mapping[str, object], want: Mapping[str, object], *, rtol: float = _RTOL, atol: float = _ATOL
) -> None:
    """Assert that ``got`` holds what ``want`` holds, key by key (as :func:`verb_tables` gives).

    Arrow tables must have the same columns, of the same types (list fields may be named and
    nullable differently), and the same values row for row, in order; floats (also inside lists)
    may differ by ``rtol`` relative or ``atol`` absolute, NaN equals NaN. Other values must be
    equal (floats in lists within the tolerance).

    Raises
    ------
    AssertionError
        Naming the key, and the first differing column or row: ``dfg(by='tier'): 11 rows, want
        12; row 11 missing: {...}``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> assert_same_tables({"t": pa.table({"x": [1.0]})}, {"t": pa.table({"x": [1.0 + 1e-12]})})
    >>> assert_same_tables({"t": pa.table({"x": [1, 2]})}, {"t": pa.table({"x": [1, 3]})})
    Traceback (most recent call last):
    ...
    AssertionError: t: row 1, column 'x': got 2, want 3; got {'x': 2}, want {'x': 3}
    """
    for key, b in want.items():
        if key not in got:
            raise AssertionError(f"{key}: missing")
        problem = _difference(got[key], b, rtol, atol)
        if problem is not None:
            raise AssertionError(f"{key}: {problem}")


def _difference(a: object, b: object, rtol: float, atol: float) -> str | None:
    """What differs between ``a`` (got) and ``b`` (want), or ``None``."""
    import pyarrow as pa

    if isinstance(b, pa.Table):
        if not isinstance(a, pa.Table):
            return f"got a {type(a).__name__}, want an Arrow table"
        return _table_difference(a, b, rtol, atol)
    return None if _close(a, b, rtol, atol) else f"got {a!r}, want {b!r}"


def _plain_type(t: pa.DataType) -> str:
    """A type as text, without the names and nullability of list fields."""
    import pyarrow as pa

    if pa.types.is_list(t) or pa.types.is_large_list(t):
        kind = "large_list" if pa.types.is_large_list(t) else "list"
        return f"{kind}<{_plain_type(t.value_type)}>"
    return str(t)


def _table_difference(a: pa.Table, b: pa.Table, rtol: float, atol: float) -> str | None:
    if a.column_names != b.column_names:
        return f"columns {a.column_names}, want {b.column_names}"
    for name, ta, tb in zip(b.column_names, a.schema.types, b.schema.types):
        if _plain_type(ta) != _plain_type(tb):
            return f"column {name!r} is {_plain_type(ta)}, want {_plain_type(tb)}"
    same = all(a.column(i).equals(b.column(i)) for i in range(b.num_columns))
    if same and a.num_rows == b.num_rows:
        return None
    rows_a, rows_b = a.to_pylist(), b.to_pylist()
    count = "" if len(rows_a) == len(rows_b) else f"{len(rows_a)} rows, want {len(rows_b)}; "
    for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
        for name in b.column_names:
            if not _close(ra[name], rb[name], rtol, atol):
                value = f"got {ra[name]!r}, want {rb[name]!r}"
                return f"{count}row {i}, column {name!r}: {value}; got {ra}, want {rb}"
    n = min(len(rows_a), len(rows_b))
    if len(rows_a) < len(rows_b):
        return f"{count}row {n} missing: want {rows_b[n]}"
    if len(rows_a) > len(rows_b):
        return f"{count}row {n} extra: got {rows_a[n]}"
    return None


def _close(a: object, b: object, rtol: float, atol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rtol, atol) for k in b)
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------------------------
# the checks


@dataclasses.dataclass
class _Run:
    """What :func:`check_engine` shares between its checks: the logs already read, per engine."""

    logs: dict[tuple[int, str], EventLog] = dataclasses.field(default_factory=dict)


_run: _Run | None = None


def _failer(engine: Engine, check: str) -> _Fail:
    label = getattr(engine, "name", None)
    who = repr(label) if isinstance(label, str) else type(engine).__name__

    def fail(message: str) -> NoReturn:
        raise AssertionError(f"check_engine: {who} fails {check}: {message}")

    return fail


def _read(
    fail: _Fail, engine: Engine, frame: pd.DataFrame, what: str, *, cache: bool = True, **kw: Any
) -> EventLog:
    """``frame`` read on ``engine`` (``what`` names it in messages); a log already read in this
    :func:`check_engine` run is reused."""
    from journeymine.eventlog import read_events

    key = (id(engine), f"{what} {sorted(kw.items())!r}")
    if cache and _run is not None and key in _run.logs:
        return _run.logs[key]
    try:
        log = read_events(frame, engine=engine, **kw)
    except Exception as exc:
        fail(f"reading {what} raised {type(exc).__name__}: {exc}")
    if cache and _run is not None:
        _run.logs[key] = log
    return log


def _segmentation(fail: _Fail, log: EventLog, by: str | None, bins: Any = None) -> Segmentation | None:
    try:
        return log.segmentation(by, bins)
    except Exception as exc:
        fail(f"resolving by={by!r}, bins={bins!r} raised {type(exc).__name__}: {exc}")


def _tables(
    fail: _Fail, log: EventLog, what: str, rel: Relation | None = None, **kw: Any
) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, call in _verb_calls(log.engine, log._relation if rel is None else rel, **kw):
        try:
            out[key] = call()
        except Exception as exc:
            fail(f"{key} on {what} raised {type(exc).__name__}: {exc}")
    return out


def _same(fail: _Fail, got: Mapping[str, object], want: Mapping[str, object], what: str) -> None:
    for key, b in want.items():
        problem = _difference(got[key], b, _RTOL, _ATOL) if key in got else "missing"
        if problem is not None:
            fail(f"{key} on {what}: {problem}")


def _stats(stats: LogStats) -> dict[str, object]:
    return {f.name: getattr(stats, f.name) for f in dataclasses.fields(LogStats)}


def _same_stats(fail: _Fail, got: LogStats, want: LogStats, what: str) -> None:
    a, b = _stats(got), _stats(want)
    for name in b:
        if a[name] != b[name]:
            fail(f"stats.{name} of {what} is {a[name]!r}, want {b[name]!r}")


def _compare_logs(
    fail: _Fail, got: EventLog, want: EventLog, what: str, bys: Sequence[tuple[str | None, Any]], **kw: Any
) -> None:
    """Resolve each ``(by, bins)`` on both logs, then compare the verb tables."""
    segs_got, segs_want = [], []
    for by, bins in bys:
        a, b = _segmentation(fail, got, by, bins), _segmentation(fail, want, by, bins)
        if a != b:
            fail(f"by={by!r}, bins={bins!r} on {what} resolves to {a}, want {b}")
        segs_got.append(a)
        segs_want.append(b)
    _same(
        fail, _tables(fail, got, what, by=segs_got, **kw), _tables(fail, want, what, by=segs_want, **kw), what
    )


def _raised(read: Callable[[], object]) -> BaseException | None:
    try:
        read()
    except Exception as exc:
        return exc
    return None


def _same_error(
    fail: _Fail, engine: Engine, reference: Engine, frame: pd.DataFrame, what: str, **kw: Any
) -> None:
    from journeymine.eventlog import read_events

    want = _raised(lambda: read_events(frame, engine=reference, **kw))
    got = _raised(lambda: read_events(frame, engine=engine, **kw))
    if want is None:
        raise AssertionError(f"check_engine: the reference engine reads {what} without an error")
    if got is None:
        fail(f"reading {what} gives no error; want {type(want).__name__}: {want}")
    if type(got) is not type(want) or str(got) != str(want):
        fail(f"reading {what} raises {type(got).__name__}: {got}\nwant {type(want).__name__}: {want}")


_MESSY_BYS: tuple[tuple[str | None, Any], ...] = ((None, None), ("tier", None), ("spend", 3))


def check_load(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`messy_events`: with ``on_invalid="quarantine"`` the stats (``rows_read``,
    ``events``, ``cases``, ``activities``, ``invalid_rows``, ``invalid_reasons``, ``timezone``,
    ``timed``, ``filtered``) and the quarantine equal the reference's, and
    ``rows_read == events + invalid_rows``; with ``on_invalid="raise"`` the same error type and
    message.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_load(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_load")
    frame = messy_events(seed)
    what = f"messy_events(seed={seed})"
    got = _read(fail, engine, frame, what, on_invalid="quarantine", **COLUMNS)
    want = _read(fail, reference, frame, what, on_invalid="quarantine", **COLUMNS)
    _same_stats(fail, got.stats, want.stats, what)
    s = got.stats
    if s.rows_read != s.events + s.invalid_rows:
        fail(f"on {what}: rows_read {s.rows_read} != events {s.events} + invalid_rows {s.invalid_rows}")
    try:
        quarantine = engine.quarantine(got._relation)
    except Exception as exc:
        fail(f"quarantine() on {what} raised {type(exc).__name__}: {exc}")
    _same(fail, {"quarantine()": quarantine}, {"quarantine()": reference.quarantine(want._relation)}, what)
    _same_error(fail, engine, reference, frame, f"{what} with on_invalid='raise'", **COLUMNS)


def check_verbs(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`messy_events` (invalid rows set aside), every verb of :data:`VERBS` equals the
    reference's: without segments, by the text case attribute ``tier``, and by ``spend`` in
    three equal-count bins (resolved on each engine with its ``quantiles``, as
    :meth:`~journeymine.EventLog.segmentation` does); ``paths`` also with the measure
    ``score``, ``cases`` with the attributes ``tier`` and ``amount``.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_verbs(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_verbs")
    frame = messy_events(seed)
    what = f"messy_events(seed={seed})"
    got = _read(fail, engine, frame, what, on_invalid="quarantine", **COLUMNS)
    want = _read(fail, reference, frame, what, on_invalid="quarantine", **COLUMNS)
    _compare_logs(
        fail,
        got,
        want,
        what,
        _MESSY_BYS,
        measure="score",
        attributes={"tier": "tier", "amount": "amount"},
        columns=["tier", "score"],
        quantiles="spend",
    )


def check_row_order(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """:func:`messy_events` with its rows shuffled (keeping the input order of ties, with
    :func:`~journeymine.testing.strategies.shuffle_keeping_ties`, which needs hypothesis) gives
    the same stats, and the same tables of the verbs that show the order of events (``dfg``,
    ``variants``, ``paths`` with a measure, ``cases``, ``events``), on ``engine`` as in its own
    order (``reference`` is not used).

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_row_order(DuckDBEngine(), DuckDBEngine())
    """
    from journeymine.testing.strategies import shuffle_keeping_ties

    fail = _failer(engine, "check_row_order")
    frame = messy_events(seed)
    what = f"messy_events(seed={seed})"
    shuffled = shuffle_keeping_ties(frame, seed, case="customer", key="ts")
    one = _read(fail, engine, frame, what, on_invalid="quarantine", **COLUMNS)
    two = _read(fail, engine, shuffled, f"{what} shuffled", on_invalid="quarantine", **COLUMNS)
    what = f"{what} shuffled (shuffle_keeping_ties(frame, seed={seed}))"
    _same_stats(fail, two.stats, one.stats, what)
    verbs = ["dfg", "variants", "measured_paths", "cases", "events"]
    _compare_logs(fail, two, one, what, ((None, None),), verbs=verbs, measure="score", columns=["score"])


def check_order_only(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`ordered_events` (no timestamps: events ordered by ``step``, ties by input row,
    invalid rows set aside): stats, quarantine, ``dfg``, ``variants``, ``paths``,
    ``durations`` (empty), ``cases`` and ``events`` equal the reference's, without segments
    (``dfg`` and ``cases`` also by ``tier``).

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_order_only(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_order_only")
    frame = ordered_events(seed)
    what = f"ordered_events(seed={seed})"
    kw: dict[str, Any] = {"case": "customer", "activity": "touchpoint", "order": "step", "channel": "channel"}
    got = _read(fail, engine, frame, what, on_invalid="quarantine", **kw)
    want = _read(fail, reference, frame, what, on_invalid="quarantine", **kw)
    _same_stats(fail, got.stats, want.stats, what)
    _same(
        fail,
        {"quarantine()": engine.quarantine(got._relation)},
        {"quarantine()": reference.quarantine(want._relation)},
        what,
    )
    verbs = ["dfg", "variants", "paths", "durations", "cases", "events"]
    _compare_logs(fail, got, want, what, ((None, None),), verbs=verbs, columns=["step"])
    _compare_logs(fail, got, want, what, (("tier", None),), verbs=["dfg", "cases"])


def check_timezones(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`zoned_events`: timestamps with offsets (normalised to UTC, ``stats.timezone``
    ``"UTC"``) give the reference's stats and ``dfg``, ``durations``, ``cases`` and ``events``,
    and its ``cases`` by ``cohort:month`` and ``cohort:week`` (the UTC month and week of the
    first event); a column that mixes times with and without an offset raises the reference's
    error; last, naive datetimes (``stats.timezone`` ``None``) give its stats and ``cases``,
    without segments and by ``cohort:week``.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_timezones(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_timezones")
    frame = zoned_events(seed)
    what = f"zoned_events(seed={seed})"
    got = _read(fail, engine, frame, what, **COLUMNS)
    want = _read(fail, reference, frame, what, **COLUMNS)
    _same_stats(fail, got.stats, want.stats, what)
    _compare_logs(fail, got, want, what, ((None, None),), verbs=["dfg", "durations", "cases", "events"])
    cohorts = (("cohort:month", None), ("cohort:week", None))
    _compare_logs(fail, got, want, what, cohorts, verbs=["cases"])
    mixed = frame.copy()
    mixed.loc[1, "ts"] = "2025-03-01 10:00:00"  # no offset, among times with offsets
    _same_error(fail, engine, reference, mixed, f"{what} with a naive time in row 1", **COLUMNS)
    frame = zoned_events(seed, naive=True)
    what = f"zoned_events(seed={seed}, naive=True)"
    got = _read(fail, engine, frame, what, **COLUMNS)
    want = _read(fail, reference, frame, what, **COLUMNS)
    _same_stats(fail, got.stats, want.stats, what)
    _compare_logs(fail, got, want, what, ((None, None), ("cohort:week", None)), verbs=["cases"])


#: what :func:`check_filters` compares per step: the tables that show every kept event and case
_LIGHT: dict[str, Any] = {"verbs": ["cases"], "attributes": {"amount": "amount"}, "columns": ["score", "vip"]}


def check_filters(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`typed_events`, each step of :data:`FILTER_STEPS` applied with
    ``engine.filter(rel, step)``:

    - gives the tables of a log read on ``engine`` from only the rows :func:`kept_rows` keeps:
      for the first step every verb, against those rows read alone; for the others ``cases`` by
      ``tier`` (each kept case with its events, times, variant and attributes), and ``events``
      too for the steps that keep events, against one log of the rows every step keeps, each
      case id prefixed with its step (``"03/c17"``): these tables are case by case, so each
      step's part of them is what a log of its rows alone gives, and a slow engine reads one
      log instead of one per step;
    - has the events, cases and activities of the rows kept, the source's ``rows_read``,
      ``invalid_rows``, ``invalid_reasons``, ``timezone`` and ``timed``, with ``filtered``
      counting the events removed (``rows_read == events + invalid_rows + filtered``), and the
      source's quarantine;
    - leaves the relation it filtered unchanged. ``reference`` is not used.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_filters(DuckDBEngine(), DuckDBEngine())
    """
    import pandas as pd

    fail = _failer(engine, "check_filters")
    frame = typed_events(seed)
    what = f"typed_events(seed={seed})"
    log = _read(fail, engine, frame, what, on_invalid="quarantine", **COLUMNS)
    tier = _segmentation(fail, log, "tier")
    before = _tables(fail, log, what, by=[tier], **_LIGHT)
    quarantine = {"quarantine()": engine.quarantine(log._relation)}
    kept = [kept_rows(frame, step).reset_index(drop=True) for step in FILTER_STEPS]
    first = f"the {len(kept[0])} rows {what} filtered by {_step_text(FILTER_STEPS[0])} keeps"
    alone = _read(fail, engine, kept[0], first, cache=False, **COLUMNS) if len(kept[0]) else None
    rows = pd.concat([k.assign(customer=f"{i:02d}/" + k["customer"]) for i, k in enumerate(kept)])
    every_step = f"the rows each step keeps, read together, case ids prefixed with the step ({what})"
    together = _read(fail, engine, rows.reset_index(drop=True), every_step, cache=False, **COLUMNS)
    events: dict[str, Any] = {**_LIGHT, "verbs": ["cases", "events"]}
    oracle = _tables(fail, together, every_step, by=[_segmentation(fail, together, "tier")], **events)
    for i, (step, rows_kept) in enumerate(zip(FILTER_STEPS, kept)):
        where = f"{what} filtered by {_step_text(step)}"
        try:
            rel = engine.filter(log._relation, step)
        except Exception as exc:
            fail(f"filter() raised {type(exc).__name__} on {where}: {exc}")
        _filter_stats(fail, rel.stats, log.stats, rows_kept, where)
        if i == 0 and alone is not None:
            every: dict[str, Any] = {**_LIGHT, "verbs": VERBS, "measure": "score", "quantiles": "amount"}
            got = _tables(fail, log, where, rel=rel, **every)
            _same(fail, got, _tables(fail, alone, first, **every), f"{where} (want: {first}, read alone)")
            _same(fail, {"quarantine()": engine.quarantine(rel)}, quarantine, f"{where} (want the source's)")
        elif i and len(rows_kept):
            by_event = step.kind == "events" or (step.kind == "period" and step.mode == "events")
            got = _tables(fail, log, where, rel=rel, by=[tier], **(events if by_event else _LIGHT))
            want = {key: _step_part(oracle[key], i) for key in got}
            _same(fail, got, want, f"{where} (want: its part of {every_step})")
    after = _tables(fail, log, what, by=[tier], **_LIGHT)
    _same(fail, after, before, f"{what} after filtering it (it must be unchanged)")


def _step_part(table: Any, step: int) -> pa.Table:
    """The rows of step ``step``'s cases in a table of :func:`check_filters`' oracle, with the
    step's prefix taken off the case ids."""
    import pyarrow.compute as pc

    prefix = f"{step:02d}/"
    part = table.filter(pc.starts_with(table.column("case"), prefix))
    ids = pc.utf8_slice_codeunits(part.column("case"), len(prefix))
    return part.set_column(part.column_names.index("case"), part.schema.field("case"), ids)


def _step_text(step: Any) -> str:
    """``Filter(kind='size', low=2)``, ``CutPlan(gap_us=60000000)``: a filter step or a plan
    with the fields that have no default or differ from it."""
    fields = []
    for f in dataclasses.fields(step):
        value = getattr(step, f.name)
        if f.default is dataclasses.MISSING or value != f.default:
            fields.append(f"{f.name}={value!r}")
    return f"{type(step).__name__}({', '.join(fields)})"


def _filter_stats(fail: _Fail, s: LogStats, source: LogStats, kept: pd.DataFrame, where: str) -> None:
    """The stats of a filtered relation: the source's rows, the kept rows' events, ``filtered``."""
    for name in ("rows_read", "invalid_rows", "invalid_reasons", "timezone", "timed"):
        if getattr(s, name) != getattr(source, name):
            fail(
                f"stats.{name} of {where} is {getattr(s, name)!r}, "
                f"want {getattr(source, name)!r} (the source's)"
            )
    removed = source.filtered + source.events - s.events
    if s.filtered != removed:
        fail(f"stats.filtered of {where} is {s.filtered}, want {removed} (the events removed)")
    if s.rows_read != s.events + s.invalid_rows + s.filtered:
        fail(
            f"on {where}: rows_read {s.rows_read} != events {s.events} + invalid_rows "
            f"{s.invalid_rows} + filtered {s.filtered}"
        )
    want = {
        "events": len(kept),
        "cases": kept["customer"].nunique(),
        "activities": kept["touchpoint"].nunique(),
    }
    for name, value in want.items():
        if getattr(s, name) != value:
            fail(f"stats.{name} of {where} is {getattr(s, name)!r}, want {value!r} (the kept rows')")


def check_composite(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """On :func:`typed_events` read with ``activity=["touchpoint", "stage"]`` (a label per
    event, its parts joined by ``+``, a blank part the empty text): stats, quarantine, the
    labels (``events``) and the verbs that show them (``dfg``, ``activities``,
    ``activity_channels``, ``variants``, ``paths``), and ``case_attributes`` (neither part is
    one), equal the reference's, without segments (``dfg`` and ``variants`` also by ``tier``).

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_composite(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_composite")
    frame = typed_events(seed)
    frame.loc[len(frame) // 2, ["touchpoint", "stage"]] = ["", None]  # every part blank
    what = f"typed_events(seed={seed}) with activity=['touchpoint', 'stage']"
    kw: dict[str, Any] = {**COLUMNS, "activity": ["touchpoint", "stage"]}
    got = _read(fail, engine, frame, what, on_invalid="quarantine", **kw)
    want = _read(fail, reference, frame, what, on_invalid="quarantine", **kw)
    _same_stats(fail, got.stats, want.stats, what)
    _same(
        fail,
        {"quarantine()": engine.quarantine(got._relation)},
        {"quarantine()": reference.quarantine(want._relation)},
        what,
    )
    labels = ["dfg", "activities", "activity_channels", "variants", "paths", "events", "case_attributes"]
    _compare_logs(fail, got, want, what, ((None, None),), verbs=labels, columns=["stage"])
    _compare_logs(fail, got, want, what, (("tier", None),), verbs=["dfg", "variants"])


#: how :func:`ordered_events` and :func:`scored_events` are read (untimed, ordered by ``step``)
_ORDERED: dict[str, Any] = {
    "case": "customer",
    "activity": "touchpoint",
    "order": "step",
    "channel": "channel",
}
#: the tables of a :class:`~journeymine.engines.base.JourneyTables`, in the order compared
_JOURNEY_TABLES = ("touchpoints", "stages", "channels", "moments", "segments", "transitions", "checks")
_HOUR_US = 3_600_000_000

#: what :func:`check_journey` runs on :func:`typed_events`: a map of most activities ("Ad seen"
#: is off it, two share touchpoint 3) with a channel, a float, an integer and a boolean measure,
#: ranges, a boolean completion column, outcomes and refs (one of them empty); then a map alone
_TYPED_JOURNEYS = (
    JourneyPlan(
        touchpoints=(("Visit", 0), ("Call ☎", 1), ("Offer 'gold'", 2), ("Sign, done", 3), ("Pay", 3)),
        channel="channel",
        measures=(("sentiment", "score"), ("nps", "amount"), ("csat", "vip")),
        ranges=(("sentiment", 0.6, 2.0), ("nps", 0.0, 1000.0)),
        complete="vip",
        outcome=("Pay", "Sign, done"),
        refs=(("Pay",), ("Visit", "Call ☎"), ()),
        stages=(0, 0, 1, 2),
        targets=(
            TargetPlan(tp=0, max_events=1, to=(0, 6 * _HOUR_US / 1e6)),
            TargetPlan(tp=1, to_next=(1, 2 * _HOUR_US / 1e6), outcome=0),
            TargetPlan(tp=2, outcome=2),
        ),
        completion="complete",
        fixed_channels=((2, "branch"),),
    ),
    JourneyPlan(
        touchpoints=(("Ad seen", 0), ("Offer 'gold'", 1), ("Pay", 2)),
        stages=(0, 1, 1),
        completion="last stage",
    ),
)
#: and on :func:`scored_events` (untimed): measures and a completion flag read from text
_SCORED_JOURNEYS = (
    JourneyPlan(
        touchpoints=(("home", 0), ("search", 1), ("offer ✓", 2), ("chat, live", 2), ("cart", 3)),
        channel="channel",
        measures=(("sentiment", "rating"), ("nps", "rating")),
        ranges=(("nps", 0.0, 10.0),),
        complete="done",
        outcome=("pay",),
        refs=(("cart", "pay"), ()),
        stages=(0, 0, 1, 2),
        targets=(TargetPlan(tp=1, max_events=2, outcome=0), TargetPlan(tp=3, outcome=1)),
    ),
)


def check_journey(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """``engine.journey(rel, plan, by=...)`` gives the reference's seven tables (``touchpoints``,
    ``stages``, ``channels``, ``moments``, ``segments``, ``transitions``, ``checks``) for each
    plan by the case attribute ``tier`` (which has missing values in :func:`typed_events`), and
    the first plan of each log without a segmentation too:

    - on :func:`typed_events` (timed, invalid rows set aside): a map of most activities (one
      left off it, two on one touchpoint) in three stages with ``channel``, the measures
      ``sentiment`` (a float column with missing values), ``nps`` (an integer one) and ``csat``
      (a boolean one, no number), ranges, ``complete`` (a boolean column, the completion
      rule), outcomes, refs (one of them empty), every kind of target and a fixed channel;
      then a map alone in two stages, completed by reaching the last;
    - on :func:`scored_events` (ordered by ``step``, untimed): ``sentiment`` and ``nps`` read
      from text (numbers with spaces, NaN, blanks, text that is no number), a completion flag
      read from text, a channel with missing values, refs and targets on them.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_journey(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_journey")
    logs = (
        (typed_events(seed), f"typed_events(seed={seed})", COLUMNS, _TYPED_JOURNEYS),
        (scored_events(seed), f"scored_events(seed={seed})", _ORDERED, _SCORED_JOURNEYS),
    )
    for frame, what, kw, plans in logs:
        got = _read(fail, engine, frame, what, on_invalid="quarantine", **kw)
        want = _read(fail, reference, frame, what, on_invalid="quarantine", **kw)
        tier = Segmentation(name="tier", column="tier")
        for i, plan in enumerate(plans):
            # the first plan without a segmentation and by tier, the others by tier only
            for by in (None, tier) if i == 0 else (tier,):
                a = _journey_tables(fail, engine, got._relation, plan, by, what)
                _same(fail, a, _journey_tables(fail, reference, want._relation, plan, by, what), what)


def _journey_tables(
    fail: _Fail, engine: Engine, rel: Relation, plan: JourneyPlan, by: Segmentation | None, what: str
) -> dict[str, object]:
    """``journey(plan, by=by)``'s tables, keyed ``journey(JourneyPlan(...), by=...).touchpoints``."""
    call = f"journey({_step_text(plan)}, by={by!r})"
    try:
        tables = engine.journey(rel, plan, by=by)
    except Exception as exc:
        fail(f"{call} on {what} raised {type(exc).__name__}: {exc}")
    return {f"{call}.{name}": getattr(tables, name, None) for name in _JOURNEY_TABLES}


#: what :func:`check_cut` runs on :func:`messy_events` (timed, ties, unicode names): a gap
#: alone; starts and ends keeping the last journey; a gap and an end keeping the second journey
#: (``select=1``); a start keeping the first; a gap keeping the 100th journey, which no case has
_MESSY_CUTS = (
    CutPlan(gap_us=3 * _HOUR_US),
    CutPlan(starts=("Visit", "Call ☎"), ends=("Sign, done", "Zahlung→ok"), select="last"),
    CutPlan(gap_us=3 * _HOUR_US, ends=("Offer 'gold'",), select=1),
    CutPlan(starts=('Quote "x"',), select="first"),
    CutPlan(gap_us=3 * _HOUR_US, select=99),
)
#: and on :func:`ordered_events` (untimed): starts and ends keeping every journey
_ORDERED_CUTS = (CutPlan(starts=("home", "news"), ends=("cart",)),)
#: the figures of a :class:`~journeymine.engines.base.Cut` compared
_CUT_COUNTS = ("journeys", "selected", "complete", "events_in", "events_outside", "outside_activities")


def check_cut(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """``engine.cut(rel, plan)`` and ``engine.cut_outside(rel, plan, columns=...)`` agree with
    the reference for each plan: on :func:`messy_events` (timed, ties, unicode names with quotes
    and commas, invalid rows set aside) a gap alone; starts and ends keeping the last journey;
    a gap and an end keeping the second journey (``select=1``); a start keeping the first; a
    plan that keeps nothing; on :func:`ordered_events` (untimed) starts and ends keeping all.

    Per plan: the :class:`~journeymine.engines.base.Cut`'s counts (``journeys``, ``selected``,
    ``complete``, ``events_in``, ``events_outside``) and ``outside_activities``; ``cut_outside``
    with two source columns (each event left out, with its reason); whether a relation is kept
    (``None`` on both when nothing is); then the cut relation's stats and columns, its
    ``events`` with the journey columns (``journey_index``, ``journey_ended_by``,
    ``journey_complete``) and, for the plans with starts and ends, its ``cases`` by the case
    attribute ``tier``. The cut's semantics are the reference's (see
    :func:`journeymine.cut_journeys`).

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_cut(DuckDBEngine(), DuckDBEngine())
    """
    fail = _failer(engine, "check_cut")
    logs = (
        (messy_events(seed), f"messy_events(seed={seed})", COLUMNS, _MESSY_CUTS, ["tier", "score"]),
        (ordered_events(seed), f"ordered_events(seed={seed})", _ORDERED, _ORDERED_CUTS, ["step", "tier"]),
    )
    for frame, what, kw, plans, columns in logs:
        got = _read(fail, engine, frame, what, on_invalid="quarantine", **kw)
        want = _read(fail, reference, frame, what, on_invalid="quarantine", **kw)
        for plan in plans:
            _compare_cut(fail, got, want, plan, what, columns)


def _compare_cut(
    fail: _Fail, got: EventLog, want: EventLog, plan: CutPlan, what: str, columns: list[str]
) -> None:
    """One plan of :func:`check_cut`: ``got`` is read on the engine, ``want`` on the reference."""
    engine, reference = got.engine, want.engine
    call = f"cut({_step_text(plan)})"
    try:
        a = engine.cut(got._relation, plan)
    except Exception as exc:
        fail(f"{call} on {what} raised {type(exc).__name__}: {exc}")
    b = reference.cut(want._relation, plan)
    for name in _CUT_COUNTS:
        if getattr(a, name, None) != getattr(b, name):
            fail(f"{call} on {what}: {name} is {getattr(a, name, None)!r}, want {getattr(b, name)!r}")
    outside = f"cut_outside({_step_text(plan)}, columns={columns})"
    try:
        rows = engine.cut_outside(got._relation, plan, columns=columns)
    except Exception as exc:
        fail(f"{outside} on {what} raised {type(exc).__name__}: {exc}")
    _same(
        fail, {outside: rows}, {outside: reference.cut_outside(want._relation, plan, columns=columns)}, what
    )
    mine, theirs = getattr(a, "relation", None), b.relation
    if mine is None or theirs is None:
        if (mine is None) != (theirs is None):
            kept = "keeps no relation" if mine is None else "keeps a relation"
            fail(f"{call} on {what}: {kept}, want {'none' if theirs is None else 'one'}")
        return
    where = f"{call} of {what}"
    _same_stats(fail, mine.stats, theirs.stats, where)
    if tuple(mine.columns) != tuple(theirs.columns):
        fail(f"the columns of {where} are {mine.columns}, want {theirs.columns}")
    added = ["journey_index", "journey_ended_by"] + ["journey_complete"] * (plan.ends is not None)
    kw: dict[str, Any] = {"verbs": ["events"], "columns": [*added, *columns]}
    if plan.starts is not None and plan.ends is not None:
        kw.update(verbs=["cases", "events"], by=[Segmentation(name="tier", column="tier")])
    _same(
        fail,
        _tables(fail, got, where, rel=mine, **kw),
        _tables(fail, want, where, rel=theirs, **kw),
        where,
    )


#: the time zone of :func:`union_sources`' naive ``phone`` source
_UNION_ZONES = {"phone": "Europe/Helsinki"}
#: what :func:`check_union` runs: ``(identities, unmatched, duplicates, sources)``, the
#: identities :data:`UNION_IDENTITIES` (``"all"``), one of an id no source has (``"none"``:
#: every event is set aside) or no table (``None``: one id space)
_UNION_PLANS: tuple[tuple[str | None, str, str, tuple[str, ...]], ...] = (
    ("all", "keep", "drop", ("web", "phone", "crm")),
    ("all", "aside", "keep", ("web", "phone", "crm")),
    (None, "keep", "drop", ("web", "phone", "crm")),
    ("none", "aside", "drop", ("phone",)),
)
#: the counts of a :class:`~journeymine.engines.base.Union` compared
_UNION_COUNTS = ("duplicates", "set_aside")


def check_union(engine: Engine, reference: Engine, *, seed: int = 0) -> None:
    """``engine.union(plan)`` and ``engine.union_rows(handle, which)`` agree with the reference
    on :func:`union_sources` (ids shared by two sources, unmatched ids, one event three sources
    recorded, a source with a channel column and ones without, a column that is a number in
    one source and text in another, naive times in ``Europe/Helsinki`` with the others in
    UTC), for each plan: identities (:data:`UNION_IDENTITIES`, a ``pyarrow`` table) with
    unmatched ids kept as their own customers and duplicates dropped; unmatched ids set aside
    and duplicates kept; no identities (one id space); one source whose every event is set
    aside (identities that map none of its ids: no relation).

    Per plan: the :class:`~journeymine.engines.base.Union`'s ``sources`` and ``unmatched``
    tables, its ``duplicates`` and ``set_aside`` counts, whether it keeps a relation; the
    combined relation's stats and columns, its ``events`` with all its columns and ``cases``;
    ``union_rows(handle, "duplicates")`` and ``union_rows(handle, "set_aside")``. Then the
    naive source read as ``Europe/Amsterdam``, where its 2025-03-30 02:30 does not exist (the
    clocks skip it), raises the reference's ``SchemaError``, with the same message.

    Examples
    --------
    >>> from journeymine.engines.duckdb import DuckDBEngine
    >>> check_union(DuckDBEngine(), DuckDBEngine())
    """
    import pyarrow as pa

    fail = _failer(engine, "check_union")
    what = f"union_sources(seed={seed})"
    frames = union_sources(seed)
    rows = {"all": UNION_IDENTITIES, "none": (("phone", "p0", "C0"),)}
    tables = {
        name: pa.table(
            {
                k: pa.array([row[i] for row in found], pa.string())
                for i, k in enumerate(("source", "id", "customer"))
            }
        )
        for name, found in rows.items()
    }
    got = _union_logs(fail, engine, frames, what)
    want = _union_logs(fail, reference, frames, what)
    for identities, unmatched, duplicates, names in _UNION_PLANS:
        kw = {"identities": tables.get(identities or ""), "unmatched": unmatched, "duplicates": duplicates}
        call = _union_text(names, identities, unmatched, duplicates)
        _compare_union(fail, got, want, names, kw, call, what)
    names, zones = ("web", "phone"), {"phone": "Europe/Amsterdam"}  # 2025-03-30 02:30 is skipped
    call = _union_text(names, "all", "keep", "drop", zones)
    kw = {"identities": tables["all"], "unmatched": "keep", "duplicates": "drop"}
    b = _raised(lambda: reference.union(_union_plan(want, names, kw, zones)))
    a = _raised(lambda: engine.union(_union_plan(got, names, kw, zones)))
    if b is None:
        raise AssertionError(f"check_engine: the reference engine runs {call} on {what} without an error")
    if a is None:
        fail(f"{call} on {what} gives no error; want {type(b).__name__}: {b}")
    if type(a) is not type(b) or str(a) != str(b):
        fail(f"{call} on {what} raises {type(a).__name__}: {a}\nwant {type(b).__name__}: {b}")


def _union_logs(
    fail: _Fail, engine: Engine, frames: Mapping[str, pd.DataFrame], what: str
) -> dict[str, EventLog]:
    """Each source of :func:`union_sources` read on ``engine`` (``web`` with its channel)."""
    out = {}
    for name, frame in frames.items():
        kw = (
            dict(COLUMNS)
            if "channel" in frame.columns
            else {k: v for k, v in COLUMNS.items() if k != "channel"}
        )
        out[name] = _read(fail, engine, frame, f"{what}[{name!r}]", **kw)
    return out


def _union_plan(
    logs: Mapping[str, EventLog],
    names: Sequence[str],
    kw: Mapping[str, Any],
    zones: Mapping[str, str] = _UNION_ZONES,
) -> UnionPlan:
    """The plan :func:`journeymine.combine` would make of the sources ``names`` of ``logs``."""
    parts = []
    for name in names:
        log = logs[name]
        s = log.schema
        mapped = {s.case, s.activity, s.timestamp, s.channel}
        extra = tuple((c, c) for c in log.columns if c not in mapped)
        parts.append(UnionPart(name=name, relation=log._relation, zone=zones.get(name), columns=extra))
    utc = all(logs[n].timezone == "UTC" or n in zones for n in names)
    return UnionPlan(parts=tuple(parts), utc=utc, **kw)


def _union_text(
    names: Sequence[str],
    identities: str | None,
    unmatched: str,
    duplicates: str,
    zones: Mapping[str, str] = _UNION_ZONES,
) -> str:
    zones = {n: z for n, z in zones.items() if n in names}
    ids = {"all": "UNION_IDENTITIES", "none": "[('phone', 'p0', 'C0')]", None: "None"}[identities]
    return (
        f"union(parts={list(names)}, zones={zones}, identities={ids}, unmatched={unmatched!r}, "
        f"duplicates={duplicates!r})"
    )


def _compare_union(
    fail: _Fail,
    got: Mapping[str, EventLog],
    want: Mapping[str, EventLog],
    names: Sequence[str],
    kw: Mapping[str, Any],
    call: str,
    what: str,
) -> None:
    """One plan of :func:`check_union`: ``got`` is read on the engine, ``want`` on the reference."""
    first_got, first_want = got[names[0]], want[names[0]]
    engine, reference = first_got.engine, first_want.engine
    try:
        a = engine.union(_union_plan(got, names, kw))
    except Exception as exc:
        fail(f"{call} on {what} raised {type(exc).__name__}: {exc}")
    b = reference.union(_union_plan(want, names, kw))
    tables = ("sources", "unmatched")
    _same(
        fail,
        {f"{call}.{t}": getattr(a, t, None) for t in tables},
        {f"{call}.{t}": getattr(b, t) for t in tables},
        what,
    )
    for name in _UNION_COUNTS:
        if getattr(a, name, None) != getattr(b, name):
            fail(f"{call} on {what}: {name} is {getattr(a, name, None)!r}, want {getattr(b, name)!r}")
    for which in ("duplicates", "set_aside"):
        key = f"union_rows({call}, {which!r})"
        try:
            rows = engine.union_rows(getattr(a, "handle", None), which)
        except Exception as exc:
            fail(f"{key} on {what} raised {type(exc).__name__}: {exc}")
        _same(fail, {key: rows}, {key: reference.union_rows(b.handle, which)}, what)
    mine, theirs = getattr(a, "relation", None), b.relation
    if mine is None or theirs is None:
        if (mine is None) != (theirs is None):
            kept = "keeps no relation" if mine is None else "keeps a relation"
            fail(f"{call} on {what}: {kept}, want {'none' if theirs is None else 'one'}")
        return
    where = f"{call} of {what}"
    _same_stats(fail, mine.stats, theirs.stats, where)
    if tuple(mine.columns) != tuple(theirs.columns):
        fail(f"the columns of {where} are {mine.columns}, want {theirs.columns}")
    mapped = ("customer", "activity", "timestamp", "channel")
    columns = [c for c in theirs.columns if c not in mapped]
    kw2: dict[str, Any] = {"verbs": ["cases", "events"], "columns": columns}
    _same(
        fail,
        _tables(fail, first_got, where, rel=mine, **kw2),
        _tables(fail, first_want, where, rel=theirs, **kw2),
        where,
    )


#: the checks :func:`check_engine` runs, by name, in order
CHECKS: dict[str, Callable[..., None]] = {
    "load": check_load,
    "verbs": check_verbs,
    "row_order": check_row_order,
    "order_only": check_order_only,
    "timezones": check_timezones,
    "filters": check_filters,
    "composite": check_composite,
    "journey": check_journey,
    "cut": check_cut,
    "union": check_union,
}


def _engine(value: Any, argument: str) -> tuple[Engine, bool]:
    """The engine ``value`` stands for, and whether the kit created it (so closes it)."""
    from journeymine.engines.base import Engine as Protocol

    if isinstance(value, str):
        from journeymine.registry import engines

        known = engines()
        if value not in known:
            raise ArgumentError(
                f"check_engine: {argument}={value!r} is no registered engine; "
                f"engines: {', '.join(sorted(known))}"
            )
        return _checked(known[value].create(), argument, value), True
    if not isinstance(value, type) and isinstance(value, Protocol):
        return value, False
    if (
        not isinstance(value, type)
        and callable(getattr(value, "create", None))
        and isinstance(getattr(value, "name", None), str)
    ):
        return _checked(value.create(), argument, value), True
    if callable(value):
        return _checked(value(), argument, value), False
    raise TypeError(
        f"check_engine: {argument}= takes an engine name, an EngineFactory, an engine or a "
        f"zero-argument callable that returns one, not {type(value).__name__}"
    )


def _checked(engine: Any, argument: str, source: Any) -> Engine:
    from journeymine.engines.base import Engine as Protocol

    if not isinstance(engine, Protocol):
        raise TypeError(
            f"check_engine: {argument}={source!r} gave a {type(engine).__name__}, which is no engine "
            f"(it lacks {', '.join(_missing(engine)) or 'the Engine protocol'})"
        )
    return engine


def _missing(obj: Any) -> list[str]:
    """The members of the :class:`~journeymine.engines.base.Engine` protocol that ``obj`` lacks,
    in the protocol's order (``name``, ``load``, ``filter``, ..., ``journey``, ``cut``,
    ``cut_outside``, ...): read from the protocol, so that a verb added to it is named too."""
    from journeymine.engines.base import Engine as Protocol

    names = [*vars(Protocol).get("__annotations__", {})]
    names += [n for n, v in vars(Protocol).items() if callable(v) and not n.startswith("_")]
    return [n for n in names if not hasattr(obj, n)]


def check_engine(
    factory: Any, *, reference: Any = "duckdb", checks: Sequence[str] | None = None, seed: int = 0
) -> None:
    """Run the checks of :data:`CHECKS` (all by default) on an engine, against ``reference``.

    Parameters
    ----------
    factory : str, EngineFactory, Engine or callable
        The engine to check: a registered name (``"spark"``), an
        :class:`~journeymine.engines.base.EngineFactory`, an engine, or a zero-argument callable
        that returns one. One engine serves every check; the kit closes it afterwards (when it
        has ``close()``) only when it created it from a name or a factory: an engine passed in,
        or returned by a callable, is the caller's. (Closing a Spark engine stops its session
        only when that engine started it.)
    reference : str, EngineFactory, Engine or callable
        The engine compared with, the same ways (default: a new DuckDB engine).
    checks : sequence of str, optional
        The names of the checks to run (keys of :data:`CHECKS`), in the order given.
    seed : int
        Seeds the generated logs.

    Raises
    ------
    AssertionError
        ``check_engine: '<name>' fails check_<check>: <what differs>``, at the first difference.
    ArgumentError
        An unknown engine name or check name (a ``ValueError``).
    TypeError
        ``factory``, ``reference`` or ``checks`` of the wrong kind.

    Examples
    --------
    >>> check_engine("duckdb", checks=["load", "filters"])
    >>> check_engine("duckdb", checks=["joins"])
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: check_engine: checks= has no check 'joins'; checks: load, verbs, ...
    """
    global _run
    if checks is None:
        names = list(CHECKS)
    elif isinstance(checks, str) or not isinstance(checks, Sequence):
        raise TypeError(
            f"check_engine: checks= takes a list of check names, not {checks!r}; e.g. checks=['load']"
        )
    else:
        names = list(checks)
        for name in names:
            if name not in CHECKS:
                raise ArgumentError(
                    f"check_engine: checks= has no check {name!r}; checks: {', '.join(CHECKS)}"
                )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"check_engine: seed= takes an int, not {seed!r}")
    with contextlib.ExitStack() as stack:
        engine, owned = _engine(factory, "factory")
        if owned:
            stack.callback(_close_engine, engine)
        ref, ref_owned = _engine(reference, "reference")
        if ref_owned:
            stack.callback(_close_engine, ref)
        outer, _run = _run, _Run()
        stack.callback(_restore, outer)
        for name in names:
            CHECKS[name](engine, ref, seed=seed)


def _restore(outer: _Run | None) -> None:
    global _run
    _run = outer


def _close_engine(engine: Engine) -> None:
    close = getattr(engine, "close", None)
    if callable(close):
        close()
