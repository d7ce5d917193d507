"""Read-only shapes of the API: figures, never personal data (no household, resident, phone,
producer contact or evidence note/file is serialised anywhere)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from criteria.models import Assessment
from ocop.models import Product
from payments.models import CashlessReport
from villages.models import Commune, Village


class CommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["code", "name", "division_type", "province_code", "province_name"]


class VillageSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code", read_only=True)

    class Meta:
        model = Village
        fields = ["code", "number", "name", "commune"]


class AssessmentSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code", read_only=True)
    village = serializers.SerializerMethodField()
    criteria_set = serializers.CharField(source="criterion.criteria_set.code", read_only=True)
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    criterion_title = serializers.CharField(source="criterion.title", read_only=True)
    comparator = serializers.CharField(source="criterion.comparator", read_only=True)
    target = serializers.DecimalField(
        source="criterion.target", max_digits=18, decimal_places=2, read_only=True
    )
    unit = serializers.CharField(source="criterion.unit", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "commune",
            "village",
            "criteria_set",
            "criterion",
            "criterion_title",
            "comparator",
            "target",
            "unit",
            "value",
            "numerator",
            "denominator",
            "status",
            "met",
            "computed_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_village(self, obj) -> str | None:
        """The village's code in the commune of the roll-up (a village that moved since keeps
        its earlier code under its earlier commune; villages.VillageAffiliation)."""
        village = obj.village
        if village is None:
            return None
        if village.commune_id != obj.commune_id:
            day = obj.run.on
            then = [a for a in village.affiliations.all() if a.commune_id == obj.commune_id]
            for row in then:  # prefetched by the view
                if row.covers(day):
                    return row.code
            if then:
                return then[-1].code
        return village.code


class CashlessReportSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code", read_only=True)
    village = serializers.CharField(source="village.code", read_only=True, default=None)

    class Meta:
        model = CashlessReport
        fields = [
            "commune",
            "village",
            "period",
            "category",
            "payers_total",
            "payers_cashless",
            "amount_total",
            "amount_cashless",
            "source",
        ]


class ProductSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="producer.village.commune.code", read_only=True)
    village = serializers.CharField(source="producer.village.code", read_only=True)
    producer = serializers.CharField(source="producer.name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "group",
            "score",
            "stars",
            "certificate_number",
            "certificate_issued_on",
            "certificate_expires_on",
            "producer",
            "commune",
            "village",
        ]
