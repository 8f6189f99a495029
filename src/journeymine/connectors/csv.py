"""The CSV connector: ``.csv``, ``.tsv``, ``.txt`` and their ``.gz``; delimiter sniffed or given.

The header is read here (so that a wrong column mapping fails before any data is read); the data
is read by the engine itself, out of core. Rows that do not fit the header (too many or too few
fields) are set aside as "malformed line" with their line number, never dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
from pathlib import Path
from typing import Any

from journeymine.connectors.base import Scan
from journeymine.errors import ConnectorError
from journeymine.hookspecs import hookimpl

__all__ = ["CsvConnector", "journeymine_register_connectors", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 256 * 1024


class CsvConnector:
    """Reads delimited text files.

    Options
    -------
    delimiter : str, optional
        The field separator; sniffed from the first lines among ``, ; tab |`` when absent.
    encoding : str, optional
        The text encoding (UTF-8 by default).
    na_values : list of str, optional
        Texts that mean "missing" besides the empty field, e.g. ``["NA", "n/a"]``. None by
        default: ``NA`` is a valid case id in some logs (the sepsis log has a patient ``NA``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = path.write_text("user;event;ts\\nu1;Login;2025-01-01T10:00:00Z\\n")
    >>> scan = CsvConnector().scan(path)
    >>> scan.columns, scan.options["delimiter"]
    (('user', 'event', 'ts'), ';')
    """

    name = "csv"
    suffixes = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
    options = ("delimiter", "encoding", "na_values")

    def scan(self, source: Any, **options: Any) -> Scan:
        """Sniff the header and delimiter of ``source`` and return a native CSV scan."""
        if not isinstance(source, (str, os.PathLike)):
            raise ConnectorError(f"the csv connector reads a file path, not {type(source).__name__}")
        path = Path(source)
        if not path.is_file():
            raise ConnectorError(f"file not found: {path}")
        with path.open("rb") as f:
            raw = f.read(HEAD_BYTES)
        if not raw:
            raise ConnectorError(f"{path} is empty (0 bytes); there are no events to read")
        compression = "gzip" if raw[:2] == b"\x1f\x8b" else "none"
        if compression == "gzip":
            try:
                with gzip.open(path, "rb") as f:
                    raw = f.read(HEAD_BYTES)
            except (OSError, EOFError) as exc:
                raise ConnectorError(f"{path} looks gzip-compressed but cannot be read: {exc}") from None
            if not raw:
                raise ConnectorError(f"{path} is empty once decompressed; there are no events")
        _refuse_binary(path, raw)
        encoding = options.get("encoding") or "utf-8"
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise ConnectorError(
                f"unknown text encoding {encoding!r}; pass encoding=... with a name Python knows, such "
                f"as 'utf-8', 'latin-1' or 'cp1252'"
            ) from None
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            _check_utf8(path, raw)
        text = raw.decode(encoding, errors="replace").lstrip("\ufeff")
        lines = text.splitlines()
        if len(raw) == HEAD_BYTES and len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut in the middle
        lines = [line for line in lines if line.strip()]
        if not lines:
            raise ConnectorError(f"{path} holds only blank lines; there are no events to read")
        delimiter = options.get("delimiter") or sniff_delimiter(lines)
        header = next(csv.reader([lines[0]], delimiter=delimiter))
        if len(header) < 2:
            raise ConnectorError(
                f"{path}: found a single column {header[0][:60]!r} in the header line; the "
                f"delimiter may be wrong (pass delimiter=...), or this is not a CSV file"
            )
        if len(lines) < 2:
            raise ConnectorError(f"{path} has a header but no events")
        blank = [i for i, h in enumerate(header) if not h.strip()]
        if blank:
            raise ConnectorError(
                f"{path}: column {blank[0] + 1} of the header line has no name; name every column"
            )
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise ConnectorError(f"{path}: the header names {dupes[0]!r} twice; names must be unique")
        opts: dict[str, Any] = {"delimiter": delimiter, "compression": compression}
        if options.get("encoding"):
            opts["encoding"] = options["encoding"]
        na_values = options.get("na_values") or ()
        if isinstance(na_values, str) or not all(isinstance(v, str) for v in na_values):
            raise ConnectorError(f"na_values= takes a list of texts, not {na_values!r}")
        opts["na_values"] = tuple(na_values)
        return Scan(
            kind="csv",
            location=str(path),
            columns=tuple(header),
            paths=(str(path),),
            options=opts,
            first_line=2,
        )


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields.

    Examples
    --------
    >>> sniff_delimiter(["a;b;c", "1;2,5;3"])
    ';'
    >>> sniff_delimiter(["a,b", "1,2"])
    ','
    """
    sample = lines[:50]
    best, best_fields = ",", 1
    for delimiter in DELIMITERS:
        widths = {len(row) for row in csv.reader(io.StringIO("\n".join(sample)), delimiter=delimiter)}
        if len(widths) == 1:
            fields = widths.pop()
            if fields > best_fields:
                best, best_fields = delimiter, fields
    if best_fields == 1:  # no delimiter splits every line alike: take the most frequent in the header
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
    return best


def _refuse_binary(path: Path, raw: bytes) -> None:
    head = raw[:4096]
    kinds = {
        b"PAR1": "a Parquet file",
        b"PK\x03\x04": "a ZIP archive (an Excel .xlsx?)",
        b"SQLite format 3": "an SQLite database",
        b"\x89PNG": "a PNG image",
        b"%PDF": "a PDF document",
    }
    for magic, kind in kinds.items():
        if head.startswith(magic):
            raise ConnectorError(f"{path} is not a CSV file: it is {kind}; pass connector=... for it")
    if head.lstrip().startswith(b"<?xml") or head.lstrip().startswith(b"<log"):
        raise ConnectorError(f"{path} is not a CSV file: it is XML (an XES log?); pass connector='xes'")
    if b"\x00" in head:
        raise ConnectorError(
            f"{path} is not a text CSV file (it holds NUL bytes); if it is UTF-16 text, pass "
            f"encoding='utf-16'"
        )


def _check_utf8(path: Path, raw: bytes) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:
            return  # a character cut by the end of the sample
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        latin = bytes([byte]).decode("latin-1")
        raise ConnectorError(
            f"{path} is not UTF-8 text: line {line} has the byte 0x{byte:02X} ({latin!r} in "
            f"Latin-1); pass encoding='latin-1' (or the file's own encoding)"
        ) from None


@hookimpl
def journeymine_register_connectors(register: Any) -> None:
    """Register the CSV connector."""
    register(CsvConnector())
