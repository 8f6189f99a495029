"""The errors journeymine raises: each says what is wrong, where, and what to do."""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ConnectorError",
    "EngineError",
    "IdentityError",
    "InvalidRowsError",
    "JourneymineError",
    "PluginError",
    "RenderError",
    "SchemaError",
    "SpecError",
]


class JourneymineError(Exception):
    """Base class of every error journeymine raises on purpose: a user's mistake.

    Messages name an argument the Python way, ``pass name=value`` (``pass on_invalid='quarantine'``);
    the command line rewrites each known argument into its flag (``pass --on-invalid quarantine``),
    so one message serves both interfaces.
    """


class ArgumentError(JourneymineError, ValueError):
    """An argument (a flag, on the command line) with a value that is not allowed: ``top=0``,
    ``gap='soon'``, ``on_invalid='skip'``. The message names the argument and what it accepts."""


class SchemaError(JourneymineError, ValueError):
    """A column mapping that does not fit the data: a missing, misspelt or unusable column."""


class ConnectorError(JourneymineError, ValueError):
    """A source that cannot be read: unknown kind, empty, or not what its name says."""


class InvalidRowsError(JourneymineError, ValueError):
    """Rows that cannot be used (empty case id, unparseable timestamp, ...).

    Raised by ``on_invalid="raise"``; pass ``on_invalid="quarantine"`` to set such rows aside
    instead (they are then counted in ``log.invalid_rows`` and listed in ``log.quarantine``).
    """

    def __init__(self, message: str, *, counts: dict[str, int] | None = None) -> None:
        super().__init__(message)
        #: rows per reason, e.g. ``{"empty case id": 24}``
        self.counts: dict[str, int] = dict(counts or {})


class EngineError(JourneymineError, RuntimeError):
    """An engine that cannot do what was asked (not installed, misconfigured, out of limits)."""


class PluginError(JourneymineError, RuntimeError):
    """An unknown (or left-out) connector or engine name, or a plugin that misuses ``register()``.

    A broken plugin, or two plugins claiming one name, is not an error: it is a
    :class:`~journeymine.PluginWarning` naming the plugin, and only that plugin is left out."""


class RenderError(JourneymineError, RuntimeError):
    """A picture that cannot be made here: the Graphviz ``dot`` program is missing or failed.

    The message says how to install what is missing; text formats that need no program (DOT)
    still work."""


class SpecError(JourneymineError, ValueError):
    """A journey map spec that cannot be used: an unknown key, a stage without touchpoints, a
    touchpoint in two stages, a pattern that matches nothing. The message names the spec line."""


class IdentityError(JourneymineError, ValueError):
    """An identity table that cannot be used: missing columns, empty ids, or an id that maps to
    two customers (the message lists them)."""
