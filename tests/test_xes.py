"""The XES reader and connector: types, layout, errors, entity safety, and parity with pm4py."""

from __future__ import annotations

import gzip
import http.server
import math
import re
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from helpers import shared_file
from journeymine.connectors import xes as xes_module
from journeymine.connectors.base import Scan
from journeymine.connectors.xes import XesConnector, journeymine_register_connectors, read_xes_table
from journeymine.errors import ConnectorError

UTC = timezone.utc


def write(tmp_path: Path, text: str, name: str = "log.xes") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def log(*traces: str, head: str = "<log>") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n' + "\n".join(traces) + "\n</log>\n"


def trace(case: str, *events: str, extra: str = "") -> str:
    return f'<trace><string key="concept:name" value="{case}"/>{extra}' + "".join(events) + ("</trace>")


def event(activity: str, *attributes: str) -> str:
    return f'<event><string key="concept:name" value="{activity}"/>' + "".join(attributes) + ("</event>")


def date(value: str, key: str = "time:timestamp") -> str:
    return f'<date key="{key}" value="{value}"/>'


def column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


# --------------------------------------------------------------------------------------------
# layout and types


def test_one_row_per_event_in_document_order_with_case_columns(tmp_path):
    # traces and events deliberately out of time order: rows keep the document order
    path = write(
        tmp_path,
        log(
            trace(
                "c2",
                event("b", date("2024-01-02T00:00:00Z")),
                event("a", date("2024-01-01T00:00:00Z")),
            ),
            trace("c1", event("c", date("2023-01-01T00:00:00Z"))),
        ),
    )
    table = read_xes_table(path)
    assert table.num_rows == 3
    assert column(table, "concept:name") == ["b", "a", "c"]
    assert column(table, "case:concept:name") == ["c2", "c2", "c1"]
    assert table.column_names == ["concept:name", "time:timestamp", "case:concept:name"]


def test_types_of_each_xes_attribute(tmp_path):
    attributes = (
        '<string key="s" value="text"/>',
        '<id key="i" value="b8a5c2c0-0000-4000-8000-000000000000"/>',
        '<int key="n" value="-42"/>',
        '<float key="x" value="2.5e3"/>',
        '<boolean key="ok" value="true"/>',
        date("2024-05-01T10:00:00.123+02:00"),
    )
    path = write(tmp_path, log(trace("c1", event("a", *attributes))))
    table = read_xes_table(path)
    types = {field.name: field.type for field in table.schema}
    assert types == {
        "concept:name": pa.string(),
        "s": pa.string(),
        "i": pa.string(),
        "n": pa.int64(),
        "x": pa.float64(),
        "ok": pa.bool_(),
        "time:timestamp": pa.timestamp("us", tz="UTC"),
        "case:concept:name": pa.string(),
    }
    row = table.to_pylist()[0]
    assert row["n"] == -42
    assert row["x"] == 2500.0
    assert row["ok"] is True
    assert row["time:timestamp"] == datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)


def test_booleans_follow_xml_schema(tmp_path):
    values = ["true", "false", "1", "0", "TRUE"]
    events = [event("a", f'<boolean key="b" value="{v}"/>') for v in values]
    table = read_xes_table(write(tmp_path, log(trace("c1", *events))))
    assert column(table, "b") == [True, False, True, False, True]


def test_trace_attributes_are_typed_and_repeated_on_every_event(tmp_path):
    extra = '<float key="AMOUNT_REQ" value="20000"/>' + date("2011-10-01T11:08:36.7+02:00", key="REG_DATE")
    path = write(tmp_path, log(trace("c1", event("a"), event("b"), extra=extra)))
    table = read_xes_table(path)
    assert column(table, "case:AMOUNT_REQ") == [20000.0, 20000.0]
    assert table.schema.field("case:REG_DATE").type == pa.timestamp("us", tz="UTC")
    assert column(table, "case:REG_DATE")[0] == datetime(2011, 10, 1, 9, 8, 36, 700000, tzinfo=UTC)


