"""The Templates page: the birthday bot's message templates (kind, language, weight, active, how many
ways each can fall), their editor and its live preview.

Thin like the other dashboard views, staff only through the same guard: every write is one
service call through the bots' door (``bots.templates``, the admin's and the API's rules), an
``InvalidInput`` is shown next to its field with nothing stored. The editor's preview asks
``message_template_preview_view`` while the user types (htmx); it calls ``template_preview``, the
code behind ``POST /scheduler/message-templates/preview``, so the editor shows what the API and a
run would.
"""
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bots.templates import (
    BODY_MAX,
    PREVIEW_DAYS_LATE,
    TEMPLATE_KINDS,
    WEIGHT_MAX,
    WEIGHT_MIN,
    InvalidInput,
    message_template_create,
    message_template_delete,
    message_template_get,
    message_template_list,
    message_template_update,
    template_preview,
    template_variations,
)
from scheduler_app.dashboard.audit import dashboard_actor
from scheduler_app.dashboard.template_forms import PREVIEW_NAME, TemplateForm
from scheduler_app.dashboard.views import dashboard_staff_required

PAGE = "dashboard:message_templates"
PREVIEW_COUNT = 3
EXCERPT = 30  # characters shown either side of a syntax error


def _template_or_404(template_id):
    template = message_template_get(template_id=template_id)
    if template is None:
        raise Http404("No such template")
    return template


@dashboard_staff_required
@require_GET
def message_templates_page(request: HttpRequest) -> HttpResponse:
    rows = [(t, template_variations(t)) for t in message_template_list(active=None)]
    return render(request, "dashboard/message_templates.html", {"rows": rows})


def _preview_context(*, body: str, kind: str, first_name: str) -> dict:
    """What the editor's preview box shows: three renders and the variation count, or the error
    with the text around its position (the position counts from the body's first non-blank
    character, as the service stores it)."""
    first_name = first_name.strip()[:100] or PREVIEW_NAME
    context = {"first_name": first_name, "kind": kind, "days_late": PREVIEW_DAYS_LATE, "empty": not body.strip()}
    if context["empty"]:
        return context
    try:
        context["preview"] = template_preview(body=body, count=PREVIEW_COUNT, first_name=first_name,
                                              kind=kind if kind in TEMPLATE_KINDS else "today")
    except InvalidInput as exc:
        context["error"] = str(exc)
        if exc.position is not None:
            stored = body.strip()
            at = exc.position
            context["error_at"] = {"position": at, "before": stored[max(at - EXCERPT, 0):at],
                                   "char": stored[at:at + 1], "after": stored[at + 1:at + 1 + EXCERPT]}
    return context


@dashboard_staff_required
@require_POST
def message_template_preview_view(request: HttpRequest) -> HttpResponse:
    """htmx: the preview box for the body as typed so far (nothing stored)."""
    return render(request, "dashboard/_template_preview.html", _preview_context(
        body=request.POST.get("body", ""), kind=request.POST.get("kind", "today"),
        first_name=request.POST.get("preview_name", "")))


def _editor(request: HttpRequest, form: TemplateForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "template": form.template, "kinds": TEMPLATE_KINDS, "body_max": BODY_MAX,
               "weight_min": WEIGHT_MIN, "weight_max": WEIGHT_MAX,
               "not_saved": _("The template was not saved.")}
    context.update(_preview_context(body=str(form.values["body"]), kind=str(form.values["kind"]),
                                    first_name=request.POST.get("preview_name", "")))
    return render(request, "dashboard/message_template_form.html", context, status=status)


def _save(request: HttpRequest, form: TemplateForm) -> HttpResponse:
    try:
        if form.template is None:
            saved = message_template_create(**form.to_data(), actor=dashboard_actor(request))
        else:
            saved = message_template_update(template=form.template, **form.to_data(), actor=dashboard_actor(request))
    except InvalidInput as exc:
        if form.template is not None:
            form.template.refresh_from_db()  # the form shows what was typed; the page header what is stored
        form.errors = {exc.field or "body": [str(exc)]}
        return _editor(request, form, status=400)
    messages.success(request, _("Template #%(id)s saved.") % {"id": saved.pk})
    return redirect(reverse(PAGE) + f"#template-{saved.pk}")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def message_template_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _editor(request, TemplateForm.for_template())
    return _save(request, TemplateForm.from_post(request.POST))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def message_template_edit_view(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template_or_404(template_id)
    if request.method == "GET":
        return _editor(request, TemplateForm.for_template(template))
    return _save(request, TemplateForm.from_post(request.POST, template))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def message_template_delete_view(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template_or_404(template_id)
    if request.method == "POST":
        message_template_delete(template=template, actor=dashboard_actor(request))
        messages.success(request, _("Template #%(id)s deleted.") % {"id": template_id})
        return redirect(PAGE)
    return render(request, "dashboard/notify_confirm_delete.html", {
        "what": _("template"), "name": template.body,
        "consequence": _("Messages already sent with it keep their text, but it stops counting when the bot "
                         "avoids repeating a template to the same person. To stop using it and keep that, "
                         "untick “Active” instead."),
        "action": reverse("dashboard:message_template_delete", kwargs={"template_id": template_id}),
        "cancel": reverse(PAGE),
    })
