"""UI views of checklists: the list, a version's page, a new (draft) version, editing the
draft's threshold and items, and publishing it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sqms.core.errors import DomainError
from sqms.core.forms import add_domain_error
from sqms.core.views import permission_view
from sqms.inspections import access, services
from sqms.inspections.forms import ItemForm, VersionForm
from sqms.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion

VIEW = access.VIEW_TEMPLATE
MANAGE = access.MANAGE_TEMPLATES
ITEM_INITIAL = (
    "section",
    "text",
    "text_en",
    "weight",
    "scoring",
    "max_score",
    "na_allowed",
    "critical",
)


@permission_view(VIEW)
@require_GET
def checklist_list(request: HttpRequest) -> HttpResponse:
    versions = access.visible_versions(request.user).order_by(
        "template__kind", "template__code", "-number"
    )
    templates: dict[int, dict] = {}
    for version in versions:
        entry = templates.setdefault(
            version.template_id, {"template": version.template, "versions": []}
        )
        entry["versions"].append(version)
    context = {"templates": list(templates.values()), "may_manage": request.user.has_perm(MANAGE)}
    return render(request, "inspections/checklist_list.html", context)


def _sections(version: ChecklistVersion) -> list[dict]:
    sections: list[dict] = []
    for item in version.items.all():
        if not sections or sections[-1]["section"].pk != item.section_id:
            sections.append({"section": item.section, "items": []})
        sections[-1]["items"].append(item)
    return sections


@permission_view(VIEW)
@require_GET
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = access.access_version(request.user, pk)
    context = {
        "version": version,
        "sections": _sections(version),
        "may_manage": request.user.has_perm(MANAGE),
        "total_weight": sum(item.weight for item in version.items.all()),
    }
    return render(request, "inspections/checklist_detail.html", context)


@permission_view(VIEW, MANAGE)
@require_POST
def checklist_new_version(request: HttpRequest, pk: int) -> HttpResponseBase:
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    try:
        draft = services.new_version(template, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("inspections_checklist_list")
    messages.success(
        request, _("Draft version %(n)d made; edit and publish it.") % {"n": draft.number}
    )
    return redirect("inspections_checklist_edit", pk=draft.pk)


@permission_view(VIEW, MANAGE)
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A draft's threshold and note, its items (change or remove), and a new item."""
    user = request.user
    version = access.access_version(user, pk)
    if not version.is_editable:
        messages.error(request, _("A published version cannot change; make a new version."))
        return redirect("inspections_checklist_detail", pk=pk)
    version_form = VersionForm(
        initial={"pass_threshold": version.pass_threshold, "note": version.note}
    )
    editing = None
    if request.GET.get("item"):
        editing = get_object_or_404(ChecklistItem, pk=request.GET["item"], version=version)
    item_form = ItemForm(
        version=version,
        prefix="new",
        initial={name: getattr(editing, name) for name in ITEM_INITIAL} if editing else {},
    )
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "version":
                version_form = VersionForm(request.POST)
                if version_form.is_valid():
                    services.update_version(version, actor=user, **version_form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("inspections_checklist_edit", pk=pk)
            elif what == "item":
                item_form = ItemForm(request.POST, version=version, prefix="new")
                if item_form.is_valid():
                    item_id = request.POST.get("item_id")
                    item = (
                        get_object_or_404(ChecklistItem, pk=item_id, version=version)
                        if item_id
                        else None
                    )
                    services.save_item(version, actor=user, item=item, **item_form.cleaned_data)
                    messages.success(request, _("Item saved."))
                    return redirect("inspections_checklist_edit", pk=pk)
            elif what == "remove":
                item = get_object_or_404(
                    ChecklistItem, pk=request.POST.get("item_id"), version=version
                )
                services.remove_item(item, actor=user)
                messages.success(request, _("Item removed."))
                return redirect("inspections_checklist_edit", pk=pk)
            elif what == "publish":
                services.publish_version(version, actor=user)
                messages.success(request, _("Version published."))
                return redirect("inspections_checklist_detail", pk=pk)
        except DomainError as error:
            target = version_form if what == "version" else item_form
            add_domain_error(target, error)
    version = access.access_version(user, pk)
    context = {
        "version": version,
        "sections": _sections(version),
        "version_form": version_form,
        "item_form": item_form,
        "editing": editing,
    }
    return render(request, "inspections/checklist_edit.html", context)
