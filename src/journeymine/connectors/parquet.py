"""The Parquet connector: a file, a folder of files, or a glob; read by the engine in place."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from journeymine.connectors.base import Scan
from journeymine.errors import ConnectorError
from journeymine.hookspecs import hookimpl

__all__ = ["ParquetConnector", "journeymine_register_connectors", "journeymine_resolve_connector"]

SUFFIXES = (".parquet", ".pq", ".parq")


class ParquetConnector:
    """Reads Parquet files (one file, every ``*.parquet`` under a folder, or a glob pattern).

    Files are read in sorted path order, which is the input order for ties.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pq.write_table(pa.table({"case": ["a"], "act": ["x"], "ts": ["2025-01-01"]}),
    ...                folder / "part-0.parquet")
    >>> ParquetConnector().scan(folder).columns
    ('case', 'act', 'ts')
    """

    name = "parquet"
    suffixes = SUFFIXES
    options: tuple[str, ...] = ()

    def scan(self, source: Any, **options: Any) -> Scan:
        """List the files of ``source``, check they are Parquet, and read the column names."""
        import pyarrow.parquet as pq

        files = _files(source)
        for f in files:
            with open(f, "rb") as fh:
                head = fh.read(4)
                if head != b"PAR1":
                    what = "empty" if not head else f"it starts with {head!r}"
                    raise ConnectorError(
                        f"{f} is not a Parquet file ({what}); if it is a CSV, pass connector='csv'"
                    )
        names: list[str] = []
        for f in files:
            try:
                schema = pq.read_schema(f)
            except Exception as exc:
                raise ConnectorError(f"{f}: cannot read the Parquet schema: {exc}") from None
            names.extend(n for n in schema.names if n not in names)
        return Scan(
            kind="parquet",
            location=str(source),
            columns=tuple(names),
            paths=tuple(files),
        )


def _files(source: Any) -> list[str]:
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        if not files:
            raise ConnectorError(f"no Parquet files (*.parquet) in the folder {path}")
        return files
    if any(ch in text for ch in "*?["):
        files = sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise ConnectorError(f"no files match {text}")
        return files
    if not path.is_file():
        raise ConnectorError(f"file not found: {path}")
    return [str(path)]


@hookimpl
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim folders of Parquet files and globs that name Parquet files."""
    if not isinstance(source, (str, Path)):
        return None
    text = str(source)
    if "://" in text:
        return None
    if Path(text).is_dir():
        return "parquet" if any(p.suffix.lower() in SUFFIXES for p in Path(text).rglob("*")) else None
    if any(ch in text for ch in "*?[") and text.lower().endswith(SUFFIXES):
        return "parquet"
    return None


@hookimpl
def journeymine_register_connectors(register: Any) -> None:
    """Register the Parquet connector."""
    register(ParquetConnector())
