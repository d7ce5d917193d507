"""Dated records that tie a village or a commune to a day (issue 17 item 6).

villages sits below the apps that keep dated figures (criteria's roll-ups, payments' monthly
reports), so it cannot ask them directly: each registers, in its AppConfig.ready, a function
giving the last day its records of some villages / communes refer to. A move or a merge dated on
or before that day is refused (the record would show under a commune the village had already
left).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DatedRecord:
    day: dt.date
    # What it is, in the user's language (e.g. "đánh giá tiêu chí ngày 15/06/2026").
    label: str


# (village ids, commune ids) -> the newest record of those villages (any level) or of those
# communes (commune level), or None.
LastRecord = Callable[[list[int], list[int]], DatedRecord | None]

_providers: dict[str, LastRecord] = {}


def register_dated_records(name: str, provider: LastRecord) -> None:
    """Called once per app from AppConfig.ready (a second call under the same name replaces)."""
    _providers[name] = provider


def last_dated_record(
    *, village_ids: Iterable[int] = (), commune_ids: Iterable[int] = ()
) -> DatedRecord | None:
    villages, communes = list(village_ids), list(commune_ids)
    found = [p(villages, communes) for p in _providers.values()]
    found = [r for r in found if r is not None]
    return max(found, key=lambda r: r.day) if found else None
