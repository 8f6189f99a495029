"""A conformance kit for connectors: the checks every connector, built-in or plugin, must pass.

A connector author supplies the connector and a ``write`` function that stores an event frame in
the connector's format; the kit generates event logs with
:func:`journeymine.testing.strategies.event_frames`, writes them, reads them back with
:func:`journeymine.read_events` and compares what comes out with the frame and with the plain-Python
:func:`journeymine.testing.reference.mine`. :func:`check_connector` runs every check; each check
is also a public function, so that one can be run alone while it is being fixed.

``write(frame, directory) -> (source, mapping)`` receives a frame with the columns ``case,
activity, timestamp, channel, segment, amount`` (``timestamp`` holds timezone-aware UTC datetimes,
or ISO 8601 text and missing values, ``pandas.isna``, when the frame holds invalid rows), writes
it under ``directory`` (a fresh, empty folder for each call) and returns the source to pass to
``read_events`` and the keywords to pass with it: the column mapping (``case=``, ``activity=``,
``timestamp=``, optionally ``channel=``, ``order=``, ``timestamp_format=``) and any connector
options (``table=``).

Every failure is an ``AssertionError`` that names the check, the connector, what differs, the
source and the (shrunk) input frame. Runs are reproducible: examples are derandomized and no
example database is kept.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from journeymine.connectors.base import Connector, Scan, source_name
from journeymine.errors import ConnectorError, InvalidRowsError, JourneymineError, SchemaError
from journeymine.testing import reference
from journeymine.testing.strategies import INVALID_KINDS, event_frames, shuffle_keeping_ties

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.engines.base import OnInvalid
    from journeymine.eventlog import EventLog

__all__ = [
    "Writer",
    "check_connector",
    "check_counts",
    "check_errors",
    "check_invalid_rows",
    "check_mapping",
    "check_ordering",
]

#: ``write(frame, directory) -> (source, mapping)``: stores ``frame`` under ``directory`` in the
#: connector's format; returns what to pass to ``read_events`` (the source, then the keywords)
Writer = Callable[["pd.DataFrame", Path], "tuple[Any, Mapping[str, Any]]"]

#: the keywords of ``read_events`` that map columns; any other keyword is a connector option
SCHEMA_KEYWORDS = ("case", "activity", "timestamp", "channel", "order", "timestamp_format")
#: keywords ``write`` must not return: the kit sets them
RESERVED_KEYWORDS = ("connector", "engine", "on_invalid")
#: the option no connector takes, for the unknown-option check
UNKNOWN_OPTION = "jm_conformance_no_such_option"


# --------------------------------------------------------------------------------------------
# the checks


def check_connector(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    invalid: bool | Collection[str] = True,
    examples: int = 25,
    unicode: bool = True,
) -> None:
    """Run every conformance check on a connector; raise ``AssertionError`` on the first failure.

    Runs :func:`check_mapping`, :func:`check_counts`, :func:`check_ordering`,
    :func:`check_invalid_rows` (unless ``invalid=False``) and :func:`check_errors`, in that order.

    Parameters
    ----------
    connector : Connector or str
        A connector instance, or the name of a registered one (``"csv"``, ``"ga4"``).
    write : callable
        ``write(frame, directory) -> (source, mapping)``: writes the event ``frame`` (columns
        ``case, activity, timestamp, channel, segment, amount``) in the connector's format under
        ``directory`` and returns the source to pass to :func:`journeymine.read_events` and the
        keywords to pass with it (the column mapping plus any connector options), e.g.
        ``("events.csv", {"case": "case", "activity": "activity", "timestamp": "timestamp"})``.
        ``timestamp`` holds timezone-aware UTC datetimes, or ISO 8601 text and missing values
        (``pandas.isna``) when the frame holds invalid rows. Each call gets a fresh, empty folder.
    directory : pathlib.Path
        A scratch folder (pytest's ``tmp_path``); each example writes into a new sub-folder.
    invalid : bool or collection of str
        Whether the format can carry invalid rows (empty ids, missing or unparseable times);
        ``False`` skips :func:`check_invalid_rows`; a collection of
        :data:`~journeymine.testing.strategies.INVALID_KINDS` keys checks only those kinds
        (integer timestamps cannot hold ``"unparseable timestamp"``).
    examples : int
        Hypothesis examples per property.
    unicode : bool
        Whether the format can carry arbitrary unicode names; ``False`` limits case and activity
        names to ASCII letters, spaces, ``-`` and ``_``.

    Raises
    ------
    AssertionError
        When a check fails: the message names the check, the connector, what differs, the source
        and the smallest input frame hypothesis found that fails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     mapping = {"case": "case", "activity": "activity", "timestamp": "timestamp",
    ...                "channel": "channel"}
    ...     return frame, mapping
    >>> check_connector("dataframe", write, directory=pathlib.Path(tempfile.mkdtemp()),
    ...                 examples=3)
    """
    conn = _resolve(connector)
    check_mapping(conn, write, directory=directory, examples=examples, unicode=unicode)
    check_counts(conn, write, directory=directory, examples=examples, unicode=unicode)
    check_ordering(conn, write, directory=directory, examples=examples, unicode=unicode)
    if invalid:
        check_invalid_rows(
            conn,
            write,
            directory=directory,
            examples=examples,
            unicode=unicode,
            kinds=None if invalid is True else invalid,
        )
    check_errors(conn, write, directory=directory)


def check_mapping(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    examples: int = 25,
    unicode: bool = True,
) -> None:
    """Check the connector's attributes, its :class:`~journeymine.connectors.Scan` and the mapping.

    Establishes that the connector has a ``name`` (str), ``suffixes`` and ``options`` (tuples of
    str, suffixes starting with ``.``); that ``connector.scan(source, **options)`` returns a
    ``Scan`` whose ``columns`` include every mapped column (and, for an Arrow scan, that
    ``open()`` returns exactly those columns and one row per event); that ``read_events`` with
    the mapping reads the source; that, when the connector is registered and the source is a path
    ending with one of its ``suffixes``, ``read_events`` without ``connector=`` picks it; and
    that a misspelt mapped column (case, activity, timestamp, channel) is a
    :class:`~journeymine.SchemaError` naming the misspelt column.

    Parameters
    ----------
    connector, write, directory, examples, unicode
        As in :func:`check_connector`.

    Raises
    ------
    AssertionError
        Naming what is wrong, the source and the input frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     path = directory / "events.csv"
    ...     frame.to_csv(path, index=False)
    ...     return path, {"case": "case", "activity": "activity", "timestamp": "timestamp"}
    >>> check_mapping("csv", write, directory=pathlib.Path(tempfile.mkdtemp()), examples=3)
    """
    conn = _resolve(connector)
    check = _Check("check_mapping", conn, directory)
    _check_attributes(check)

    def body(frame: pd.DataFrame) -> None:
        written = check.write(write, frame)
        try:
            scan = conn.scan(written.source, **written.options)
        except Exception as exc:
            raise AssertionError(f"connector.scan(source, **options) raised {_describe(exc)}") from exc
        _check_scan(scan, written, len(frame))
        log = check.read(written)
        _check_resolution(conn, written.source)
        schema = log.schema
        for part in ("case", "activity", "timestamp", "channel"):
            column = getattr(schema, part)
            if column is None:
                continue
            wrong = _misspelt(column, scan.columns)
            mapping = {**written.mapping, part: wrong}
            try:
                check.read(written, mapping=mapping, convert=False)
            except SchemaError as exc:
                if wrong not in str(exc):
                    raise AssertionError(
                        f"the SchemaError for {part}={wrong!r} does not name the column: {exc}"
                    ) from None
            except Exception as exc:
                raise AssertionError(
                    f"a misspelt column ({part}={wrong!r}) should give a SchemaError naming it; "
                    f"got {_describe(exc)}"
                ) from exc
            else:
                raise AssertionError(
                    f"a misspelt column ({part}={wrong!r}, not among the scan's columns "
                    f"{list(scan.columns)}) was accepted"
                )

    check.run(event_frames(unicode=unicode), body, examples)


def check_counts(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    examples: int = 25,
    unicode: bool = True,
) -> None:
    """Check that nothing is lost or invented: events, cases, activities, times, channels.

    Establishes that the log read back has as many rows, events, cases and activities as the
    frame, none set aside; the same case ids with the same number of events each
    (``log.cases()``); the same multiset of (activity, time, channel) in each case, times being
    equal instants (naive times are taken as UTC); and, when the source is the very frame
    ``write`` was given (in-memory connectors), that reading leaves it unchanged.

    Parameters
    ----------
    connector, write, directory, examples, unicode
        As in :func:`check_connector`.

    Raises
    ------
    AssertionError
        Naming what differs, the source and the input frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     path = directory / "events.parquet"
    ...     frame.to_parquet(path, index=False)
    ...     return path, {"case": "case", "activity": "activity", "timestamp": "timestamp"}
    >>> check_counts("parquet", write, directory=pathlib.Path(tempfile.mkdtemp()), examples=3)
    """
    conn = _resolve(connector)
    check = _Check("check_counts", conn, directory)

    def body(frame: pd.DataFrame) -> None:
        import pandas as pd

        written = check.write(write, frame)
        log = check.read(written)
        if written.source is written.given:
            try:
                pd.testing.assert_frame_equal(written.given, frame)
            except AssertionError:
                raise AssertionError("reading modified the input frame (the source)") from None
        got = (log.rows_read, log.n_events, log.invalid_rows, log.n_cases, log.n_activities)
        expected = (len(frame), len(frame), 0, frame["case"].nunique(), frame["activity"].nunique())
        if got != expected:
            raise AssertionError(
                f"(rows read, events, rows set aside, cases, activities) are {got}; the frame has {expected}"
            )
        cases = log.cases()
        _compare(
            "events per case (log.cases())",
            {str(c): int(n) for c, n in zip(cases["case"], cases["events"])},
            {str(c): int(n) for c, n in frame.groupby("case", sort=False).size().items()},
        )
        channel = log.schema.channel is not None
        _compare(
            "events of each case, as a multiset of (activity, time in µs, channel)",
            {c: sorted(events) for c, events in _log_events(log).items()},
            {c: sorted(events) for c, events in _frame_events(frame, channel).items()},
        )

    check.run(event_frames(unicode=unicode), body, examples)


def check_ordering(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    examples: int = 25,
    unicode: bool = True,
) -> None:
    """Check that events are ordered by time, ties in input order, whatever the row order.

    Establishes that each case's events come in timestamp order, events with equal times in the
    order of the frame's rows; that DFG edges (count and cases), start and end counts, activity
    counts and variants equal those of :func:`journeymine.testing.reference.mine`; and that the
    frame shuffled by :func:`~journeymine.testing.strategies.shuffle_keeping_ties` (ties keep
    their order), written again, gives the same traces, DFG (durations included) and variants.

    Parameters
    ----------
    connector, write, directory, examples, unicode
        As in :func:`check_connector`.

    Raises
    ------
    AssertionError
        Naming what differs, the source and the input frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     return frame, {"case": "case", "activity": "activity", "timestamp": "timestamp"}
    >>> check_ordering("dataframe", write, directory=pathlib.Path(tempfile.mkdtemp()), examples=3)
    """
    conn = _resolve(connector)
    check = _Check("check_ordering", conn, directory)

    def body(drawn: tuple[pd.DataFrame, int]) -> None:
        frame, seed = drawn
        written = check.write(write, frame)
        log = check.read(written)
        events = _log_events(log)
        _compare(
            "the events of each case, in order (activity, time in µs, channel)",
            events,
            _frame_events(frame, log.schema.channel is not None),
        )
        mined = _mined(log)
        ref = reference.mine(frame, case="case", activity="activity", key="timestamp")
        _compare_all(_plain(mined), _reference_results(ref))

        shuffled = shuffle_keeping_ties(frame, seed)
        again = check.write(write, shuffled)
        log_again = check.read(again)
        where = f"after shuffle_keeping_ties(frame, seed={seed}), "
        _compare(where + "the events of each case", _log_events(log_again), events)
        _compare_all(_mined(log_again), mined, prefix=where)

    check.run(st.tuples(event_frames(unicode=unicode), st.integers(0, 2**32 - 1)), body, examples)


def check_invalid_rows(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    examples: int = 25,
    unicode: bool = True,
    kinds: Collection[str] | None = None,
) -> None:
    """Check that invalid rows are set aside, counted by reason and inspectable, or raise.

    The frames hold a few invalid rows (see
    :data:`~journeymine.testing.strategies.INVALID_KINDS`: empty case id or activity, missing
    or unparseable timestamp); ``timestamp`` is ISO 8601 text or missing. The frame given to
    ``write`` does not have the ``expected_reason`` column. Establishes that with
    ``on_invalid="quarantine"`` every row is accounted for (rows read = events + rows set
    aside), the rows set aside per reason equal the frame's, ``log.quarantine`` lists them with
    ``row``, ``reason``, ``column`` (the mapped column at fault) and the source columns (each
    row's case id shown), and the valid rows mine as :func:`journeymine.testing.reference.mine`
    mines them; and that with ``on_invalid="raise"`` an
    :class:`~journeymine.InvalidRowsError` is raised whose ``counts`` are the same.

    Parameters
    ----------
    connector, write, directory, examples, unicode
        As in :func:`check_connector`.
    kinds : collection of str, optional
        Only these :data:`~journeymine.testing.strategies.INVALID_KINDS` (default: all).

    Raises
    ------
    AssertionError
        Naming what differs, the source and the input frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     path = directory / "events.csv"
    ...     frame.to_csv(path, index=False)
    ...     return path, {"case": "case", "activity": "activity", "timestamp": "timestamp"}
    >>> check_invalid_rows("csv", write, directory=pathlib.Path(tempfile.mkdtemp()), examples=3)
    """
    conn = _resolve(connector)
    check = _Check("check_invalid_rows", conn, directory)

    def body(frame: pd.DataFrame) -> None:
        import pandas as pd

        given = frame.drop(columns="expected_reason")
        written = check.write(write, given)
        expected = Counter(str(r) for r in frame["expected_reason"].dropna())
        log = check.read(written, on_invalid="quarantine")
        got = (log.rows_read, log.n_events, log.invalid_rows)
        wanted = (len(frame), len(frame) - expected.total(), expected.total())
        if got != wanted:
            raise AssertionError(
                f"with on_invalid='quarantine', (rows read, events, rows set aside) are {got}; "
                f"the frame has {wanted}"
            )
        quarantine = log.quarantine
        missing = [c for c in ("row", "reason", "column") if c not in quarantine.columns]
        if missing:
            raise AssertionError(f"log.quarantine lacks the columns {missing}")
        _compare("rows set aside per reason (log.quarantine)", Counter(quarantine["reason"]), expected)
        rows = [int(r) for r in quarantine["row"]]
        if len(set(rows)) != len(rows) or not all(0 <= r < len(frame) for r in rows):
            raise AssertionError(f"log.quarantine rows {rows} are not distinct rows of the input")
        schema = log.schema
        fault = {reason: getattr(schema, part) for reason, (part, _) in INVALID_KINDS.items()}
        _compare(
            "the column named for each reason in log.quarantine",
            {r: sorted(set(quarantine.loc[quarantine["reason"] == r, "column"])) for r in expected},
            {r: [fault[r]] for r in expected},
        )
        case_column = str(schema.case)
        if case_column not in quarantine.columns:
            raise AssertionError(f"log.quarantine lacks the source column {case_column!r}")
        kept = quarantine["reason"] != "empty case id"
        is_bad = frame["expected_reason"].notna() & (frame["expected_reason"] != "empty case id")
        _compare(
            "the case ids of the rows set aside (other than for an empty case id)",
            Counter(zip(quarantine.loc[kept, "reason"], quarantine.loc[kept, case_column].map(str))),
            Counter(zip(frame.loc[is_bad, "expected_reason"], frame.loc[is_bad, "case"].map(str))),
        )
        valid = frame[frame["expected_reason"].isna()].drop(columns="expected_reason")
        valid = valid.assign(timestamp=pd.to_datetime(valid["timestamp"], utc=True, format="ISO8601"))
        _compare(
            "the events of each case kept (activity, time in µs, channel)",
            _log_events(log),
            _frame_events(valid, schema.channel is not None),
        )
        if len(valid):
            ref = reference.mine(valid, case="case", activity="activity", key="timestamp")
            _compare("variants of the valid rows", _variants(log), dict(ref.variants))

        try:
            check.read(written, on_invalid="raise", convert=False)
        except InvalidRowsError as exc:
            _compare("InvalidRowsError.counts", Counter(exc.counts), expected)
        except Exception as exc:
            raise AssertionError(
                f"with on_invalid='raise', expected InvalidRowsError, got {_describe(exc)}"
            ) from exc
        else:
            raise AssertionError("with on_invalid='raise', no InvalidRowsError was raised")

    check.run(
        event_frames(unicode=unicode, invalid=True if kinds is None else kinds).filter(_usable),
        body,
        examples,
    )


def check_errors(
    connector: Connector | str,
    write: Writer,
    *,
    directory: Path,
    missing_source: Any = None,
) -> None:
    """Check that bad input gives a clear journeymine error, never a bare Python one.

    Establishes that an unknown option gives a :class:`~journeymine.ConnectorError` naming the
    option; that a source that does not exist gives a ``ConnectorError`` whose message names it;
    and that an object that is no source at all (neither a path nor anything the connector
    reads) gives a ``ConnectorError``, not a ``TypeError`` or ``AttributeError``.

    The missing source is the written source moved to a folder that does not exist (``write``'s
    folder replaced in the source's text: a path, a glob, a ``sqlite:///`` URL); give
    ``missing_source`` when the source does not name that folder (a remote table), else that
    part is skipped (as for in-memory sources).

    Parameters
    ----------
    connector, write, directory
        As in :func:`check_connector`.
    missing_source : optional
        A source that does not exist, for sources that are not files under ``directory``.

    Raises
    ------
    AssertionError
        Naming the bad input and the error (or its absence).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> def write(frame, directory):
    ...     path = directory / "events.parquet"
    ...     frame.to_parquet(path, index=False)
    ...     return path, {"case": "case", "activity": "activity", "timestamp": "timestamp"}
    >>> check_errors("parquet", write, directory=pathlib.Path(tempfile.mkdtemp()))
    """
    import pandas as pd

    conn = _resolve(connector)
    check = _Check("check_errors", conn, directory)
    frame = pd.DataFrame(
        {
            "case": ["c1", "c1", "c2", "c2"],
            "activity": ["Visit", "Buy", "Visit", "Call"],
            "timestamp": pd.to_datetime(
                ["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-02 09:00", "2025-01-02 09:30"], utc=True
            ).astype("datetime64[us, UTC]"),
            "channel": ["web", "web", "app", "phone"],
            "segment": ["new", "new", "vip", "vip"],
            "amount": [10.0, 10.0, None, None],
        }
    )

    def body(_: None) -> None:
        written = check.write(write, frame)
        check.read(written)
        names: list[str] = []
        if missing_source is not None:
            missing, names = missing_source, [source_name(missing_source)]
        else:
            missing, folder = _moved(written.source, written.folder)
            names = [str(folder)] if folder is not None else []
        _expect_error(
            check,
            written,
            f"the unknown option {UNKNOWN_OPTION}=1",
            [UNKNOWN_OPTION],
            options={**written.options, UNKNOWN_OPTION: 1},
        )
        if names:
            _expect_error(
                check,
                written,
                f"the source that does not exist {source_name(missing)!r}",
                names,
                source=missing,
            )
        _expect_error(check, written, "an object that is no source at all", [], source=_NotASource())

    check.run(st.none(), body, 1)


# --------------------------------------------------------------------------------------------
# running a check


@dataclass
class _Written:
    """What one call of ``write`` produced."""

    folder: Path
    given: pd.DataFrame
    source: Any
    mapping: dict[str, Any]
    options: dict[str, Any]


@dataclass
class _Check:
    """One check of one connector: writes into fresh folders and reads with the connector."""

    name: str
    connector: Connector
    directory: Path
    #: what the current example wrote, for the failure message
    written: list[_Written] = field(default_factory=list)

    def write(self, write: Writer, frame: pd.DataFrame) -> _Written:
        folder = _fresh(Path(self.directory), self.name.removeprefix("check_"))
        given = frame.copy(deep=True)
        try:
            result = write(given, folder)
        except Exception as exc:
            raise AssertionError(f"write(frame, {str(folder)!r}) raised {_describe(exc)}") from exc
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Mapping)):
            raise AssertionError(
                f"write must return (source, mapping), a source and a dict of read_events "
                f"keywords; it returned {result!r:.200}"
            )
        source, keywords = result
        reserved = sorted(set(keywords) & set(RESERVED_KEYWORDS))
        if reserved:
            raise AssertionError(f"write returned {reserved} in the mapping: the kit sets them")
        mapping = {k: v for k, v in keywords.items() if k in SCHEMA_KEYWORDS}
        options = {k: v for k, v in keywords.items() if k not in SCHEMA_KEYWORDS}
        written = _Written(folder, given, source, mapping, options)
        self.written.append(written)
        return written

    def read(
        self,
        written: _Written,
        *,
        mapping: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
        source: Any = None,
        on_invalid: OnInvalid = "raise",
        convert: bool = True,
    ) -> EventLog:
        """``read_events`` with the connector; any error becomes an AssertionError if ``convert``."""
        from journeymine.eventlog import read_events

        keywords = {**(written.mapping if mapping is None else mapping)}
        keywords.update(written.options if options is None else options)
        try:
            return read_events(
                written.source if source is None else source,
                connector=self.connector,
                on_invalid=on_invalid,
                **keywords,
            )
        except Exception as exc:
            if not convert:
                raise
            raise AssertionError(
                f"read_events(source, connector={self.connector.name!r}, on_invalid={on_invalid!r}, "
                f"**mapping) raised {_describe(exc)}"
            ) from exc

    def run(self, strategy: st.SearchStrategy[Any], body: Callable[[Any], None], examples: int) -> None:
        """Run ``body`` on ``examples`` examples of ``strategy``; failures name the check."""

        @_settings(examples)
        @given(strategy)
        def run(drawn: Any) -> None:
            self.written = []
            try:
                body(drawn)
            except HypothesisException:
                raise
            except Exception as exc:
                frame = drawn[0] if isinstance(drawn, tuple) else drawn
                if frame is None and self.written:
                    frame = self.written[0].given
                message = str(exc) if isinstance(exc, AssertionError) else _describe(exc)
                raise AssertionError(self.message(message, frame)) from exc

        run()

    def message(self, what: str, frame: Any) -> str:
        lines = [f"{self.name}: connector {self.connector.name!r}: {what}"]
        if self.written:
            first = self.written[0]
            lines.append(f"  source: {_short(first.source)}")
            lines.append(f"  read_events keywords: { ({**first.mapping, **first.options})!r}")
        if frame is not None and hasattr(frame, "to_string"):
            lines.append(f"  input frame ({len(frame)} rows, as given to write):")
            lines.append(_show(frame))
        return "\n".join(lines)


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        report_multiple_bugs=False,
        # the current profile's phases (a profile without Phase.shrink skips shrinking), but
        # never explain (it re-runs a failing input many times for little use here)
        phases=[p for p in _current().phases if p in (Phase.explicit, Phase.generate, Phase.shrink)],
        print_blob=False,
    )


def _current() -> settings:
    """The settings of the current hypothesis profile."""
    current = settings.default
    return current if current is not None else settings()


def _resolve(connector: Connector | str) -> Connector:
    if isinstance(connector, str):
        from journeymine.registry import connectors

        try:
            return connectors()[connector]
        except JourneymineError as exc:
            raise AssertionError(f"connector {connector!r} is not registered: {exc}") from None
    if not isinstance(connector, Connector):
        raise AssertionError(f"{connector!r} is not a connector: it needs name, suffixes, options and scan()")
    return connector


def _fresh(directory: Path, prefix: str) -> Path:
    """A new, empty sub-folder of ``directory``: ``<prefix>-000``, ``<prefix>-001``, ..."""
    directory.mkdir(parents=True, exist_ok=True)
    n = sum(1 for p in directory.iterdir() if p.name.startswith(prefix + "-"))
    while True:
        folder = directory / f"{prefix}-{n:03d}"
        try:
            folder.mkdir()
        except FileExistsError:
            n += 1
            continue
        return folder


# --------------------------------------------------------------------------------------------
# the parts of the checks


def _check_attributes(check: _Check) -> None:
    conn = check.connector
    problems = []
    if not isinstance(conn.name, str) or not conn.name:
        problems.append(f"name must be a non-empty str, not {conn.name!r}")
    suffixes, options = conn.suffixes, conn.options
    if not isinstance(suffixes, tuple) or not all(isinstance(s, str) and s[:1] == "." for s in suffixes):
        problems.append(f"suffixes must be a tuple of str starting with '.', not {suffixes!r}")
    if not isinstance(options, tuple) or not all(isinstance(o, str) for o in options):
        problems.append(f"options must be a tuple of str, not {options!r}")
    if problems:
        raise AssertionError(f"{check.name}: connector {conn!r}: " + "; ".join(problems))


def _check_scan(scan: Any, written: _Written, rows: int) -> None:
    if not isinstance(scan, Scan):
        raise AssertionError(f"connector.scan returned {type(scan).__name__}, not a Scan")
    if not isinstance(scan.columns, tuple) or not all(isinstance(c, str) for c in scan.columns):
        raise AssertionError(f"Scan.columns must be a tuple of str, not {scan.columns!r}")
    if not isinstance(scan.location, str) or not scan.location:
        raise AssertionError(f"Scan.location must say where the data comes from, not {scan.location!r}")
    mapped = [v for k, v in written.mapping.items() if k != "timestamp_format"]
    absent = [c for c in mapped if c not in scan.columns]
    if absent:
        raise AssertionError(f"Scan.columns {list(scan.columns)} lack the mapped columns {absent}")
    if scan.kind in ("csv", "parquet") and not scan.paths:
        raise AssertionError(f"a {scan.kind!r} scan must list its paths")
    if scan.kind == "arrow":
        if scan.open is None:
            raise AssertionError("an 'arrow' scan must have open()")
        table = scan.open()
        if hasattr(table, "read_all"):
            table = table.read_all()
        names = list(getattr(table, "column_names", []))
        if names != list(scan.columns):
            raise AssertionError(f"Scan.columns {list(scan.columns)} but open() gives the columns {names}")
        if table.num_rows != rows:
            raise AssertionError(f"open() gives {table.num_rows} rows; the frame has {rows}")


def _check_resolution(conn: Connector, source: Any) -> None:
    """A registered connector is picked for a path that ends with one of its suffixes."""
    from journeymine.registry import connectors, resolve_connector

    if conn.name not in connectors() or not isinstance(source, (str, os.PathLike)):
        return
    text = os.fspath(source)
    if not isinstance(text, str) or not text.lower().endswith(tuple(s.lower() for s in conn.suffixes)):
        return
    try:
        picked = resolve_connector(source).name
    except Exception as exc:
        raise AssertionError(
            f"read_events without connector= cannot resolve {text!r}, which ends with one of the "
            f"connector's suffixes {conn.suffixes}: {_describe(exc)}"
        ) from exc
    if picked != conn.name:
        raise AssertionError(
            f"read_events without connector= picks the connector {picked!r} for {text!r}, which "
            f"ends with one of the suffixes {conn.suffixes} of {conn.name!r}"
        )


def _misspelt(column: str, columns: tuple[str, ...]) -> str:
    wrong = column[:-1] + "_typo" if len(column) > 1 else column + "_typo"
    while wrong in columns:
        wrong += "_"
    return wrong


def _expect_error(
    check: _Check,
    written: _Written,
    what: str,
    names: list[str],
    *,
    source: Any = None,
    options: Mapping[str, Any] | None = None,
) -> None:
    try:
        check.read(written, source=source, options=options, convert=False)
    except ConnectorError as exc:
        if names and not any(name in str(exc) for name in names):
            raise AssertionError(
                f"the ConnectorError for {what} does not name it ({' or '.join(map(repr, names))}): {exc}"
            ) from None
    except Exception as exc:
        raise AssertionError(f"{what} should give a ConnectorError; got {_describe(exc)}") from exc
    else:
        raise AssertionError(f"{what} was read without an error")


def _moved(source: Any, folder: Path) -> tuple[Any, Path | None]:
    """``source`` with ``folder`` replaced by a sibling that does not exist, if it names it."""
    if not isinstance(source, (str, os.PathLike)):
        return source, None
    text = os.fspath(source)
    if not isinstance(text, str) or str(folder) not in text:
        return source, None
    gone = folder.with_name(folder.name + "-does-not-exist")
    moved = text.replace(str(folder), str(gone))
    return (Path(moved) if isinstance(source, os.PathLike) else moved), gone


class _NotASource:
    def __repr__(self) -> str:
        return "<an object that is no source>"


def _usable(frame: pd.DataFrame) -> bool:
    """At least one invalid row, and at least one timestamp that parses.

    (A timestamp column where nothing parses is a mapping problem: a ``SchemaError``.)
    """
    parses = frame["timestamp"].map(lambda v: isinstance(v, str) and v != "not a time")
    return bool(frame["expected_reason"].notna().any() and parses.any())


def _micros(values: pd.Series) -> list[int]:
    """Times as integer µs since the epoch; naive times are taken as UTC."""
    import pandas as pd

    stamps = pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_localize(None)
    return [int(v) for v in stamps.astype("datetime64[us]").astype("int64")]


def _frame_events(frame: pd.DataFrame, channel: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Each case's events (activity, µs[, channel]) by time, ties in row order."""
    rows: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    times = _micros(frame["timestamp"])
    for i, (c, a, t, ch) in enumerate(zip(frame["case"], frame["activity"], times, frame["channel"])):
        rows[str(c)].append((t, i, str(a), str(ch)))
    return {
        c: [(a, t, ch) if channel else (a, t) for t, _, a, ch in sorted(events)] for c, events in rows.items()
    }


def _log_events(log: EventLog) -> dict[str, list[tuple[Any, ...]]]:
    """Each case's events (activity, µs[, channel]) in the log's order."""
    events = log.to_frame()
    events = events.assign(_micros=_micros(events["timestamp"]) if len(events) else [])
    channel = "channel" in events.columns
    out: dict[str, list[tuple[Any, ...]]] = {}
    for case, group in events.groupby("case", sort=False):
        group = group.sort_values("position", kind="stable")
        acts, times = group["activity"].map(str), group["_micros"]
        if channel:
            out[str(case)] = list(zip(acts, times, group["channel"].map(str)))
        else:
            out[str(case)] = list(zip(acts, times))
    return out


def _mined(log: EventLog) -> dict[str, dict[Any, Any]]:
    """DFG and variants as comparable dicts, with durations (edges) and ids (variants)."""
    from journeymine.dfg import discover_dfg

    dfg = discover_dfg(log)
    edges = dfg.edges
    return {
        "DFG edges (count, cases)": {
            (str(s), str(t)): (int(n), int(c), m)
            for s, t, n, c, m in zip(*(edges[k] for k in ("source", "target", "count", "cases", "median_s")))
        },
        "start activities (cases)": {
            str(a): int(n) for a, n in zip(dfg.start["activity"], dfg.start["cases"])
        },
        "end activities (cases)": {str(a): int(n) for a, n in zip(dfg.end["activity"], dfg.end["cases"])},
        "activities (events)": {
            str(a): int(n) for a, n in zip(dfg.activities["activity"], dfg.activities["events"])
        },
        "variants (cases)": _variants(log, ids=True),
    }


def _variants(log: EventLog, *, ids: bool = False) -> dict[tuple[str, ...], Any]:
    from journeymine.variants import discover_variants

    table = discover_variants(log).table
    return {
        tuple(map(str, v)): (int(n), str(i)) if ids else int(n)
        for v, n, i in zip(table["variant"], table["cases"], table["variant_id"])
    }


def _plain(mined: dict[str, dict[Any, Any]]) -> dict[str, dict[Any, Any]]:
    """``mined`` without durations and variant ids: what the reference miner finds too."""
    plain = dict(mined)
    plain["DFG edges (count, cases)"] = {k: v[:2] for k, v in mined["DFG edges (count, cases)"].items()}
    plain["variants (cases)"] = {k: v[0] for k, v in mined["variants (cases)"].items()}
    return plain


def _reference_results(ref: reference.ReferenceResult) -> dict[str, dict[Any, Any]]:
    return {
        "DFG edges (count, cases)": {e: (n, ref.edge_cases[e]) for e, n in ref.edges.items()},
        "start activities (cases)": dict(ref.start),
        "end activities (cases)": dict(ref.end),
        "activities (events)": dict(ref.activities),
        "variants (cases)": dict(ref.variants),
    }


def _compare_all(
    got: dict[str, dict[Any, Any]], expected: dict[str, dict[Any, Any]], prefix: str = ""
) -> None:
    for name, values in expected.items():
        _compare(prefix + name, got[name], values)


def _compare(what: str, got: Mapping[Any, Any], expected: Mapping[Any, Any]) -> None:
    """Raise an AssertionError listing (a few of) the differences between two mappings."""
    if dict(got) == dict(expected):
        return
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    different = [k for k in expected if k in got and got[k] != expected[k]]
    parts = []
    if missing:
        parts.append(f"missing {_few(missing)}")
    if extra:
        parts.append(f"unexpected {_few(extra)}")
    if different:
        shown = "; ".join(f"{k!r}: got {got[k]!r}, expected {expected[k]!r}" for k in different[:3])
        more = f" (and {len(different) - 3} more)" if len(different) > 3 else ""
        parts.append(f"different {shown}{more}")
    raise AssertionError(f"{what} differ: " + ", ".join(parts))


def _few(keys: list[Any]) -> str:
    shown = ", ".join(repr(k) for k in keys[:5])
    return shown + (f" (and {len(keys) - 5} more)" if len(keys) > 5 else "")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _short(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fspath(source))
    return f"a {type(source).__module__}.{type(source).__qualname__}"


def _show(frame: pd.DataFrame) -> str:
    """The frame as text, strings quoted (so that spaces and odd characters show)."""
    shown = frame.copy()
    for column in shown.columns:
        if not str(shown[column].dtype).startswith(("datetime", "float", "int")):
            shown[column] = shown[column].map(repr)
    return "\n".join("    " + line for line in shown.to_string(max_rows=40).splitlines())
