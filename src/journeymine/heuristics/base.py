"""The :class:`Heuristic` protocol: what an improvement heuristic is, built in or a plugin.

A heuristic has a ``name``, a one-line ``description`` of what it detects, its ``params`` (stored
as given, so that a finding can cite them) and one verb, ``evaluate(data)``, which receives the
mined aggregates (:class:`~journeymine.heuristics.JourneyData`) and returns findings. It never sees
the events: it runs the same on every engine. Heuristics are registered through the hook
``journeymine_register_heuristics``; every built-in is registered that way
(``journeymine.heuristics.builtins``). ``journeymine.testing.check_heuristic`` is the contract.

:class:`BaseHeuristic` is a convenience for writing one: declare ``defaults`` and it checks the
keyword parameters it is given (an unknown one is an ``ArgumentError`` naming the close match)
and stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from journeymine.errors import ArgumentError

if TYPE_CHECKING:
    from typing_extensions import Self

    from journeymine.heuristics.data import JourneyData
    from journeymine.heuristics.finding import Finding

__all__ = ["BaseHeuristic", "Heuristic"]


@runtime_checkable
class Heuristic(Protocol):
    """An improvement heuristic.

    Attributes
    ----------
    name : str
        How it is chosen (``journeymine improve --heuristic NAME``); lower-case with hyphens.
    description : str
        One line: what it detects.
    params : mapping
        Its parameters, as given (JSON types), defaults filled in.
    """

    name: str
    description: str
    params: Mapping[str, Any]

    def evaluate(self, data: JourneyData) -> Sequence[Finding]:
        """Findings on the mined aggregates (an empty sequence when nothing material is found).

        Deterministic for the same ``data`` (``data.seed`` seeds any randomness), and never an
        error on an empty or one-case log.
        """
        ...


class BaseHeuristic:
    """A base for heuristics with checked keyword parameters.

    Subclasses set ``name``, ``description`` and ``defaults`` (parameter name to default value)
    and implement :meth:`evaluate`; ``self.params`` holds the defaults updated with what was
    given. :meth:`with_params` returns a copy with other parameters.

    Examples
    --------
    >>> class Quiet(BaseHeuristic):
    ...     name = "quiet"
    ...     description = "finds nothing"
    ...     defaults = {"min_share": 0.05}
    ...     def evaluate(self, data):
    ...         return []
    >>> dict(Quiet(min_share=0.1).params)
    {'min_share': 0.1}
    >>> Quiet(min_shar=0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: heuristic 'quiet' has no parameter 'min_shar' (did you mean ...
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    defaults: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        unknown = [k for k in params if k not in self.defaults]
        if unknown:
            close = get_close_matches(unknown[0], list(self.defaults), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            known = ", ".join(self.defaults) or "none"
            raise ArgumentError(
                f"heuristic {self.name!r} has no parameter {unknown[0]!r}{hint}; its parameters: {known}"
            )
        merged = {**self.defaults, **params}
        self.params: Mapping[str, Any] = MappingProxyType(merged)

    def with_params(self, **params: Any) -> Self:
        """A copy with some parameters changed."""
        return type(self)(**{**self.params, **params})

    def evaluate(self, data: JourneyData) -> Sequence[Finding]:
        raise NotImplementedError

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if self.defaults.get(k) != v)
        return f"{type(self).__name__}({given})"
