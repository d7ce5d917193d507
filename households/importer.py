"""Excel import of households with their residents (one row per resident).

openpyxl reads the sheet; the checking and the preview are ours, because django-import-export
imports one model per sheet and a commune's register mixes the household (repeated on each row)
with its residents (see docs/households.md). `import_check` validates every row and writes
nothing; `import_apply` runs the same checks and writes everything in one transaction, or
nothing. Both take the user: rows of villages outside the user's scope are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from simple_history.utils import bulk_create_with_history

from core import dataversion, spreadsheets
from core.access import scope_for
from core.text import ascii_digits, fold, normalise
from villages.models import Village

from . import crypto, services
from .models import Household, Resident
from .validators import (
    normalise_phone,
    validate_birth_date,
    validate_id_number,
    validate_legacy_id,
)

# Files with more rows than this are checked and imported by a Celery task with progress.
INLINE_MAX_ROWS = 2000
MAX_REPORTED_ERRORS = 500
PROGRESS_EVERY = 250
# ID numbers looked up per query, and new rows per INSERT, when importing.
LOOKUP_CHUNK = 1000
WRITE_CHUNK = 1000

COLUMNS: list[tuple[str, object, bool]] = [
    ("village", _("Village (code, number or name)"), True),
    ("household_number", _("Household number"), True),
    ("house_no", _("House number"), False),
    ("lane", _("Lane / hamlet"), False),
    ("household_phone", _("Household phone"), False),
    ("has_fibre", _("Fibre internet"), False),
    ("has_4g", _("4G coverage"), False),
    ("full_name", _("Full name"), True),
    ("relation", _("Relation to head"), True),
    ("birth_date", _("Birth date (dd/mm/yyyy)"), True),
    ("sex", _("Sex"), True),
    ("id_number", _("Personal ID number (12 digits)"), False),
    ("legacy_id", _("Old 9-digit ID (CMND)"), False),
    ("phone", _("Phone"), False),
    ("status", _("Status"), False),
    ("has_smartphone", _("Smartphone"), False),
    ("vneid_level", _("VNeID level (0, 1, 2)"), False),
    ("has_epayment", _("E-payment account"), False),
    ("uses_online_services", _("Uses online public services"), False),
]

_TRUE = {"co", "x", "yes", "y", "1", "true", "c", "dung"}
_FALSE = {"khong", "", "no", "n", "0", "false", "k", "none"}
_SEX = {"nam": "M", "m": "M", "male": "M", "nu": "F", "f": "F", "female": "F"}
_RELATION = {
    "chu ho": "head", "head": "head", "head of household": "head",
    "vo": "spouse", "chong": "spouse", "vo/chong": "spouse", "spouse": "spouse",
    "con": "child", "con trai": "child", "con gai": "child", "child": "child",
    "bo": "parent", "me": "parent", "cha": "parent", "bo/me": "parent", "parent": "parent",
    "chau": "grandchild", "grandchild": "grandchild",
    "anh": "sibling", "chi": "sibling", "em": "sibling", "anh/chi/em": "sibling",
    "sibling": "sibling", "khac": "other", "other": "other",
}  # fmt: skip
_STATUS = {
    "": "present", "dang o": "present", "thuong tru": "present", "present": "present",
    "o day": "present", "dang song tai day": "present",
    "chuyen di": "moved", "da chuyen di": "moved", "moved": "moved", "moved away": "moved",
    "da mat": "deceased", "mat": "deceased", "deceased": "deceased", "qua doi": "deceased",
}  # fmt: skip


def _fold(value) -> str:
    """Lower case without accents: 'Chủ hộ' -> 'chu ho' (people type either); core.text."""
    return _fold_text(str(value if value is not None else ""))


# A register repeats a few values in most columns (village, 'có'/'không', 'Chủ hộ', 'Nam'):
# each is folded once, not ten times a row (core.text.fold: NFD, filter, NFC, per call).
_fold_text = lru_cache(maxsize=4096)(fold)


def _header_map() -> dict[str, str]:
    from django.utils import translation

    mapping = {}
    for key, label, _required in COLUMNS:
        mapping[_fold(key)] = key
        for lang in ("vi", "en"):
            with translation.override(lang):
                mapping[_fold(str(label))] = key
    return mapping


@dataclass
class Row:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)


@dataclass
class Group:
    village: Village
    number: str
    rows: list[Row] = field(default_factory=list)
    household_id: int | None = None


@dataclass
class CheckResult:
    total_rows: int = 0
    file_errors: list[str] = field(default_factory=list)
    # New residents whose folded name and birth date match a resident of the commune: listed
    # in the preview; the import is confirmed only with an explicit tick (not errors).
    duplicates: list[dict] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    @property
    def row_errors(self) -> list[tuple[int, str]]:
        return [(row.number, message) for row in self.rows for message in row.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def as_json(self) -> dict:
        errors = self.row_errors
        preview = []
        for row in self.rows[:30]:
            v = row.values
            preview.append(
                {
                    "row": row.number,
                    "village": str(v.get("village_name", v.get("village", ""))),
                    "household": str(v.get("household_number", "")),
                    "name": str(v.get("full_name", "")),
                    "relation": str(v.get("relation_label", "")),
                    "id": crypto.mask(v.get("id_clean", "")),
                    "errors": row.errors,
                }
            )
        return {
            "ok": self.ok,
            "file_errors": self.file_errors,
            "errors": [{"row": r, "message": m} for r, m in errors[:MAX_REPORTED_ERRORS]],
            "error_count": len(errors),
            "counts": self.counts,
            "preview": preview,
            "duplicates": self.duplicates[:MAX_REPORTED_ERRORS],
            "duplicate_count": len(self.duplicates),
        }


def count_rows(fileobj) -> int:
    """Rows below the header, counted while the sheet streams: a file past the caps
    (IMPORT_MAX_ROWS, IMPORT_MAX_UNPACKED_SIZE) raises spreadsheets.SheetRefused early."""
    return spreadsheets.count_rows(fileobj)


def _read(fileobj, result: CheckResult) -> Iterable[Row]:
    """The data rows, streamed with the caps of core.spreadsheets (refusal = a file error)."""
    out = []
    try:
        rows = spreadsheets.iter_sheet_rows(fileobj)
        _number, header = next(rows, (1, ()))
        known = _header_map()
        columns = {i: known.get(_fold(title)) for i, title in enumerate(header or ())}
        present = set(columns.values())
        missing = [
            str(label) for key, label, required in COLUMNS if required and key not in present
        ]
        if missing:
            rows.close()
            result.file_errors.append(
                gettext("Missing columns: %(columns)s. Start from the template.")
                % {"columns": ", ".join(missing)}
            )
            return []
        for index, values in rows:
            if not values or all(v in (None, "") for v in values):
                continue
            out.append(
                Row(
                    index,
                    {columns[i]: v for i, v in enumerate(values) if columns.get(i) is not None},
                )
            )
    except spreadsheets.SheetRefused as exc:
        result.file_errors.append(exc.message)
        return []
    return out


def _bool(value, row: Row, label) -> bool:
    folded = _fold(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    row.errors.append(gettext("%(column)s: write 'có' or 'không'.") % {"column": label})
    return False


_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _date(value, row: Row) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first:  # dd/mm/yyyy, the template's form, without strptime's cost per row
        try:
            return dt.date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
        except ValueError:
            pass  # 31/02/1980: the formats below say so with the one message
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    row.errors.append(gettext("Birth date: write it as dd/mm/yyyy, e.g. 05/09/1980."))
    return None


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _villages_for(user) -> dict[str, Village]:
    """Villages the user may import into (leaders: their village; officials: their communes)."""
    scope = scope_for(user)
    lookup: dict[str, Village] = {}
    villages = [
        v for v in Village.objects.for_user(user).select_related("commune")
        if scope.may_manage_village(v)
    ]  # fmt: skip
    single_commune = len({v.commune_id for v in villages}) == 1
    for village in villages:
        lookup[_fold(village.code)] = village
        if single_commune:
            lookup[_fold(village.name)] = village
            lookup[str(village.number)] = village
            lookup[f"{village.number:02d}"] = village
    return lookup


def import_check(fileobj, *, user, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check every row; write nothing. Errors are per row, in the user's language."""
    result = CheckResult()
    rows = _read(fileobj, result)
    result.rows = list(rows)
    result.total_rows = len(result.rows)
    if result.file_errors:
        return result
    villages = _villages_for(user)
    labels = {key: str(label) for key, label, _r in COLUMNS}
    relations = dict(Resident.Relation.choices)
    groups: dict[tuple[int, str], Group] = {}
    for i, row in enumerate(result.rows, start=1):
        _parse_row(row, villages, labels, relations)
        v = row.values
        if v.get("village_obj") is not None and v.get("household_number"):
            key = (v["village_obj"].pk, v["household_number"])
            group = groups.setdefault(key, Group(v["village_obj"], v["household_number"]))
            group.rows.append(row)
        if progress and i % PROGRESS_EVERY == 0:
            progress(i // 2)
    _check_against_database(groups, result, user)
    _find_possible_duplicates(groups, result, user)
    result.groups = groups
    if progress:
        progress(result.total_rows)
    return result


def _parse_row(
    row: Row, villages: dict[str, Village], labels: dict[str, str], relations: dict
) -> None:
    v = row.values
    village = villages.get(_fold(v.get("village")))
    if village is None and isinstance(v.get("village"), (int, float)):
        village = villages.get(str(int(v["village"])))
    if village is None:
        row.errors.append(
            gettext("Unknown village '%(village)s' (or not a village you may import into).")
            % {"village": v.get("village") or ""}
        )
    else:
        v["village_obj"] = village
        v["village_name"] = village.name
    number = v.get("household_number")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    v["household_number"] = ascii_digits(str(number or ""))  # as the register stores it
    if not v["household_number"]:
        row.errors.append(gettext("The household number is missing."))
    v["full_name"] = normalise(str(v.get("full_name") or ""))  # NFC, as typed in the form
    if not v["full_name"]:
        row.errors.append(gettext("The full name is missing."))
    v["name_key"] = fold(v["full_name"])  # as Resident.search_key will store it
    relation = _RELATION.get(_fold(v.get("relation")))
    if relation is None:
        row.errors.append(
            gettext("Unknown relation to head '%(value)s'.") % {"value": v.get("relation") or ""}
        )
    v["relation_key"] = relation
    v["relation_label"] = relations.get(relation, v.get("relation") or "")
    sex = _SEX.get(_fold(v.get("sex")))
    if sex is None:
        row.errors.append(gettext("Sex: write 'Nam' or 'Nữ'."))
    v["sex_key"] = sex
    status = _STATUS.get(_fold(v.get("status")))
    if status is None:
        row.errors.append(gettext("Unknown status '%(value)s'.") % {"value": v.get("status")})
    v["status_key"] = status or "present"
    birth = _date(v.get("birth_date"), row)
    if birth is not None:
        try:
            validate_birth_date(birth)
        except ValidationError as exc:
            row.errors.extend(_messages(exc))
    v["birth"] = birth
    v["id_clean"] = ""
    raw_id = v.get("id_number")
    if isinstance(raw_id, (int, float)):
        raw_id = f"{int(raw_id):012d}"
    if raw_id not in (None, ""):
        try:
            v["id_clean"] = validate_id_number(str(raw_id), birth_date=birth, sex=sex)
        except ValidationError as exc:
            row.errors.extend(
                gettext("ID number: %(error)s") % {"error": m} for m in _messages(exc)
            )
    v["legacy_clean"] = ""
    raw_legacy = v.get("legacy_id")
    if isinstance(raw_legacy, (int, float)):
        raw_legacy = f"{int(raw_legacy):09d}"
    if raw_legacy not in (None, ""):
        try:
            v["legacy_clean"] = validate_legacy_id(str(raw_legacy))
        except ValidationError as exc:
            row.errors.extend(_messages(exc))
    for key in ("household_phone", "phone"):
        raw_phone = v.get(key)
        if isinstance(raw_phone, (int, float)):
            raw_phone = "0" + str(int(raw_phone))
        try:
            v[key] = normalise_phone(raw_phone)
        except ValidationError as exc:
            row.errors.append(f"{labels[key]}: {_messages(exc)[0]}")
    for key in ("has_fibre", "has_4g", "has_smartphone", "has_epayment", "uses_online_services"):
        v[key] = _bool(v.get(key), row, labels[key])
    level = _fold(v.get("vneid_level")).replace("muc", "").replace("level", "").strip()
    if level in {"", "0", "khong", "none"}:
        v["vneid"] = 0
    elif level in {"1", "2", "1.0", "2.0"}:
        v["vneid"] = int(float(level))
    else:
        row.errors.append(gettext("VNeID level: write 0, 1 or 2."))
        v["vneid"] = 0
    for key in ("house_no", "lane"):
        v[key] = str(v.get(key) or "").strip()


def _check_against_database(groups: dict, result: CheckResult, user) -> None:
    """Existing households (update, not duplicate), duplicate IDs, exactly one head."""
    village_ids = {key[0] for key in groups}
    existing = {
        (village_id, number): pk
        for pk, village_id, number in Household.objects.filter(
            village_id__in=village_ids
        ).values_list("id", "village_id", "number")
    }
    # The residents of the households the file updates only (not of every household of its
    # villages: 29,000 model instances for a commune, to match none of them in a new file).
    updated_ids = sorted({existing[key] for key in groups if key in existing})
    residents_by_household = defaultdict(list)
    for start in range(0, len(updated_ids), LOOKUP_CHUNK):
        for r in Resident.objects.filter(
            household_id__in=updated_ids[start : start + LOOKUP_CHUNK]
        ).only("id", "household_id", "full_name", "birth_date", "relation", "id_number_digest"):
            residents_by_household[r.household_id].append(r)
    # The file's ID numbers already registered anywhere: ~1 query per 1,000 numbers (one query
    # per resident took 54 s for 35,000 residents); the message is built only for those.
    for group in groups.values():  # one HMAC per row, kept for the matching below
        for row in group.rows:
            v = row.values
            v["digest"] = crypto.digest(v["id_clean"]) if v["id_clean"] else None
    digests = sorted(
        {row.values["digest"] for group in groups.values() for row in group.rows} - {None}
    )
    taken: dict[str, int] = {}
    for start in range(0, len(digests), LOOKUP_CHUNK):
        taken.update(
            Resident.objects.filter(
                id_number_digest__in=digests[start : start + LOOKUP_CHUNK]
            ).values_list("id_number_digest", "pk")
        )
    seen_ids: dict[str, int] = {}
    # The ID look-up limit (services.id_lookups_paused) is read once, and again after each
    # conflict look-up (the only call that can move it): not one cache round trip per row.
    paused_now = services.id_lookups_paused(user) if digests else None
    counts = dict.fromkeys(
        ("households_new", "households_updated", "residents_new", "residents_updated"), 0
    )
    for key, group in groups.items():
        group.household_id = existing.get(key)
        current = residents_by_household.get(group.household_id, [])
        by_digest = {r.id_number_digest: r for r in current if r.id_number_digest}
        by_name = {(_fold(r.full_name), r.birth_date): r for r in current}  # often none
        rows_relation: list[tuple[int | None, str]] = []
        matched: set[int] = set()
        for row in group.rows:
            v = row.values
            d = v["digest"]
            match = by_digest.get(d) if d else None
            if match is None and by_name:
                match = by_name.get((v["name_key"], v["birth"]))
            if match is not None and match.pk in matched:
                row.errors.append(gettext("This resident appears twice in the file."))
                continue
            paused = paused_now if d else None
            if paused:
                # Over the look-up limit: every row with a number gets the same answer.
                row.errors.append(paused)
            elif d:
                if d in seen_ids:
                    row.errors.append(
                        gettext("This ID number is also on row %(row)s.") % {"row": seen_ids[d]}
                    )
                seen_ids.setdefault(d, row.number)
                owner = taken.get(d)
                if owner is not None and (match is None or owner != match.pk):
                    message = services.id_number_conflict(
                        number=v["id_clean"], user=user, exclude_pk=match.pk if match else None
                    )
                    if message:
                        row.errors.append(message)
                    paused_now = services.id_lookups_paused(user)
            v["match_pk"] = match.pk if match else None
            rows_relation.append((match.pk if match else None, v["relation_key"]))
            if match is not None:
                matched.add(match.pk)
                counts["residents_updated"] += 1
            else:
                counts["residents_new"] += 1
        heads_message = services.head_rule_error(  # the one rule, as in the forms and admin
            stored={r.pk for r in current if r.relation == services.HEAD}, rows=rows_relation
        )
        if heads_message:
            group.rows[0].errors.append(
                gettext("Household %(number)s: %(message)s")
                % {"number": group.number, "message": heads_message}
            )
        counts["households_updated" if group.household_id else "households_new"] += 1
    result.counts = counts


def _find_possible_duplicates(groups: dict, result: CheckResult, user) -> None:
    """New residents of the file with the folded name and birth date of a resident already in
    the commune (another household, or the same person typed without accents / in NFD)."""
    from .services import describe_duplicate

    wanted: dict[tuple[int, str, dt.date], list[Row]] = defaultdict(list)
    for group in groups.values():
        for row in group.rows:
            v = row.values
            if v.get("match_pk") or row.errors or not v.get("birth") or not v.get("full_name"):
                continue
            wanted[(group.village.commune_id, v["name_key"], v["birth"])].append(row)
    if not wanted:
        return
    keys = sorted(wanted, key=lambda k: (k[0], k[1], k[2]))
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        # Exact (name, birth date) pairs: one probe of the index resident_name_birth each, so
        # only the matching rows are read. `name IN (...) AND birth IN (...)` read every
        # resident of the province carrying one of the names (~15,000 heap pages a chunk:
        # 9 of the 13 s of a 1,000-household import on a cold cache; bench/README.md).
        found = (
            Resident.objects.filter(
                _name_birth_pairs(chunk),
                household__village__commune_id__in={k[0] for k in chunk},
            )
            .select_related("household__village")
            .order_by("pk")
        )
        for resident in found:
            key = (resident.household.village.commune_id, resident.search_key, resident.birth_date)
            for row in wanted.get(key, []):
                result.duplicates.append(
                    {
                        "row": row.number,
                        "name": row.values["full_name"],
                        "match": describe_duplicate(resident, user=user),
                    }
                )
    result.duplicates.sort(key=lambda d: d["row"])


def _name_birth_pairs(keys: list[tuple[int, str, dt.date]]) -> Q:
    """The residents whose (search_key, birth_date) is one of `keys`' (commune, name, date).

    On PostgreSQL the pairs are joined as two arrays (unnest), one probe of resident_name_birth
    each (~5 ms a chunk): the planning of a 1,000-arm OR took ~0.3 s a chunk (EXPLAIN ANALYZE:
    297 ms planning, 20 ms execution), 18 chunks for 5,000 households. Elsewhere (SQLite) the
    same pairs as an OR of Q."""
    if connection.vendor != "postgresql":
        return Q(*(Q(search_key=k[1], birth_date=k[2]) for k in keys), _connector=Q.OR)
    table = connection.ops.quote_name(Resident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {table} r JOIN unnest(%s::varchar[], %s::date[]) "
            "AS k(search_key, birth_date) "
            "ON r.search_key = k.search_key AND r.birth_date = k.birth_date",
            [[k[1] for k in keys], [k[2] for k in keys]],
        )
        return Q(pk__in=[row[0] for row in cursor.fetchall()])


def import_apply(fileobj, *, user, progress: Callable[[int], None] | None = None) -> CheckResult:
    """`_import_apply`; a household or ID number saved by someone else between the check and
    the write (a unique constraint) makes the import invalid with a message, never a crash."""
    try:
        return _import_apply(fileobj, user=user, progress=progress)
    except IntegrityError:
        result = CheckResult()
        result.file_errors.append(
            gettext(
                "A household or an ID number of this file was saved by someone else while it "
                "was being imported. Nothing was saved: upload the file again to check it."
            )
        )
        return result


def _import_apply(fileobj, *, user, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check again, then write every household and resident in one transaction, or nothing.

    Households already in the register are updated through households.services (locked, the
    version and head rules, the status date); new
    households and their residents are inserted WRITE_CHUNK rows at a time with their history
    rows (bulk_create_with_history): 10,000 households / 35,000 residents in ~20 s instead of
    ~120 s (bench/README.md)."""
    done = 0
    # The save signals of the updated rows move their village's tokens once, at the end
    # (core.dataversion.deferred), not with two cache round trips per row.
    with transaction.atomic(), dataversion.deferred():
        result = import_check(fileobj, user=user)
        if not result.ok:
            return result
        new_groups = []
        for group in result.groups.values():
            if not group.household_id:
                new_groups.append(group)
                continue
            household = Household.objects.select_for_update().get(pk=group.household_id)
            _fill_household(household, group.rows[0].values)
            services.household_update(
                household=household, expected_version=household.version, user=user
            )
            residents = []
            for row in group.rows:
                v = row.values
                resident = (
                    Resident.objects.get(pk=v["match_pk"])
                    if v["match_pk"]
                    else Resident(household=household)
                )
                _fill_resident(resident, v)
                residents.append(resident)
            # The head rule, those who stop being head first, version + 1 (households.services).
            services.household_residents_save(household=household, residents=residents, user=user)
            if progress and (done + len(residents)) // PROGRESS_EVERY > done // PROGRESS_EVERY:
                progress(done + len(residents))
            done += len(residents)
        for start in range(0, len(new_groups), WRITE_CHUNK):
            groups = new_groups[start : start + WRITE_CHUNK]
            households = []
            for group in groups:
                household = Household(village=group.village, number=group.number)
                _fill_household(household, group.rows[0].values)
                households.append(household)
            bulk_create_with_history(
                households, Household, batch_size=WRITE_CHUNK, default_user=user
            )
            residents = []
            for group, household in zip(groups, households, strict=True):
                for row in group.rows:
                    resident = Resident(household=household)
                    _fill_resident(resident, row.values)
                    services.stamp_status_change(resident, previous_status=None)
                    residents.append(resident)
            bulk_create_with_history(residents, Resident, batch_size=WRITE_CHUNK, default_user=user)
            done += len(residents)
            if progress:
                progress(done)
        # bulk_create sends no signal: the villages' cached parts move on here (core.dataversion).
        villages = {group.village for group in result.groups.values()}
        dataversion.bump(
            communes={v.commune_id for v in villages}, villages={v.pk for v in villages}
        )
    if progress:
        progress(result.total_rows)
    return result


def _fill_household(household: Household, first: dict) -> None:
    for key, attr in (
        ("house_no", "house_no"),
        ("lane", "lane"),
        ("household_phone", "phone"),
    ):
        if first.get(key):
            setattr(household, attr, first[key])
    household.has_fibre = first["has_fibre"]
    household.has_4g = first["has_4g"]


def _fill_resident(resident: Resident, v: dict) -> None:
    resident.full_name = v["full_name"]
    resident.relation = v["relation_key"]
    resident.birth_date = v["birth"]
    resident.sex = v["sex_key"]
    resident.status = v["status_key"]
    if v["id_clean"]:
        resident.set_id_number(v["id_clean"])
    if v["legacy_clean"]:
        resident.set_legacy_id(v["legacy_clean"])
    if v["phone"]:
        resident.phone = v["phone"]
    resident.has_smartphone = v["has_smartphone"]
    resident.vneid_level = v["vneid"]
    resident.has_epayment = v["has_epayment"]
    resident.uses_online_services = v["uses_online_services"]


def template_workbook() -> bytes:
    """The template a commune fills in: one row per resident, household columns repeated."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Households")
    sheet.append([str(label) for _k, label, _r in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(gettext("Instructions"))
    for line in (
        gettext("One row per resident. Repeat the village and household number on each row."),
        gettext("Village: its code (e.g. 06913-01), number or name."),
        gettext("Relation to head: Chủ hộ, Vợ/Chồng, Con, Bố/Mẹ, Cháu, Anh/Chị/Em, Khác."),
        gettext("Exactly one 'Chủ hộ' per household."),
        gettext("Sex: Nam or Nữ. Yes/no columns: có or không."),
        gettext("Status: Đang ở (default), Chuyển đi, Đã mất."),
        gettext("An existing household (same number in the village) is updated, not duplicated."),
        gettext("Example row:"),
    ):
        help_sheet.append([line])
    help_sheet.append(
        ["06913-01", "12", "25", "Xóm 1", "0912345678", "có", "có", "Nguyễn Văn An",
         "Chủ hộ", "05/09/1980", "Nam", "022080001234", "", "", "Đang ở", "có", "2", "có",
         "có"]
    )  # fmt: skip
    help_sheet.column_dimensions["A"].width = 90
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
