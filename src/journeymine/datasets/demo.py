"""The demo journey: a bank's omnichannel mortgage journey, generated and seeded.

About 3,000 customers go from orientation (ads, comparison sites, the website, the calculator)
through advice, application, offer and closing, over seven channels: ``social``, ``comparison``,
``web``, ``app``, ``phone``, ``branch`` and ``email``. Four stories are built in, each visible with
a short pandas query (see ``docs/demo-data.md``, which gives the queries and the figures):

1. rework: ``Upload documents`` → ``Documents incomplete`` → ``Upload documents``, far more often
   for movers (and for uploads from the app);
2. repeated contacts: 2–5 ``Customer service call`` events while waiting for the valuation and the
   offer, with lower sentiment;
3. a slow handover: ``Valuation`` → ``Offer sent`` takes 2.5 to 3 times as long in ``North``;
4. drop-off: almost a third never sign; refinancers leave after ``Offer sent``, the others after
   ``Documents incomplete``, and those who leave were less happy before they left.

A plain happy path is the most frequent variant.

The data is generated with the standard library only (``random.Random(2026)``, its ``random()``
and exact IEEE arithmetic: no numpy, no ``math.exp``), so the rows are the same on every
platform and with any numpy or pandas version. The rows are generated once per process and cached as
immutable tuples; each :func:`load_demo` call builds a new frame.

Credit check
    The credit check is a back-office step the customer does not do: it is recorded as the
    e-mail notification the customer receives, so its channel is ``email``.

Journey map
    ``demo_map.yaml`` beside this module is the journey-map spec of this data (stages,
    touchpoints, targets, sentiment, NPS): :data:`DEMO_MAP_PATH`, :func:`load_demo_map`. It
    follows ``STAGES`` below, with ``Survey answered`` left off (it measures the journey).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, TypeAlias, TypeVar

import pandas as pd

if TYPE_CHECKING:
    from journeymine.engines.base import Engine
    from journeymine.eventlog import EventLog
    from journeymine.heuristics.ideal import IdealJourney
    from journeymine.journeymap.spec import JourneyMap

__all__ = [
    "CHANNELS",
    "DEMO_COLUMNS",
    "DEMO_IDEAL_PATH",
    "DEMO_MAP_PATH",
    "STAGES",
    "TOUCHPOINT_CHANNELS",
    "load_demo",
    "load_demo_ideal",
    "load_demo_log",
    "load_demo_map",
    "write_demo",
]

#: the journey-map spec of the demo data (YAML), shipped with the package
DEMO_MAP_PATH: Path = Path(__file__).with_name("demo_map.yaml")

#: the ideal journey of the demo data, as a customer would want it (YAML), shipped with the package
DEMO_IDEAL_PATH: Path = Path(__file__).with_name("demo_ideal.yaml")

#: how the demo columns map onto :func:`journeymine.read_events` keywords
DEMO_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "case": "customer_id",
        "activity": "touchpoint",
        "timestamp": "timestamp",
        "channel": "channel",
    }
)

#: the channels, in the order of the journey
CHANNELS: tuple[str, ...] = ("social", "comparison", "web", "app", "phone", "branch", "email")

#: the stages of the journey and their touchpoints, in order. Calls and chats belong to the
#: advice stage but happen all through the journey.
STAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Orientation": ("Ad seen", "Comparison site visit", "Website visit", "Mortgage calculator"),
        "Advice": ("Appointment booked", "Advisor meeting", "Customer service call", "Chat"),
        "Application": (
            "Application started",
            "Upload documents",
            "Documents incomplete",
            "Credit check",
            "Valuation",
        ),
        "Offer": ("Offer sent", "Offer viewed", "Offer accepted"),
        "Closing": ("Contract signed", "Mortgage paid out", "Survey answered"),
    }
)

#: the channels each touchpoint occurs on
TOUCHPOINT_CHANNELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Ad seen": ("social",),
        "Comparison site visit": ("comparison",),
        "Website visit": ("web",),
        "Mortgage calculator": ("web", "app"),
        "Appointment booked": ("web", "app", "phone"),
        "Advisor meeting": ("branch", "phone"),
        "Customer service call": ("phone",),
        "Chat": ("app", "web"),
        "Application started": ("web", "app", "branch"),
        "Upload documents": ("web", "app"),
        "Documents incomplete": ("email",),
        "Credit check": ("email",),
        "Valuation": ("branch",),
        "Offer sent": ("email",),
        "Offer viewed": ("app", "web"),
        "Offer accepted": ("app", "web", "branch"),
        "Contract signed": ("branch",),
        "Mortgage paid out": ("email",),
        "Survey answered": ("email",),
    }
)

_T = TypeVar("_T")

SEED = 2026
N_CUSTOMERS = 3000
CSV_NAME = "demo_mortgage.csv"

_COLUMNS = (
    "customer_id",
    "touchpoint",
    "timestamp",
    "channel",
    "sentiment",
    "nps",
    "segment",
    "age_group",
    "region",
    "acquisition",
    "loan_amount",
)

# --- time ----------------------------------------------------------------------------------------

_MINUTE = 60
_HOUR = 3_600
_DAY = 86_400
_START_2025 = 1_735_689_600  # 2025-01-01T00:00:00+00:00, a Wednesday
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_START = tuple(sum(_MONTH_DAYS[:m]) for m in range(12))
_MONTH_WEIGHTS = (0.75, 0.85, 1.1, 1.2, 1.15, 1.05, 0.8, 0.75, 1.2, 1.15, 1.0, 0.6)
#: when customers are online, by hour of day (evening peak); nights are rare
_DIGITAL_HOURS = (
    0.25, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.0, 1.2, 1.2, 1.2,
    1.5, 1.3, 1.1, 1.1, 1.1, 1.2, 1.4, 1.9, 2.3, 2.3, 1.7, 0.8,
)  # fmt: skip
#: opening times: (days open from Monday, first hour, closing hour)
_OPENING = {
    "digital": (7, 0, 24),
    "phone": (6, 8, 20),
    "branch": (6, 9, 17),
    "office": (5, 8, 18),
}

# --- customers -----------------------------------------------------------------------------------

_FTB, _MOVER, _REFI = "first-time buyer", "mover", "refinancer"
_SEGMENTS = (_FTB, _MOVER, _REFI)
_SEGMENT_WEIGHTS = (0.40, 0.35, 0.25)
_AGE_GROUPS = ("18-29", "30-44", "45-59", "60+")
_AGE_WEIGHTS = {
    _FTB: (0.55, 0.37, 0.07, 0.01),
    _MOVER: (0.07, 0.52, 0.33, 0.08),
    _REFI: (0.03, 0.30, 0.42, 0.25),
}
_REGIONS = ("North", "East", "South", "West", "Central")
_REGION_WEIGHTS = (0.17, 0.19, 0.22, 0.18, 0.24)
_REGION_PRICES = {"North": 0.82, "East": 0.92, "South": 1.0, "West": 1.05, "Central": 1.28}
_ACQUISITIONS = ("social", "comparison", "web", "app", "phone")
_ACQUISITION_WEIGHTS = {
    _FTB: (0.30, 0.30, 0.28, 0.07, 0.05),
    _MOVER: (0.12, 0.33, 0.35, 0.12, 0.08),
    _REFI: (0.04, 0.18, 0.25, 0.33, 0.20),
}
#: median loan (euros), spread, minimum, maximum
_LOANS = {
    _FTB: (285_000, 0.28, 90_000, 750_000),
    _MOVER: (390_000, 0.30, 120_000, 1_250_000),
    _REFI: (230_000, 0.38, 50_000, 900_000),
}
_APP_SHARE = {"18-29": 0.6, "30-44": 0.45, "45-59": 0.3, "60+": 0.15}
_BRANCH_SHARE = {"18-29": 0.4, "30-44": 0.5, "45-59": 0.65, "60+": 0.85}
_CALLER = {"18-29": 0.7, "30-44": 0.9, "45-59": 1.2, "60+": 1.5}

# --- the stories ---------------------------------------------------------------------------------

#: share of customers on the happy path (no rework, no calls, no drop-off), by acquisition
_HAPPY = {"web": 0.30, "comparison": 0.20, "social": 0.08, "app": 0.12, "phone": 0.04}
_ADVICE = {_FTB: 0.92, _MOVER: 0.82, _REFI: 0.60}
_LEAVE_ORIENTATION = {_FTB: 0.05, _MOVER: 0.04, _REFI: 0.04}
_LEAVE_ADVICE = 0.05
#: story 1: chance that an upload is incomplete (x1.35 from the app, x0.55 per earlier rework)
_INCOMPLETE = {_FTB: 0.25, _MOVER: 0.65, _REFI: 0.14}
_APP_INCOMPLETE = 1.35
_REWORK_DECAY = 0.55
#: story 4: chance to leave after "Documents incomplete" and after "Offer sent"
_LEAVE_INCOMPLETE = {_FTB: 0.26, _MOVER: 0.20, _REFI: 0.08}
_LEAVE_OFFER = {_FTB: 0.04, _MOVER: 0.04, _REFI: 0.30}
_LEAVE_CREDIT = 0.03
_LEAVE_VIEWED = {_FTB: 0.03, _MOVER: 0.03, _REFI: 0.06}
#: story 3: median days from "Valuation" to "Offer sent"
_OFFER_WAIT = {"North": 9.0}
_OFFER_WAIT_ELSEWHERE = 2.8
_SURVEY = 0.70


class _Columns(NamedTuple):
    customer_id: tuple[str, ...]
    touchpoint: tuple[str, ...]
    timestamp: tuple[int, ...]  # seconds since the epoch, UTC
    channel: tuple[str, ...]
    sentiment: tuple[float | None, ...]
    nps: tuple[int | None, ...]
    segment: tuple[str, ...]
    age_group: tuple[str, ...]
    region: tuple[str, ...]
    acquisition: tuple[str, ...]
    loan_amount: tuple[int, ...]


#: an event: time, touchpoint, channel, sentiment, nps
_Event: TypeAlias = "tuple[int, str, str, float | None, int | None]"
_EVENT_FIELDS = ("timestamp", "touchpoint", "channel", "sentiment", "nps")


class _Journey:
    """One customer's journey, generated event by event (``t`` only moves forward)."""

    def __init__(self, rng: random.Random, happy: bool, age_group: str) -> None:
        self.rng = rng
        self.happy = happy
        self.age_group = age_group
        self.mood = 0.3 + 0.5 * abs(self.normal()) if happy else self.normal()
        self.frustration = 0.0
        self.calls = 0
        self.t = 0
        self.events: list[_Event] = []

    # -- randomness: only random() and exact arithmetic, for byte-identical output everywhere --

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.rng.random()

    def normal(self) -> float:
        """About N(0, 1): the sum of four uniforms (Irwin-Hall), scaled; within ±3.5."""
        r = self.rng.random
        return (r() + r() + r() + r() - 2.0) * 1.7320508075688772

    def skewed(self, median: float, spread: float) -> float:
        """A right-skewed positive value around ``median``, like a log-normal."""
        x = max(0.2, 1.0 + 0.5 * spread * self.normal())
        return median * x * x

    def calls_factor(self) -> float:
        """How readily this customer picks up the phone: older and unhappy customers call more."""
        return _CALLER[self.age_group] * (1.3 if self.mood < 0 else 1.0)

    def leave(self, p: float) -> bool:
        """Whether the customer leaves here: more likely in a bad mood or frustrated."""
        if self.happy:
            return False
        factor = max(0.2, 1.0 - 0.8 * self.mood) + 2.0 * self.frustration
        return self.chance(p * factor)

    # -- clocks ---------------------------------------------------------------------------------

    def clock(self, kind: str) -> int:
        """A time of day (seconds) at which ``kind`` events happen."""
        if kind == "digital":
            hour = _pick(self.rng, range(24), _DIGITAL_HOURS)
            return hour * _HOUR + int(self.rng.random() * _HOUR)
        _, lo, hi = _OPENING[kind]
        return lo * _HOUR + int(self.rng.random() * (hi - lo) * _HOUR)

    def is_open(self, day: int, kind: str) -> bool:
        return (day + 3) % 7 < _OPENING[kind][0]  # 1970-01-01 was a Thursday

    def snap(self, t: int, kind: str) -> int:
        """``t`` if ``kind`` is open then, else a time in the next opening hours."""
        _, lo, hi = _OPENING[kind]
        day, sec = divmod(t, _DAY)
        if self.is_open(day, kind) and lo * _HOUR <= sec < hi * _HOUR:
            return t
        if not (self.is_open(day, kind) and sec < lo * _HOUR):
            day += 1
            while not self.is_open(day, kind):
                day += 1
        return day * _DAY + self.clock(kind)

    def minutes(self, lo: float, hi: float) -> int:
        """Advance within a session."""
        self.t += max(1, int(self.uniform(lo, hi) * _MINUTE))
        return self.t

    def days(self, lo: int, hi: int, kind: str) -> int:
        """Advance to a day ``lo``..``hi`` days later on which ``kind`` is open, at a usual time."""
        day = self.t // _DAY
        for _ in range(10):
            day = self.t // _DAY + lo + int(self.rng.random() * (hi - lo + 1))
            if self.is_open(day, kind):
                break
        t = day * _DAY + self.clock(kind)
        if t <= self.t:
            t = self.t + int(self.uniform(10, 120) * _MINUTE)
        self.t = self.snap(t, kind)
        return self.t

    def wait(self, median_days: float, spread: float, kind: str) -> float:
        """Advance by a skewed number of days; return the days waited."""
        start = self.t
        self.t = self.snap(self.t + int(self.skewed(median_days, spread) * _DAY), kind)
        return (self.t - start) / _DAY

    # -- events ---------------------------------------------------------------------------------

    def emit(
        self,
        touchpoint: str,
        channel: str,
        sentiment: float | None = None,
        nps: int | None = None,
        t: int | None = None,
    ) -> None:
        self.events.append((self.t if t is None else t, touchpoint, channel, sentiment, nps))

    def sentiment(self, base: float) -> float:
        x = base + 0.22 * self.mood - self.frustration + 0.15 * self.normal()
        return round(min(1.0, max(-1.0, x)), 2) + 0.0  # + 0.0: no "-0.0"

    def call(self, t: int | None = None) -> None:
        """A customer service call: each further call is less happy than the last."""
        self.calls += 1
        self.frustration += 0.06 if self.calls > 1 else 0.0
        self.emit("Customer service call", "phone", self.sentiment(0.15 - 0.12 * self.calls), t=t)

    def chat(self, channel: str, base: float = 0.2) -> None:
        self.emit("Chat", channel, self.sentiment(base))


