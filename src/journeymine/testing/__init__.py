"""Tools for testing journeymine and its plugins: hypothesis strategies and a reference miner.

``journeymine.testing.strategies`` generates event logs (segments, ties, invalid rows, unicode
names); ``journeymine.testing.reference`` mines them in plain Python, the slow obvious way, so that
any engine or connector can be checked against it. Needs ``hypothesis`` (``pip install
'journeymine[test]'``).
"""

from __future__ import annotations

__all__ = ["reference", "strategies"]
