"""Excel export of the risk register (the rows the user's filter selects)."""

import io
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.risk.flags import annotate_flags, flags_of

MAX_ROWS = 50_000


def _cell(value: str) -> str:
    # A leading = + - @ would make Excel run the text as a formula.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def register_workbook(risks: QuerySet, *, actor: Any, today: date) -> bytes:
    rows = annotate_flags(risks, today).annotate(control_count=Count("controls", distinct=True))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Risk register"))
    header = [
        _("Number"), _("Title"), _("Category"), _("Org unit"), _("Owner"), _("Status"),
        _("Treatment"), _("Matrix"),
        _("Inherent probability"), _("Inherent impact"), _("Inherent level"),
        _("Current probability"), _("Current impact"), _("Current level"),
        _("Residual probability"), _("Residual impact"), _("Residual level"),
        _("Controls"), _("Next review due"), _("Annual probability"),
        _("Loss, 5th percentile"), _("Loss, 95th percentile"), _("Loss unit"),
        _("Quality checks"), _("Description"), _("Cause"), _("Consequence"),
    ]  # fmt: skip
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cell.fill = fill
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for risk in rows[:MAX_ROWS]:
        levels = {lvl["code"]: lvl for lvl in risk.matrix.risk_levels}

        def level_name(code: str, levels: dict = levels) -> str:
            from sqms.risk.models import localised

            return localised(levels[code]) if code in levels else code

        sheet.append(
            [
                risk.number,
                _cell(risk.title),
                str(risk.get_category_display()),
                str(risk.org_unit),
                risk.owner.get_full_name() or risk.owner.username,
                str(risk.get_status_display()),
                str(risk.get_treatment_display()),
                str(risk.matrix),
                risk.inherent_probability,
                risk.inherent_impact,
                level_name(risk.inherent_level),
                risk.current_probability,
                risk.current_impact,
                level_name(risk.current_level),
                risk.residual_probability,
                risk.residual_impact,
                level_name(risk.residual_level),
                risk.control_count,
                risk.review_due,
                float(risk.annual_probability) if risk.annual_probability is not None else None,
                risk.loss_low,
                risk.loss_high,
                str(risk.get_loss_unit_display()),
                "; ".join(str(flag.label) for flag in flags_of(risk)),
                _cell(risk.description),
                _cell(risk.cause),
                _cell(risk.consequence),
            ]
        )
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(
        AuditAction.EXPORT,
        actor=actor,
        object_type="risk.risk",
        object_repr=f"risk register ({count} rows)",
        after={"rows": count},
    )
    return buffer.getvalue()