def _customer(rng: random.Random) -> tuple[dict[str, str | int], list[_Event]]:
    """One customer's attributes and events (in time order; ties in the order they happened)."""
    segment = _pick(rng, _SEGMENTS, _SEGMENT_WEIGHTS)
    age_group = _pick(rng, _AGE_GROUPS, _AGE_WEIGHTS[segment])
    region = _pick(rng, _REGIONS, _REGION_WEIGHTS)
    acquisition = _pick(rng, _ACQUISITIONS, _ACQUISITION_WEIGHTS[segment])
    if age_group == "60+" and acquisition == "social" and rng.random() < 0.5:
        acquisition = "phone"
    elif age_group == "18-29" and acquisition == "phone" and rng.random() < 0.5:
        acquisition = "app"
    median, spread, lo, hi = _LOANS[segment]
    happy = rng.random() < _HAPPY[acquisition]
    j = _Journey(rng, happy, age_group)
    loan = j.skewed(median * _REGION_PRICES[region], spread)
    loan_amount = min(hi, max(lo, int(loan / 1000.0 + 0.5) * 1000))
    attrs: dict[str, str | int] = {
        "segment": segment,
        "age_group": age_group,
        "region": region,
        "acquisition": acquisition,
        "loan_amount": loan_amount,
    }
    digital = "app" if acquisition == "app" or j.chance(_APP_SHARE[age_group]) else "web"
    if happy:
        digital = "app" if acquisition == "app" else "web"

    # -- orientation --
    month = _pick(rng, range(12), _MONTH_WEIGHTS)
    day = _MONTH_START[month] + int(rng.random() * _MONTH_DAYS[month])
    j.t = j.snap(_START_2025 + day * _DAY + j.clock("digital"), "digital")
    if acquisition == "social":
        j.emit("Ad seen", "social")
        if j.chance(0.4):
            j.days(0, 3, "digital")
        else:
            j.minutes(0.2, 3)
        j.emit("Website visit", "web")
    elif acquisition == "comparison":
        j.emit("Comparison site visit", "comparison")
        j.minutes(0.2, 4)
        j.emit("Website visit", "web")
    elif acquisition == "web":
        j.emit("Website visit", "web")
    elif acquisition == "app":
        j.emit("Mortgage calculator", "app")
    else:
        j.t = j.snap(j.t, "phone")
        j.call()
    if acquisition in ("social", "comparison", "web") and (happy or j.chance(0.85)):
        j.minutes(1, 12)
        j.emit("Mortgage calculator", "web")
    if not happy and j.chance(0.25):  # comes back to look again
        j.days(1, 12, "digital")
        if digital == "web":
            j.emit("Website visit", "web")
        if j.chance(0.6):
            j.minutes(1, 10)
            j.emit("Mortgage calculator", digital)
    if j.leave(_LEAVE_ORIENTATION[segment]):
        return attrs, j.events

    # -- advice --
    if not happy and j.chance(0.15):
        j.days(0, 4, "digital")
        j.chat(digital)
    branch = False
    if happy or j.chance(_ADVICE[segment]):
        last = j.events[-1][1]
        if last == "Customer service call":
            j.emit("Appointment booked", "phone")  # booked during the call: same second
        elif last == "Chat" and j.chance(0.5):
            j.emit("Appointment booked", digital)  # booked in the chat: same second
        else:
            if j.chance(0.5):
                j.days(0, 2, "digital")
            else:
                j.minutes(1, 8)
            j.emit("Appointment booked", digital)
        branch = happy or j.chance(_BRANCH_SHARE[age_group])
        j.days(2, 10, "branch" if branch else "phone")
        j.emit(
            "Advisor meeting",
            "branch" if branch else "phone",
            j.sentiment(0.45) if not branch or j.chance(0.6) else None,
        )
        if j.leave(_LEAVE_ADVICE):
            return attrs, j.events

    # -- application --
    if branch and (happy or j.chance(0.5)):
        j.minutes(20, 75)
        j.emit("Application started", "branch")
    else:
        j.days(0, 5, "digital")
        j.emit("Application started", digital)
    upload = digital
    if j.chance(0.6):
        j.days(0, 3, "digital")
    else:
        j.minutes(5, 40)
    reworks = 0
    decay = 1.0  # each rework makes the next upload more likely complete
    while True:
        j.emit("Upload documents", upload)
        p = 0.0 if happy or reworks >= 4 else _INCOMPLETE[segment] * decay
        if upload == "app":
            p = min(0.9, p * _APP_INCOMPLETE)
        if not j.chance(p):
            break
        if upload == "app" and j.chance(0.45):
            j.emit("Documents incomplete", "email")  # the app's automatic check: same second
        else:
            j.days(0, 2, "office")
            j.emit("Documents incomplete", "email")
        j.frustration += 0.12
        reworks += 1
        decay *= _REWORK_DECAY
        if j.leave(_LEAVE_INCOMPLETE[segment] + 0.08 * (reworks - 1)):
            return attrs, j.events
        if j.chance(0.2 * j.calls_factor()):
            j.days(0, 1, "phone")
            j.call()
        elif j.chance(0.08):
            j.days(0, 1, "digital")
            j.chat(upload, 0.0)
        if upload == "app" and j.chance(0.3):
            upload = "web"
        j.days(1, 6, "digital")
    j.days(1, 3, "office")
    j.emit("Credit check", "email")
    if not happy and j.chance(_LEAVE_CREDIT):
        return attrs, j.events
    credit_check = j.t

    # -- valuation, and the wait for the offer (stories 2 and 3) --
    j.days(3, 12, "branch")
    j.emit("Valuation", "branch")
    valuation = j.t
    waited = j.wait(_OFFER_WAIT.get(region, _OFFER_WAIT_ELSEWHERE), 0.7, "office")
    offer_sent = j.t
    j.frustration += 0.025 * max(0.0, waited - 5.0)
    if not happy:
        days = (offer_sent - credit_check) / _DAY
        p = min(0.9, j.calls_factor() * (0.02 + 0.02 * days))
        times = sorted(
            j.snap(credit_check + int(j.rng.random() * (offer_sent - credit_check)), "phone")
            for _ in range(5)
            if j.chance(p)
        )
        for t in times:
            if credit_check < t < offer_sent and t != valuation and j.calls < 5:
                j.call(t)
    j.emit("Offer sent", "email")

    # -- offer --
    if j.leave(_LEAVE_OFFER[segment]):
        return attrs, j.events
    if j.chance(0.6):
        j.days(0, 2, "digital")
    else:
        j.minutes(5, 300)
    j.emit("Offer viewed", digital)
    if not happy and j.chance(0.2):
        j.days(1, 4, "digital")
        j.emit("Offer viewed", digital)
    if not happy and j.chance(0.12):
        j.minutes(2, 60)
        j.chat(digital, 0.1)
    if j.leave(_LEAVE_VIEWED[segment]):
        return attrs, j.events
    accept = "branch" if not happy and j.chance(0.5 * _BRANCH_SHARE[age_group]) else digital
    j.days(0, 7, "branch" if accept == "branch" else "digital")
    j.emit("Offer accepted", accept)

    # -- closing --
    j.days(3, 20, "branch")
    j.emit("Contract signed", "branch")
    if segment == _REFI:
        j.days(5, 15, "office")
    else:
        j.days(7, 45, "office")
    j.emit("Mortgage paid out", "email")
    if happy or j.chance(_SURVEY):
        j.days(1, 6, "digital")
        satisfaction = 0.25 * j.mood - j.frustration + (0.15 if happy else 0.0)
        score = min(10, max(0, int(7.8 + 3.5 * satisfaction + 1.1 * j.normal() + 0.5)))
        comment = round(min(1.0, max(-1.0, (score - 6.5) / 4.5 + 0.12 * j.normal())), 2) + 0.0
        j.emit("Survey answered", "email", comment, score)
    return attrs, j.events


