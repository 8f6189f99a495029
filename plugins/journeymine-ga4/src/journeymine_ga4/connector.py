"""The ``ga4`` connector and the plugin hooks that register it.

Loading this module imports neither pyarrow nor DuckDB: they are imported when a source is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeymine.connectors.base import Scan
from journeymine.hookspecs import hookimpl
from journeymine_ga4.options import OPTIONS, parse_options

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Ga4Connector", "journeymine_register_connectors", "journeymine_resolve_connector", "read_ga4"]


class Ga4Connector:
    """The ``ga4`` connector: reads the GA4 BigQuery export (``events_*`` tables).

    Reads Parquet or newline-delimited JSON files (``.json``, ``.jsonl``, ``.ndjson``, optionally
    gzip-compressed): a file, a folder (searched recursively) or a glob such as
    ``"export/events_*.parquet"``. Files are read in sorted path order, each in file order, in
    batches; the nested GA4 fields become flat columns (see ``docs/ga4.md``).

    Options (keywords of :meth:`scan` and of ``journeymine.read_events``):

    ``params``
        Event params to add as columns ``param_<key>``: a list of keys, ``{key: type}`` with
        type ``"string"``, ``"int"``, ``"double"`` or ``"auto"``, or ``"all"`` (every key found;
        reads the files twice). ``"auto"`` types come from the values (see ``docs/ga4.md``).
    ``user_properties``
        The same for ``user_properties``, as columns ``user_property_<key>``.
    ``level``
        ``"user"`` (default) or ``"session"``: adds the column ``session_id``
        (``"<user_pseudo_id>:<ga_session_id>"``), to map as ``case="session_id"``.

    It claims no file ending: a source is claimed (when ``read_events`` gets no ``connector=``)
    only when its first file has the GA4 fields ``event_name``, ``event_timestamp`` and
    ``event_params``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> event = {"event_timestamp": "1704067200000000", "event_name": "page_view",
    ...          "user_pseudo_id": "123.456", "device": {"category": "mobile"},
    ...          "event_params": [{"key": "ga_session_id", "value": {"int_value": "1704067200"}}]}
    >>> _ = (folder / "events_20240101.jsonl").write_text(json.dumps(event) + "\\n")
    >>> scan = Ga4Connector().scan(folder, level="session")
    >>> scan.kind, scan.columns[:4]
    ('arrow', ('user_pseudo_id', 'user_id', 'session_id', 'event_name'))
    >>> table = scan.open().read_all()
    >>> table.column("session_id").to_pylist(), table.column("device_category").to_pylist()
    (['123.456:1704067200'], ['mobile'])
    """

    name = "ga4"
    suffixes: tuple[str, ...] = ()
    options: tuple[str, ...] = OPTIONS

    def scan(self, source: Any, **options: Any) -> Scan:
        """Check the export at ``source`` and return an Arrow :class:`~journeymine.connectors.Scan`.

        Lists the files, checks that each has the GA4 fields (the Parquet schema; the first 1,000
        lines of NDJSON), and decides the types of the params asked for without one. The events
        themselves are read when the scan is opened, batch after batch.

        Parameters
        ----------
        source : str or os.PathLike
            A file, a folder or a glob pattern.
        **options
            ``params``, ``user_properties``, ``level`` (see the class).

        Returns
        -------
        Scan
            ``kind="arrow"``; ``open()`` returns a ``pyarrow.RecordBatchReader`` of the flat
            columns, rows in file order; ``paths`` lists the files.

        Raises
        ------
        journeymine.errors.ConnectorError
            For an unknown or wrong option, a source that is not a path, a missing file, a folder
            without export files, a file that lacks a GA4 field (naming the file and the field),
            or a line that is not JSON (naming the file and the line).

        Examples
        --------
        >>> Ga4Connector().scan("export/", level="visit")
        Traceback (most recent call last):
        ...
        journeymine.errors.ConnectorError: level='visit' is not one of 'user', 'session': ...
        """
        checked = parse_options(options)
        from journeymine_ga4 import reader

        plan = reader.plan(source, checked)
        return Scan(
            kind="arrow",
            location=os.fspath(source) if isinstance(source, (str, os.PathLike)) else str(source),
            columns=tuple(plan.schema.names),
            paths=tuple(f.path for f in plan.files),
            open=plan.open,
            # no flags needed: jm.read_events("export/", connector="ga4") maps these (the user's
            # arguments win); sessions are the cases at level="session"
            defaults={
                "case": "session_id" if checked.session else "user_pseudo_id",
                "activity": "event_name",
                "timestamp": "event_time",
                "channel": "device_category",
            },
        )


def read_ga4(source: Any, **options: Any) -> pa.Table:
    """Read a GA4 export into one flat Arrow table (for a look at the data, or for other tools).

    ``journeymine.read_events(source, connector="ga4", ...)`` reads the same columns in batches;
    this function brings every event into memory.

    Parameters
    ----------
    source : str or os.PathLike
        A file, a folder or a glob pattern of GA4 export files (Parquet or NDJSON).
    **options
        ``params``, ``user_properties``, ``level``, as for :class:`Ga4Connector`.

    Returns
    -------
    pyarrow.Table
        One row per event, in file order, with the columns described in ``docs/ga4.md``.

    Raises
    ------
    journeymine.errors.ConnectorError
        As :meth:`Ga4Connector.scan`, and for a value that cannot be read (an ``event_timestamp``
        that is not an integer, a param value that does not fit its column's type).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events_20240101.jsonl"
    >>> rows = [{"event_timestamp": 1704067200000000, "event_name": "page_view",
    ...          "user_pseudo_id": "1.1", "geo": {"country": "Österreich"},
    ...          "event_params": [{"key": "page_location", "value": {"string_value": "/home"}},
    ...                           {"key": "engagement_time_msec", "value": {"int_value": "120"}}]}]
    >>> _ = path.write_text("\\n".join(json.dumps(r) for r in rows) + "\\n")
    >>> table = read_ga4(path, params=("page_location", "engagement_time_msec"))
    >>> table.select(["event_name", "geo_country", "param_page_location",
    ...               "param_engagement_time_msec"]).to_pylist()  # doctest: +NORMALIZE_WHITESPACE
    [{'event_name': 'page_view', 'geo_country': 'Österreich', 'param_page_location': '/home',
      'param_engagement_time_msec': 120}]
    >>> str(table.column("event_time")[0])
    '2024-01-01 00:00:00+00:00'
    """
    scan = Ga4Connector().scan(source, **options)
    assert scan.open is not None
    return scan.open().read_all()


@hookimpl
def journeymine_register_connectors(register: Callable[[Any], None]) -> None:
    """Register the ``ga4`` connector (the plugin hook).

    Parameters
    ----------
    register : callable
        Called once with a :class:`Ga4Connector`.

    Examples
    --------
    >>> found = []
    >>> journeymine_register_connectors(found.append)
    >>> [connector.name for connector in found]
    ['ga4']
    """
    register(Ga4Connector())


@hookimpl
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim a source that looks like a GA4 export, when ``read_events`` gets no ``connector=``.

    A file (``.parquet``, ``.json``, ``.jsonl``, ``.ndjson``, optionally ``.gz``), a folder of
    them or a glob is claimed when its first file has the GA4 fields ``event_name``,
    ``event_timestamp`` and ``event_params`` (read from the Parquet footer or the first line).
    Anything else is left to the other connectors.

    Parameters
    ----------
    source : Any
        What was passed to ``read_events``.

    Returns
    -------
    str or None
        ``"ga4"``, or ``None`` to pass.

    Examples
    --------
    >>> journeymine_resolve_connector("events.csv") is None
    True
    """
    from journeymine_ga4.files import sniff

    return "ga4" if sniff(source) else None
