"""Risk matrices: the seeded grids cell by cell, validation, non-destructive edits, import and
export."""

import json
from typing import Any

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError

from sqms.core.errors import ConflictError, DomainError
from sqms.risk import matrices
from sqms.risk.models import RiskMatrix

# The expected level of every cell, written out independently of seeds.py: row = probability
# 1..N, column = impact 1..M. L low, M medium, H high, E extreme.
EXPECTED = {
    "3x3": ["LLM", "LMH", "MHH"],
    "4x4": ["LLMM", "LMMH", "MMHE", "MHEE"],
    "5x5": ["LLLMM", "LLMMH", "LMMHH", "MMHHE", "MHHEE"],
}
CODES = {"L": "low", "M": "medium", "H": "high", "E": "extreme"}
RANKS = {"low": 1, "medium": 2, "high": 3, "extreme": 4}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_cell_of_the_seeded_matrices(code: str) -> None:
    matrix = RiskMatrix.objects.get(code=code)
    rows = EXPECTED[code]
    assert len(matrix.probability_levels) == len(rows)
    assert len(matrix.impact_levels) == len(rows[0])
    for p, row in enumerate(rows, start=1):
        for i, letter in enumerate(row, start=1):
            level = matrix.level_for(p, i)
            assert level["code"] == CODES[letter], (code, p, i)
            assert level["rank"] == RANKS[level["code"]]
            assert level["colour"].startswith("#")
    with pytest.raises(ValueError):
        matrix.level_for(0, 1)
    with pytest.raises(ValueError):
        matrix.level_for(1, len(rows[0]) + 1)


@pytest.mark.django_db
def test_the_5x5_matrix_is_the_default() -> None:
    default = matrices.default_matrix()
    assert default is not None and default.code == "5x5"
    assert RiskMatrix.objects.filter(is_default=True).count() == 1


def _definition(code: str = "team3") -> dict[str, Any]:
    return {
        "code": code,
        "name": "班组矩阵",
        "probability_levels": [{"name": "低"}, {"name": "中"}, {"name": "高"}],
        "impact_levels": [{"name": "小"}, {"name": "大"}],
        "risk_levels": [
            {"code": "ok", "name": "可接受", "colour": "#00aa00"},
            {"code": "bad", "name": "不可接受", "colour": "#aa0000"},
        ],
        "grid": [["ok", "ok"], ["ok", "bad"], ["bad", "bad"]],
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "has space"}, "code"),
        ({"name": ""}, "name"),
        ({"probability_levels": [{"name": "only one"}]}, "probability_levels"),
        ({"impact_levels": "x"}, "impact_levels"),
        ({"risk_levels": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]}, "risk_levels"),
        (
            {
                "risk_levels": [
                    {"code": "ok", "name": "A", "colour": "red"},
                    {"code": "bad", "name": "B"},
                ]
            },
            "risk_levels",
        ),
        ({"grid": [["ok", "ok"], ["ok", "bad"]]}, "grid"),
        ({"grid": [["ok", "ok"], ["ok", "worse"], ["bad", "bad"]]}, "grid"),
    ],
)
def test_invalid_definitions_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        matrices.validate_definition({**_definition(), **change})
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_create_update_and_refusals(manager: Any, make_user: Any, org: Any) -> None:
    matrix = matrices.create_matrix(actor=manager, definition=_definition())
    assert matrix.level_for(3, 1)["code"] == "bad"
    with pytest.raises(DomainError):
        matrices.create_matrix(actor=manager, definition=_definition())
    with pytest.raises(PermissionDenied):
        matrices.create_matrix(actor=make_user("agent"), definition=_definition("x"))
    # Not in use: the grid may change.
    changed = matrices.update_matrix(
        matrix, actor=manager, definition={"grid": [["ok", "ok"], ["ok", "ok"], ["bad", "bad"]]}
    )
    assert changed.level_for(2, 2)["code"] == "ok"


@pytest.mark.django_db
def test_a_matrix_in_use_cannot_be_edited_destructively(
    manager: Any, make_risk: Any, matrix5: RiskMatrix
) -> None:
    make_risk(matrix=matrix5)
    before = matrices.export_definition(matrix5)
    grid = [list(row) for row in matrix5.grid]
    grid[0][0] = "extreme"
    for change in (
        {"grid": grid},
        {"impact_levels": matrix5.impact_levels[:4]},
        {"probability_levels": [*matrix5.probability_levels, {"name": "更高"}]},
        {"risk_levels": [{**lvl, "code": f"x{lvl['code']}"} for lvl in matrix5.risk_levels]},
    ):
        # A change of shape alone is also an invalid grid; either way it is refused.
        with pytest.raises((ConflictError, ValidationError)):
            matrices.update_matrix(matrix5, actor=manager, definition=change)
    matrix5.refresh_from_db()
    assert matrices.export_definition(matrix5) == before
    with pytest.raises(ConflictError):
        matrices.delete_matrix(matrix5, actor=manager)
    # Names, descriptions and colours may change.
    levels = [dict(level) for level in matrix5.risk_levels]
    levels[0]["colour"] = "#00ff00"
    levels[0]["name"] = "低风险"
    matrices.update_matrix(matrix5, actor=manager, definition={"risk_levels": levels})
    matrix5.refresh_from_db()
    assert matrix5.risk_levels[0]["name"] == "低风险"
    assert RiskMatrix.objects.filter(code="5x5").exists()


@pytest.mark.django_db
def test_unused_matrix_can_be_deleted(manager: Any) -> None:
    matrix = matrices.create_matrix(actor=manager, definition=_definition())
    matrices.delete_matrix(matrix, actor=manager)
    assert not RiskMatrix.objects.filter(code="team3").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_round_trip(manager: Any, fmt: str) -> None:
    original = RiskMatrix.objects.get(code="4x4")
    text = matrices.dump(original, fmt)
    data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert data["grid"] == original.grid
    assert "几乎确定" in text  # Chinese stays readable, not escaped
    data["code"] = "copy4"
    copy, created = matrices.import_matrix(actor=manager, text=matrices.dump_definition(data, fmt))
    assert created
    for p in range(1, 5):
        for i in range(1, 5):
            assert copy.level_for(p, i) == original.level_for(p, i)
    # Importing the same code again updates rather than duplicates.
    again, created = matrices.import_matrix(actor=manager, text=matrices.dump_definition(data, fmt))
    assert not created and again.pk == copy.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["{broken", "- just\n- a list\n", "code: [unclosed", "x" * 200_000]
)
def test_unreadable_imports_are_refused(manager: Any, text: str) -> None:
    count = RiskMatrix.objects.count()
    with pytest.raises(ValidationError):
        matrices.import_matrix(actor=manager, text=text)
    assert RiskMatrix.objects.count() == count
