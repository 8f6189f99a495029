"""Tools for testing journeymine and its plugins: strategies, a reference miner, conformance checks.

``journeymine.testing.strategies`` generates event logs (segments, ties, invalid rows, unicode
names); ``journeymine.testing.reference`` mines them in plain Python, the slow obvious way, so that
any engine or connector can be checked against it; ``journeymine.testing.conformance`` runs the
checks every connector must pass (:func:`~journeymine.testing.conformance.check_connector`), from
journeymine's tests or from a plugin's own. Needs ``hypothesis`` (``pip install
'journeymine[test]'``).
"""

from __future__ import annotations

__all__ = ["conformance", "reference", "strategies"]