def _pick(rng: random.Random, items: Sequence[_T], weights: tuple[float, ...]) -> _T:
    """One of ``items``, with the given weights (exact arithmetic: the same on every platform)."""
    cumulative = _cumulative(weights)
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return items[min(index, len(items) - 1)]


@functools.cache
def _cumulative(weights: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


@functools.lru_cache(maxsize=1)
def _generate(seed: int = SEED, n_customers: int = N_CUSTOMERS) -> _Columns:
    """Generate the demo rows once: customers in id order, each customer's events in time order."""
    rng = random.Random(seed)
    cols: dict[str, list[object]] = {name: [] for name in _COLUMNS}
    for i in range(1, n_customers + 1):
        attrs, events = _customer(rng)
        events.sort(key=lambda e: e[0])  # stable: events at the same second keep their order
        n = len(events)
        cols["customer_id"].extend([f"C{i:05d}"] * n)
        for name, values in zip(_EVENT_FIELDS, zip(*events, strict=True), strict=True):
            cols[name].extend(values)
        for name, value in attrs.items():
            cols[name].extend([value] * n)
    return _Columns(**{name: tuple(values) for name, values in cols.items()})  # type: ignore[arg-type]


def load_demo() -> pd.DataFrame:
    """Return the demo mortgage journey: one row per event, by customer then time.

    Returns
    -------
    pandas.DataFrame
        A new frame on each call with the columns ``customer_id``, ``touchpoint``,
        ``timestamp`` (tz-aware, UTC, whole seconds), ``channel``, ``sentiment`` (float in
        [-1, 1] where the customer expressed something, else NaN), ``nps`` (``Int64``, 0-10 on
        ``Survey answered`` only) and the customer attributes ``segment``, ``age_group``,
        ``region``, ``acquisition`` (the first channel) and ``loan_amount`` (euros).

    See Also
    --------
    write_demo : the same data as CSV.

    Examples
    --------
    >>> from journeymine.datasets import load_demo
    >>> df = load_demo()
    >>> df.shape
    (40489, 11)
    >>> df["customer_id"].nunique()
    3000
    >>> df.loc[0, ["customer_id", "touchpoint", "channel"]].tolist()
    ['C00001', 'Website visit', 'web']
    """
    cols = _generate()
    timestamp = pd.to_datetime(pd.Series(cols.timestamp, dtype="int64"), unit="s", utc=True)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "customer_id": list(cols.customer_id),
            "touchpoint": list(cols.touchpoint),
            "timestamp": timestamp.dt.as_unit("us"),
            "channel": list(cols.channel),
            "sentiment": pd.Series(
                [float("nan") if s is None else s for s in cols.sentiment], dtype="float64"
            ),
            "nps": pd.array(list(cols.nps), dtype="Int64"),
            "segment": list(cols.segment),
            "age_group": list(cols.age_group),
            "region": list(cols.region),
            "acquisition": list(cols.acquisition),
            "loan_amount": pd.Series(cols.loan_amount, dtype="int64"),
        },
        columns=list(_COLUMNS),
    )
    return frame


