"""The files of a GA4 export: which ones, in which order, in which format; checks of NDJSON text.

Standard library only, so that the plugin can claim a source (``journeymine_resolve_connector``)
without importing pyarrow or DuckDB.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeymine.errors import ConnectorError

__all__ = [
    "HEAD_LINES",
    "JSON_SUFFIXES",
    "PARQUET_SUFFIXES",
    "SUFFIXES",
    "Ga4File",
    "check_ndjson",
    "first_bad_line",
    "line_message",
    "line_of",
    "list_files",
    "ndjson_fields",
    "sniff",
]

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
#: the file endings a folder is searched for
SUFFIXES = PARQUET_SUFFIXES + JSON_SUFFIXES
#: how many first lines of an NDJSON file are checked before it is read
HEAD_LINES = 1000
#: the fields that make a file recognisably a GA4 export, for claiming a source
SIGNATURE = ("event_name", "event_timestamp", "event_params")

_GZIP_MAGIC = b"\x1f\x8b"
#: how much of a line claiming a source may read
_SNIFF_BYTES = 1 << 20
_PARQUET_MAGIC = b"PAR1"
_EXPORT_HINT = (
    "The ga4 connector reads the GA4 BigQuery export (the events_YYYYMMDD tables) as Parquet or "
    "newline-delimited JSON files"
)


@dataclass(frozen=True)
class Ga4File:
    """One file of an export: its path, ``"parquet"`` or ``"ndjson"``, and gzip for NDJSON."""

    path: str
    format: str
    compressed: bool = False


def list_files(source: Any) -> list[Ga4File]:
    """The files of ``source`` (a file, a folder, or a glob pattern), in sorted path order.

    A folder is searched recursively for ``*.parquet``, ``*.json``, ``*.jsonl``, ``*.ndjson``
    (optionally ``.gz``). The format of each file is taken from its first bytes: Parquet files
    start with ``PAR1``, gzip files with ``1f 8b`` (gzip-compressed NDJSON); anything else is
    read as NDJSON.

    Raises
    ------
    journeymine.errors.ConnectorError
        For a source that is no path, a remote URL, a missing file, a folder without export
        files, a glob that matches nothing, or a ``.parquet`` file that is not Parquet.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "events_20240102.jsonl").write_text("")
    >>> _ = (folder / "events_20240101.jsonl").write_text("")
    >>> [pathlib.Path(f.path).name for f in list_files(folder)]
    ['events_20240101.jsonl', 'events_20240102.jsonl']
    """
    if not isinstance(source, (str, os.PathLike)):
        raise ConnectorError(
            f"the ga4 connector reads a path (a file, a folder or a glob such as "
            f"'export/events_*.parquet'), got a {type(source).__module__}.{type(source).__qualname__}. "
            f"Pass the path of the exported files."
        )
    text = os.fspath(source)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if "://" in text:
        raise ConnectorError(
            f"the ga4 connector reads local files, not {text}: copy the export first "
            f"(for example `gsutil -m cp -r '{text}' ./export/`) and pass the local folder"
        )
    path = Path(text)
    if path.is_dir():
        paths = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
        if not paths:
            raise ConnectorError(
                f"no GA4 export files in the folder {text} (looked for "
                f"{', '.join('*' + s for s in SUFFIXES)}). {_EXPORT_HINT}."
            )
    elif any(ch in text for ch in "*?["):
        paths = sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not paths:
            raise ConnectorError(f"no files match {text}; check the folder and the pattern")
    elif path.is_file():
        paths = [text]
    else:
        raise ConnectorError(
            f"file not found: {text}. Check the path (relative paths start at {Path.cwd()})."
        )
    return [_classify(p) for p in paths]


def _classify(path: str) -> Ga4File:
    try:
        with open(path, "rb") as raw:
            head = raw.read(4)
    except OSError as exc:
        raise ConnectorError(
            f"cannot open {path}: {exc.strerror or exc}. Check that it is readable."
        ) from None
    if head == _PARQUET_MAGIC:
        return Ga4File(path, "parquet")
    if path.lower().endswith(PARQUET_SUFFIXES):
        what = "it is empty" if not head else f"it starts with {head!r}"
        raise ConnectorError(
            f"{path} is not a Parquet file ({what}). {_EXPORT_HINT}; export it again, or rename it if "
            f"it is NDJSON."
        )
    return Ga4File(path, "ndjson", compressed=head[:2] == _GZIP_MAGIC)


def _open(file: Ga4File) -> io.BufferedIOBase:
    if file.compressed:
        return gzip.open(file.path, "rb")
    return open(file.path, "rb")


def _lines(file: Ga4File) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of an NDJSON file, decompressing; errors become ConnectorErrors."""
    try:
        with _open(file) as stream:
            yield from enumerate(stream, start=1)
    except (OSError, EOFError) as exc:
        what = "is gzip-compressed but cannot be decompressed" if file.compressed else "cannot be read"
        raise ConnectorError(
            f"{file.path} {what} ({exc}): the file is probably truncated or corrupted. Copy or "
            f"export it again."
        ) from None


def _parse(line: bytes) -> tuple[Any, str | None]:
    """The JSON value of a line, or ``(None, what is wrong)``."""
    try:
        value = json.loads(line)
    except UnicodeDecodeError as exc:
        return None, f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except ValueError as exc:
        return None, f"is not valid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"holds a JSON {type(value).__name__}, not an object"
    return value, None


