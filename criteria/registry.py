"""The indicator registry: `Result`, `Indicator`, `REGISTRY` and the `@indicator` decorator.

The indicators themselves are registered by criteria/indicators.py (and by apps above criteria,
e.g. payments/indicators.py), imported when the apps are ready (CriteriaConfig.ready). This
module imports no model of criteria, so criteria.models can read the registry without an
import cycle.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import FieldError
from django.db.models import QuerySet

from households.populations import Step
from villages.models import Commune, Village

logger = logging.getLogger("criteria.indicators")

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Result:
    """value (percent 0-100, count, 1/0 or VND), the numerator and denominator behind it."""

    value: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    applicable: bool = True

    @classmethod
    def ratio(cls, numerator: int | None, denominator: int | None) -> Result:
        numerator = numerator or 0
        if not denominator:
            return cls(None, numerator, denominator or 0)
        value = (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(CENT)
        return cls(value, numerator, denominator)

    @classmethod
    def count(cls, numerator: int | None, denominator: int | None = None) -> Result:
        return cls(Decimal(numerator or 0), numerator or 0, denominator)

    @classmethod
    def flag(cls, yes: bool, numerator: int | None = None) -> Result:
        return cls(Decimal(1 if yes else 0), numerator, None)


NO_DATA = Result(None)
NOT_APPLICABLE = Result(None, 0, 0, applicable=False)


@dataclass
class Context:
    """What a commune-level indicator may read from the run in progress."""

    # village id -> whether it meets an active village-level set (None: no such set).
    villages_meeting: dict[int, bool] | None = None
    # commune-level set tier -> whether the commune meets that active set in this run.
    sets_met: dict[str, bool] | None = None


@dataclass
class Indicator:
    key: str
    level: str  # "village" | "commune"
    unit: str  # "percent" | "count" | "boolean" | "vnd"
    label: str
    definition: str
    function: Callable
    # Empty village (no row in the grouped result): what it means for this indicator.
    empty: Result = NO_DATA
    noun: str = ""  # "adults with a smartphone": used in "37 more ... to reach 80%"
    gap_kind: str = ""  # residents | households | assets | products
    # Topic of the digital teams' follow-up list (/field/followup/?topic=..., FollowUpTopic).
    followup_topic: str = ""
    # Residents' indicators: the population and the condition (households.populations).
    step: Step | None = None
    _gap: Callable | None = field(default=None, repr=False)
    _commune: Callable | None = field(default=None, repr=False)

    # -- decorators to attach the optional parts
    def gap_rows(self, function: Callable) -> Callable:
        self._gap = function
        return function

    def for_commune(self, function: Callable) -> Callable:
        self._commune = function
        return function

    # -- computing
    def compute_many(self, villages: Sequence[Village], *, on: dt.date) -> dict[int, Result]:
        """Results for every village, from one grouped query (village-level indicators)."""
        villages = list(villages)
        if not villages:
            return {}
        if self.level != "village":
            raise ValueError(f"{self.key} is a commune-level indicator")
        try:
            found = self.function([v.pk for v in villages], on=on)
        except (LookupError, ImportError, FieldError) as exc:
            logger.warning("indicator %s: source not available (%s)", self.key, type(exc).__name__)
            found = None
        if found is None:
            return {v.pk: NO_DATA for v in villages}
        return {v.pk: found.get(v.pk, self.empty) for v in villages}

    def compute(self, scope: Village | Commune, *, on: dt.date, context: Context | None = None):
        """One Result for a village or a commune (a commune sums its villages' figures)."""
        if self.level == "commune":
            if not isinstance(scope, Commune):
                raise ValueError(f"{self.key} is computed for a commune")
            try:
                return self.function(scope, on=on, context=context)
            except (LookupError, ImportError, FieldError):
                return NO_DATA
        if isinstance(scope, Village):
            return self.compute_many([scope], on=on)[scope.pk]
        if self._commune is not None:
            try:
                return self._commune(scope, on=on)
            except (LookupError, ImportError, FieldError):
                return NO_DATA
        return self.combine(self.compute_many(list(scope.villages.all()), on=on).values())

    def combine(self, results: Iterable[Result]) -> Result:
        """A commune figure from its villages' figures (sum of numerators and denominators)."""
        results = [r for r in results if r.value is not None or r.numerator is not None]
        if not results:
            return NO_DATA
        num = sum((r.numerator or 0) for r in results)
        den = sum((r.denominator or 0) for r in results)
        if self.unit == "percent":
            if not any(r.applicable for r in results):
                return NOT_APPLICABLE
            return Result.ratio(num, den)
        if self.unit == "boolean":
            yes = sum(1 for r in results if r.value)
            return Result(Decimal(1 if yes == len(results) else 0), yes, len(results))
        return Result(sum((r.value or 0) for r in results), num, den or None)

    def gap(self, scope: Village | Commune, *, on: dt.date) -> QuerySet | None:
        """The rows still missing (residents, households, assets, products), or None."""
        if self._gap is None:
            return None
        try:
            return self._gap(scope, on=on)
        except (LookupError, ImportError, FieldError):
            return None


REGISTRY: dict[str, Indicator] = {}


def indicator(
    key: str,
    *,
    level: str,
    unit: str,
    label: str,
    definition: str,
    empty: Result = NO_DATA,
    noun: str = "",
    gap_kind: str = "",
    followup_topic: str = "",
    step: Step | None = None,
) -> Callable[[Callable], Indicator]:
    """Register a function under `key` (see the module docstring)."""

    def register(function: Callable) -> Indicator:
        if key in REGISTRY:
            raise ValueError(f"indicator {key!r} registered twice")
        item = Indicator(
            key=key,
            level=level,
            unit=unit,
            label=label,
            definition=definition,
            function=function,
            empty=empty,
            noun=noun,
            gap_kind=gap_kind,
            followup_topic=followup_topic or (step.key if step else ""),
            step=step,
        )
        REGISTRY[key] = item
        return item

    return register


def get(key: str) -> Indicator | None:
    return REGISTRY.get(key)


def choices() -> list[tuple[str, str]]:
    return [(key, f"{key} – {item.label}") for key, item in sorted(REGISTRY.items())]
