"""The SQL connector: any database SQLAlchemy reaches, by URL plus a table name or a query.

Rows are streamed in batches into Arrow, so a large table is never held as Python objects at once.
Needs SQLAlchemy (``pip install journeymine[sql]``) and the database's driver.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from journeymine.connectors.base import Scan
from journeymine.errors import ConnectorError
from journeymine.hookspecs import hookimpl

__all__ = ["SqlConnector", "journeymine_register_connectors", "journeymine_resolve_connector"]

URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+_.-]*://")
NOT_SQL = ("http://", "https://", "file://", "s3://", "gs://", "ftp://")
BATCH = 100_000


class SqlConnector:
    """Reads a table or a query result through SQLAlchemy.

    Options
    -------
    table : str
        A table (or view) name; ``schema.table`` works too.
    query : str
        A SELECT statement, instead of ``table``.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.db"
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("CREATE TABLE events (customer TEXT, touchpoint TEXT, ts TEXT)")
    ...     _ = db.execute("INSERT INTO events VALUES ('c1', 'Call', '2025-01-01 10:00:00')")
    >>> SqlConnector().scan(f"sqlite:///{path}", table="events").columns
    ('customer', 'touchpoint', 'ts')
    """

    name = "sql"
    suffixes: tuple[str, ...] = ()
    options = ("table", "query")

    def scan(self, source: Any, **options: Any) -> Scan:
        """Check the URL and the table or query, and return an Arrow scan of the rows."""
        try:
            import sqlalchemy as sa
        except ImportError:
            raise ConnectorError(
                "reading from a database needs SQLAlchemy: pip install 'journeymine[sql]'"
            ) from None
        table, query = options.get("table"), options.get("query")
        if (table is None) == (query is None):
            raise ConnectorError("the sql connector needs table=... or query=... (one of them)")
        url = str(source)
        try:
            parsed = sa.engine.make_url(url)
            engine = sa.create_engine(parsed)
        except Exception as exc:
            raise ConnectorError(f"cannot open the database URL {url!r}: {exc}") from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            db = Path(parsed.database or "")
            if not db.is_file():
                raise ConnectorError(f"SQLite database not found: {db}")
        if table is not None:
            schema, _, name = str(table).rpartition(".")
            try:
                names = sa.inspect(engine).get_table_names(schema=schema or None)
                names += sa.inspect(engine).get_view_names(schema=schema or None)
            except Exception as exc:
                raise ConnectorError(f"cannot read the tables of {shown}: {exc}") from None
            if name not in names:
                raise ConnectorError(
                    f"no table {table!r} in {shown}; tables: {', '.join(sorted(names)) or 'none'}"
                )
            statement: Any = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None))
            location = f"{shown} table {table}"
        else:
            statement = sa.text(str(query))
            location = f"{shown} query"
        try:
            if table is not None:
                probe = statement
            else:
                probe = sa.select(sa.text("*")).select_from(sa.text(f"({query}) AS jm_probe"))
            with engine.connect() as conn:
                columns = tuple(str(c) for c in conn.execute(probe.limit(0)).keys())  # noqa: SIM118
        except Exception as exc:
            raise ConnectorError(f"{location}: the query failed: {exc}") from None

        def read() -> Any:
            return _read_arrow(engine, statement, columns, location)

        return Scan(kind="arrow", location=location, columns=columns, open=read)


def _read_arrow(engine: Any, statement: Any, columns: tuple[str, ...], location: str) -> Any:
    import pyarrow as pa

    tables = []
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(statement)
        while True:
            rows = result.fetchmany(BATCH)
            if not rows:
                break
            data = list(zip(*rows))
            arrays = []
            for values in data:
                try:
                    arrays.append(pa.array(values))
                except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them as text
                    arrays.append(pa.array([None if v is None else str(v) for v in values]))
            tables.append(pa.table(arrays, names=list(columns)))
    if not tables:
        raise ConnectorError(f"{location} returned no rows; there are no events to read")
    return pa.concat_tables(tables, promote_options="permissive")


@hookimpl
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim SQLAlchemy URLs (``sqlite:///...``, ``duckdb:///...``, ``postgresql://...``)."""
    if isinstance(source, str) and URL_RE.match(source) and not source.lower().startswith(NOT_SQL):
        return "sql"
    return None


@hookimpl
def journeymine_register_connectors(register: Any) -> None:
    """Register the SQL connector."""
    register(SqlConnector())
