"""Shipped catalogues (DOMAIN.md §1-3): Decision 319/QĐ-TTg model NTM commune 2021-2025 and the
Quảng Ninh smart-village set (editable; thresholds from DOMAIN.md §2.2-2.3, cited per criterion).

The data is frozen here on purpose: later edits happen in the admin, as new versions.
"""

from decimal import Decimal

from django.db import migrations

OUTSTANDING_FIELDS = "\n".join(
    [
        "Sản xuất",
        "Giáo dục",
        "Văn hóa",
        "Du lịch",
        "Cảnh quan môi trường",
        "An ninh trật tự",
        "Chuyển đổi số",
        "Lĩnh vực khác",
    ]
)

SETS = [
    {
        "code": "QD319-2021-2025",
        "title": "Xã nông thôn mới kiểu mẫu giai đoạn 2021–2025 (Quyết định 319/QĐ-TTg)",
        "level": "commune",
        "legal_basis": (
            "Quyết định 319/QĐ-TTg ngày 08/3/2022 của Thủ tướng Chính phủ quy định xã nông thôn "
            "mới kiểu mẫu giai đoạn 2021–2025, Điều 1 (bốn điều kiện)."
        ),
        "valid_from": "2021-01-01",
        "valid_to": "2025-12-31",
        "province_code": "",
        "criteria": [
            {
                "code": "1",
                "title": "Đạt chuẩn xã nông thôn mới nâng cao theo Bộ tiêu chí giai đoạn 2021–2025",
                "indicator_key": "",
                "comparator": "bool",
                "target": None,
                "unit": "boolean",
                "requires_evidence": True,
                "help_text": (
                    "Thủ công: 1 = đạt. Minh chứng: quyết định công nhận xã NTM nâng cao theo "
                    "Bộ tiêu chí 2021–2025 (Quyết định 318/QĐ-TTg); xã công nhận theo tiêu chí "
                    "2018–2020 phải rà soát lại. Nguồn: QĐ 319/QĐ-TTg Điều 1 khoản 1."
                ),
            },
            {
                "code": "2",
                "title": (
                    "Thu nhập bình quân đầu người cao hơn ít nhất 10% so với mức thu nhập "
                    "của xã NTM nâng cao tại thời điểm xét"
                ),
                "indicator_key": "",
                "comparator": "gte",
                "target": Decimal("110"),
                "unit": "percent",
                "requires_evidence": False,
                "help_text": (
                    "Thủ công, so sánh tự tính: tử số = thu nhập bình quân đầu người của xã "
                    "(đồng/người/năm); mẫu số = mức thu nhập quy định cho xã NTM nâng cao cùng "
                    "thời điểm; đạt khi tử số ÷ mẫu số ≥ 110%. Nguồn: QĐ 319/QĐ-TTg Điều 1 khoản 2."
                ),
            },
            {
                "code": "3",
                "title": "Có ít nhất một mô hình thôn thông minh",
                "indicator_key": "villages_meeting_smart_set",
                "comparator": "gte",
                "target": Decimal("1"),
                "unit": "count",
                "requires_evidence": False,
                "help_text": (
                    "Tính tự động: số thôn đạt toàn bộ bộ tiêu chí thôn thông minh của tỉnh "
                    "trong cùng lần tổng hợp. Nguồn: QĐ 319/QĐ-TTg Điều 1 khoản 3 (tiêu chí "
                    "do UBND tỉnh ban hành)."
                ),
            },
            {
                "code": "4",
                "title": "Đạt tiêu chí xã NTM kiểu mẫu ở ít nhất một lĩnh vực nổi trội",
                "indicator_key": "",
                "comparator": "bool",
                "target": None,
                "unit": "boolean",
                "requires_evidence": True,
                "options": OUTSTANDING_FIELDS,
                "help_text": (
                    "Thủ công: chọn lĩnh vực nổi trội, 1 = đạt, kèm minh chứng theo tiêu chí "
                    "của UBND tỉnh. Nguồn: QĐ 319/QĐ-TTg Điều 1 khoản 4."
                ),
            },
        ],
    },
    {
        "code": "TTM-QN",
        "title": "Bộ tiêu chí thôn thông minh (tỉnh Quảng Ninh, mặc định có thể chỉnh sửa)",
        "level": "village",
        "legal_basis": (
            "QĐ 319/QĐ-TTg Điều 1 khoản 3 giao UBND tỉnh ban hành tiêu chí thôn thông minh. "
            "Chưa tìm được quyết định của tỉnh Quảng Ninh: ngưỡng mặc định tổng hợp từ các bộ "
            "tiêu chí tỉnh đã công bố (DOMAIN.md §2.2–2.3); cán bộ điều chỉnh theo văn bản của tỉnh."
        ),
        "valid_from": "2022-01-01",
        "valid_to": None,
        "province_code": "22",
        "criteria": [
            {
                "code": "TTM.01",
                "title": "Hộ gia đình có internet cáp quang (FTTH)",
                "indicator_key": "households_fibre",
                "comparator": "gte",
                "target": Decimal("80"),
                "unit": "percent",
                "help_text": (
                    "Tử số: hộ có cáp quang; mẫu số: tất cả hộ của thôn. Ngưỡng 80%: Hưng Yên "
                    "(Xuân Trúc) [C:S27]; Quảng Ninh toàn tỉnh ~98% [C:S32]."
                ),
            },
            {
                "code": "TTM.02",
                "title": "Wifi miễn phí tại nhà văn hóa thôn",
                "indicator_key": "wifi_cultural_house",
                "comparator": "gte",
                "target": Decimal("1"),
                "unit": "count",
                "help_text": (
                    "Số điểm wifi miễn phí đang hoạt động tại nhà văn hóa thôn. Ngưỡng ≥ 1: "
                    "Phú Yên [C:S23], Vĩnh Phúc [C:S21]."
                ),
            },
            {
                "code": "TTM.03",
                "title": "Camera an ninh, an toàn giao thông kết nối mạng giám sát của thôn",
                "indicator_key": "cameras_connected",
                "comparator": "gte",
                "target": Decimal("1"),
                "unit": "count",
                "help_text": (
                    "Số camera (của xã hoặc của hộ) đang hoạt động và kết nối mạng giám sát. "
                    "Ngưỡng ≥ 1: Phú Yên [C:S23]; Quảng Tân 2022 (DOMAIN.md §11). Có thể đổi sang "
                    "chỉ số tỷ lệ camera kết nối (cameras_connected_share)."
                ),
            },
            {
                "code": "TTM.04",
                "title": "Người trưởng thành (từ 18 tuổi) có điện thoại thông minh",
                "indicator_key": "adults_smartphone",
                "comparator": "gte",
                "target": Decimal("80"),
                "unit": "percent",
                "help_text": (
                    "Tử số: người đang cư trú, đủ 18 tuổi tại ngày đánh giá, có điện thoại thông "
                    "minh; mẫu số: tất cả người như vậy. Ngưỡng 80%: mức thấp của khoảng 80–90% "
                    "(DOMAIN.md §2.3; Hưng Yên 90% [C:S27])."
                ),
            },
            {
                "code": "TTM.05",
                "title": "Người từ 14 tuổi có tài khoản định danh điện tử mức độ 2",
                "indicator_key": "vneid_level2",
                "comparator": "gte",
                "target": Decimal("80"),
                "unit": "percent",
                "help_text": (
                    "Tử số: người đang cư trú, đủ 14 tuổi tại ngày đánh giá, có VNeID mức 2; mẫu "
                    "số: tất cả người như vậy. Ngưỡng do tỉnh quy định (Đà Nẵng [C:S24] không nêu "
                    "ngưỡng); mặc định 80%."
                ),
            },
            {
                "code": "TTM.06",
                "title": "Người trưởng thành có tài khoản thanh toán điện tử",
                "indicator_key": "adults_epayment",
                "comparator": "gte",
                "target": Decimal("77"),
                "unit": "percent",
                "help_text": (
                    "Tử số: người đang cư trú, đủ 18 tuổi, có tài khoản thanh toán điện tử; mẫu "
                    "số: tất cả người như vậy. Ngưỡng 77%: Phú Yên [C:S23]."
                ),
            },
            {
                "code": "TTM.07",
                "title": "Hộ gia đình được gắn địa chỉ số",
                "indicator_key": "households_digital_address",
                "comparator": "gte",
                "target": Decimal("100"),
                "unit": "percent",
                "help_text": (
                    "Tử số: hộ có địa chỉ số (mã vị trí, tọa độ); mẫu số: tất cả hộ của thôn. "
                    "Ngưỡng 100%: Vĩnh Phúc [C:S21]; Quảng Tân thu thập cho mọi hộ (2022)."
                ),
            },
            {
                "code": "TTM.08",
                "title": "Tổ công nghệ số cộng đồng được thành lập và hoạt động",
                "indicator_key": "digital_team_active",
                "comparator": "bool",
                "target": None,
                "unit": "boolean",
                "help_text": (
                    "Đạt khi thôn có tổ được thành lập (quyết định của UBND xã) và có ít nhất một "
                    "hoạt động hỗ trợ trong 90 ngày tính đến ngày đánh giá. Nguồn: công văn "
                    "793/BTTTT-THH [C:S18]."
                ),
            },
            {
                "code": "TTM.09",
                "title": "Sản phẩm OCOP của thôn có tem điện tử / mã truy xuất nguồn gốc",
                "indicator_key": "ocop_products_estamp",
                "comparator": "gte",
                "target": Decimal("100"),
                "unit": "percent",
                "help_text": (
                    "Tử số: sản phẩm OCOP của chủ thể trong thôn có lô tem sẵn sàng; mẫu số: tất "
                    "cả sản phẩm OCOP của thôn; thôn không có sản phẩm: không áp dụng. Ngưỡng "
                    "100%: mục tiêu của Quảng Ninh (DOMAIN.md §11)."
                ),
            },
            {
                "code": "TTM.10",
                "title": "Thanh toán tiền điện không dùng tiền mặt (theo số người nộp)",
                "indicator_key": "electricity_cashless_payers",
                "comparator": "gte",
                "target": Decimal("80"),
                "unit": "percent",
                "help_text": (
                    "Báo cáo tiền điện gần nhất của thôn (trong 12 tháng): số người nộp không "
                    "dùng tiền mặt ÷ tổng số người nộp. Ngưỡng 80%: Quảng Ninh đạt 85,75% năm "
                    "2022 (DOMAIN.md §11)."
                ),
            },
        ],
    },
]


def ship(apps, schema_editor):
    CriteriaSet = apps.get_model("criteria", "CriteriaSet")
    Criterion = apps.get_model("criteria", "Criterion")
    for data in SETS:
        data = dict(data)
        criteria = data.pop("criteria")
        criteria_set, created = CriteriaSet.objects.get_or_create(
            code=data["code"], version=1, defaults={**data, "is_active": True}
        )
        if not created:
            continue
        for order, item in enumerate(criteria, start=1):
            Criterion.objects.create(criteria_set=criteria_set, order=order, **item)


def unship(apps, schema_editor):
    CriteriaSet = apps.get_model("criteria", "CriteriaSet")
    Assessment = apps.get_model("criteria", "Assessment")
    codes = [s["code"] for s in SETS]
    if not Assessment.objects.filter(criterion__criteria_set__code__in=codes).exists():
        CriteriaSet.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("criteria", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