def load_demo_log(engine: str | Engine | None = None) -> EventLog:
    """Return the demo mortgage journey as an :class:`~journeymine.EventLog`, mapped and read.

    The same as ``jm.read_events(load_demo(), **DEMO_COLUMNS, engine=engine)``: the case is
    ``customer_id``, the activity ``touchpoint``, the channel ``channel``.

    Parameters
    ----------
    engine : str or Engine, optional
        The engine to hold the events (default: DuckDB).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> log.n_cases, log.n_events, log.schema.channel
    (3000, 40489, 'channel')
    >>> len(jm.discover_variants(log, by="segment", top=1))
    3
    """
    from journeymine.eventlog import read_events

    c = DEMO_COLUMNS
    return read_events(
        load_demo(),
        case=c["case"],
        activity=c["activity"],
        timestamp=c["timestamp"],
        channel=c["channel"],
        engine=engine,
    )


def write_demo(path: str | os.PathLike[str]) -> Path:
    """Write the demo data as CSV and return the path written.

    Parameters
    ----------
    path : str or path-like
        The CSV file to write, or a folder to write ``demo_mortgage.csv`` in (an existing one,
        or a path ending in ``/``). Missing folders are created; an existing file is overwritten.

    Returns
    -------
    pathlib.Path
        The file written: UTF-8, comma-separated, with a header, ``\\n`` line ends, timestamps
        in ISO 8601 with ``+00:00``, empty fields for missing values. Byte-identical each time.

    Examples
    --------
    >>> import tempfile
    >>> from journeymine.datasets import write_demo
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_demo(folder)
    ...     lines = path.read_text(encoding="utf-8").splitlines()
    >>> path.name
    'demo_mortgage.csv'
    >>> lines[0]
    'customer_id,touchpoint,timestamp,channel,sentiment,nps,segment,age_group,region,acquisition,loan_amount'
    >>> len(lines) - 1
    40489
    """
    target = Path(path)
    if target.is_dir() or str(path).endswith(("/", os.sep)):
        target = target / CSV_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = load_demo()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    frame.to_csv(target, index=False, lineterminator="\n", encoding="utf-8")
    return target


