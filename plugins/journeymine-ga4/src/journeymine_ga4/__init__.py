"""journeymine-ga4: a journeymine connector for the Google Analytics 4 BigQuery export.

After ``pip install journeymine-ga4``::

    import journeymine as jm

    log = jm.read_events("export/", connector="ga4",
                         case="user_pseudo_id", activity="event_name", timestamp="event_time")

This module is the plugin (entry point ``ga4`` in the group ``journeymine``): it registers the
:class:`Ga4Connector` and claims sources that look like a GA4 export. Loading it imports neither
pyarrow nor DuckDB.
"""

from __future__ import annotations

from journeymine_ga4.connector import (
    Ga4Connector,
    journeymine_register_connectors,
    journeymine_resolve_connector,
    read_ga4,
)

__all__ = [
    "Ga4Connector",
    "__version__",
    "journeymine_register_connectors",
    "journeymine_resolve_connector",
    "read_ga4",
]

__version__ = "0.1.0"
