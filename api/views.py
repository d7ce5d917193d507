"""Read API v1: list endpoints over `for_reader` querysets (core.access), thin views."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from criteria.models import Assessment
from ocop.models import Product
from payments.models import CashlessReport
from villages.models import Commune, Village

from . import serializers
from .permissions import IsFiguresReader

COMMUNE = OpenApiParameter("commune", OpenApiTypes.STR, description="Commune code (5 digits)")
CRITERION = OpenApiParameter("criterion", OpenApiTypes.STR, description="Criterion code")
CRITERIA_SET = OpenApiParameter("criteria_set", OpenApiTypes.STR, description="Set code")


class _ReadOnly(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsFiguresReader]
    model = None
    commune_lookup = "commune__code"
    ordering: tuple[str, ...] = ("pk",)

    def base_queryset(self):
        return self.model.objects.for_reader(self.request.user)

    def get_queryset(self):
        qs = self.base_queryset().order_by(*self.ordering)
        commune = self.request.query_params.get("commune")
        if commune:
            qs = qs.filter(**{self.commune_lookup: commune})
        return qs


@extend_schema_view(list=extend_schema(parameters=[COMMUNE]))
class CommuneViewSet(mixins.RetrieveModelMixin, _ReadOnly):
    """Communes the account may read (its own, or every commune of its province)."""

    model = Commune
    serializer_class = serializers.CommuneSerializer
    lookup_field = "code"
    commune_lookup = "code"
    ordering = ("code",)


@extend_schema_view(list=extend_schema(parameters=[COMMUNE]))
class VillageViewSet(_ReadOnly):
    model = Village
    serializer_class = serializers.VillageSerializer
    ordering = ("code",)

    def base_queryset(self):
        return super().base_queryset().select_related("commune")


@extend_schema_view(list=extend_schema(parameters=[COMMUNE, CRITERION, CRITERIA_SET]))
class AssessmentViewSet(_ReadOnly):
    """Latest roll-up results: value, numerator, denominator, target, met."""

    model = Assessment
    serializer_class = serializers.AssessmentSerializer
    ordering = ("commune__code", "criterion__criteria_set__code", "criterion__order", "pk")

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .filter(latest=True)
            .select_related("commune", "village", "run", "criterion__criteria_set")
            .prefetch_related("village__affiliations")
        )
        params = self.request.query_params
        if params.get("criterion"):
            qs = qs.filter(criterion__code=params["criterion"])
        if params.get("criteria_set"):
            qs = qs.filter(criterion__criteria_set__code=params["criteria_set"])
        return qs


@extend_schema_view(list=extend_schema(parameters=[COMMUNE]))
class CashlessReportViewSet(_ReadOnly):
    model = CashlessReport
    serializer_class = serializers.CashlessReportSerializer
    ordering = ("commune__code", "-period", "category", "pk")

    def base_queryset(self):
        return super().base_queryset().select_related("commune", "village")


@extend_schema_view(list=extend_schema(parameters=[COMMUNE]))
class ProductViewSet(_ReadOnly):
    model = Product
    serializer_class = serializers.ProductSerializer
    commune_lookup = "producer__village__commune__code"
    ordering = ("name", "pk")

    def base_queryset(self):
        return super().base_queryset().select_related("producer__village__commune")
