"""The Notifications page (issue 19): channels, rules, open incidents and recent deliveries, and
the forms that write them.

Thin like the job views (scheduler_app/dashboard/views.py), and staff only through the same
guard: every write is one call into ``scheduler_app.notify.services`` (the API's code path), a
``JobValidationError`` is shown next to its fields with nothing stored, and each action is a
plain form (POST, then redirect). A channel's secret never goes back to the browser: the pages
show its last 4 characters; the one exception is a webhook secret the service generated, shown
once on the page that answers the create (never put in a cookie-backed message).
"""
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduler_app.dashboard.audit import dashboard_actor
from scheduler_app.dashboard.notify_forms import ChannelForm, RuleForm
from scheduler_app.dashboard.notify_rows import channel_row, rule_row
from scheduler_app.dashboard.selectors import notify_channels, notify_deliveries, notify_incidents, notify_rules
from scheduler_app.dashboard.views import dashboard_staff_required
from scheduler_app.models import BotType
from scheduler_app.notify.models import ChannelKind
from scheduler_app.notify.selectors import channel_get, rule_get
from scheduler_app.notify.services.channels import (
    channel_create,
    channel_delete,
    channel_update,
    rule_create,
    rule_delete,
    rule_update,
)
from scheduler_app.notify.services.deliveries import delivery_send_test
from scheduler_app.reasons import reason_display
from scheduler_app.selectors import job_get
from scheduler_app.validation import JobValidationError

PAGE = "dashboard:notifications"


def _channel_or_404(channel_id) -> object:
    channel = channel_get(channel_id=channel_id)
    if channel is None:
        raise Http404("No such channel")
    return channel


def _rule_or_404(rule_id) -> object:
    rule = rule_get(rule_id=rule_id)
    if rule is None:
        raise Http404("No such rule")
    return rule


