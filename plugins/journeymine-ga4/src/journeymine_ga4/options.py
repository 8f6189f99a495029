"""The options of the ga4 connector, checked before any file is opened.

``params=`` and ``user_properties=`` choose which keys of the repeated ``event_params`` and
``user_properties`` records become columns; ``level=`` adds the ``session_id`` column. This module
imports nothing heavy, so that loading the plugin stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from journeymine.errors import ConnectorError

__all__ = ["KINDS", "LEVELS", "OPTIONS", "Options", "Selection", "parse_options"]

#: the column types a param or user property can be given (``"auto"``: decided from the values)
KINDS = ("string", "int", "double")
#: the accepted values of ``level=``
LEVELS = ("user", "session")
#: the options ``Ga4Connector.scan`` accepts
OPTIONS = ("params", "user_properties", "level")


@dataclass(frozen=True)
class Selection:
    """Which keys of a repeated key/value record (``event_params``, ``user_properties``) to read.

    Parameters
    ----------
    record : str
        The GA4 field: ``"event_params"`` or ``"user_properties"``.
    option : str
        The option that chose the keys, for messages: ``"params"`` or ``"user_properties"``.
    prefix : str
        The prefix of the columns: ``"param_"`` or ``"user_property_"``.
    everything : bool
        Every key found in the files (``"all"``).
    keys : tuple of str
        The keys asked for, in order (when not ``everything``).
    kinds : mapping
        The column type given for some keys (``"string"``, ``"int"``, ``"double"``); the type
        of the others is decided from their values.
    """

    record: str
    option: str
    prefix: str
    everything: bool = False
    keys: tuple[str, ...] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)

    @property
    def wanted(self) -> bool:
        """Whether any column comes from this record."""
        return self.everything or bool(self.keys)

    @property
    def inferred(self) -> tuple[str, ...]:
        """The keys asked for whose type is decided from their values."""
        return tuple(k for k in self.keys if k not in self.kinds)

    def column(self, key: str) -> str:
        """The column of ``key``: ``param_page_location``, ``user_property_plan``.

        Examples
        --------
        >>> Selection("event_params", "params", "param_").column("page_location")
        'param_page_location'
        """
        return self.prefix + key


@dataclass(frozen=True)
class Options:
    """The checked options of one scan."""

    params: Selection
    user_properties: Selection
    level: str = "user"

    @property
    def session(self) -> bool:
        """Whether the ``session_id`` column is wanted."""
        return self.level == "session"


def parse_options(options: Mapping[str, Any]) -> Options:
    """Check the options of ``Ga4Connector.scan`` and return them as :class:`Options`.

    Raises
    ------
    journeymine.errors.ConnectorError
        For an unknown option, a ``level`` other than ``"user"`` or ``"session"``, or a
        ``params`` / ``user_properties`` value that is not ``"all"``, a list of names or a
        ``{name: type}`` mapping.

    Examples
    --------
    >>> parse_options({"params": ("page_location",), "level": "session"}).params.keys
    ('page_location',)
    >>> parse_options({"params": {"value": "double"}}).params.kinds
    {'value': 'double'}
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConnectorError(
            f"the ga4 connector does not take {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(OPTIONS)}"
        )
    level = options.get("level", "user")
    if level not in LEVELS:
        raise ConnectorError(
            f"level={level!r} is not one of {', '.join(map(repr, LEVELS))}: 'user' gives one case per "
            f"user_pseudo_id, 'session' adds the column session_id (user_pseudo_id:ga_session_id) to "
            f"map as case='session_id'"
        )
    return Options(
        params=_selection(options.get("params"), option="params", record="event_params", prefix="param_"),
        user_properties=_selection(
            options.get("user_properties"),
            option="user_properties",
            record="user_properties",
            prefix="user_property_",
        ),
        level=str(level),
    )


def _selection(value: Any, *, option: str, record: str, prefix: str) -> Selection:
    if value is None:
        return Selection(record, option, prefix)
    if isinstance(value, str):
        if value == "all":
            return Selection(record, option, prefix, everything=True)
        value = (value,)
    keys: list[str] = []
    kinds: dict[str, str] = {}
    if isinstance(value, Mapping):
        pairs: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, Iterable):
        pairs = ((key, "auto") for key in value)
    else:
        raise ConnectorError(_usage(option, f"got {value!r}"))
    for key, kind in pairs:
        if not isinstance(key, str) or not key.strip():
            raise ConnectorError(_usage(option, f"{key!r} is not a key (a non-empty string)"))
        if kind not in (*KINDS, "auto"):
            raise ConnectorError(
                f"{option}={{{key!r}: {kind!r}}}: the type must be one of "
                f"{', '.join(map(repr, (*KINDS, 'auto')))}"
            )
        if key not in keys:
            keys.append(key)
            if kind != "auto":
                kinds[key] = kind
    return Selection(record, option, prefix, keys=tuple(keys), kinds=kinds)


def _usage(option: str, problem: str) -> str:
    return (
        f"{option}=: {problem}. Pass 'all', a list of keys such as ('page_location', "
        f"'ga_session_id'), or a mapping of keys to types such as {{'value': 'double'}}"
    )