def test_trace_attributes_after_the_events_apply_to_all_of_them(tmp_path):
    text = log(
        '<trace><event><string key="concept:name" value="a"/></event>'
        '<string key="concept:name" value="c1"/>'
        '<event><string key="concept:name" value="b"/></event>'
        '<string key="segment" value="gold"/></trace>'
    )
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "case:concept:name") == ["c1", "c1"]
    assert column(table, "case:segment") == ["gold", "gold"]


def test_trace_without_events_gives_no_rows_and_no_columns(tmp_path):
    text = log(
        trace("empty", extra='<string key="only_here" value="x"/>'),
        trace("c1", event("a")),
    )
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "case:concept:name") == ["c1"]
    assert "case:only_here" not in table.column_names


def test_missing_values_are_nulls(tmp_path):
    text = log(
        trace("c1", event("a", '<int key="n" value="1"/>'), event("b")),
        trace(
            "c2",
            event("c", '<string key="late" value="x"/>'),
            extra='<string key="seg" value="s"/>',
        ),
    )
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "n") == [1, None, None]
    assert column(table, "late") == [None, None, "x"]
    assert column(table, "case:seg") == [None, None, "s"]
    assert table.schema.field("n").type == pa.int64()


def test_attribute_without_value_is_null(tmp_path):
    table = read_xes_table(write(tmp_path, log(trace("c1", event("a", '<string key="s"/>')))))
    assert column(table, "s") == [None]


def test_columns_come_in_pm4py_order(tmp_path):
    text = log(
        trace(
            "c1",
            event("a", '<int key="n" value="1"/>'),
            event("b", '<string key="late" value="x"/>'),
            extra='<string key="seg" value="s"/>',
        )
    )
    table = read_xes_table(write(tmp_path, text))
    # first row: its event keys, then the case keys; then new keys of later rows
    assert table.column_names == ["concept:name", "n", "case:concept:name", "case:seg", "late"]


def test_key_repeated_in_one_event_keeps_the_last_value(tmp_path):
    attributes = ('<string key="s" value="first"/>', '<string key="s" value="last"/>')
    table = read_xes_table(write(tmp_path, log(trace("c1", event("a", *attributes), event("b")))))
    assert column(table, "s") == ["last", None]


def test_namespaced_xes(tmp_path):
    head = '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">'
    text = log(trace("c1", event("a", '<int key="n" value="7"/>', date("2024-01-01T00:00:00Z"))), head=head)
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "concept:name") == ["a"]
    assert column(table, "n") == [7]
    assert column(table, "case:concept:name") == ["c1"]


def test_prefixed_namespace(tmp_path):
    text = (
        '<xes:log xmlns:xes="http://www.xes-standard.org/"><xes:trace>'
        '<xes:string key="concept:name" value="c1"/><xes:event>'
        '<xes:string key="concept:name" value="a"/></xes:event></xes:trace></xes:log>'
    )
    table = read_xes_table(write(tmp_path, text))
    assert table.to_pylist() == [{"concept:name": "a", "case:concept:name": "c1"}]


@pytest.mark.parametrize("name", ["log.xes.gz", "log.xes"])
def test_gzip_is_detected_by_its_magic_bytes(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(log(trace("c1", event("a"), event("b"))).encode()))
    table = read_xes_table(path)
    assert column(table, "concept:name") == ["a", "b"]


def test_plain_xml_named_xes_gz_is_read(tmp_path):
    path = write(tmp_path, log(trace("c1", event("a"))), name="log.xes.gz")
    assert read_xes_table(path).num_rows == 1


def test_log_level_attributes_globals_extensions_classifiers_are_ignored(tmp_path):
    head = (
        '<log><extension name="Concept" prefix="concept" uri="http://x/concept.xesext"/>'
        '<global scope="event"><string key="concept:name" value="UNKNOWN"/></global>'
        '<classifier name="Activity" keys="concept:name"/>'
        '<string key="creator" value="tool"><float key="nested" value="1.0"/></string>'
    )
    table = read_xes_table(write(tmp_path, log(trace("c1", event("a")), head=head)))
    assert table.column_names == ["concept:name", "case:concept:name"]