def _next(request: HttpRequest) -> str:
    """Where to go after the form (the job's history page a rule was added from), same site only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _done(request: HttpRequest, anchor: str = "") -> HttpResponse:
    return redirect(_next(request) or reverse(PAGE) + anchor)


@dashboard_staff_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/notifications.html", {
        "channels": [channel_row(channel) for channel in notify_channels()],
        "rules": [rule_row(rule) for rule in notify_rules()],
        "incidents": notify_incidents(),
        "deliveries": notify_deliveries(),
    })


# --- channels -------------------------------------------------------------------------------


def _channel_form(request: HttpRequest, form: ChannelForm) -> HttpResponse:
    return render(request, "dashboard/channel_form.html",
                  {"form": form, "channel": form.channel, "kinds": ChannelKind.choices, "next": _next(request)})


def _channel_save(request: HttpRequest, channel=None) -> HttpResponse:
    form = ChannelForm.from_post(request.POST, channel=channel)
    if "_refresh" in request.POST:  # no-JS "show the fields for this kind": nothing is saved
        return _channel_form(request, form)
    data = form.to_data(request.POST)
    try:
        if channel is None:
            saved = channel_create(data=data, actor=dashboard_actor(request))
        else:
            saved = channel_update(channel=channel, changes=data, partial=False, actor=dashboard_actor(request))
    except JobValidationError as exc:
        form.errors = exc.errors
        return _channel_form(request, form)
    if channel is None and saved.secret and "secret" not in data:
        # The service generated the signing secret: this answer is the only place it is shown.
        return render(request, "dashboard/channel_secret.html", {"channel": saved, "secret": saved.secret})
    messages.success(request, _("Channel “%(name)s” saved.") % {"name": saved.name})
    return _done(request, "#channels")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def channel_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _channel_save(request)
    return _channel_form(request, ChannelForm.for_channel())


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def channel_edit_view(request: HttpRequest, channel_id) -> HttpResponse:
    channel = _channel_or_404(channel_id)
    if request.method == "POST":
        return _channel_save(request, channel=channel)
    return _channel_form(request, ChannelForm.for_channel(channel))


@dashboard_staff_required
@require_GET
def channel_fields_view(request: HttpRequest) -> HttpResponse:
    """htmx: the config inputs of the kind just chosen on the new-channel form."""
    return render(request, "dashboard/_channel_fields.html", {"form": ChannelForm.from_post(request.GET)})


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def channel_delete_view(request: HttpRequest, channel_id) -> HttpResponse:
    channel = _channel_or_404(channel_id)
    if request.method == "POST":
        channel_delete(channel=channel, actor=dashboard_actor(request))
        messages.success(request, _("Channel “%(name)s” deleted, with its rules and deliveries.")
                         % {"name": channel.name})
        return _done(request, "#channels")
    return render(request, "dashboard/notify_confirm_delete.html", {
        "what": "channel", "name": channel.name,
        "consequence": _("Its rules and its delivery history are deleted with it. It cannot be undone."),
        "action": reverse("dashboard:channel_delete", kwargs={"channel_id": channel.pk}),
    })


@dashboard_staff_required
@require_POST
def channel_enable_view(request: HttpRequest, channel_id) -> HttpResponse:
    channel = channel_update(channel=_channel_or_404(channel_id), changes={"enabled": True},
                             actor=dashboard_actor(request))
    messages.success(request, _("Channel “%(name)s” enabled again: alerts go to it from now on.")
                     % {"name": channel.name})
    return _done(request, "#channels")


@dashboard_staff_required
@require_POST
def channel_test_view(request: HttpRequest, channel_id) -> HttpResponse:
    """Sends a ``test`` event now (a disabled channel too) and says how the first attempt went."""
    delivery = delivery_send_test(channel=_channel_or_404(channel_id))
    answer = f" (HTTP {delivery.http_status})" if delivery.http_status else ""
    text = _("Test to “%(name)s”: %(status)s") % {"name": delivery.channel.name,
                                                  "status": delivery.get_status_display().lower()} + answer
    if delivery.status == "delivered":
        messages.success(request, text + ".")
    elif delivery.status == "failed":
        messages.error(request, f"{text}: {reason_display(delivery.error)}")
    else:
        messages.warning(request, _("%(text)s; retried later: %(error)s")
                         % {"text": text, "error": reason_display(delivery.error) or _("no answer yet")})
    return _done(request, "#deliveries")


# --- rules ----------------------------------------------------------------------------------


def _scope_job(form: RuleForm):
    """The job a job-scoped rule names, to show its name next to the id (None if it is not one)."""
    try:
        return job_get(job_id=uuid.UUID(str(form.values["job_id"])))
    except ValueError:
        return None


def _rule_form(request: HttpRequest, form: RuleForm) -> HttpResponse:
    return render(request, "dashboard/rule_form.html", {
        "form": form, "rule": form.rule, "channels": notify_channels(), "bot_types": BotType.choices,
        "scope_job": _scope_job(form), "next": _next(request),
    })


def _rule_save(request: HttpRequest, rule=None) -> HttpResponse:
    form = RuleForm.from_post(request.POST, rule=rule)
    try:
        if rule is None:
            rule_create(data=form.to_data(), actor=dashboard_actor(request))
        else:
            rule_update(rule=rule, changes=form.to_data(), actor=dashboard_actor(request))
    except JobValidationError as exc:
        form.errors = exc.errors
        return _rule_form(request, form)
    messages.success(request, _("Rule saved."))
    return _done(request, "#rules")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def rule_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _rule_save(request)
    channels = notify_channels()
    channel_id = request.GET.get("channel") or (str(channels[0].pk) if len(channels) == 1 else "")
    return _rule_form(request, RuleForm.for_rule(channel_id=channel_id, job_id=request.GET.get("job", "")))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def rule_edit_view(request: HttpRequest, rule_id) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    if request.method == "POST":
        return _rule_save(request, rule=rule)
    return _rule_form(request, RuleForm.for_rule(rule))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def rule_delete_view(request: HttpRequest, rule_id) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    if request.method == "POST":
        rule_delete(rule=rule, actor=dashboard_actor(request))
        messages.success(request, _("Rule deleted."))
        return _done(request, "#rules")
    return render(request, "dashboard/notify_confirm_delete.html", {
        "what": "rule", "name": f"{', '.join(rule.events)} → {rule.channel.name}",
        "consequence": _("Its open incidents are deleted with it; the deliveries it made stay. It cannot be undone."),
        "action": reverse("dashboard:rule_delete", kwargs={"rule_id": rule.pk}),
    })
