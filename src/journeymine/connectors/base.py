"""The connector protocol: how a source (a file, a frame, a database) is handed to an engine.

A connector turns a source into a :class:`Scan`, a description an engine can read: either a
native file scan (``kind="csv"`` or ``"parquet"``, which every engine reads itself, out of core)
or an Arrow stream (``kind="arrow"``), which any engine can read. Third-party connectors almost
always produce Arrow streams; they never need to know which engine will read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyarrow as pa

    from journeymine.schema import Schema

__all__ = ["Connector", "Scan", "source_name"]

#: "csv", "parquet" and "arrow" are read by every engine; an engine may read kinds of its own
#: (the Spark engine reads "spark": a Spark DataFrame), and refuses the kinds it does not know
ScanKind = str


@dataclass(frozen=True)
class Scan:
    """What a connector hands to an engine.

    Parameters
    ----------
    kind : str
        ``"csv"`` and ``"parquet"`` are read by the engine itself from ``paths``;
        ``"arrow"`` is read from the stream that ``open()`` returns. Other kinds belong to one
        engine (``"spark"``: ``open()`` returns a Spark DataFrame).
    location : str
        Where the data comes from, for messages (a path, ``"DataFrame"``, a table name).
    columns : tuple of str
        The column names, known before the data is read, so that a wrong mapping fails fast.
    paths : tuple of str
        The files to read, for ``"csv"`` and ``"parquet"``.
    options : mapping
        Reader options. For ``"csv"``: ``delimiter``, ``quote``, ``compression``
        (``"gzip"`` or ``"none"``), ``encoding``.
    open : callable, optional
        For ``"arrow"``: returns a ``pyarrow.RecordBatchReader`` (or a ``pyarrow.Table``)
        with the columns named in ``columns``, rows in input order.
    first_line : int, optional
        The line number of the first data row, when rows are lines of a text file (2 for a
        CSV with a header). Errors then name lines, not only row numbers.
    defaults : mapping, optional
        The mapping the connector suggests for its own column names (``{"case":
        "user_pseudo_id", "activity": "event_name", "timestamp": "event_time"}``): used for what
        the user does not map, so that a source with a known schema needs no flags. The user's
        arguments always win: a ``timestamp=`` or ``order=`` of the user's replaces the suggested
        ``timestamp`` and ``order`` both (the XES connector suggests ``{"order": "jm:position"}``
        for a log without times).
    notes : tuple of str, optional
        Sentences for the person reading the log, about how this source is read, whatever the
        mapping (:attr:`journeymine.EventLog.notes`; the command line prints them on stderr).
    default_notes : mapping, optional
        A sentence per part of ``defaults`` (``{"order": "... ordered by their position ..."}``),
        given with :attr:`~journeymine.EventLog.notes` only when the mapping uses that suggested
        column for that part, so that a note never describes a default the user overrode.

    Examples
    --------
    >>> from journeymine.schema import Schema
    >>> scan = Scan(kind="arrow", location="log.xes", columns=("concept:name", "jm:position"),
    ...             defaults={"order": "jm:position"},
    ...             default_notes={"order": "log.xes is in document order"})
    >>> scan.notes_for(Schema(case="c", activity="a", order="jm:position"))
    ('log.xes is in document order',)
    >>> scan.notes_for(Schema(case="c", activity="a", timestamp="start"))
    ()
    """

    kind: ScanKind
    location: str
    columns: tuple[str, ...]
    paths: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    open: Callable[[], pa.RecordBatchReader | pa.Table | Any] | None = None
    first_line: int | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    default_notes: Mapping[str, str] = field(default_factory=dict)

    def notes_for(self, schema: Schema) -> tuple[str, ...]:
        """The notes that hold for a log read from this scan with ``schema``: every one of
        :attr:`notes`, then each of :attr:`default_notes` whose suggested column ``schema``
        uses for that part."""
        mapped = schema.mapped
        used = tuple(
            note
            for part, note in self.default_notes.items()
            if part in self.defaults and mapped.get(part) == self.defaults[part]
        )
        return (*self.notes, *used)

    def where(self, row: int) -> str:
        """Describe input row ``row`` (0-based) for a message: ``'line 12'`` or ``'row 10'``."""
        if self.first_line is not None:
            return f"line {row + self.first_line}"
        return f"row {row}"


@runtime_checkable
class Connector(Protocol):
    """Reads one kind of source. Register one with ``journeymine_register_connectors``.

    Attributes
    ----------
    name : str
        The name users pass as ``connector=`` (``"csv"``, ``"ga4"``).
    suffixes : tuple of str
        File endings this connector claims when no connector is named (``(".csv", ".csv.gz")``).
    options : tuple of str
        The extra keyword options ``scan`` accepts (``("delimiter",)``); others are an error.
    """

    name: str
    suffixes: tuple[str, ...]
    options: tuple[str, ...]

    def scan(self, source: Any, **options: Any) -> Scan:
        """Return the :class:`Scan` for ``source``; raise ``ConnectorError`` when it cannot."""
        ...


def source_name(source: Any) -> str:
    """A short, printable name of a source for messages."""
    if isinstance(source, (str, Path)):
        return str(source)
    return type(source).__name__