def check_ndjson(file: Ga4File, required: Sequence[str], *, others: Sequence[str] = ()) -> None:
    """Check the first :data:`HEAD_LINES` events of an NDJSON file: JSON objects with the fields.

    A field counts as present when any of those lines has it (GA4 exports leave out null
    fields). An empty file (no events) passes, and so does a short file (fewer than
    :data:`HEAD_LINES` events) that lacks a field the source's ``others`` (fields found in its
    other files) have: a few events whose field is null.

    Raises
    ------
    journeymine.errors.ConnectorError
        For a line that is not a JSON object (with its number), or a required field that none of
        the first lines has.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events_20240101.jsonl"
    >>> _ = path.write_text('{"event_name": "page_view", "event_timestamp": "1"}\\n')
    >>> check_ndjson(Ga4File(str(path), "ndjson"), ["event_name", "user_pseudo_id"])
    Traceback (most recent call last):
    ...
    journeymine.errors.ConnectorError: .../events_20240101.jsonl has no field 'user_pseudo_id' ...
    """
    seen, events = _head(file, strict=True)
    missing = [name for name in required if name not in seen]
    if events < HEAD_LINES:
        missing = [name for name in missing if name not in others]
    if events and missing:
        found = ", ".join(sorted(seen)[:20]) or "none"
        raise ConnectorError(
            f"{file.path} has no field {missing[0]!r} (checked {_events(events)}; fields found: "
            f"{found}). {_EXPORT_HINT}, with the fields event_name, event_timestamp and "
            f"user_pseudo_id (and event_params for params= or level='session'): export the whole "
            f"events_* table, or read this file with another connector."
        )


def ndjson_fields(file: Ga4File) -> set[str]:
    """The fields of the first :data:`HEAD_LINES` events of an NDJSON file (lines that are not
    JSON objects are skipped here; :func:`check_ndjson` reports them)."""
    return _head(file, strict=False)[0]


def _head(file: Ga4File, *, strict: bool) -> tuple[set[str], int]:
    """The fields of the first :data:`HEAD_LINES` events and how many were read; a line that is
    not a JSON object is an error when ``strict``, else skipped."""
    seen: set[str] = set()
    events = 0
    for number, line in _lines(file):
        if not line.strip():
            continue
        value, problem = _parse(line)
        if problem is not None:
            if strict:
                raise ConnectorError(line_message(file, number, problem))
            continue
        seen.update(value)
        events += 1
        if events >= HEAD_LINES:
            break
    return seen, events


def _events(n: int) -> str:
    return "its only event" if n == 1 else f"its first {n:,} events"


def first_bad_line(file: Ga4File) -> tuple[int, str] | None:
    """The number of the first line that is not a JSON object, and what is wrong with it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> _ = path.write_text('{"a": 1}\\n[1, 2]\\n')
    >>> first_bad_line(Ga4File(str(path), "ndjson"))
    (2, 'holds a JSON list, not an object')
    """
    for number, line in _lines(file):
        if line.strip():
            _, problem = _parse(line)
            if problem is not None:
                return number, problem
    return None


def line_of(file: Ga4File, record: int) -> int:
    """The line number of the ``record``-th event (0-based) of an NDJSON file (blank lines skipped).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> _ = path.write_text('{"a": 1}\\n\\n{"a": 2}\\n')
    >>> line_of(Ga4File(str(path), "ndjson"), 1)
    3
    """
    seen = -1
    number = 0
    for number, line in _lines(file):
        if line.strip():
            seen += 1
            if seen == record:
                return number
    return number + 1 + (record - seen - 1)


def line_message(file: Ga4File, number: int, problem: str) -> str:
    """The message for a line that is not a JSON object.

    Examples
    --------
    >>> line_message(Ga4File("e.jsonl", "ndjson"), 2, "holds a JSON list, not an object")
    'e.jsonl, line 2: the line holds a JSON list, not an object. Each line of ...'
    """
    return (
        f"{file.path}, line {number}: the line {problem}. Each line of a GA4 NDJSON export is one "
        f"event, a JSON object; fix or remove that line, or export the table again."
    )


def sniff(source: Any) -> bool:
    """Whether ``source`` looks like a GA4 export: its first file has the GA4 event fields.

    Reads the Parquet footer or the first line of NDJSON only; never raises.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events_20240101.jsonl"
    >>> row = {"event_name": "page_view", "event_timestamp": "1", "event_params": []}
    >>> _ = path.write_text(json.dumps(row) + "\\n")
    >>> sniff(path), sniff(path.with_name("other.csv"))
    (True, False)
    """
    try:
        if not isinstance(source, (str, os.PathLike)):
            return False
        text = os.fspath(source)
        if not isinstance(text, str) or "://" in text:
            return False
        path = Path(text)
        pattern = any(ch in text for ch in "*?[")
        if pattern and not text.lower().endswith((*SUFFIXES, "*")):
            return False
        if not pattern and not (path.is_dir() or (path.is_file() and text.lower().endswith(SUFFIXES))):
            return False
        first = list_files(source)[0]
        return _has_signature(first)
    except Exception:  # claiming is a guess; the connector reports problems when asked to read
        return False


def _has_signature(file: Ga4File) -> bool:
    if file.format == "parquet":
        import pyarrow.parquet as pq

        names = set(pq.read_schema(file.path).names)
    else:
        names = set()
        with _open(file) as stream:
            for _ in range(100):  # the first non-blank line, within the first 100 lines
                line = stream.readline(_SNIFF_BYTES)
                if not line or line.strip():
                    break
        value, problem = _parse(line)
        if problem is None:
            names = set(value)
    return all(name in names for name in SIGNATURE)
