"""Read API v1: list endpoints over `for_reader` querysets (core.access), thin views."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from core.access import scope_for
from core.dataversion import cached_part
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

    def list(self, request, *args, **kwargs):
        """One commune's results (`?commune=`) are cached under its data version
        (core.dataversion: a roll-up or any write in the commune moves it); the key holds the
        query parameters, the host (the page links) and how far the reader reaches into the
        commune. Without a commune the list is computed each time."""
        code = request.query_params.get("commune")
        commune_id = (
            Commune.objects.for_reader(request.user)
            .filter(code=code)
            .values_list("pk", flat=True)
            .first()
            if code
            else None
        )
        if commune_id is None:
            return super().list(request, *args, **kwargs)
        scope = scope_for(request.user)
        whole = (
            scope.superuser
            or commune_id in scope.official_commune_ids
            or commune_id in scope.province_commune_ids
        )
        reach = "commune" if whole else ",".join(map(str, sorted(scope.team_village_ids)))
        data = cached_part(
            "api:assessments",
            commune_id,
            lambda: super(AssessmentViewSet, self).list(request, *args, **kwargs).data,
            request.build_absolute_uri("/"),
            sorted(request.query_params.lists()),
            reach,
        )
        return Response(data)


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
