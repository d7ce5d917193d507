"""Demo commune Quảng Tân (Quảng Ninh, 06913), its 10 villages and the demo users."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Commune, Village
from .roles import make_official, make_province_office, make_team_member
from .services import communes_load

DEMO_COMMUNE_CODE = "06913"
# Demo village names (Tân Thanh is the village of the 2022 report; the others are illustrative).
DEMO_VILLAGES = [
    "Tân Thanh", "Tân Hợp", "Tân Tiến", "Tân Bình", "Tân Sơn",
    "Tân Lập", "Tân Hòa", "Tân Phú", "Tân Mới", "Tân Đức",
]  # fmt: skip
DEMO_LEADERS = [
    ("Nguyễn", "Văn Hùng"), ("Trần", "Thị Lan"), ("Lê", "Văn Minh"), ("Phạm", "Thị Hoa"),
    ("Hoàng", "Văn Nam"), ("Vũ", "Thị Mai"), ("Đặng", "Văn Tuấn"), ("Bùi", "Thị Hương"),
    ("Đỗ", "Văn Long"), ("Ngô", "Thị Thu"),
]  # fmt: skip


def demo_commune() -> Commune:
    commune = Commune.objects.filter(code=DEMO_COMMUNE_CODE).first()
    if commune is None:
        communes_load(province_code="22")
        commune = Commune.objects.get(code=DEMO_COMMUNE_CODE)
    if not commune.former_name:
        commune.former_name = "Xã Quảng Tân, huyện Đầm Hà"
        commune.save(update_fields=["former_name"])
    return commune


def _user(username: str, password: str, first: str, last: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    return user


def seed_demo(*, password: str, stdout=None) -> Commune:
    commune = demo_commune()
    for number, name in enumerate(DEMO_VILLAGES, start=1):
        Village.objects.update_or_create(commune=commune, number=number, defaults={"name": name})
    official = _user("official", password, "Thị Thu Hà", "Trần")
    make_official(official, commune)
    for number, (last, first) in enumerate(DEMO_LEADERS, start=1):
        leader = _user(f"leader{number:02d}", password, first, last)
        make_team_member(leader, commune.villages.get(number=number), leader=True)
    # Quảng Ninh's NTM coordination office (province code 22): figures of every commune.
    province = _user("province", password, "Quốc Khánh", "Phạm")
    make_province_office(province, commune.province_code)
    return commune
