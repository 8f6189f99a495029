"""The XES connector: reads ``.xes`` and ``.xes.gz`` event logs without pm4py.

:func:`read_xes_table` streams the file with ``lxml.etree.iterparse`` and returns one Arrow row per
``<event>``, in document order, with the attributes of its ``<trace>`` repeated on each row as
``case:<key>`` columns, the layout ``pm4py.read_xes`` returns. Each element is cleared as soon as it
has been read, so memory is bounded by the output columns, not by the size of the XML.

The parser never expands XML entities, never loads a DTD and never touches the network: a file
that declares entities in a ``<!DOCTYPE>`` (which XES never needs) is refused with a clear error.

:class:`XesConnector` is the ``xes`` connector plugin built on it. It adds one column, the
event's place in the document (:data:`POSITION`), and a log with no ``time:timestamp`` at all is
mined in that order: XES defines a trace as an ordered list of events, and times are optional.
Neither lxml nor pyarrow is imported until a file is read, so that importing journeymine stays
cheap.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from journeymine.connectors.base import Scan, source_name
from journeymine.errors import ConnectorError
from journeymine.hookspecs import hookimpl
from journeymine.schema import XES_TIMESTAMP

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa

__all__ = ["POSITION", "XesConnector", "journeymine_register_connectors", "read_xes_table"]

#: the prefix of the columns that hold trace (case) attributes, as in pm4py
CASE_PREFIX = "case:"
#: the column :class:`XesConnector` adds: each event's place in the document, counting from 0
#: (trace by trace, events in the order written); ``order=`` for a log without timestamps
POSITION = "jm:position"

_GZIP_MAGIC = b"\x1f\x8b"
#: how far into the file to look for the root element before giving up on the prolog
_PROLOG_LIMIT = 1 << 20
_CHUNK = 1 << 16

# kinds of elements; the attribute kinds double as the column kinds
_STRING, _INT, _FLOAT, _BOOL, _DATE = "string", "int", "float", "boolean", "date"
_EVENT, _TRACE, _OTHER = "event", "trace", ""
_KIND_OF_LOCAL_NAME = {
    "string": _STRING,
    "id": _STRING,
    "int": _INT,
    "float": _FLOAT,
    "boolean": _BOOL,
    "date": _DATE,
    "event": _EVENT,
    "trace": _TRACE,
}
_KIND_ORDER = (_STRING, _INT, _FLOAT, _BOOL, _DATE)  # a fixed order, for reproducible merges
_ATTRIBUTE_KINDS = frozenset(_KIND_ORDER)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
#: in a trace longer than this, the children already read are freed every so many events
_FLUSH_EVENTS = 4096

_ISO_8601 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_TIMEZONES: dict[str, timezone] = {"Z": timezone.utc}
_LXML_POSITION = re.compile(r",? line \d+, column \d+\s*$")


# --------------------------------------------------------------------------------------------
# the public API


def read_xes_table(path: str | os.PathLike[str]) -> pa.Table:
    """Read an XES event log (``.xes`` or gzip-compressed ``.xes.gz``) into an Arrow table.

    The file is streamed, so memory is bounded by the output. Gzip is detected by its magic
    bytes, whatever the file is called. Namespaced XES (``xmlns="http://www.xes-standard.org/"``)
    is read like plain XES.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xes`` or ``.xes.gz`` file.

    Returns
    -------
    pyarrow.Table
        One row per ``<event>`` of a ``<trace>``, in document order. Event attributes keep their
        key; trace attributes are repeated on each event of the trace as ``case:<key>``; log-level
        attributes, ``<global>``, ``<extension>`` and ``<classifier>`` are ignored. Columns come
        in the order of their first appearance (as in ``pm4py.read_xes``). Types: ``string`` and
        ``id`` give strings, ``int`` int64, ``float`` float64 (also for a key that mixes ``int``
        and ``float``), ``boolean`` bool, ``date`` a timestamp in microseconds, UTC when every
        value has an offset and naive when none has. A key whose values cannot share one type
        (mixed types, naive mixed with offset dates, a value that does not parse) becomes a string
        column of the values as written. A missing attribute is a null. Nested attributes keep
        their own value and lose their children; ``<list>`` and ``<container>`` are dropped.

    Raises
    ------
    journeymine.errors.ConnectorError
        When the file is missing, empty, not XML (the message says what it looks like), XML whose
        root is not ``<log>``, malformed (the message gives the line), declares XML entities, or
        has no events.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> xes = '''<log xmlns="http://www.xes-standard.org/">
    ...   <trace><string key="concept:name" value="c1"/>
    ...     <event><string key="concept:name" value="visit"/><int key="pages" value="3"/>
    ...       <date key="time:timestamp" value="2024-05-01T10:00:00+02:00"/></event>
    ...     <event><string key="concept:name" value="buy"/>
    ...       <date key="time:timestamp" value="2024-05-01T10:05:00Z"/></event>
    ...   </trace></log>'''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.xes"
    >>> _ = path.write_text(xes)
    >>> table = read_xes_table(path)
    >>> table.column_names
    ['concept:name', 'pages', 'time:timestamp', 'case:concept:name']
    >>> table.column("pages").to_pylist()
    [3, None]
    >>> table.schema.field("time:timestamp").type
    TimestampType(timestamp[us, tz=UTC])
    >>> [str(t) for t in table.column("time:timestamp").to_pylist()]
    ['2024-05-01 08:00:00+00:00', '2024-05-01 10:05:00+00:00']
    """
    file = Path(path)
    name = str(path)
    _check_file(file, name)
    compressed = _is_gzip(file, name)
    with _open(file, compressed) as stream:
        _check_prolog(stream, name, compressed)
    with _open(file, compressed) as stream:
        return _parse(stream, name)


class XesConnector:
    """The ``xes`` connector: reads ``.xes`` and ``.xes.gz`` files with :func:`read_xes_table`.

    It takes no options. The file is parsed when :meth:`scan` is called, so that its column names
    are known before an engine reads it; the scan then hands the parsed table to the engine, with
    one more column, :data:`POSITION` (``"jm:position"``): the event's place in the document,
    counting from 0. When no event has a ``time:timestamp``, the scan suggests ``order=`` that
    column, so that the log is mined in document order, with a note saying so (durations are
    then absent); a ``timestamp=`` or ``order=`` of the user's wins.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.xes"
    >>> _ = path.write_text('<log><trace><string key="concept:name" value="c1"/>'
    ...                     '<event><string key="concept:name" value="visit"/></event>'
    ...                     '<event><string key="concept:name" value="buy"/></event>'
    ...                     '</trace></log>')
    >>> scan = XesConnector().scan(path)
    >>> scan.kind, scan.columns
    ('arrow', ('concept:name', 'case:concept:name', 'jm:position'))
    >>> scan.open().column("jm:position").to_pylist()
    [0, 1]
    >>> dict(scan.defaults)
    {'order': 'jm:position'}
    """

    name = "xes"
    suffixes: tuple[str, ...] = (".xes", ".xes.gz")
    options: tuple[str, ...] = ()

    def scan(self, source: Any, **options: Any) -> Scan:
        """Parse the XES file ``source`` and return an Arrow :class:`Scan` of its events.

        Parameters
        ----------
        source : str or os.PathLike
            The ``.xes`` or ``.xes.gz`` file.
        **options
            None are accepted; any option is an error that names the accepted ones.

        Returns
        -------
        Scan
            ``kind="arrow"``; ``open()`` returns the table of :func:`read_xes_table` with the
            column :data:`POSITION` added (``jm:position_2`` and so on if the file has an
            attribute of that name). Without any ``time:timestamp``, ``defaults`` suggests
            ``order=`` that column and ``default_notes`` says so.

        Raises
        ------
        journeymine.errors.ConnectorError
            For an unknown option, a source that is not a path, a missing file, or a file that
            :func:`read_xes_table` cannot read.

        Examples
        --------
        >>> XesConnector().scan("log.xes", delimiter=";")
        Traceback (most recent call last):
        ...
        journeymine.errors.ConnectorError: the xes connector takes no option, got 'delimiter' ...
        """
        if options:
            unknown = ", ".join(repr(key) for key in sorted(options))
            accepted = ", ".join(self.options) if self.options else "none"
            raise ConnectorError(
                f"the xes connector takes no option, got {unknown} "
                f"(accepted options: {accepted}). XES files describe their own types; "
                f"remove the option."
            )
        if not isinstance(source, (str, os.PathLike)):
            raise ConnectorError(
                f"the xes connector reads a path to a .xes or .xes.gz file, got "
                f"{source_name(source)}. Pass the file's path, or choose another connector."
            )
        path = Path(source)
        table = _with_position(read_xes_table(path))
        position = table.column_names[-1]
        defaults: dict[str, str] = {}
        default_notes: dict[str, str] = {}
        if XES_TIMESTAMP not in table.column_names:
            defaults["order"] = position
            default_notes["order"] = _untimed_note(str(path), table)
        return Scan(
            kind="arrow",
            location=str(path),
            columns=tuple(table.column_names),
            open=lambda: table,
            defaults=defaults,
            default_notes=default_notes,
        )


def _with_position(table: pa.Table) -> pa.Table:
    """``table`` with the document position of each row appended, as int64 from 0."""
    import numpy as np
    import pyarrow as pa

    name, taken, n = POSITION, set(table.column_names), 2
    while name in taken:
        name, n = f"{POSITION}_{n}", n + 1
    return table.append_column(name, pa.array(np.arange(table.num_rows, dtype=np.int64)))


def _untimed_note(location: str, table: pa.Table) -> str:
    """The note for a log without ``time:timestamp``, naming the date attributes it does have."""
    import pyarrow as pa

    dates = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    hint = f"; to order by time instead, pass timestamp=... (dates: {', '.join(dates)})" if dates else ""
    return (
        f"{location} has no time:timestamp; events are ordered by their position in the trace "
        f"(document order); durations are absent{hint}"
    )


@hookimpl
def journeymine_register_connectors(register: Callable[[Any], None]) -> None:
    """Register the ``xes`` connector (the built-in plugin hook).

    Parameters
    ----------
    register : callable
        Called once with an :class:`XesConnector`.

    Examples
    --------
    >>> found = []
    >>> journeymine_register_connectors(found.append)
    >>> [connector.name for connector in found]
    ['xes']
    """
    register(XesConnector())


# --------------------------------------------------------------------------------------------
# opening and checking the file


def _check_file(file: Path, name: str) -> None:
    if not file.exists():
        raise ConnectorError(
            f"file not found: {name}. Check the path (relative paths start at {Path.cwd()})."
        )
    if file.is_dir():
        raise ConnectorError(
            f"{name} is a directory, not an XES file. Pass the path of a .xes or .xes.gz file."
        )


def _is_gzip(file: Path, name: str) -> bool:
    try:
        with open(file, "rb") as raw:
            return raw.read(2) == _GZIP_MAGIC
    except OSError as exc:
        raise ConnectorError(
            f"cannot open {name}: {exc.strerror or exc}. Check that the file is readable."
        ) from None


def _open(file: Path, compressed: bool) -> io.BufferedIOBase:
    if compressed:
        import gzip

        return gzip.open(file, "rb")
    return open(file, "rb")


def _gzip_error(name: str, exc: BaseException) -> ConnectorError:
    return ConnectorError(
        f"{name} is gzip-compressed but cannot be decompressed ({exc}): the file is probably "
        f"truncated or corrupted. Download or export it again."
    )


_GZIP_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError)


def _read_some(stream: io.BufferedIOBase, size: int, name: str, compressed: bool) -> bytes:
    try:
        return stream.read(size)
    except _GZIP_ERRORS as exc:
        if compressed:
            raise _gzip_error(name, exc) from None
        raise ConnectorError(f"cannot read {name}: {exc}.") from None
    except Exception as exc:  # zlib.error
        if compressed:
            raise _gzip_error(name, exc) from None
        raise


def _check_prolog(stream: io.BufferedIOBase, name: str, compressed: bool) -> None:
    """Refuse empty files, non-XML, entity declarations and a root that is not ``<log>``.

    This runs before lxml sees the file, because libxml2 expands internal entities in attribute
    values whatever the parser options say.
    """
    head = b""
    while True:
        chunk = _read_some(stream, _CHUNK, name, compressed)
        head += chunk
        if _scan_prolog(head, eof=not chunk, name=name, compressed=compressed):
            return
        if len(head) >= _PROLOG_LIMIT:
            raise ConnectorError(
                f"{name} has no root element in its first {_PROLOG_LIMIT // 1024} KiB (only "
                f"declarations and comments): this is not an XES export. Check the file."
            )


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    text = head.decode("latin-1")  # every byte maps; the markup is ASCII in UTF-8 and friends
    return text[3:] if text.startswith("\xef\xbb\xbf") else text


def _scan_prolog(head: bytes, *, eof: bool, name: str, compressed: bool) -> bool:
    """Check the start of the document; ``True`` once the root element is found and fine."""
    text = _decode_head(head)
    if not text.strip():
        if not eof:
            return False
        what = "empty" if not head else "blank (only whitespace)"
        after = " after gzip decompression" if compressed else ""
        raise ConnectorError(
            f"{name} is {what}{after}: expected an XES event log (a <log> element with <trace> "
            f"and <event> elements). Export the log again."
        )
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return False if not eof else _no_root(name, text)
        if text[i] != "<":
            if text.lstrip().startswith("<"):  # text after the XML declaration: let lxml say
                return True
            raise ConnectorError(_not_xml_message(name, head, compressed))
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return eof
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return eof
            i = end + 3
        elif text.startswith("<!DOCTYPE", i):
            bracket, close = text.find("[", i), text.find(">", i)
            if close < 0 and bracket < 0:
                return eof
            declaration = text[i : close if close >= 0 else n]
            if (0 <= bracket < close or close < 0) or re.search(r"\s(SYSTEM|PUBLIC)\s", declaration):
                line = text.count("\n", 0, i) + 1
                raise ConnectorError(
                    f"{name} declares XML entities or an external DTD in its <!DOCTYPE> "
                    f"(line {line}). journeymine never expands entities nor loads DTDs (they can "
                    f"read local files, reach the network or exhaust memory), and XES does not "
                    f"need them: remove the <!DOCTYPE ...> declaration and read the file again."
                )
            i = close + 1
        elif text.startswith("<!", i):
            return True  # malformed markup: lxml reports it with its line
        else:
            match = re.match(r"<([^\s/>]+)", text[i:])
            if match is None:
                return True
            root = match.group(1)
            if root.rpartition(":")[2] != "log":
                line = text.count("\n", 0, i) + 1
                raise ConnectorError(
                    f"{name} is XML but not an XES event log: its root element is <{root}> "
                    f"(line {line}), where XES has <log>. Check that this is the file you meant "
                    f"to read, or export the log as XES."
                )
            return True


def _no_root(name: str, text: str) -> NoReturn:
    raise ConnectorError(
        f"{name} has an XML prolog but no root element (line {text.count(chr(10)) + 1} is the "
        f"end of the file): the file is truncated. Export the log again."
    )


def _not_xml_message(name: str, head: bytes, compressed: bool) -> str:
    looks = _describe(head)
    inner = " once decompressed" if compressed else ""
    return (
        f"{name} is not an XES file: line 1{inner} does not start with an XML tag ('<'); "
        f"it looks like {looks}"
    )


def _describe(head: bytes) -> str:
    """Say what a file that is not XML looks like, and what to do about it."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or an Excel .xlsx file). Unzip it and read the .xes inside."
    if head.startswith(b"PAR1"):
        return "a Parquet file. Read it with connector='parquet'."
    if head.startswith(_GZIP_MAGIC):
        return "gzip data (the file is compressed twice). Decompress it once more."
    if b"\x00" in head[:4096]:
        return "binary data, not text. Check that this is the file you meant to read."
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip("\r\ufeff")
    shown = first if len(first) <= 60 else first[:57] + "..."
    stripped = first.lstrip()
    if stripped.startswith(("{", "[")):
        return f"JSON (first line: {shown!r}). Convert it to a table first."
    for delimiter, label in ((",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
        if delimiter in first:
            return (
                f"a CSV file ({label}-separated; first line: {shown!r}). "
                f"Read it with connector='csv', or rename it to .csv."
            )
    return f"plain text (first line: {shown!r}). Check that this is the file you meant to read."


# --------------------------------------------------------------------------------------------
# the streaming parser


def _local_kind(tag: Any) -> str:
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return _OTHER
    return _KIND_OF_LOCAL_NAME.get(tag.rpartition("}")[2], _OTHER)


class _Columns:
    """The output, built as one Python list of raw value strings per column and attribute kind.

    ``stores[kind][name]`` holds the values of column ``name`` written with attribute ``kind``,
    padded with ``None`` up to the row of its last value. A column written with several kinds
    has a list in each store; they are merged (as strings) at the end.
    """

    __slots__ = ("first", "rows", "stores")

    def __init__(self) -> None:
        self.stores: dict[str, dict[str, list[str | None]]] = {kind: {} for kind in _KIND_ORDER}
        #: sort key of each column: (first row, 0 for event / 1 for case columns, creation
        #: order), which orders the columns as pm4py does
        self.first: dict[str, tuple[int, int, int]] = {}
        self.rows = 0

    def new(self, store: dict[str, list[str | None]], name: str, row: int, case: int = 0) -> list[str | None]:
        values: list[str | None] = [None] * row
        store[name] = values
        if name not in self.first:
            self.first[name] = (row, case, len(self.first))
        return values

    def add_case(self, attributes: list[tuple[str, str, str | None]], start: int) -> None:
        """Repeat the trace ``attributes`` on the rows ``start:rows`` (a later key wins)."""
        count = self.rows - start
        latest = {CASE_PREFIX + key: (kind, value) for key, kind, value in attributes}
        for name, (kind, value) in latest.items():
            store = self.stores[kind]
            values = store.get(name)
            if values is None:
                values = self.new(store, name, start, 1)
            filled = len(values)
            if filled < start:
                values.extend([None] * (start - filled))
            elif filled > start:
                del values[start:]
            values.extend([value] * count)


def _parse(stream: io.BufferedIOBase, name: str) -> pa.Table:
    from lxml import etree

    context = etree.iterparse(
        stream,
        events=("end",),
        tag=("{*}event", "{*}trace"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        columns, traces = _collect(context, name)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(name, exc) from None
    except ConnectorError:
        raise
    except Exception as exc:
        if _looks_like_gzip_error(exc):
            raise _gzip_error(name, exc) from None
        raise
    if columns.rows == 0:
        inside = (
            f"none of its {traces} <trace> element(s) has an <event>"
            if traces
            else "its <log> has no <trace> element"
        )
        raise ConnectorError(
            f"{name} contains no events: {inside}. journeymine reads one row per <event> of a "
            f"<trace> under <log>; check how the log was exported."
        )
    return _to_table(columns)


def _looks_like_gzip_error(exc: BaseException) -> bool:
    import gzip
    import zlib

    return isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error))


def _syntax_error(name: str, exc: Any) -> ConnectorError:
    line, column = (exc.position if exc.position else (exc.lineno, 0)) or (0, 0)
    message = _LXML_POSITION.sub("", str(exc.msg or exc)).strip()
    where = f"line {line}, column {column}" if column else f"line {line}"
    return ConnectorError(
        f"{name} is not well-formed XML at {where}: {message}. The file is probably truncated "
        f"or corrupted; export or download it again."
    )


def _collect(context: Iterable[tuple[str, Any]], name: str) -> tuple[_Columns, int]:
    """Walk the iterparse events; return the raw columns and the number of ``<trace>``.

    This is the hot loop. It reads each attribute element with one ``items()`` call (much
    cheaper in lxml than two ``get()`` calls), appends to one list per column (no per-event
    dictionary), and reads the trace attributes once per trace, when the trace ends.
    """
    out = _Columns()
    stores = out.stores
    # tag -> the store of its attribute kind, or None for an element that is not an attribute
    store_of: dict[Any, dict[str, list[str | None]] | None] = {}
    kind_of: dict[Any, str] = {}
    row = 0
    traces = 0
    trace: Any = None  # the <trace> whose events are being read
    trace_ok = False  # whether it is a <trace> directly under <log>
    start = 0  # its first row
    flushed = 0  # the row up to which its earlier children have been freed
    case: list[tuple[str, str, str | None]] = []  # its attributes, in document order

    for _, element in context:
        tag = element.tag
        try:
            kind = kind_of[tag]
        except KeyError:
            kind = kind_of[tag] = _local_kind(tag)
        if kind == _EVENT:
            parent = element.getparent()
            if parent is not trace:
                trace, start, flushed, case = parent, row, row, []
                trace_ok = _is_log_trace(parent, element, name)
            if trace_ok:
                for tag, pairs in [(child.tag, child.items()) for child in element]:
                    try:
                        store = store_of[tag]
                    except KeyError:
                        kind = _local_kind(tag)
                        store = store_of[tag] = stores[kind] if kind in _ATTRIBUTE_KINDS else None
                    if store is None:
                        continue  # <list>, <container>, unknown elements
                    try:
                        (first, key), (second, value) = pairs
                    except ValueError:
                        first = second = ""
                    if first != "key" or second != "value":
                        key, value = _key_value(pairs)
                        if key is None:
                            continue
                    values = store.get(key)
                    if values is None:
                        values = out.new(store, key, row)
                    filled = len(values)
                    if filled == row:
                        values.append(value)
                    elif filled > row:  # the key twice in one event: the last one wins
                        values[row] = value
                    else:
                        values.extend([None] * (row - filled))
                        values.append(value)
                row += 1
                if row - flushed >= _FLUSH_EVENTS:  # a long trace: free its earlier children
                    _trace_attributes(element.itersiblings(preceding=True), case, reverse=True)
                    del parent[: parent.index(element)]
                    flushed = row
            element.clear()
        else:  # a <trace>
            traces += 1
            if element is trace:
                if trace_ok:
                    _trace_attributes(element.iterchildren(), case)
                    out.rows = row
                    out.add_case(case, start)
                trace, case = None, []
            parent = element.getparent()
            element.clear()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    out.rows = row
    return out, traces


def _trace_attributes(
    elements: Iterable[Any], case: list[tuple[str, str, str | None]], reverse: bool = False
) -> None:
    """Append the XES attributes among ``elements`` to ``case``, in document order."""
    found = []
    for element in elements:
        kind = _local_kind(element.tag)
        if kind in _ATTRIBUTE_KINDS:
            key, value = _key_value(element.items())
            if key is not None:
                found.append((key, kind, value))
    case.extend(reversed(found) if reverse else found)


def _key_value(pairs: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The ``key`` and ``value`` XML attributes of an XES attribute element."""
    found = dict(pairs)
    return found.get("key"), found.get("value")


def _is_log_trace(parent: Any, event: Any, name: str) -> bool:
    """Whether an ``<event>`` is in a ``<trace>`` under the root ``<log>`` (as pm4py reads)."""
    if parent is None:
        return False
    parent_kind = _local_kind(parent.tag)
    if parent_kind == _EVENT:
        raise ConnectorError(
            f"{name} has an <event> inside another <event> (line {event.sourceline}), which XES "
            f"does not allow. Fix the export."
        )
    if parent_kind != _TRACE:
        return False  # an event outside any trace: pm4py drops it too
    grandparent = parent.getparent()
    if grandparent is not None and _local_kind(grandparent.tag) == _TRACE:
        raise ConnectorError(
            f"{name} has a <trace> inside another <trace> (line {parent.sourceline}), which XES "
            f"does not allow. Fix the export."
        )
    return (
        grandparent is not None
        and grandparent.getparent() is None
        and isinstance(grandparent.tag, str)
        and grandparent.tag.rpartition("}")[2] == "log"
    )


# --------------------------------------------------------------------------------------------
# typing the columns


def _to_table(columns: _Columns) -> pa.Table:
    import pyarrow as pa

    rows = columns.rows
    arrays = []
    names = sorted(columns.first, key=columns.first.__getitem__)
    for name in names:
        parts = {}
        for kind, store in columns.stores.items():
            values = store.pop(name, None)  # free the raw strings as we go
            if values is not None:
                values.extend([None] * (rows - len(values)))
                parts[kind] = values
        if len(parts) == 1:
            ((kind, values),) = parts.items()
            arrays.append(_typed_array(values, {kind}))
        else:  # one key written with several types: keep the values as written
            merged = [
                next((v for v in row if v is not None), None) for row in zip(*parts.values(), strict=True)
            ]
            arrays.append(_typed_array(merged, set(parts)))
    return pa.table(arrays, names=names)


def _typed_array(values: list[str | None], kinds: set[str]) -> Any:
    import pyarrow as pa

    if kinds == {_INT}:
        typed = _convert(values, int, pa.int64())
    elif kinds in ({_FLOAT}, {_INT, _FLOAT}):
        typed = _convert(values, float, pa.float64())
    elif kinds == {_BOOL}:
        typed = _convert(values, _parse_bool, pa.bool_())
    elif kinds == {_DATE}:
        typed = _dates(values)
    else:
        typed = None
    if typed is not None:
        return typed
    return pa.array(values, type=pa.string())


def _convert(values: list[str | None], parse: Callable[[str], Any], arrow_type: Any) -> Any:
    """Parse each distinct value once; ``None`` when one does not parse (string fallback)."""
    import pyarrow as pa

    try:
        parsed: dict[str | None, Any] = {
            value: parse(value) for value in dict.fromkeys(values) if value is not None
        }
        return pa.array(list(map(parsed.get, values)), type=arrow_type)
    except (LookupError, ValueError, TypeError, OverflowError, pa.ArrowException):
        return None


def _parse_bool(text: str) -> bool:
    return _BOOLEANS[text.strip().lower()]


def _dates(values: list[str | None]) -> Any:
    import pyarrow as pa

    # fast path: Arrow's ISO 8601 cast (vectorised) succeeds when every value has an offset
    # (first cast) or none has (second one); anything else is settled in Python below
    strings = pa.array(values, type=pa.string())
    for arrow_type in (pa.timestamp("us", tz="UTC"), pa.timestamp("us")):
        try:
            return strings.cast(arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    try:
        parsed: dict[str | None, datetime] = {
            value: _parse_date(value) for value in dict.fromkeys(values) if value is not None
        }
    except ValueError:
        return None
    aware = sum(1 for stamp in parsed.values() if stamp.tzinfo is not None)
    if aware == 0:
        return pa.array(list(map(parsed.get, values)), type=pa.timestamp("us"))
    if aware < len(parsed):
        return None  # naive mixed with offset-aware: no honest single type
    utc: dict[str | None, datetime] = {
        value: stamp.astimezone(timezone.utc).replace(tzinfo=None) for value, stamp in parsed.items()
    }
    naive = pa.array(list(map(utc.get, values)), type=pa.timestamp("us"))
    return naive.cast(pa.timestamp("us", tz="UTC"))


def _parse_date(text: str) -> datetime:
    """Parse an ISO 8601 date the same way on every Python version (3.10 included).

    Accepts ``YYYY-MM-DD``, then optionally ``THH[:MM[:SS[.fraction]]]`` (or a space for ``T``),
    then optionally ``Z``, ``±HH``, ``±HHMM`` or ``±HH:MM``. Fractions of any length are
    truncated to microseconds, as ``datetime.fromisoformat`` does on Python 3.11.

    >>> _parse_date("2012-10-09T14:50:17.123456789Z")
    datetime.datetime(2012, 10, 9, 14, 50, 17, 123456, tzinfo=datetime.timezone.utc)
    """
    match = _ISO_8601.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 date: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    zone = None
    if offset is not None:
        zone = _TIMEZONES.get(offset)
        if zone is None:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
            _TIMEZONES[offset] = zone
    return datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        zone,
    )
