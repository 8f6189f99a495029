"""Built-in connectors. Each is a plugin module, registered exactly like a third-party one."""

from __future__ import annotations

from journeymine.connectors.base import Connector, Scan

__all__ = ["Connector", "Scan"]