def test_nested_attributes_keep_their_value_and_lose_children_lists_and_containers_dropped(
    tmp_path,
):
    nested = (
        '<float key="amount" value="1.5"><string key="currency" value="EUR"/></float>'
        '<list key="items"><values><string key="item" value="i1"/></values></list>'
        '<container key="box"><string key="inner" value="v"/></container>'
    )
    extra = '<string key="tnest" value="top"><int key="child" value="3"/></string>'
    table = read_xes_table(write(tmp_path, log(trace("c1", event("a", nested), extra=extra))))
    assert table.to_pylist() == [
        {"concept:name": "a", "amount": 1.5, "case:concept:name": "c1", "case:tnest": "top"}
    ]


def test_events_outside_a_trace_are_dropped_like_pm4py(tmp_path):
    text = log(event("orphan"), trace("c1", event("a")))
    assert column(read_xes_table(write(tmp_path, text)), "concept:name") == ["a"]


def test_comments_and_processing_instructions_are_skipped(tmp_path):
    text = log(trace("c1", "<!-- a comment -->", event("a", "<?pi x?><!-- c -->")))
    assert read_xes_table(write(tmp_path, text)).to_pylist() == [
        {"concept:name": "a", "case:concept:name": "c1"}
    ]


def test_long_traces_are_freed_as_they_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(xes_module, "_FLUSH_EVENTS", 3)
    events = [event(f"e{i}", f'<int key="i" value="{i}"/>') for i in range(10)]
    # trace attributes before, between and after the events
    text = log(
        '<trace><string key="concept:name" value="c1"/>'
        + "".join(events[:5])
        + '<string key="middle" value="m"/>'
        + "".join(events[5:])
        + '<string key="after" value="z"/></trace>',
        trace("c2", event("x")),
    )
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "i") == [*range(10), None]
    assert column(table, "case:concept:name") == ["c1"] * 10 + ["c2"]
    assert column(table, "case:middle") == ["m"] * 10 + [None]
    assert column(table, "case:after") == ["z"] * 10 + [None]


# --------------------------------------------------------------------------------------------
# mixed types and dates


def test_key_with_different_types_falls_back_to_strings_as_written(tmp_path):
    text = log(trace("c1", event("a", '<int key="k" value="1"/>'), event("b", '<string key="k" value="x"/>')))
    table = read_xes_table(write(tmp_path, text))
    assert table.schema.field("k").type == pa.string()
    assert column(table, "k") == ["1", "x"]


def test_int_and_float_widen_to_float(tmp_path):
    text = log(
        trace("c1", event("a", '<int key="k" value="1"/>'), event("b", '<float key="k" value="2.5"/>'))
    )
    table = read_xes_table(write(tmp_path, text))
    assert table.schema.field("k").type == pa.float64()
    assert column(table, "k") == [1.0, 2.5]


def test_trace_and_event_attribute_types_are_independent(tmp_path):
    # a key that is an int on traces and a string on events: different columns, each typed
    text = log(trace("c1", event("a", '<string key="n" value="x"/>'), extra='<int key="n" value="3"/>'))
    table = read_xes_table(write(tmp_path, text))
    assert column(table, "n") == ["x"]
    assert column(table, "case:n") == [3]


@pytest.mark.parametrize(("tag", "value"), [("int", "1.5"), ("float", "abc"), ("boolean", "yes")])
def test_value_that_does_not_parse_keeps_the_column_as_strings(tmp_path, tag, value):
    text = log(trace("c1", event("a", f'<{tag} key="k" value="{value}"/>'), event("b")))
    table = read_xes_table(write(tmp_path, text))
    assert table.schema.field("k").type == pa.string()
    assert column(table, "k") == [value, None]


def test_int_too_large_for_int64_keeps_strings(tmp_path):
    text = log(trace("c1", event("a", '<int key="k" value="99999999999999999999"/>')))
    assert column(read_xes_table(write(tmp_path, text)), "k") == ["99999999999999999999"]


