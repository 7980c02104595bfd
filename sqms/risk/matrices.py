"""Risk matrix services: validation of a definition, create, update (never destructive while a
risk uses the matrix), delete, and YAML/JSON import and export."""

import json
import re
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.risk.models import RiskMatrix

CHANGE_MATRIX = "risk.change_riskmatrix"
ADD_MATRIX = "risk.add_riskmatrix"
DELETE_MATRIX = "risk.delete_riskmatrix"
DEFINITION_FIELDS = (
    "code",
    "name",
    "name_en",
    "description",
    "probability_levels",
    "impact_levels",
    "risk_levels",
    "grid",
)
# What the grid's shape and meaning depend on: changing any of these re-rates every risk.
STRUCTURE_FIELDS = ("probability_levels", "impact_levels", "risk_levels", "grid")
MIN_LEVELS, MAX_LEVELS = 2, 10
MAX_IMPORT_BYTES = 100_000
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


def _text(value: Any, limit: int) -> str:
    return str(value).strip()[:limit] if value is not None else ""


def _levels(raw: Any, field: str, errors: dict[str, list[str]], *, coded: bool) -> list[dict]:
    if not isinstance(raw, list) or not (MIN_LEVELS <= len(raw) <= MAX_LEVELS):
        errors.setdefault(field, []).append(
            _("Give between %(min)d and %(max)d levels, lowest first.")
            % {"min": MIN_LEVELS, "max": MAX_LEVELS}
        )
        return []
    result = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not _text(entry.get("name"), 60):
            errors.setdefault(field, []).append(
                _("Level %(number)d needs a name.") % {"number": number}
            )
            continue
        colour = _text(entry.get("colour"), 7)
        if colour and not COLOUR.match(colour):
            errors.setdefault(field, []).append(
                _("Level %(number)d: a colour is written #rrggbb.") % {"number": number}
            )
        level = {
            "name": _text(entry.get("name"), 60),
            "name_en": _text(entry.get("name_en"), 60),
            "description": _text(entry.get("description"), 300),
            "colour": colour,
        }
        if coded:
            code = _text(entry.get("code"), 24)
            if not CODE.match(code):
                errors.setdefault(field, []).append(
                    _("Level %(number)d needs a code of letters, digits, - or _.")
                    % {"number": number}
                )
            level = {"code": code, **level}
        result.append(level)
    if coded:
        codes = [level["code"] for level in result]
        if len(set(codes)) != len(codes):
            errors.setdefault(field, []).append(_("Risk level codes must be unique."))
    return result


def validate_definition(data: Any) -> dict[str, Any]:
    """A clean matrix definition from `data`, or ValidationError with a message per field."""
    if not isinstance(data, dict):
        raise ValidationError({"definition": [_("A matrix definition is a mapping of fields.")]})
    errors: dict[str, list[str]] = {}
    code = _text(data.get("code"), 41)
    if not CODE.match(code):
        errors["code"] = [_("Give a code of letters, digits, - or _ (at most 40).")]
    name = _text(data.get("name"), 101)
    if not name or len(name) > 100:
        errors["name"] = [_("Give a name of at most 100 characters.")]
    probability = _levels(data.get("probability_levels"), "probability_levels", errors, coded=False)
    impact = _levels(data.get("impact_levels"), "impact_levels", errors, coded=False)
    risk_levels = _levels(data.get("risk_levels"), "risk_levels", errors, coded=True)
    grid = data.get("grid")
    codes = {level["code"] for level in risk_levels}
    if probability and impact and risk_levels:
        shaped = (
            isinstance(grid, list)
            and len(grid) == len(probability)
            and all(isinstance(row, list) and len(row) == len(impact) for row in grid)
        )
        if not shaped:
            errors["grid"] = [
                _("The grid needs %(rows)d rows (probability) of %(cols)d cells (impact).")
                % {"rows": len(probability), "cols": len(impact)}
            ]
        elif any(cell not in codes for row in grid for cell in row):  # type: ignore[union-attr]
            errors["grid"] = [_("Every cell of the grid must name one of the risk levels.")]
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "name": name,
        "name_en": _text(data.get("name_en"), 100),
        "description": _text(data.get("description"), 2000),
        "probability_levels": probability,
        "impact_levels": impact,
        "risk_levels": risk_levels,
        "grid": [[str(cell) for cell in row] for row in grid],  # type: ignore[union-attr]
    }


