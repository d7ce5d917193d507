# ruff: noqa: E501  (tables of demo data read better one row per line)
"""Demo OCOP data for Quảng Tân: 7 products of local producers and one ready stamp batch.

Idempotent (keyed on names and lot codes) and deterministic: no randomness besides the stamp
serials, which must stay unguessable even in a demo.
"""

from __future__ import annotations

import datetime as dt

from .models import Producer, Product, ProductGroup, StampBatch
from .rendering import stamp_batch_render

K = Producer.Kind
# (village number, kind, producer, representative, registration no., phone, address)
PRODUCERS = [
    (1, K.COOPERATIVE, "HTX Nuôi ong Tân Thanh", "Nguyễn Văn Thắng", "5701234567", "0203 3888 101", "Thôn Tân Thanh, xã Quảng Tân"),
    (3, K.HOUSEHOLD_BUSINESS, "Hộ kinh doanh Nước mắm Tân Tiến", "Trần Thị Nga", "22A8001234", "0203 3888 202", "Thôn Tân Tiến, xã Quảng Tân"),
    (5, K.COOPERATIVE_GROUP, "Tổ hợp tác Miến dong Tân Sơn", "Lê Văn Quý", "", "0203 3888 303", "Thôn Tân Sơn, xã Quảng Tân"),
    (7, K.ENTERPRISE, "Công ty TNHH Trà hoa vàng Quảng Tân", "Phạm Minh Đức", "5702345678", "0203 3888 404", "Thôn Tân Hòa, xã Quảng Tân"),
    (2, K.COOPERATIVE, "HTX Dược liệu Tân Hợp", "Hoàng Thị Liên", "5703456789", "0203 3888 505", "Thôn Tân Hợp, xã Quảng Tân"),
    (1, K.HOUSEHOLD_BUSINESS, "Hộ kinh doanh Chổi đót Tân Thanh", "Vũ Văn Bình", "22A8005678", "0203 3888 606", "Thôn Tân Thanh, xã Quảng Tân"),
]  # fmt: skip
# (producer index, name, group, subgroup, score, certificate no., issued on, gtin, links)
PRODUCTS = [
    (0, "Mật ong hoa rừng Quảng Tân", ProductGroup.FOOD, "Thực phẩm chế biến", 78, "QN-OCOP-2023-041", dt.date(2025, 9, 15), "8934567890120", "Shopee | https://shopee.vn/mat-ong-quang-tan\nPostmart | https://postmart.vn/mat-ong-quang-tan"),
    (0, "Sáp ong Tân Thanh", ProductGroup.HERBS, "Sản phẩm từ dược liệu", 62, "QN-OCOP-2024-017", dt.date(2024, 6, 3), "", ""),
    (1, "Nước mắm cá cơm Tân Tiến", ProductGroup.FOOD, "Thực phẩm chế biến", 72, "QN-OCOP-2021-088", dt.date(2021, 5, 10), "", "Voso | https://voso.vn/nuoc-mam-tan-tien"),
    (2, "Miến dong Quảng Tân", ProductGroup.FOOD, "Thực phẩm sơ chế", 66, "QN-OCOP-2024-052", dt.date(2024, 10, 1), "", ""),
    (3, "Trà hoa vàng Quảng Tân", ProductGroup.BEVERAGES, "Đồ uống không cồn", 91, "TW-OCOP-2024-005", dt.date(2024, 12, 20), "8936543210984", "Shopee | https://shopee.vn/tra-hoa-vang-quang-tan\nTiki | https://tiki.vn/tra-hoa-vang-quang-tan"),
    (4, "Rượu ba kích tím Tân Hợp", ProductGroup.BEVERAGES, "Đồ uống có cồn", 69, "QN-OCOP-2023-063", dt.date(2024, 11, 8), "", ""),
    (5, "Chổi đót Tân Thanh", ProductGroup.HANDICRAFTS, "Thủ công mỹ nghệ gia dụng", 58, "QN-OCOP-2025-009", dt.date(2025, 3, 12), "", ""),
]  # fmt: skip
DEMO_LOT = "MO-2025-01"
DEMO_QUANTITY = 40


# Colours of the demo photos (no real photos are shipped): one per product, drawn with Pillow.
PHOTO_COLOURS = ["#c98a1b", "#e2b64a", "#7a3b1e", "#d9c9a3", "#d4a017", "#5b1f3a", "#a8874f"]


def _demo_photo(product, index: int) -> None:
    """A generated 800x600 JPEG: a plain backdrop, a package shape and the product's name."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw, ImageFont

    from .services import product_refresh_thumbnail

    colour = PHOTO_COLOURS[index % len(PHOTO_COLOURS)]
    image = Image.new("RGB", (800, 600), "#f4efe6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 800, 600), fill="#e4dccb")
    draw.rounded_rectangle((290, 140, 510, 470), radius=28, fill=colour, outline="#3b2f1e", width=6)
    draw.rectangle((320, 250, 480, 360), fill="#fffaf0")
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 34)
        small = ImageFont.truetype("DejaVuSans.ttf", 24)
    except OSError:
        font = small = ImageFont.load_default()
    draw.text((400, 305), "OCOP", fill="#3b2f1e", font=font, anchor="mm")
    draw.text((400, 530), product.name, fill="#3b2f1e", font=small, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    product.photo.save(f"demo-{product.pk}.jpg", ContentFile(buffer.getvalue()), save=True)
    product_refresh_thumbnail(product=product)


def seed_demo(commune, *, password: str, stdout=None) -> None:
    villages = {v.number: v for v in commune.villages.all()}
    producers = []
    for number, kind, name, representative, registration, phone, address in PRODUCERS:
        producer, _created = Producer.objects.update_or_create(
            village=villages[number],
            name=name,
            defaults={
                "kind": kind,
                "representative": representative,
                "business_registration_number": registration,
                "phone": phone,
                "address": address,
            },
        )
        producers.append(producer)
    products = []
    for index, name, group, subgroup, score, number, issued, gtin, links in PRODUCTS:
        product = Product.objects.filter(producer=producers[index], name=name).first()
        product = product or Product(producer=producers[index], name=name)
        product.group, product.subgroup, product.score = group, subgroup, score
        product.certificate_number, product.certificate_issued_on = number, issued
        product.certificate_expires_on = None  # derived: issue + 36 months
        product.gtin, product.sales_links = gtin, links
        product.description = f"{name} – sản phẩm OCOP của {commune.name}."
        product.full_clean()
        product.save()
        if not product.photo:
            _demo_photo(product, len(products))
        products.append(product)
    # Every product of Tân Thanh (village 01) carries e-stamps, so that the village can meet the
    # smart-village criterion "OCOP products with e-stamps = 100%"; products elsewhere do not yet.
    stamped = [p for p in products if p.producer.village.number == 1]
    for position, product in enumerate(stamped):
        lot = DEMO_LOT if position == 0 else f"{DEMO_LOT}-{position + 1}"
        batch, _created = StampBatch.objects.get_or_create(
            product=product,
            lot_code=lot,
            defaults={
                "produced_on": dt.date(2025, 3, 1),
                "best_before": dt.date(2027, 3, 1),
                "quantity": DEMO_QUANTITY if position == 0 else 8,
            },
        )
        if batch.status != StampBatch.Status.READY:
            # Rendered here, synchronously: the demo needs no worker (a few labels, under 1 s).
            StampBatch.objects.filter(pk=batch.pk).update(status=StampBatch.Status.QUEUED)
            result = stamp_batch_render(batch_id=batch.pk)
            if stdout is not None:
                stdout.write(f"  OCOP stamp batch {lot}: {result}")
