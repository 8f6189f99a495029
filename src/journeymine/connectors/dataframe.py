"""The DataFrame connector: a pandas DataFrame (or an Arrow table), never modified."""

from __future__ import annotations

from typing import Any

from journeymine.connectors.base import Scan
from journeymine.errors import ConnectorError
from journeymine.hookspecs import hookimpl

__all__ = ["DataFrameConnector", "journeymine_register_connectors", "journeymine_resolve_connector"]


def _is_frame(source: Any) -> bool:
    module = type(source).__module__
    return (module.startswith("pandas") and type(source).__name__ == "DataFrame") or (
        module.startswith("pyarrow") and type(source).__name__ == "Table"
    )


class DataFrameConnector:
    """Reads a pandas DataFrame or a pyarrow Table; the input is left untouched.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"user": ["u1"], "event": ["Login"], "ts": ["2025-01-01"]})
    >>> DataFrameConnector().scan(frame).columns
    ('user', 'event', 'ts')
    """

    name = "dataframe"
    suffixes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    def scan(self, source: Any, **options: Any) -> Scan:
        """Convert the frame to Arrow (zero-copy where pandas allows) and describe it."""
        import pyarrow as pa

        if not _is_frame(source):
            raise ConnectorError(
                f"the dataframe connector reads a pandas DataFrame or a pyarrow Table, "
                f"not {type(source).__name__}"
            )
        if isinstance(source, pa.Table):
            table = source
        else:
            names = [str(c) for c in source.columns]
            if len(set(names)) != len(names):
                dupes = sorted({n for n in names if names.count(n) > 1})
                raise ConnectorError(f"the DataFrame has the column {dupes[0]!r} twice")
            try:
                table = pa.Table.from_pandas(source, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise ConnectorError(
                    f"cannot convert the DataFrame to Arrow: {exc}; a column probably mixes "
                    f"types (e.g. numbers and text): convert it with .astype(str)"
                ) from None
        if table.num_rows == 0:
            raise ConnectorError("the DataFrame has no rows; there are no events to read")
        return Scan(
            kind="arrow",
            location="DataFrame",
            columns=tuple(table.column_names),
            open=lambda: table,
        )


@hookimpl
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim pandas DataFrames and pyarrow Tables."""
    return "dataframe" if _is_frame(source) else None


@hookimpl
def journeymine_register_connectors(register: Any) -> None:
    """Register the DataFrame connector."""
    register(DataFrameConnector())
