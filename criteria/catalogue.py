"""Catalogue files (criteria/catalogues/*.yaml): parse, validate, load as a new version, export.

The format is documented in docs/criteria.md. Loading never edits an existing version: it
creates version n+1 (the previous active version is deactivated and keeps its assessments), or
does nothing when the file says exactly what the active version already says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from .models import CriteriaSet, Criterion

FORMAT = 1
SHIPPED_DIR = Path(__file__).resolve().parent / "catalogues"

SET_KEYS = {"format", "code", "title", "level", "tier", "legal_basis", "valid_from", "valid_to",
            "province_code", "criteria"}  # fmt: skip
CRITERION_KEYS = {"code", "title", "indicator", "comparator", "target", "group_targets", "unit",
                  "weight", "requires_evidence", "options", "definition", "source",
                  "threshold_basis"}  # fmt: skip


class CatalogueError(Exception):
    """A catalogue file that cannot be loaded; `errors` are sentences for the official."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Catalogue:
    """A validated catalogue, not yet saved."""

    set_values: dict
    criteria: list[dict] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.set_values["code"]


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))


# --- Reading ------------------------------------------------------------------------------------


def catalogue_parse(text: str) -> dict:
    """YAML (or JSON, a subset of it) -> a dict; unreadable text is a CatalogueError."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" (line %(line)d)") % {"line": mark.line + 1} if mark else ""
        raise CatalogueError(
            [_("The file is not valid YAML%(where)s.") % {"where": where}]
        ) from exc
    if not isinstance(data, dict):
        raise CatalogueError([_("The file must describe one catalogue (a mapping of fields).")])
    return data


def _decimal(value, errors: list[str], where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append(_("%(where)s: %(value)s is not a number.") % {"where": where, "value": value})
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        errors.append(_("%(where)s: %(value)s is not a number.") % {"where": where, "value": value})
        return None


def _date(value, errors: list[str], name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        errors.append(_("%(name)s: write the date as YYYY-MM-DD.") % {"name": name})
    return parsed


FILE_NAMES = {"indicator_key": "indicator", "help_text": "definition"}


def _messages(exc: ValidationError, where: str) -> list[str]:
    out = []
    for name, messages in exc.message_dict.items():
        name = FILE_NAMES.get(name, name)
        for message in messages:
            out.append(
                f"{where}, {name}: {message}" if name != "__all__" else f"{where}: {message}"
            )
    return out


def catalogue_validate(data: dict) -> Catalogue:
    """Check a parsed file field by field and with the models' own rules; every problem is
    reported at once (CatalogueError), nothing is saved."""
    errors: list[str] = []
    unknown = set(data) - SET_KEYS
    if unknown:
        errors.append(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if data.get("format", FORMAT) != FORMAT:
        errors.append(_("Unsupported format version: %(v)s.") % {"v": data.get("format")})
    for name in ("code", "title", "level"):
        if not data.get(name):
            errors.append(_("The field %(name)s is required.") % {"name": name})
    set_values = {
        "code": str(data.get("code") or "").strip(),
        "title": str(data.get("title") or "").strip(),
        "level": str(data.get("level") or ""),
        "tier": str(data.get("tier") or CriteriaSet.Tier.OTHER),
        "legal_basis": str(data.get("legal_basis") or "").strip(),
        "valid_from": _date(data.get("valid_from"), errors, "valid_from"),
        "valid_to": _date(data.get("valid_to"), errors, "valid_to"),
        "province_code": str(data.get("province_code") or ""),
    }
    candidate = CriteriaSet(**set_values, version=1)
    try:
        candidate.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        errors.extend(_messages(exc, _("Catalogue")))

    items = data.get("criteria")
    criteria: list[dict] = []
    if not isinstance(items, list) or not items:
        errors.append(_("The catalogue has no criteria (a list under 'criteria')."))
        items = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        where = _("Criterion no. %(n)d") % {"n": position}
        if not isinstance(item, dict):
            errors.append(_("%(where)s: must be a mapping of fields.") % {"where": where})
            continue
        code = str(item.get("code") or "").strip()
        if code:
            where = _("Criterion %(code)s") % {"code": code}
        unknown = set(item) - CRITERION_KEYS
        if unknown:
            errors.append(
                _("%(where)s: unknown fields: %(names)s.")
                % {"where": where, "names": ", ".join(sorted(unknown))}
            )
        if code in seen:
            errors.append(_("%(where)s: the code is used twice.") % {"where": where})
        seen.add(code)
        options = item.get("options") or []
        if isinstance(options, str):
            options = [line for line in options.splitlines() if line.strip()]
        group_targets = item.get("group_targets") or {}
        if not isinstance(group_targets, dict):
            errors.append(
                _("%(where)s: group_targets maps a group to a target.") % {"where": where}
            )
            group_targets = {}
        targets = {}
        for group, value in group_targets.items():
            number = _decimal(value, errors, where)
            targets[str(group)] = None if number is None else _plain(number)
        values = {
            "code": code,
            "title": str(item.get("title") or "").strip(),
            "indicator_key": str(item.get("indicator") or ""),
            "comparator": str(item.get("comparator") or Criterion.Comparator.GTE),
            "target": _decimal(item.get("target"), errors, where),
            "group_targets": targets,
            "unit": str(item.get("unit") or Criterion.Unit.PERCENT),
            "weight": _decimal(item.get("weight", 1), errors, where) or Decimal(1),
            "requires_evidence": bool(item.get("requires_evidence", False)),
            "options": "\n".join(str(o).strip() for o in options),
            "help_text": str(item.get("definition") or "").strip(),
            "source": str(item.get("source") or "").strip(),
            "threshold_basis": str(
                item.get("threshold_basis") or Criterion.ThresholdBasis.OFFICIAL
            ),
            "order": position,
        }
        try:
            Criterion(**values).full_clean(
                exclude=["criteria_set"], validate_constraints=False, validate_unique=False
            )
        except ValidationError as exc:
            errors.extend(_messages(exc, where))
        criteria.append(values)
    if errors:
        raise CatalogueError(errors)
    return Catalogue(set_values=set_values, criteria=criteria)


def catalogue_read(text: str) -> Catalogue:
    return catalogue_validate(catalogue_parse(text))


def catalogue_may_load(user, catalogue: Catalogue) -> bool:
    """Superusers load any catalogue; an official only a provincial one of their province
    (national catalogues are law, as in the admin)."""
    from core.access import scope_for
    from villages.models import Commune

    scope = scope_for(user)
    if scope.superuser:
        return True
    province = catalogue.set_values["province_code"]
    if not province:
        return False
    return Commune.objects.filter(
        pk__in=scope.official_commune_ids, province_code=province
    ).exists()


def catalogue_changes(catalogue: Catalogue) -> dict:
    """What loading would change against the active version: codes added, removed, changed."""
    active = (
        CriteriaSet.objects.filter(code=catalogue.code, is_active=True)
        .prefetch_related("criteria")
        .first()
    )
    new = catalogue_dict(catalogue)
    if active is None:
        return {"active": None, "same": False, "added": [], "removed": [], "changed": []}
    old = catalogue_to_dict(active)
    old_items = {c["code"]: c for c in old["criteria"]}
    new_items = {c["code"]: c for c in new["criteria"]}
    return {
        "active": active,
        "same": old == new,
        "set_changed": {k: v for k, v in new.items() if k != "criteria" and old.get(k) != v},
        "added": [c for c in new_items if c not in old_items],
        "removed": [c for c in old_items if c not in new_items],
        "changed": [c for c in new_items if c in old_items and old_items[c] != new_items[c]],
    }


# --- Writing ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    criteria_set: CriteriaSet
    created: bool
    previous: CriteriaSet | None = None


def _same(catalogue: Catalogue, existing: CriteriaSet) -> bool:
    return catalogue_to_dict(existing) == catalogue_dict(catalogue)


def catalogue_load(*, catalogue: Catalogue) -> LoadResult:
    """Save a validated catalogue as the next version of its code (atomic). The active version
    is deactivated, not changed: its assessments keep pointing at it. A file identical to the
    active version creates nothing."""
    with transaction.atomic():
        code = catalogue.code
        versions = CriteriaSet.objects.select_for_update().filter(code=code)
        active = versions.filter(is_active=True).prefetch_related("criteria").first()
        if active is not None and _same(catalogue, active):
            return LoadResult(criteria_set=active, created=False)
        latest = versions.order_by("-version").first()
        number = (versions.aggregate(m=Max("version"))["m"] or 0) + 1
        versions.filter(is_active=True).update(is_active=False)
        new = CriteriaSet.objects.create(
            **catalogue.set_values, version=number, previous=latest, is_active=True
        )
        Criterion.objects.bulk_create(
            Criterion(criteria_set=new, **values) for values in catalogue.criteria
        )
    return LoadResult(criteria_set=new, created=True, previous=latest)


def catalogue_load_file(path: str | Path) -> LoadResult:
    return catalogue_load(catalogue=catalogue_read(Path(path).read_text(encoding="utf-8")))


def _plain(number: Decimal | None):
    """A Decimal as the file writes it: 80, not 80.00; 77.5 stays 77.5."""
    if number is None:
        return None
    number = Decimal(number)
    if number == number.to_integral_value():
        return int(number)
    return float(number.normalize())


def _criterion_dict(values: dict) -> dict:
    out = {
        "code": values["code"],
        "title": values["title"],
        "indicator": values["indicator_key"],
        "comparator": values["comparator"],
        "target": _plain(values["target"]),
        "unit": values["unit"],
        "weight": _plain(values["weight"]),
        "requires_evidence": bool(values["requires_evidence"]),
    }
    if values.get("group_targets"):
        out["group_targets"] = {
            str(k): _plain(v) for k, v in sorted(values["group_targets"].items())
        }
    options = [line.strip() for line in (values.get("options") or "").splitlines() if line.strip()]
    if options:
        out["options"] = options
    out["definition"] = values["help_text"]
    out["source"] = values.get("source", "")
    basis = values.get("threshold_basis") or Criterion.ThresholdBasis.OFFICIAL
    if basis != Criterion.ThresholdBasis.OFFICIAL:  # written only when not the default
        out["threshold_basis"] = basis
    return out


def _set_dict(values: dict, criteria: list[dict]) -> dict:
    return {
        "format": FORMAT,
        "code": values["code"],
        "title": values["title"],
        "level": values["level"],
        "tier": values["tier"],
        "legal_basis": values["legal_basis"],
        "valid_from": values["valid_from"],
        "valid_to": values["valid_to"],
        "province_code": values["province_code"],
        "criteria": [_criterion_dict(c) for c in criteria],
    }


def catalogue_dict(catalogue: Catalogue) -> dict:
    return _set_dict(catalogue.set_values, catalogue.criteria)


def catalogue_to_dict(criteria_set: CriteriaSet) -> dict:
    """A saved version as the file would say it (the export)."""
    names = ["code", "title", "level", "tier", "legal_basis", "valid_from", "valid_to",
             "province_code"]  # fmt: skip
    fields = ["code", "title", "indicator_key", "comparator", "target", "group_targets", "unit",
              "weight", "requires_evidence", "options", "help_text", "source",
              "threshold_basis"]  # fmt: skip
    criteria = [
        {name: getattr(c, name) for name in fields}
        for c in sorted(criteria_set.criteria.all(), key=lambda c: (c.order, c.code))
    ]
    return _set_dict({name: getattr(criteria_set, name) for name in names}, criteria)


def catalogue_dump(data: dict) -> str:
    """YAML as people read it: keys in the documented order, Vietnamese letters unescaped."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def catalogue_export(criteria_set: CriteriaSet) -> str:
    return catalogue_dump(catalogue_to_dict(criteria_set))
