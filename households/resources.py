"""django-import-export resources for the officials' Excel export: ID numbers masked."""

from __future__ import annotations

from import_export import fields, resources

from .models import Household, Resident


class HouseholdResource(resources.ModelResource):
    village = fields.Field(attribute="village__name", column_name="village")
    village_code = fields.Field(attribute="village__code", column_name="village code")

    class Meta:
        model = Household
        fields = (
            "id", "village", "village_code", "number", "house_no", "lane", "phone", "has_fibre",
            "has_4g", "note",
        )  # fmt: skip
        export_order = fields


class ResidentResource(resources.ModelResource):
    village = fields.Field(attribute="household__village__name", column_name="village")
    household_number = fields.Field(attribute="household__number", column_name="household")
    id_number = fields.Field(attribute="id_number_masked", column_name="ID number (masked)")

    class Meta:
        model = Resident
        fields = (
            "id", "village", "household_number", "full_name", "relation", "birth_date", "sex",
            "id_number", "status", "has_smartphone", "vneid_level", "has_epayment",
            "doc_health_insurance", "doc_driving_licence", "doc_vehicle_registration",
            "uses_online_services",
        )  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("household__village")
