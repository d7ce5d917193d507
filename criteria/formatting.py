"""How values and requirements read to people (Vietnamese number formats via Django's l10n)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _number(value: Decimal, places: int) -> str:
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def format_value(value, unit: str) -> str:
    """'85,3%', '3', 'Yes', '72.000.000 đ' or '–' for no value."""
    if value is None:
        return "–"
    value = Decimal(value)
    if unit in ("percent", "ratio"):
        value = value.quantize(Decimal("0.1"))  # 89,96 reads "90%", never "90,0%"
        places = 0 if value == value.to_integral_value() else 1
        return f"{_number(value, places)}%"
    if unit == "boolean":
        return _("Yes") if value else _("No")
    if unit == "vnd":
        return f"{_number(value.quantize(Decimal(1)), 0)} đ"
    return _number(value.quantize(Decimal(1)) if value == int(value) else value, 0)


def format_requirement(criterion) -> str:
    """'≥ 80%', '≥ 1', 'Yes'."""
    if criterion.comparator == "bool":
        return _("Yes")
    symbol = {"gte": "≥", "lte": "≤", "eq": "="}[criterion.comparator]
    return f"{symbol} {format_value(criterion.target, criterion.unit)}"


def format_requirement_note(criterion, short: bool = False) -> str:
    """Whose threshold it is, next to it: 'commune group 2' when the commune's group target
    applies (Decision 51/2025), 'threshold chosen by the commune' when no provincial text gives
    it (Criterion.threshold_basis); '' for one official threshold. `short`: the few words a
    narrow table header holds (the table explains them once)."""
    parts = []
    group = getattr(criterion, "group", None)
    if group is not None:
        if short:
            parts.append(pgettext("threshold note", "group %(group)s") % {"group": group})
        else:
            parts.append(_("Threshold of commune group %(group)s") % {"group": group})
    if criterion.threshold_basis == "commune_choice":
        if short:
            parts.append(pgettext("threshold note", "commune's choice"))
        else:
            parts.append(_("Threshold chosen by the commune (no provincial text sets it)"))
    return "; ".join(parts)


_SOURCE_TAG = re.compile(r"\s*\[[A-Z]{1,3}:[A-Z]{0,3}\d+[a-z]?\]")
_FILE_REF = re.compile(r"\s*[A-Z][A-Z_]*\.md(?:\s*§\s*[\d.\-–]+)?\s*[;,]?")
_SNAKE_KEY = re.compile(
    r"\s*\(\s*[a-z][a-z0-9]*(?:_[a-z0-9]+)+\s*\)|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"
)


def public_help(text: str) -> str:
    """A catalogue's help text as a person reads it: without the research notes' source tags
    ([C:S27]), references to the project's files ("DOMAIN.md §11") and indicator keys
    (cameras_connected_share), which mean nothing outside the team (docs/criteria.md)."""
    if not text:
        return ""
    text = _SOURCE_TAG.sub("", text)
    text = _FILE_REF.sub("", text)
    text = _SNAKE_KEY.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)  # parentheses left empty
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+([.,;:)])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()