def load_demo_map() -> JourneyMap:
    """The journey map of the demo data: five stages, 18 touchpoints, targets, sentiment, NPS.

    Returns
    -------
    journeymine.journeymap.JourneyMap
        Read from :data:`DEMO_MAP_PATH` (``demo_map.yaml``, to copy and adapt).

    Examples
    --------
    >>> import journeymine as jm
    >>> spec = jm.datasets.load_demo_map()
    >>> [s.name for s in spec.stages]
    ['Orientation', 'Advice', 'Application', 'Offer', 'Closing']
    >>> spec.touchpoint("Service call").target.describe()
    'at most 1 repeat'
    """
    from journeymine.journeymap.spec import JourneyMap

    return JourneyMap.from_yaml(DEMO_MAP_PATH)


def load_demo_ideal() -> IdealJourney:
    """The ideal journey of the demo data, as a customer would want it: for reverse thinking.

    Orientation steps optional, one advisor meeting, the documents uploaded once and accepted
    the first time, no service calls or chats needed, the offer read once, the contract signed.

    Returns
    -------
    journeymine.heuristics.IdealJourney
        Read from :data:`DEMO_IDEAL_PATH` (``demo_ideal.yaml``, to copy and adapt).

    Examples
    --------
    >>> import journeymine as jm
    >>> ideal = jm.datasets.load_demo_ideal()
    >>> ideal.outcome, len(ideal.steps), len(ideal.required)
    (('Contract signed',), 16, 10)
    """
    from journeymine.heuristics.ideal import IdealJourney

    return IdealJourney.from_yaml(DEMO_IDEAL_PATH)
