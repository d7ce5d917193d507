"""The generator: realistic communes, villages, households and residents, teams, payments and
OCOP rows, handed to the writer (bench/scale/writer.py) as tuples."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from households import crypto
from households.validators import PROVINCE_CODES, id_digit_for
from villages.models import Commune, Membership, Village

from .options import USER_PREFIX, Options, official_group, official_username
from .writer import NULL, Sink, Stats, peak_rss_mb, reserve_ids

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
          "Lý", "Đào", "Phan", "Vương", "Trịnh", "Đinh", "Lương", "Hà", "Mai"]  # fmt: skip
FAMILY_WEIGHTS = [38, 11, 9, 7, 5, 4, 3, 3, 3, 2, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1]
MIDDLE = {"M": ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành", "Xuân"],
          "F": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh"]}  # fmt: skip
GIVEN = {
    "M": ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Khánh", "Long", "Mạnh", "Nam",
          "Phong", "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Huy", "Lâm", "Toàn", "Trung"],
    "F": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
          "Ngân", "Nhung", "Phương", "Thảo", "Trang", "Vân", "Yến", "Hằng", "Loan", "Nga"],
}  # fmt: skip
VILLAGE_NAMES = ["Tân Thanh", "Đồng Cao", "Tân Lập", "Đông Hải", "Bắc Sơn", "Nam Hòa", "Trung Tâm",
                 "Cẩm Hưng", "Hòa Bình", "Quyết Thắng", "Đoàn Kết", "Thống Nhất", "Khe Tâm",
                 "Vàng Chè", "Làng Đài", "Hải Yến", "Phú Hải", "Đồng Tâm"]  # fmt: skip
PRODUCTS = [("Mật ong hoa rừng", "food"), ("Chè hoa vàng", "beverages"),
            ("Rượu ba kích", "beverages"),
            ("Chả mực", "food"), ("Sá sùng khô", "food"), ("Miến dong", "food"),
            ("Dầu sở", "herbs"), ("Ba kích tím", "herbs"), ("Nón lá", "handicrafts"),
            ("Gốm Đông Triều", "handicrafts"), ("Trà hoa vàng", "beverages"),
            ("Lan rừng", "ornamental")]  # fmt: skip
PRODUCER_LABELS = {
    "cooperative": "HTX",
    "enterprise": "Công ty TNHH",
    "cooperative_group": "Tổ hợp tác",
    "household_business": "Hộ kinh doanh",
}
PRODUCER_KINDS = ["household_business", "cooperative_group", "cooperative", "enterprise"]
POSITIONS = ["village_head", "party_cell_secretary", "youth_union_secretary",
             "front_committee_head", "womens_union", "farmers_association",
             "veterans_association", "other"]  # fmt: skip
ACTIVITY_KINDS = ["home_visit", "home_visit", "group_session", "campaign_day", "remote_help"]
CATEGORIES = ["electricity", "water", "public_fees", "health", "school_fees", "taxes",
              "social_insurance", "retail"]  # fmt: skip
SOURCES = {"electricity": "power_company", "water": "water_company", "public_fees": "treasury",
           "health": "clinic", "school_fees": "school", "taxes": "treasury",
           "social_insurance": "social_insurance", "retail": "survey"}  # fmt: skip
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# ID numbers: Quảng Ninh (022) first, then the other birth-registration codes, one per 10^6 keys.
ID_PROVINCES = ["022"] + [code for code in PROVINCE_CODES if code != "022"]
# Household sizes 1..7 (mean ≈ 3.7, GSO 2019 census: 3.5 nationally, larger in rural areas).
SIZE_WEIGHTS = [6, 16, 23, 28, 16, 8, 3]


def _name(rng: random.Random, sex: str, family: str | None = None) -> str:
    family = family or rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
    return f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _authority(stars: int) -> str:
    """Who certifies a rating (Decision 148/QĐ-TTg): the province for 3-4 stars, central for 5."""
    if stars >= 5:
        return "central"
    return "province" if stars >= 3 else ""


def _phone(rng: random.Random) -> str:
    return rng.choice(["09", "03", "08", "07"]) + f"{rng.randrange(10**8):08d}"


def _years_ago(today: dt.date, years: float, rng: random.Random) -> dt.date:
    return today - dt.timedelta(days=int(years * 365.25) + rng.randrange(365))


class Generator:
    def __init__(self, options: Options, sink: Sink, stats: Stats, *, stdout=None):
        self.o = options
        self.sink = sink
        self.stats = stats
        self.stdout = stdout or sys.stdout
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.password_hash = make_password(options.password)  # once: PBKDF2 is slow on purpose
        self.total_households = (
            options.communes * options.villages_per_commune * options.households_per_village
        )
        self._last_progress = 0.0
        # A second pass over the same villages (tests growing a data set) renames producers.
        self.round = 0

    # -- per commune, small tables ----------------------------------------------------------

    def commune(self, index: int, commune: Commune) -> None:
        rng = random.Random(f"{self.o.seed}-{commune.code}")
        villages = self.villages(commune, rng)
        users = self.users(commune, villages)
        self.teams(villages, users, rng)
        self.assets(villages, rng)
        self.payments(commune, villages, rng)
        self.ocop(commune, villages, rng)
        self.households(commune, villages, rng)

    def villages(self, commune: Commune, rng: random.Random) -> list[dict]:
        first = reserve_ids(Village, self.o.villages_per_commune)
        rows, out = [], []
        lat0, lon0 = 20.95 + rng.random() * 0.55, 106.6 + rng.random() * 1.3
        for n in range(1, self.o.villages_per_commune + 1):
            name = VILLAGE_NAMES[(n - 1) % len(VILLAGE_NAMES)]
            if n > len(VILLAGE_NAMES):
                name = f"{name} {n // len(VILLAGE_NAMES) + 1}"
            vid = first + n - 1
            rows.append(
                (vid, commune.pk, n, Village.make_code(commune.code, n), f"Thôn {name}", "")
            )
            out.append(
                {
                    "id": vid,
                    "number": n,
                    "code": Village.make_code(commune.code, n),
                    "name": f"Thôn {name}",
                    # How far along the village is: drives every digital-citizen share.
                    "maturity": 0.55 + 0.42 * rng.random(),
                    "lat": lat0 + rng.uniform(-0.04, 0.04),
                    "lon": lon0 + rng.uniform(-0.04, 0.04),
                }
            )
        self.sink.write(Village, ["id", "commune", "number", "code", "name", "former_name"], rows)
        return out

    def users(self, commune: Commune, villages: list[dict]) -> dict:
        """One official for the commune and one leader per village.

        Users are inserted by the ORM (their ids come back); memberships and the group link go
        through the sink, after the villages they point at.
        """
        User = get_user_model()
        group = official_group()
        official = User(
            username=official_username(commune.code),
            first_name="Cán bộ",
            last_name=commune.name[:150],
            is_staff=True,
            password=self.password_hash,
        )
        leaders = [
            User(
                username=f"{USER_PREFIX}{v['code']}-leader",
                first_name="Tổ trưởng",
                last_name=v["name"],
                password=self.password_hash,
            )
            for v in villages
        ]
        created = User.objects.bulk_create([official, *leaders])
        official_id, leader_ids = created[0].pk, [u.pk for u in created[1:]]
        through = User.groups.through
        first = reserve_ids(through, 1)
        self.sink.write(through, ["id", "user", "group"], [(first, official_id, group.pk)])
        first = reserve_ids(Membership, 1 + len(villages))
        rows = [(first, official_id, commune.pk, NULL, Membership.Role.OFFICIAL.value)]
        for k, (uid, v) in enumerate(zip(leader_ids, villages, strict=True), start=1):
            rows.append((first + k, uid, commune.pk, v["id"], Membership.Role.LEADER.value))
        self.sink.write(Membership, ["id", "user", "commune", "village", "role"], rows)
        return {"official": official_id, "leaders": leader_ids}

    def teams(self, villages: list[dict], users: dict, rng: random.Random) -> None:
        from digital_teams.models import DigitalTeam, SupportActivity, TeamMember

        team_first = reserve_ids(DigitalTeam, len(villages))
        team_rows, member_rows, activity_rows, link_rows = [], [], [], []
        sizes = [rng.randint(5, 8) for _ in villages]
        member_first = reserve_ids(TeamMember, sum(sizes))
        months = 12
        plan = []
        for _village in villages:
            # Most teams are active; a few went quiet in the last quarter (criterion not met).
            quiet = rng.random() < 0.15
            per_month = [
                0 if quiet and m < 3 else rng.choice([0, 1, 2, 2, 3]) for m in range(months)
            ]
            plan.append(per_month)
        activity_first = reserve_ids(SupportActivity, sum(sum(p) for p in plan))
        mid, aid = member_first, activity_first
        for i, village in enumerate(villages):
            tid = team_first + i
            founded = self.today - dt.timedelta(days=400 + rng.randrange(300))
            team_rows.append(
                (tid, village["id"], f"{rng.randint(10, 999)}/QĐ-UBND", founded, founded, "")
            )
            members = []
            for k in range(sizes[i]):
                sex = rng.choice("MF")
                members.append(mid)
                member_rows.append(
                    (
                        mid,
                        tid,
                        users["leaders"][i] if k == 0 else NULL,
                        _name(rng, sex),
                        "leader" if k == 0 else "member",
                        POSITIONS[k % len(POSITIONS)],
                        _phone(rng),
                        founded,
                        NULL,
                    )
                )
                mid += 1
            for month, count in enumerate(plan[i]):
                for _ in range(count):
                    day = self.today - dt.timedelta(days=month * 30 + rng.randrange(30))
                    kind = rng.choice(ACTIVITY_KINDS)
                    topics = [rng.random() < p for p in (0.5, 0.3, 0.3, 0.3, 0.2, 0.1, 0.2)]
                    activity_rows.append(
                        (
                            aid,
                            tid,
                            day,
                            kind,
                            *topics,
                            rng.randint(10, 60) if kind in ("group_session", "campaign_day") else 0,
                            "",
                            self.now,
                            NULL,
                        )
                    )
                    for member in rng.sample(members, rng.randint(1, 2)):
                        link_rows.append((aid, member))
                    aid += 1
        self.sink.write(
            DigitalTeam,
            ["id", "village", "decision_number", "decision_date", "founded_on", "note"],
            team_rows,
        )
        self.sink.write(
            TeamMember,
            ["id", "team", "user", "full_name", "role", "position", "phone", "active_from",
             "active_to"],
            member_rows,
        )  # fmt: skip
        self.sink.write(
            SupportActivity,
            ["id", "team", "date", "kind", "topic_vneid", "topic_documents", "topic_epayment",
             "topic_online_services", "topic_digital_address", "topic_ecommerce",
             "topic_online_safety", "participants", "notes", "recorded_at", "recorded_by"],
            activity_rows,
        )  # fmt: skip
        through = SupportActivity.members.through
        self.sink.write(through, ["supportactivity", "teammember"], link_rows)

    def assets(self, villages: list[dict], rng: random.Random) -> None:
        from villages.models import VillageAsset

        rows = []
        for v in villages:
            m = v["maturity"]
            items = []
            if rng.random() < m + 0.1:
                items.append(("wifi", "Nhà văn hóa thôn", True, False))
            for k in range(rng.randint(0, 2)):
                items.append(("wifi", f"Điểm wifi {k + 1}", False, False))
            for k in range(rng.randint(0, 3)):
                items.append(("camera", f"Camera ngã ba {k + 1}", False, rng.random() < m))
            items.append(("loudspeaker", "Loa thông minh", False, True))
            if rng.random() < 0.3:
                items.append(("computer", "Máy tính nhà văn hóa", True, False))
            for kind, name, at_house, connected in items:
                rows.append(
                    (
                        v["id"],
                        kind,
                        name,
                        at_house,
                        "commune",
                        NULL,
                        connected,
                        f"{v['lat'] + rng.uniform(-0.005, 0.005):.6f}",
                        f"{v['lon'] + rng.uniform(-0.005, 0.005):.6f}",
                        self.today - dt.timedelta(days=rng.randrange(900)),
                        "working" if rng.random() < 0.9 else "broken",
                        "",
                    )
                )
        first = reserve_ids(VillageAsset, len(rows))
        self.sink.write(
            VillageAsset,
            ["id", "village", "kind", "name", "at_cultural_house", "owner", "owner_household",
             "connected", "latitude", "longitude", "installed_on", "status", "note"],
            [(first + i, *row) for i, row in enumerate(rows)],
        )  # fmt: skip

    def payments(
        self, commune: Commune, villages: list[dict], rng: random.Random, *, commune_level=True
    ) -> None:
        from payments.models import CashlessReport

        rows = []
        this_month = self.today.replace(day=1)
        periods = []
        for k in range(12):
            index = this_month.year * 12 + this_month.month - 1 - k
            periods.append(dt.date(index // 12, index % 12 + 1, 1))
        h = self.o.households_per_village

        def report(village_id, period, category, payers, share, amount_each):
            share = max(0.0, min(1.0, share))
            cashless = min(payers, int(payers * share))
            total = payers * amount_each
            rows.append(
                (
                    commune.pk,
                    village_id,
                    period,
                    category,
                    payers,
                    cashless,
                    total,
                    int(total * share),
                    SOURCES[category],
                    NULL,
                    "",
                    self.now,
                    self.now,
                )
            )

        for k, period in enumerate(periods):
            growth = 1 - k * 0.015  # shares rise month after month
            for v in villages:
                report(v["id"], period, "electricity", h, v["maturity"] * growth, 350_000)
                report(
                    v["id"], period, "water", int(h * 0.6), v["maturity"] * growth * 0.9, 120_000
                )
            n = h * len(villages)
            for category in CATEGORIES if commune_level else ():
                report(NULL, period, category, n, (0.4 + 0.5 * rng.random()) * growth, 200_000)
        first = reserve_ids(CashlessReport, len(rows))
        self.sink.write(
            CashlessReport,
            ["id", "commune", "village", "period", "category", "payers_total", "payers_cashless",
             "amount_total", "amount_cashless", "source", "entered_by", "note", "created_at",
             "updated_at"],
            [(first + i, *row) for i, row in enumerate(rows)],
        )  # fmt: skip

    def ocop(self, commune: Commune, villages: list[dict], rng: random.Random) -> None:
        from ocop.models import Producer, Product, Stamp, StampBatch, stars_for_score

        n_producers = rng.randint(2, 5)
        producer_first = reserve_ids(Producer, n_producers)
        producers, products = [], []
        for k in range(n_producers):
            v = rng.choice(villages)
            kind = rng.choice(PRODUCER_KINDS)
            label = PRODUCER_LABELS[kind]
            producers.append(
                (
                    producer_first + k,
                    kind,
                    f"{label} {v['name'][5:]} {k + 1}" + (f"-{self.round}" if self.round else ""),
                    _name(rng, rng.choice("MF")),
                    "",
                    v["id"],
                    _phone(rng),
                    f"{v['name']}, {commune.name}",
                    self.now,
                    self.now,
                )
            )
            for _ in range(rng.randint(1, 3)):
                name, group = rng.choice(PRODUCTS)
                score = rng.randint(45, 95)
                issued = self.today - dt.timedelta(days=rng.randrange(1000))
                products.append(
                    [
                        producer_first + k,
                        f"{name} {v['name'][5:]}",
                        group,
                        "",
                        score,
                        stars_for_score(score),
                        f"{rng.randint(100, 9999)}/QĐ-UBND",
                        issued,
                        issued.replace(year=issued.year + 3)
                        if not (issued.month == 2 and issued.day == 29)
                        else issued + dt.timedelta(days=3 * 365),
                        "",
                        "Sản phẩm OCOP của địa phương.",
                        "",
                        "",
                        "",
                        True,
                        self.now,
                        self.now,
                    ]
                )
        product_first = reserve_ids(Product, len(products))
        self.sink.write(
            Producer,
            ["id", "kind", "name", "representative", "business_registration_number", "village",
             "phone", "address", "created_at", "updated_at"],
            producers,
        )  # fmt: skip
        self.sink.write(
            Product,
            ["id", "producer", "name", "group", "subgroup", "score", "stars",
             "certificate_number", "certificate_issued_on", "certificate_expires_on", "gtin",
             "description", "sales_links", "photo", "thumbnail", "is_public", "created_at",
             "updated_at", "certificate_decision_number", "certificate_decision_date",
             "certificate_authority", "standards"],
            [(product_first + i, *row, "", NULL, _authority(row[5]), "")
             for i, row in enumerate(products)],
        )  # fmt: skip
        rated = [product_first + i for i, row in enumerate(products) if row[5] >= 3]
        if not rated or self.o.stamps_per_commune <= 0:
            return
        # Two ready batches sharing the commune's stamps (some rated products carry none).
        quantities = [self.o.stamps_per_commune - self.o.stamps_per_commune // 2,
                      self.o.stamps_per_commune // 2]  # fmt: skip
        quantities = [q for q in quantities if q > 0]
        batch_first = reserve_ids(StampBatch, len(quantities))
        batches, stamps = [], []
        stamp_id = reserve_ids(Stamp, sum(quantities))
        for k, quantity in enumerate(quantities):
            produced = self.today - dt.timedelta(days=rng.randrange(200))
            batches.append(
                (batch_first + k, rated[k % len(rated)], f"LO-{commune.code}-{k + 1}", produced,
                 produced + dt.timedelta(days=730), quantity, "ready", "", quantity, "", "", 1,
                 self.now, self.now, self.now, "", "", NULL, self.now, NULL)
            )  # fmt: skip
            for seq in range(1, quantity + 1):
                serial = "".join(rng.choice(SERIAL_ALPHABET) for _ in range(13))
                stamps.append((stamp_id, batch_first + k, serial, seq, False, NULL, NULL, 0))
                stamp_id += 1
        self.sink.write(
            StampBatch,
            ["id", "product", "lot_code", "produced_on", "best_before", "quantity", "status",
             "error", "progress", "render_token", "render_task_id", "attempts",
             "rendering_started_at", "heartbeat_at", "rendered_at", "pdf_file", "zip_file",
             "revoked_at", "created_at", "created_by"],
            batches,
        )  # fmt: skip
        self.sink.write(
            Stamp,
            ["id", "batch", "serial", "sequence", "revoked", "first_scan_at", "last_scan_at",
             "scan_count"],
            stamps,
        )  # fmt: skip

    # -- households and residents, streamed -------------------------------------------------

    HOUSEHOLD_COLS = ["id", "village", "number", "house_no", "lane", "phone", "has_fibre",
                      "has_4g", "note", "version", "created_at", "updated_at"]  # fmt: skip
    RESIDENT_COLS = ["id", "household", "full_name", "id_number_encrypted", "id_number_digest",
                     "id_number_masked", "id_number_tail", "legacy_id_encrypted",
                     "legacy_id_masked", "birth_date", "sex", "relation", "phone", "status",
                     "status_changed_on", "has_smartphone", "vneid_level", "has_epayment",
                     "doc_health_insurance", "doc_driving_licence", "doc_vehicle_registration",
                     "uses_online_services", "version", "created_at", "updated_at"]  # fmt: skip
    ADDRESS_COLS = ["id", "household", "location_code", "postcode", "latitude", "longitude",
                    "source", "collected_by", "collected_on", "verified_by", "verified_on",
                    "plate_installed", "version"]  # fmt: skip

    def households(self, commune: Commune, villages: list[dict], rng: random.Random) -> None:
        pending: list[tuple[dict, int]] = []  # (village, household number)
        for v in villages:
            for number in range(1, self.o.households_per_village + 1):
                pending.append((v, number))
                if len(pending) >= self.o.batch:
                    self._household_batch(pending, rng)
                    pending = []
        if pending:
            self._household_batch(pending, rng)

    def _household_batch(self, items: list[tuple[dict, int]], rng: random.Random) -> None:
        from households.models import DigitalAddress, Household, Resident

        encrypt, digest, mask = crypto.encrypt, crypto.digest, crypto.mask
        today, now = self.today, self.now
        sizes = [rng.choices(range(1, 8), SIZE_WEIGHTS)[0] for _ in items]
        h_first = reserve_ids(Household, len(items))
        r_id = reserve_ids(Resident, sum(sizes))
        with_address = [rng.random() < v["maturity"] + 0.1 for v, _n in items]
        a_id = reserve_ids(DigitalAddress, sum(with_address))
        households, residents, addresses = [], [], []
        adult_year = today.year - 18
        for i, ((v, number), size) in enumerate(zip(items, sizes, strict=True)):
            hid = h_first + i
            m = v["maturity"]
            households.append(
                (hid, v["id"], str(number), str(rng.randint(1, 300)), f"Xóm {number // 60 + 1}",
                 _phone(rng) if rng.random() < 0.6 else "", rng.random() < m + 0.05,
                 rng.random() < 0.95, "", 1, now, now)
            )  # fmt: skip
            if with_address[i]:
                collected = today - dt.timedelta(days=rng.randrange(365))
                addresses.append(
                    (a_id, hid, f"QN{hid:010d}", f"20{v['number']:03d}",
                     f"{v['lat'] + rng.uniform(-0.01, 0.01):.6f}",
                     f"{v['lon'] + rng.uniform(-0.01, 0.01):.6f}",
                     "police" if rng.random() < 0.8 else "team", NULL, collected, NULL,
                     collected if rng.random() < 0.5 else NULL, rng.random() < 0.6, 1)
                )  # fmt: skip
                a_id += 1
            # The family: head, maybe a spouse, children, maybe a parent of the head.
            head_sex = "M" if rng.random() < 0.75 else "F"
            head_age = rng.randint(24, 80)
            family = rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
            people = [("head", head_sex, head_age, family)]
            if size >= 2 and rng.random() < 0.85:
                people.append(
                    ("spouse", "F" if head_sex == "M" else "M",
                     max(18, head_age + rng.randint(-6, 4)), None)
                )  # fmt: skip
            if size >= 5 and head_age < 60 and rng.random() < 0.5:
                people.append(("parent", rng.choice("MF"), min(98, head_age + rng.randint(22, 32)),
                               None))  # fmt: skip
            while len(people) < size:
                child_age = max(0, head_age - rng.randint(20, 40))
                relation = "child" if head_age < 62 or rng.random() < 0.5 else "grandchild"
                if relation == "grandchild":
                    child_age = max(0, head_age - rng.randint(45, 60))
                people.append((relation, rng.choice("MF"), child_age, family))
            for relation, sex, age, fam in people:
                birth = _years_ago(today, age, rng)
                status = "present"
                if relation != "head":
                    roll = rng.random()
                    status = "moved" if roll < 0.03 else "deceased" if roll < 0.035 else "present"
                adult = birth.year <= adult_year
                senior = age >= 60
                has_id = age >= self.o.id_from_age
                if has_id:
                    number = (
                        ID_PROVINCES[(r_id // 1_000_000) % len(ID_PROVINCES)]
                        + id_digit_for(birth.year, sex)
                        + f"{birth.year % 100:02d}{r_id % 1_000_000:06d}"
                    )
                    ident = (encrypt(number), digest(number), mask(number), number[-3:])
                    self.stats.ids += 1
                else:
                    ident = ("", NULL, "", "")
                smart = adult and rng.random() < m * (0.6 if senior else 1.05)
                vneid = 0
                if age >= 14:
                    roll = rng.random()
                    vneid = (
                        2 if roll < m * (0.75 if senior else 1.0) else 1 if roll < m + 0.1 else 0
                    )
                residents.append(
                    (r_id, hid, _name(rng, sex, fam), *ident, "", "", birth, sex, relation,
                     _phone(rng) if adult and rng.random() < 0.7 else "", status,
                     today - dt.timedelta(days=rng.randrange(400)) if status != "present" else NULL,
                     smart, vneid, adult and rng.random() < m * 0.95,
                     vneid == 2 and rng.random() < 0.7,
                     adult and not senior and rng.random() < 0.3, adult and rng.random() < 0.2,
                     vneid == 2 and rng.random() < 0.5, 1, now, now)
                )  # fmt: skip
                r_id += 1
        self.sink.write(Household, self.HOUSEHOLD_COLS, households)
        self.sink.write(Resident, self.RESIDENT_COLS, residents)
        self.sink.write(DigitalAddress, self.ADDRESS_COLS, addresses)
        self.stats.households += len(households)
        self.stats.residents += len(residents)
        self.progress()

    def progress(self, *, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self._last_progress < 2.0:
            return
        self._last_progress = now
        done, total = self.stats.households, max(1, self.total_households)
        elapsed = now - self.stats.started
        eta = elapsed / done * (total - done) if done else 0
        width = 30
        filled = int(width * done / total)
        self.stdout.write(
            f"[{'#' * filled}{'.' * (width - filled)}] {100 * done / total:5.1f}% "
            f"households {done:,}/{total:,} residents {self.stats.residents:,} "
            f"elapsed {elapsed:5.0f} s eta {eta:5.0f} s peak RSS {peak_rss_mb():.0f} MB\n"
        )
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()