def test_naive_dates_give_a_naive_timestamp(tmp_path):
    events = [event("a", date("2024-01-01T10:00:00")), event("b", date("2024-01-01 11:30"))]
    table = read_xes_table(write(tmp_path, log(trace("c1", *events))))
    assert table.schema.field("time:timestamp").type == pa.timestamp("us")
    assert column(table, "time:timestamp") == [
        datetime(2024, 1, 1, 10),
        datetime(2024, 1, 1, 11, 30),
    ]


def test_offset_dates_are_normalised_to_utc(tmp_path):
    values = ["2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00-0530"]
    table = read_xes_table(write(tmp_path, log(trace("c1", *(event("a", date(v)) for v in values)))))
    assert table.schema.field("time:timestamp").type == pa.timestamp("us", tz="UTC")
    assert column(table, "time:timestamp") == [
        datetime(2024, 1, 1, 8, tzinfo=UTC),
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2024, 1, 1, 15, 30, tzinfo=UTC),
    ]


def test_fractional_seconds_of_any_length(tmp_path):
    values = [
        "2024-01-01T10:00:00.5Z",
        "2024-01-01T10:00:00.123456789Z",
        "2024-01-01T10:00:00,25+00:00",
    ]
    table = read_xes_table(write(tmp_path, log(trace("c1", *(event("a", date(v)) for v in values)))))
    assert column(table, "time:timestamp") == [
        datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC),
        datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),  # truncated, as Python 3.11 does
        datetime(2024, 1, 1, 10, 0, 0, 250000, tzinfo=UTC),
    ]


def test_mixed_naive_and_offset_dates_stay_strings(tmp_path):
    values = ["2024-01-01T10:00:00+01:00", "2024-01-01T10:00:00"]
    table = read_xes_table(write(tmp_path, log(trace("c1", *(event("a", date(v)) for v in values)))))
    assert table.schema.field("time:timestamp").type == pa.string()
    assert column(table, "time:timestamp") == values


def test_unparseable_date_keeps_the_column_as_strings(tmp_path):
    values = ["2024-01-01T10:00:00Z", "yesterday"]
    table = read_xes_table(write(tmp_path, log(trace("c1", *(event("a", date(v)) for v in values)))))
    assert column(table, "time:timestamp") == values


