"""Forms of the knowledge UI: write or edit an article, review it, archive it, renew its review
date. They parse input; the rules are the services'."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sqms.core.forms import BootstrapFormMixin, UnitChoiceField
from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return ("— " * (obj.depth - 1)) + str(obj)


def _categories() -> Any:
    from sqms.servicedesk.models import Category

    return Category.objects.filter(is_active=True).order_by("path")


class ArticleForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the customer experiences, in their words."),
    )
    cause = forms.CharField(
        label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    solution = forms.CharField(
        label=_("Solution"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The steps that solve it, one per line."),
    )
    products = forms.CharField(
        label=_("Applicable products and business"),
        max_length=300,
        required=False,
        help_text=_("Tags separated by commas, e.g. 宽带, 光猫, 家庭套餐."),
    )
    category = CategoryChoiceField(
        label=_("Problem type"), queryset=OrgUnit.objects.none(), required=False
    )
    change_note = forms.CharField(label=_("Change note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = _categories()


class ArticleCreateForm(ArticleForm):
    org_unit = UnitChoiceField(
        label=_("Org unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_(
            "Published, it is read in this unit, the units above and below it. "
            "Left empty: your unit."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast(forms.ModelChoiceField, self.fields["org_unit"]).queryset = OrgUnit.objects.filter(
            unit_scope_filter(user, None), is_active=True
        ).order_by("path")


class ReviewForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve and publish")), ("send_back", _("Send back"))],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ArchiveForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RenewForm(BootstrapFormMixin, forms.Form):
    review_by = forms.DateField(label=_("Review by"), widget=DATE)
