"""Bundled demo data: a generated, seeded omnichannel mortgage journey.

>>> import journeymine as jm
>>> df = jm.datasets.load_demo()
>>> dict(jm.datasets.DEMO_COLUMNS)  # doctest: +NORMALIZE_WHITESPACE
{'case': 'customer_id', 'activity': 'touchpoint', 'timestamp': 'timestamp',
 'channel': 'channel'}
>>> df[list(jm.datasets.DEMO_COLUMNS.values())].shape
(40489, 4)

The columns map onto ``jm.read_events(df, **jm.datasets.DEMO_COLUMNS)``, and ``load_demo_log()``
does that in one call (an ``EventLog``, ready to mine); ``load_demo_map()`` is
the journey-map spec of the data (the file ``DEMO_MAP_PATH``, see ``docs/journey-map.md``), and
``load_demo_ideal()`` the ideal journey a customer would want (``DEMO_IDEAL_PATH``). See
``docs/demo-data.md`` for the journey, its stories and the queries that show them.
"""

from __future__ import annotations

from journeymine.datasets.demo import (
    DEMO_COLUMNS,
    DEMO_IDEAL_PATH,
    DEMO_MAP_PATH,
    load_demo,
    load_demo_ideal,
    load_demo_log,
    load_demo_map,
    write_demo,
)

__all__ = [
    "DEMO_COLUMNS",
    "DEMO_IDEAL_PATH",
    "DEMO_MAP_PATH",
    "load_demo",
    "load_demo_ideal",
    "load_demo_log",
    "load_demo_map",
    "write_demo",
]