@pytest.mark.parametrize(
    "text",
    [
        "2010-12-30T14:32:00.000+01:00",
        "2012-10-09T14:50:17+00:00",
        "2012-10-09T14:50:17Z",
        "2012-10-09T14:50:17.1Z",
        "2012-10-09T14:50:17.123456789-03:30",
        "2012-10-09T14:50:17+0100",
        "2012-10-09T14:50:17+01",
        "2012-10-09 14:50",
        "2012-10-09T14",
        "2012-10-09",
    ],
)
def test_date_parser_agrees_with_python_311_fromisoformat(text):
    expected = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if sys.version_info >= (3, 11):
        assert datetime.fromisoformat(text) == expected
    parsed = xes_module._parse_date(text)
    assert parsed == expected
    assert (parsed.tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize(
    "text", ["2012-13-09T14:50:17", "2012-10-09T25:00", "12/10/2012", "2012-10-09T14:50:17+1"]
)
def test_date_parser_rejects_what_is_not_iso_8601(text):
    with pytest.raises(ValueError, match=r"not an ISO 8601 date|out of range|must be in"):
        xes_module._parse_date(text)


# --------------------------------------------------------------------------------------------
# errors


def test_file_not_found(tmp_path):
    with pytest.raises(ConnectorError, match=r"file not found: .*missing\.xes"):
        read_xes_table(tmp_path / "missing.xes")


def test_directory(tmp_path):
    with pytest.raises(ConnectorError, match="is a directory"):
        read_xes_table(tmp_path)


def test_empty_file(tmp_path):
    with pytest.raises(ConnectorError, match=r"empty\.xes is empty: expected an XES event log"):
        read_xes_table(write(tmp_path, "", name="empty.xes"))


def test_blank_file(tmp_path):
    with pytest.raises(ConnectorError, match=r"blank\.xes is blank \(only whitespace\)"):
        read_xes_table(write(tmp_path, "  \n\n", name="blank.xes"))


def test_empty_gzip(tmp_path):
    path = tmp_path / "empty.xes.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(ConnectorError, match="is empty after gzip decompression"):
        read_xes_table(path)


def test_csv_renamed_xes_says_it_looks_like_csv(tmp_path):
    path = write(tmp_path, "case_id,activity,timestamp\n1,visit,2024-01-01\n", name="journeys.xes")
    with pytest.raises(ConnectorError) as info:
        read_xes_table(path)
    message = str(info.value)
    assert "journeys.xes is not an XES file" in message
    assert "line 1" in message
    assert "looks like a CSV file (comma-separated; first line: 'case_id,activity,timestamp')" in message
    assert "connector='csv'" in message


@pytest.mark.parametrize(
    ("content", "looks"),
    [
        (b'{"events": []}', "JSON"),
        (b"PK\x03\x04rest-of-zip", "a ZIP archive"),
        (b"PAR1\x00\x00", "a Parquet file"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"hello world\n", "plain text (first line: 'hello world')"),
    ],
)
def test_not_xml_says_what_it_looks_like(tmp_path, content, looks):
    path = tmp_path / "log.xes"
    path.write_bytes(content)
    with pytest.raises(ConnectorError, match=rf"not an XES file.*looks like {re.escape(looks)}"):
        read_xes_table(path)


def test_gzipped_csv_says_once_decompressed(tmp_path):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(b"a;b;c\n1;2;3\n"))
    with pytest.raises(ConnectorError, match=r"line 1 once decompressed .*semicolon-separated"):
        read_xes_table(path)


def test_root_is_not_log(tmp_path):
    text = '<?xml version="1.0"?>\n<!-- exported -->\n<html><trace><event/></trace></html>'
    with pytest.raises(ConnectorError, match=r"root element is <html> \(line 3\), where XES has <log>"):
        read_xes_table(write(tmp_path, text))


def test_malformed_xml_mid_file_names_the_line(tmp_path):
    text = log(
        trace("c1", event("a")),
        '<trace><string key="concept:name" value="c2"/>\n'
        '<event><string key="concept:name" value="b"></event></trace>',
    )
    with pytest.raises(ConnectorError) as info:
        read_xes_table(write(tmp_path, text, name="broken.xes"))
    message = str(info.value)
    assert "broken.xes is not well-formed XML at line 5" in message
    assert "Opening and ending tag mismatch" in message
    assert "export or download it again" in message


def test_truncated_file_names_the_line(tmp_path):
    text = log(trace("c1", event("a"), event("b")))
    with pytest.raises(ConnectorError, match=r"not well-formed XML at line \d+"):
        read_xes_table(write(tmp_path, text[: len(text) // 2]))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(log(*(trace(f"c{i}", event("a"), event("b")) for i in range(2000))).encode())
    path = tmp_path / "log.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConnectorError, match="truncated"):
        read_xes_table(path)


def test_no_events(tmp_path):
    text = log(trace("c1"), trace("c2"))
    with pytest.raises(
        ConnectorError,
        match=r"contains no events: none of its 2 <trace> element\(s\) has an <event>",
    ):
        read_xes_table(write(tmp_path, text))


def test_no_traces(tmp_path):
    with pytest.raises(ConnectorError, match="contains no events: its <log> has no <trace> element"):
        read_xes_table(write(tmp_path, log('<string key="creator" value="x"/>')))


def test_nested_event(tmp_path):
    text = log("<trace><event><event/></event></trace>")
    with pytest.raises(ConnectorError, match=r"<event> inside another <event> \(line 3\)"):
        read_xes_table(write(tmp_path, text))


def test_prolog_without_root(tmp_path):
    with pytest.raises(ConnectorError, match="no root element"):
        read_xes_table(write(tmp_path, '<?xml version="1.0"?>\n<!-- nothing -->\n'))


# --------------------------------------------------------------------------------------------
# entities: never expanded, never fetched


def entity_log(declaration: str, value: str = "&e;") -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE log [\n{declaration}\n]>\n'
        f'<log><trace><event><string key="concept:name" value="{value}"/>'
        f'<string key="body">{value}</string></event></trace></log>\n'
    )


def test_internal_entity_is_refused_not_expanded(tmp_path):
    path = write(tmp_path, entity_log('<!ENTITY e "EXPANDED">'))
    with pytest.raises(ConnectorError) as info:
        read_xes_table(path)
    message = str(info.value)
    assert "declares XML entities" in message
    assert "(line 2)" in message
    assert "remove the <!DOCTYPE" in message
    assert "EXPANDED" not in message


def test_billion_laughs_is_refused_before_parsing(tmp_path):
    entities = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)]
    path = write(tmp_path, entity_log("\n".join(entities), value="&e9;"))
    with pytest.raises(ConnectorError, match="declares XML entities"):
        read_xes_table(path)


