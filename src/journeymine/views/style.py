"""One look for every picture: channel colours, fonts, and the scales for thickness and shade.

Every renderer draws with these, so that a channel has the same colour in the process map, the
variant view, the journey-map picture and the report, and pictures of different segments can be
compared side by side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "CHANNEL_COLOURS",
    "FONT",
    "INK",
    "MUTED",
    "PALETTE",
    "channel_colours",
    "scale",
    "shade",
]

#: text and lines
INK = "#1f2937"
#: secondary text, hidden things, grid lines
MUTED = "#6b7280"
#: the font stack (no web fonts: pictures load nothing from elsewhere)
FONT = "Helvetica, Arial, sans-serif"

#: colours of the channels customer journeys usually have (colour-blind safe, Okabe-Ito based)
CHANNEL_COLOURS = {
    "web": "#0072B2",
    "app": "#009E73",
    "phone": "#D55E00",
    "branch": "#CC79A7",
    "email": "#E69F00",
    "social": "#56B4E9",
    "comparison": "#8C6D31",
    "chat": "#7B61FF",
    "post": "#999933",
    "desk": "#AA4499",
}
#: colours for other channels, given in sorted order of their names
PALETTE = ("#332288", "#117733", "#44AA99", "#88CCEE", "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: a channel that is unknown (missing)
NO_CHANNEL = "#9ca3af"


def channel_colours(channels: Iterable[object]) -> dict[str, str]:
    """A colour for each channel: the known ones fixed, the others from :data:`PALETTE` in sorted
    order, so the same channels always get the same colours.

    Examples
    --------
    >>> channel_colours(["phone", "web", "kiosk"])
    {'kiosk': '#332288', 'phone': '#D55E00', 'web': '#0072B2'}
    """
    names = sorted({str(c) for c in channels if c is not None and c == c})
    out: dict[str, str] = {}
    others = iter(PALETTE * (1 + len(names) // len(PALETTE)))
    for name in names:
        key = name.casefold()
        out[name] = CHANNEL_COLOURS.get(key) or next(others)
    return out


def scale(value: float, largest: float, *, low: float = 1.0, high: float = 8.0) -> float:
    """A line width between ``low`` and ``high`` for ``value`` out of ``largest`` (square-root
    scale, so that small flows stay visible), rounded to 2 decimals for stable output.

    Examples
    --------
    >>> scale(100, 100), scale(25, 100), scale(0, 100)
    (8.0, 4.5, 1.0)
    """
    if largest <= 0 or not math.isfinite(value) or value <= 0:
        return low
    return round(low + (high - low) * math.sqrt(min(value, largest) / largest), 2)


def shade(value: float, largest: float, *, light: str = "#dbe7f3", dark: str = "#08306b") -> str:
    """A colour between ``light`` and ``dark`` for ``value`` out of ``largest`` (linear).

    Examples
    --------
    >>> shade(0, 10), shade(10, 10)
    ('#dbe7f3', '#08306b')
    """
    t = 0.0 if largest <= 0 or not math.isfinite(value) else max(0.0, min(1.0, value / largest))
    a = [int(light[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(dark[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))
