"""Hypothesis strategies that generate event logs, for journeymine's tests and plugins' tests.

>>> from hypothesis import given
>>> from journeymine.testing.strategies import event_frames
>>> @given(event_frames())
... def test_every_event_has_a_case(frame):
...     assert frame["case"].notna().all()
>>> test_every_event_has_a_case()
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INVALID_KINDS", "activity_names", "event_frames", "shuffle_keeping_ties"]

#: the kinds of invalid row ``event_frames(invalid=True)`` may insert, with the reason expected
INVALID_KINDS = {
    "empty case id": ("case", ""),
    "empty activity": ("activity", "  "),
    "unparseable timestamp": ("timestamp", "not a time"),
    "missing timestamp": ("timestamp", None),
}
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def activity_names(unicode: bool = True) -> st.SearchStrategy[str]:
    """Activity (or case) names: short, non-blank, with unicode, quotes and separators."""
    alphabet = (
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
        if unicode
        else st.sampled_from("abcdefgh ABC-_")
    )
    return st.text(alphabet, min_size=1, max_size=8).filter(lambda s: s.strip() != "")


@st.composite
def event_frames(
    draw: st.DrawFn,
    *,
    max_cases: int = 8,
    max_events: int = 7,
    n_activities: int = 5,
    unicode: bool = True,
    ties: bool = True,
    invalid: bool | Collection[str] = False,
) -> pd.DataFrame:
    """A DataFrame of events: ``case, activity, timestamp, channel, segment, amount``.

    ``segment`` and ``amount`` are case attributes (constant within a case; ``amount`` is null
    for some cases). Timestamps are UTC datetimes on a coarse grid, so that ties within a case
    are frequent when ``ties``. With ``invalid``, a few rows get an empty case id or activity,
    or a missing or unparseable timestamp; ``timestamp`` is then ISO 8601 text (so that it can
    hold garbage), and the column ``expected_reason`` says which rows are invalid and why.
    ``invalid`` may also be a collection of :data:`INVALID_KINDS` keys: only those are inserted
    (a format that cannot hold an unparseable time leaves that kind out).
    """
    import pandas as pd

    names = draw(st.lists(activity_names(unicode), min_size=1, max_size=n_activities, unique=True))
    case_ids = draw(st.lists(activity_names(unicode), min_size=1, max_size=max_cases, unique=True))
    step = st.integers(0, 3) if ties else st.integers(1, 10**6)
    rows: list[dict[str, Any]] = []
    for case in case_ids:
        n = draw(st.integers(1, max_events))
        segment = draw(st.sampled_from(["new", "existing", "vip"]))
        amount = draw(st.none() | st.integers(0, 10**6).map(float))
        start = draw(st.integers(0, 10**6))
        times = [start]
        for _ in range(n - 1):
            times.append(times[-1] + draw(step) * 60)
        for t in times:
            rows.append(
                {
                    "case": case,
                    "activity": draw(st.sampled_from(names)),
                    "timestamp": EPOCH + timedelta(seconds=t),
                    "channel": draw(st.sampled_from(["web", "app", "phone"])),
                    "segment": segment,
                    "amount": amount,
                }
            )
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    frame = pd.DataFrame(rows)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[us, UTC]")
    kinds = sorted(INVALID_KINDS) if invalid is True else sorted(invalid or ())
    unknown = sorted(set(kinds) - set(INVALID_KINDS))
    if unknown:
        raise ValueError(
            f"unknown invalid-row kind {unknown[0]!r}; known: {', '.join(sorted(INVALID_KINDS))}"
        )
    if kinds:
        frame["timestamp"] = [ts.isoformat() for ts in frame["timestamp"]]
        frame["expected_reason"] = None
        bad = draw(st.lists(st.integers(0, len(frame) - 1), max_size=3, unique=True))
        for i in bad:
            reason = draw(st.sampled_from(kinds))
            column, value = INVALID_KINDS[reason]
            frame.loc[i, column] = value
            frame.loc[i, "expected_reason"] = reason
    return frame


def shuffle_keeping_ties(
    frame: pd.DataFrame, seed: int, *, case: str = "case", key: str = "timestamp"
) -> pd.DataFrame:
    """Shuffle rows, keeping the input order of events that tie (same case and key).

    Ties keep input order by definition, so this is the widest reordering under which every
    result must stay the same.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"case": ["a", "a", "b"], "timestamp": [1, 1, 2], "x": [1, 2, 3]})
    >>> shuffled = shuffle_keeping_ties(frame, seed=3)
    >>> list(shuffled.loc[shuffled["case"] == "a", "x"])
    [1, 2]
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    keys = rng.permutation(len(frame)).astype(float)
    groups = frame.groupby([frame[case].astype(str), frame[key].astype(str)], sort=False).indices
    for index in groups.values():
        keys[index] = np.sort(keys[index])
    return frame.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)