def test_external_file_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for uri in (secret.as_uri(), "file:///etc/passwd"):
        path = write(tmp_path, entity_log(f'<!ENTITY e SYSTEM "{uri}">'))
        with pytest.raises(ConnectorError, match="declares XML entities") as info:
            read_xes_table(path)
        assert "TOP-SECRET-CONTENT" not in str(info.value)
        assert "root:" not in str(info.value)


def test_external_dtd_is_refused(tmp_path):
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE log SYSTEM "http://127.0.0.1:9/xes.dtd">\n'
        + log(trace("c1", event("a"))).split("\n", 1)[1]
    )
    with pytest.raises(ConnectorError, match="external DTD"):
        read_xes_table(write(tmp_path, text))


def test_bare_doctype_is_harmless_and_accepted(tmp_path):
    text = '<?xml version="1.0"?>\n<!DOCTYPE log>\n<log>' + trace("c1", event("a")) + "</log>"
    assert read_xes_table(write(tmp_path, text)).num_rows == 1


@pytest.fixture
def http_server():
    """A local HTTP server that counts the requests it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the http.server API
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"FETCHED-OVER-HTTP")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_external_http_entity_never_reaches_the_network(tmp_path, http_server):
    url, hits = http_server
    declarations = [
        f'<!ENTITY e SYSTEM "{url}/entity">',
        f'<!ENTITY % p SYSTEM "{url}/parameter"> %p;',
    ]
    for declaration in declarations:
        with pytest.raises(ConnectorError, match="declares XML entities") as info:
            read_xes_table(write(tmp_path, entity_log(declaration)))
        assert "FETCHED-OVER-HTTP" not in str(info.value)
    assert hits == []


def test_parser_itself_neither_fetches_nor_reads_external_entities(tmp_path, http_server):
    # defence in depth: even without the prolog check, lxml runs with no_network, load_dtd=False
    # and resolve_entities=False, so an external entity in element content stays unresolved
    url, hits = http_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY f SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY h SYSTEM "{url}/x">]>\n'
        '<log><trace><event><string key="concept:name" value="a"/>'
        '<string key="f">&f;</string><string key="h">&h;</string></event></trace></log>'
    )
    path = write(tmp_path, text)
    with open(path, "rb") as stream:
        table = xes_module._parse(stream, str(path))
    assert "TOP-SECRET-CONTENT" not in str(table.to_pylist())
    assert hits == []


# --------------------------------------------------------------------------------------------
# the connector plugin


def test_connector_scan_returns_an_arrow_scan(tmp_path):
    path = write(tmp_path, log(trace("c1", event("a", date("2024-01-01T00:00:00Z")))))
    scan = XesConnector().scan(str(path))
    assert isinstance(scan, Scan)
    assert scan.kind == "arrow"
    assert scan.location == str(path)
    # the table of read_xes_table, then the document position the connector adds
    assert scan.columns == ("concept:name", "time:timestamp", "case:concept:name", "jm:position")
    table = scan.open()
    assert isinstance(table, pa.Table)
    assert table.column_names == list(scan.columns)


def test_connector_accepts_a_path_object(tmp_path):
    path = write(tmp_path, log(trace("c1", event("a"))))
    assert XesConnector().scan(path).columns == ("concept:name", "case:concept:name", "jm:position")


def test_connector_rejects_unknown_options_naming_the_accepted_ones(tmp_path):
    path = write(tmp_path, log(trace("c1", event("a"))))
    with pytest.raises(ConnectorError, match=r"takes no option, got 'delimiter' \(accepted options: none\)"):
        XesConnector().scan(path, delimiter=";")


def test_connector_file_not_found(tmp_path):
    with pytest.raises(ConnectorError, match="file not found: "):
        XesConnector().scan(tmp_path / "nope.xes")


def test_connector_rejects_a_source_that_is_not_a_path():
    with pytest.raises(ConnectorError, match=r"reads a path to a \.xes or \.xes\.gz file, got dict"):
        XesConnector().scan({"not": "a path"})


def test_connector_is_registered_by_the_hook():
    found = []
    journeymine_register_connectors(found.append)
    (connector,) = found
    assert connector.name == "xes"
    assert connector.suffixes == (".xes", ".xes.gz")
    assert connector.options == ()


def test_importing_the_connector_imports_neither_lxml_nor_pyarrow():
    code = (
        "import sys, journeymine.connectors.xes; "
        "print(sorted(m for m in ('lxml', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# parity with pm4py on the real logs


def shared_log(name: str) -> Path:
    return shared_file(name)


@pytest.fixture(scope="module")
def pm4py_read():
    """``pm4py.read_xes`` of each real log, read once per module."""
    pm4py = pytest.importorskip("pm4py")
    cache: dict[str, object] = {}

    def read(path: Path):
        if path.name not in cache:
            cache[path.name] = pm4py.read_xes(str(path))
        return cache[path.name]

    return read


def pm4py_values(series) -> list:
    """A pm4py (pandas) column as Python values, ``None`` for missing; timestamps as UTC
    microseconds since the epoch (naive ones read as UTC, pm4py's convention)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = series.to_numpy(dtype="datetime64[us]")
        micros = stamps.view("int64").tolist()
        return [None if missing else value for value, missing in zip(micros, np.isnat(stamps), strict=True)]
    return [
        None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        for value in series.tolist()
    ]


def our_values(table: pa.Table, name: str) -> list:
    """Our column as Python values, ``None`` for null; timestamps as microseconds since the epoch
    in UTC (a naive timestamp's wall time read as UTC, like pm4py)."""
    values = table.column(name)
    if pa.types.is_timestamp(values.type):
        assert values.type.unit == "us"
        assert values.type.tz in (None, "UTC")
        values = values.cast(pa.int64())
    return values.to_pylist()


def assert_same_as_pm4py(path: Path, pm4py_read) -> pa.Table:
    frame = pm4py_read(path)
    table = read_xes_table(path)
    assert table.num_rows == len(frame)
    assert set(table.column_names) == set(frame.columns)
    assert table.column_names == list(frame.columns)  # same order too
    for name in table.column_names:
        ours, theirs = our_values(table, name), pm4py_values(frame[name])
        if ours != theirs:
            first = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b)
            pytest.fail(
                f"{path.name}: column {name!r} differs at row {first}: {ours[first]!r} != {theirs[first]!r}"
            )
    return table


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["running-example.xes", "helpdesk.xes.gz"])
def test_same_table_as_pm4py(name, pm4py_read):
    assert_same_as_pm4py(shared_log(name), pm4py_read)


@pytest.mark.realdata
@pytest.mark.slow
def test_same_table_as_pm4py_on_bpic2012(pm4py_read):
    path = shared_log("bpic2012.xes.gz")
    table = assert_same_as_pm4py(path, pm4py_read)
    assert table.num_rows == 262_200
    assert table.schema.field("time:timestamp").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("case:REG_DATE").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("case:AMOUNT_REQ").type == pa.string()