def _require(actor: Any, permission: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise PermissionDenied(_("You may not change risk matrices."))


def in_use(matrix: RiskMatrix) -> bool:
    return matrix.pk is not None and matrix.risks.exists()


def export_definition(matrix: RiskMatrix) -> dict[str, Any]:
    return {field: getattr(matrix, field) for field in DEFINITION_FIELDS}


def dump(matrix: RiskMatrix, fmt: str) -> str:
    return dump_definition(export_definition(matrix), fmt)


def dump_definition(definition: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(definition, ensure_ascii=False, indent=2)
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)


def parse(text: str) -> Any:
    """Read a YAML or JSON document (JSON is YAML too, but its own parser gives better errors)."""
    if len(text.encode()) > MAX_IMPORT_BYTES:
        raise ValidationError({"definition": [_("The document is too large.")]})
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return json.loads(stripped)
        return yaml.safe_load(stripped)
    except (ValueError, yaml.YAMLError) as error:
        raise ValidationError(
            {"definition": [_("The document cannot be read: %(error)s") % {"error": error}]}
        ) from error


@transaction.atomic
def create_matrix(*, actor: Any, definition: Any) -> RiskMatrix:
    _require(actor, ADD_MATRIX)
    clean = validate_definition(definition)
    if RiskMatrix.objects.filter(code=clean["code"]).exists():
        raise DomainError(_("A matrix with this code exists already."), field="code")
    matrix = RiskMatrix.objects.create(created_by=actor, **clean)
    audit.record(AuditAction.CREATE, matrix, actor=actor, after=audit.snapshot(matrix))
    return matrix


@transaction.atomic
def update_matrix(matrix: RiskMatrix, *, actor: Any, definition: Any) -> RiskMatrix:
    """Replace the definition; while a risk uses the matrix only names, descriptions and
    colours may change (the shape, level codes and grid would silently re-rate risks)."""
    _require(actor, CHANGE_MATRIX)
    matrix = RiskMatrix.objects.select_for_update().get(pk=matrix.pk)
    merged = {**export_definition(matrix), **definition}
    clean = validate_definition(merged)
    if clean["code"] != matrix.code:
        raise DomainError(_("A matrix's code cannot change."), field="code")
    if in_use(matrix):
        for field in STRUCTURE_FIELDS:
            if _structure(field, clean[field]) != _structure(field, getattr(matrix, field)):
                raise ConflictError(
                    _(
                        "Risks are rated on this matrix: only names, descriptions and colours "
                        "may change. Create a new matrix to change its levels or grid."
                    ),
                    field=field,
                    code="matrix_in_use",
                )
    before = audit.snapshot(matrix)
    for field, value in clean.items():
        setattr(matrix, field, value)
    matrix.save()
    old, new = audit.changes(before, audit.snapshot(matrix))
    audit.record(AuditAction.UPDATE, matrix, actor=actor, before=old, after=new)
    return matrix


def _structure(field: str, value: Any) -> Any:
    if field == "grid":
        return value
    if field == "risk_levels":
        return [level["code"] for level in value]
    return len(value)


@transaction.atomic
def set_default(matrix: RiskMatrix, *, actor: Any) -> RiskMatrix:
    _require(actor, CHANGE_MATRIX)
    RiskMatrix.objects.exclude(pk=matrix.pk).filter(is_default=True).update(is_default=False)
    RiskMatrix.objects.filter(pk=matrix.pk).update(is_default=True)
    matrix.is_default = True
    audit.record(AuditAction.UPDATE, matrix, actor=actor, after={"is_default": True})
    return matrix


@transaction.atomic
def delete_matrix(matrix: RiskMatrix, *, actor: Any) -> None:
    _require(actor, DELETE_MATRIX)
    if in_use(matrix):
        raise ConflictError(
            _("Risks are rated on this matrix; it cannot be deleted."), code="matrix_in_use"
        )
    before = audit.snapshot(matrix)
    pk = matrix.pk
    matrix.delete()
    audit.record(
        AuditAction.DELETE,
        actor=actor,
        before=before,
        object_type="risk.riskmatrix",
        object_id=str(pk),
        object_repr=str(before.get("name", "")),
    )


def import_matrix(*, actor: Any, text: str) -> tuple[RiskMatrix, bool]:
    """Create the matrix the document defines, or update the one with its code; returns the
    matrix and whether it was created."""
    definition = parse(text)
    if not isinstance(definition, dict):
        raise ValidationError({"definition": [_("A matrix definition is a mapping of fields.")]})
    existing = RiskMatrix.objects.filter(code=str(definition.get("code", ""))).first()
    if existing is not None:
        return update_matrix(existing, actor=actor, definition=definition), False
    return create_matrix(actor=actor, definition=definition), True


def default_matrix() -> RiskMatrix | None:
    return RiskMatrix.objects.filter(is_default=True).first() or RiskMatrix.objects.first()
