"""The OpenAPI schema class: every operation also documents the error answers it can give."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import ForeignObjectRel
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# DRF's exceptions and sqms's DomainError (see exceptions.py) answer {"detail": …}, a domain
# error adds its "code" and the field it concerns; a validation error answers {field: [message]}.
_ERROR_DESCRIPTIONS = {
    "400": "Invalid input: field name → messages (non_field_errors for the whole input), or "
    "detail and code for a refused domain rule",
    "401": "Not authenticated: no, or an invalid, expired or revoked token",
    "403": "The user's roles or scope do not allow this",
    "404": "No such record within the user's scope, or no such page",
    "409": "The record's state does not allow this, or it conflicts with an existing record",
    "415": "The body's media type is not one the operation reads",
}

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_BODY_METHODS = {"POST", "PUT", "PATCH"}


class ErrorSerializer(serializers.Serializer):
    """A refused request: a message, and for a domain rule its code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# Field names are the operation's own (a field may well be called "code" or "detail"), so the
# body is an object of messages: a list per field, a nested object for a nested field.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages per field (non_field_errors for the whole input); detail and code "
    "when a domain rule refused the input.",
    "additionalProperties": {},
}


def _source_model_field(field: serializers.Field) -> tuple[bool, Any]:
    """Whether the model path a read-only field's source follows may hold null (a nullable
    foreign key on the way, or a reverse one-to-one that may not exist), and the model field
    at its end (None when the source ends in a property or method)."""
    parent = field.parent
    if isinstance(parent, serializers.ListSerializer) or isinstance(
        field, serializers.ListSerializer
    ):
        return False, None
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source_attrs = getattr(field, "source_attrs", None)
    if model is None or not source_attrs:
        return False, None
    nullable = False
    model_field: Any = None
    for attr in source_attrs:
        if model is None:
            return nullable, None
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return nullable, None
        if isinstance(model_field, ForeignObjectRel):
            if not model_field.one_to_one:
                return False, None  # a reverse list: never null
            nullable = True
        else:
            nullable = nullable or bool(model_field.null)
        model = model_field.related_model if model_field.is_relation else None
    return nullable, model_field


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        # DRF drops allow_null and allow_blank from read-only fields (they validate no input),
        # but the values they show may still be null or blank: say so in the schema.
        if field.read_only:
            nullable, model_field = _source_model_field(field)
            if nullable:
                field.allow_null = True
            shows_text = isinstance(field, serializers.ChoiceField) or isinstance(
                model_field, models.CharField
            )
            if shows_text and isinstance(model_field, models.Field) and model_field.blank:
                field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if getattr(field, "allow_blank", False) and schema.get("format"):
            # An optional e-mail or URL is stored blank: "" is valid beside the format.
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        declared_errors = [code for code in responses if code.startswith("4")]
        for code in dict.fromkeys([*self._error_codes(), *declared_errors]):
            declared = responses.get(code)
            if declared is not None and declared.get("content"):
                continue  # the view declared its own body for this code
            body: Any = self._validation_error_ref() if code == "400" else ErrorSerializer
            response = self._get_response_for_code(body, code, direction=direction)
            description = (declared or {}).get("description") or _ERROR_DESCRIPTIONS.get(code, "")
            response["description"] = description
            responses[code] = response
        return responses

    def _validation_error_ref(self) -> dict[str, str]:
        component = ResolvedComponent(
            name="ValidationError",
            type=ResolvedComponent.SCHEMA,
            object="ValidationError",
            schema=VALIDATION_ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error_codes(self) -> list[str]:
        codes = []
        takes_query = self._is_list_view() or any(
            not isinstance(parameter, OpenApiParameter) or parameter.location == "query"
            for parameter in self.get_override_parameters()
        )
        if self.method != "GET" or takes_query:
            codes.append("400")  # a body or query the serializer or filterset refuses
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path or self._is_list_view():
            codes.append("404")  # a record out of scope, or a page past the last
        if self.method in _UNSAFE_METHODS:
            codes.append("409")
        if self.method in _BODY_METHODS:
            codes.append("415")
        return codes
