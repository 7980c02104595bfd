"""The org-unit picker renders its options in one template pass, with what the stock select
gives: each unit's value and indented label, escaped, and the chosen one selected."""

from typing import Any

import pytest
from django import forms

from sqms.core.forms import UnitChoiceField
from sqms.core.models import OrgUnit

pytestmark = pytest.mark.django_db


class PickerForm(forms.Form):
    unit = UnitChoiceField(queryset=OrgUnit.objects.order_by("path"), required=False)


def test_options_selected_and_escaped(org: Any) -> None:
    org.hall1.name = org.hall1.name_en = '<b>"厅"</b>'  # shown in either language
    org.hall1.save()
    html = str(PickerForm({"unit": org.hall1.pk})["unit"])
    assert html.startswith('<select name="unit"')
    assert '<option value="">' in html  # the empty choice
    assert f'<option value="{org.hall1.pk}" selected>' in html
    assert f'<option value="{org.hq.pk}">' in html
    assert "&lt;b&gt;&quot;厅&quot;&lt;/b&gt;" in html and "<b>" not in html
    assert html.count("<option") == OrgUnit.objects.count() + 1
    assert html.count(" selected") == 1
