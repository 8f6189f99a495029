"""The connector conformance kit: every built-in connector passes it, and a broken one fails it."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import Phase, settings

import journeymine as jm
from journeymine.connectors.base import Scan
from journeymine.connectors.csv import CsvConnector
from journeymine.errors import ConnectorError
from journeymine.testing.conformance import (
    check_connector,
    check_counts,
    check_errors,
    check_invalid_rows,
    check_mapping,
    check_ordering,
)

#: examples per property; the kit's default is 25, fewer here to keep the file fast
EXAMPLES = 6
MAP = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}


# -- writers: one per built-in format --------------------------------------------------------


def write_csv(frame: pd.DataFrame, directory: Path):
    path = directory / "events.csv"
    frame.to_csv(path, index=False)
    return path, MAP


def write_parquet(frame: pd.DataFrame, directory: Path):
    path = directory / "events.parquet"
    frame.to_parquet(path, index=False)
    return str(path), MAP


def write_dataframe(frame: pd.DataFrame, directory: Path):
    return frame, MAP


def write_sql(frame: pd.DataFrame, directory: Path):
    path = directory / "events.db"
    with sqlite3.connect(path) as con:
        frame.to_sql("events", con, index=False)
    con.close()
    return f"sqlite:///{path}", {**MAP, "table": "events"}


def write_xes(frame: pd.DataFrame, directory: Path):
    """One <trace> per case (in order of first appearance), events in row order within it."""
    traces: dict[str, list[str]] = {}
    for row in frame.itertuples(index=False):
        attributes = [f'<string key="concept:name" value={quoteattr(str(row.activity))}/>']
        if row.timestamp is not None and not (isinstance(row.timestamp, float) and math.isnan(row.timestamp)):
            value = row.timestamp if isinstance(row.timestamp, str) else row.timestamp.isoformat()
            attributes.append(f'<date key="time:timestamp" value={quoteattr(value)}/>')
        attributes.append(f'<string key="channel" value={quoteattr(str(row.channel))}/>')
        attributes.append(f'<string key="segment" value={quoteattr(str(row.segment))}/>')
        if row.amount is not None and not math.isnan(row.amount):
            attributes.append(f'<float key="amount" value="{row.amount!r}"/>')
        traces.setdefault(str(row.case), []).append("<event>" + "".join(attributes) + "</event>")
    body = "".join(
        f'<trace><string key="concept:name" value={quoteattr(case)}/>' + "".join(events) + "</trace>"
        for case, events in traces.items()
    )
    path = directory / "events.xes"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">{body}</log>\n', encoding="utf-8"
    )
    return path, {"channel": "channel"}  # case, activity and timestamp: the XES defaults


WRITERS = {
    "csv": write_csv,
    "parquet": write_parquet,
    "xes": write_xes,
    "dataframe": write_dataframe,
    "sql": write_sql,
}
CHECKS = {
    "mapping": check_mapping,
    "counts": check_counts,
    "ordering": check_ordering,
    "invalid_rows": check_invalid_rows,
}


#: XML 1.0 cannot carry every code point (U+FFFE, U+FFFF are not XML characters at all)
UNICODE = {"xes": False}


@pytest.mark.parametrize("check", list(CHECKS))
@pytest.mark.parametrize("name", list(WRITERS))
def test_builtin_connector_passes(name, check, tmp_path):
    unicode = UNICODE.get(name, True)
    CHECKS[check](name, WRITERS[name], directory=tmp_path, examples=EXAMPLES, unicode=unicode)


def test_xes_cannot_carry_every_code_point(tmp_path):
    frame = pd.DataFrame({"case": ["c\ufffe"], "activity": ["a"], "timestamp": [pd.Timestamp(0, tz="UTC")]})
    frame = frame.assign(channel="web", segment="new", amount=None)
    source, mapping = write_xes(frame, tmp_path)
    with pytest.raises(ConnectorError, match="not well-formed XML"):
        jm.read_events(source, **mapping)


@pytest.mark.parametrize("name", list(WRITERS))
def test_builtin_connector_gives_clear_errors(name, tmp_path):
    check_errors(name, WRITERS[name], directory=tmp_path)


def test_check_connector_runs_every_check(tmp_path):
    check_connector("parquet", write_parquet, directory=tmp_path, examples=2)
    prefixes = sorted({p.name.rsplit("-", 1)[0] for p in tmp_path.iterdir()})
    assert prefixes == ["counts", "errors", "invalid_rows", "mapping", "ordering"]
    check_connector("dataframe", write_dataframe, directory=tmp_path / "valid", examples=2, invalid=False)
    assert not any(p.name.startswith("invalid_rows") for p in (tmp_path / "valid").iterdir())


# -- the kit fails broken connectors ---------------------------------------------------------


class BrokenCsv(CsvConnector):
    """The csv connector, but the rows reach the engine as Arrow, through ``rows()``."""

    def rows(self, table: pa.Table) -> pa.Table:
        return table

    def scan(self, source, **options):
        scan = super().scan(source, **options)  # the csv connector's checks, and the header
        types = dict.fromkeys(scan.columns, pa.string())
        table = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(column_types=types))
        table = self.rows(table)
        return Scan(kind="arrow", location=scan.location, columns=scan.columns, open=lambda: table)


class ReversedCsv(BrokenCsv):
    """Reads the rows in reverse order: events that tie come out in the wrong order."""

    name = "csv-reversed"

    def rows(self, table):
        return table.take(list(reversed(range(table.num_rows))))


class LossyCsv(BrokenCsv):
    """Drops the last row."""

    name = "csv-lossy"

    def rows(self, table):
        return table.slice(0, max(table.num_rows - 1, 1))


@pytest.fixture
def no_shrinking():
    """Report the first failing input as found: shrinking a failure costs tens of seconds here."""
    previous = settings.get_current_profile_name()
    settings.register_profile("conformance-no-shrink", phases=[Phase.explicit, Phase.generate])
    settings.load_profile("conformance-no-shrink")
    yield
    settings.load_profile(previous)


def test_a_connector_that_reverses_rows_fails(tmp_path, no_shrinking):
    with pytest.raises(AssertionError) as info:
        check_connector(ReversedCsv(), write_csv, directory=tmp_path, examples=EXAMPLES)
    message = str(info.value)
    assert message.startswith("check_ordering: connector 'csv-reversed': the events of each case, in order")
    assert "input frame" in message and "events.csv" in message


def test_a_connector_that_drops_a_row_fails_with_a_small_example(tmp_path):
    with pytest.raises(AssertionError) as info:
        check_counts(LossyCsv(), write_csv, directory=tmp_path, examples=EXAMPLES, unicode=False)
    message = str(info.value)
    assert message.startswith("check_counts: connector 'csv-lossy': (rows read, events, rows set aside")
    assert "input frame (2 rows, as given to write)" in message  # shrunk to the smallest input


def test_a_writer_that_returns_nonsense_is_reported(tmp_path):
    with pytest.raises(AssertionError, match=r"write must return \(source, mapping\)"):
        check_mapping("csv", lambda frame, directory: "events.csv", directory=tmp_path, examples=1)


def test_an_unknown_connector_name_is_reported(tmp_path):
    with pytest.raises(AssertionError, match="connector 'excel' is not registered"):
        check_connector("excel", write_csv, directory=tmp_path)
