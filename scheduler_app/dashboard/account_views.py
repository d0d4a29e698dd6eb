"""The Accounts page: each LinkedIn account with its status in words (what it means, how to get out
of it), its session's dates, today's allowances and its warm-up; the account form, and the upload
of a new session (a storage-state JSON file) that queues its probe.

Thin like the job and notification views, staff only through the same guard: every write is one
service call (the API's code path), an ``AccountValidationError`` is shown next to its fields with
nothing stored, and each action is a plain form (POST, then redirect). The session never goes
back to the browser, not even after a refused upload.
"""
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bots.accounts import AccountInUse, AccountValidationError, account_get, account_update
from scheduler_app.accounts.selectors import account_overview, account_overview_list
from scheduler_app.accounts.services import PROBE_QUEUED, account_add, account_remove, account_session_upload
from scheduler_app.dashboard.account_forms import NO_FILE, AccountForm, storage_state_upload
from scheduler_app.dashboard.audit import dashboard_actor
from scheduler_app.dashboard.views import dashboard_staff_required
from scheduler_app.spec import known_timezones

PAGE = "dashboard:accounts"


def _account_or_404(account_id):
    account = account_get(account_id=account_id)
    if account is None:
        raise Http404("No such account")
    return account


def _probe_message(request: HttpRequest, label: str, probe: str | None) -> None:
    if probe == PROBE_QUEUED:
        messages.success(request, _("Session of “%(label)s” saved. A check of LinkedIn's feed with it is under way: "
                                    "when it loads, the account is active again and its jobs' system pauses lift.")
                         % {"label": label})
    elif probe is not None:
        messages.warning(request, _("Session of “%(label)s” saved, but its check could not be queued (the message "
                                    "broker did not answer): save it again once the scheduler is up.")
                         % {"label": label})


@dashboard_staff_required
@require_GET
def accounts_page(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/accounts.html", {"rows": account_overview_list(), "now": timezone.now()})


def _account_form(request: HttpRequest, form: AccountForm, *, session_errors: list[str] | None = None) -> HttpResponse:
    return render(request, "dashboard/account_form.html", {
        "form": form, "account": form.account, "timezones": sorted(known_timezones()),
        "session_errors": session_errors or form.errors.get("storage_state", []),
    })


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _account_form(request, AccountForm.for_account())
    form = AccountForm.from_post(request.POST)
    data = form.to_data()
    state = storage_state_upload(request.FILES, request.POST)
    if state is not None:
        data["storage_state"] = state
    try:
        account, probe = account_add(data=data, actor=dashboard_actor(request))
    except AccountValidationError as exc:
        form.errors = exc.errors
        return _account_form(request, form)
    messages.success(request, (_("Account “%(label)s” created.") if probe else
                               _("Account “%(label)s” created: save its session to let its jobs run."))
                     % {"label": account.label})
    _probe_message(request, account.label, probe)
    return redirect(reverse(PAGE) + f"#account-{account.pk}")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def account_edit_view(request: HttpRequest, account_id) -> HttpResponse:
    account = _account_or_404(account_id)
    if request.method == "GET":
        return _account_form(request, AccountForm.for_account(account))
    form = AccountForm.from_post(request.POST, account=account)
    try:
        account_update(account=account, changes=form.to_data(), actor=dashboard_actor(request))
    except AccountValidationError as exc:
        account.refresh_from_db()  # the form shows what was typed; the page header what is stored
        form.errors = exc.errors
        return _account_form(request, form)
    messages.success(request, _("Account “%(label)s” saved.") % {"label": account.label})
    return redirect(reverse(PAGE) + f"#account-{account.pk}")


def _session_form(request: HttpRequest, account, errors: list[str] | None = None) -> HttpResponse:
    return render(request, "dashboard/account_session.html", {
        "account": account, "row": account_overview(account), "errors": errors or [],
    })


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def account_session_view(request: HttpRequest, account_id) -> HttpResponse:
    """Re-auth: upload the storage state ``linkedin_login`` saved (or paste it); it is checked
    like the API's (nothing stored when refused), saved encrypted, and probed."""
    account = _account_or_404(account_id)
    if request.method == "GET":
        return _session_form(request, account)
    state = storage_state_upload(request.FILES, request.POST)
    if state is None:
        return _session_form(request, account, [NO_FILE])
    try:
        probe = account_session_upload(account=account, storage_state=state, actor=dashboard_actor(request))
    except AccountValidationError as exc:
        return _session_form(request, account, [m for msgs in exc.errors.values() for m in msgs])
    _probe_message(request, account.label, probe)
    return redirect(reverse(PAGE) + f"#account-{account.pk}")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request: HttpRequest, account_id) -> HttpResponse:
    account = _account_or_404(account_id)
    if request.method == "POST":
        try:
            account_remove(account=account, actor=dashboard_actor(request))
        except AccountInUse as exc:
            messages.error(request, _("Not deleted: %(why)s.") % {"why": exc})
            return redirect(reverse(PAGE) + f"#account-{account.pk}")
        messages.success(request, _("Account “%(label)s” deleted.") % {"label": account.label})
        return redirect(PAGE)
    return render(request, "dashboard/notify_confirm_delete.html", {
        "what": "account", "name": account.label,
        "consequence": _("Its session, settings, blacklist entries and blackouts are deleted with it. An account "
                         "that still has jobs, or a history of messages and visits, cannot be deleted."),
        "action": reverse("dashboard:account_delete", kwargs={"account_id": account.pk}),
        "cancel": reverse(PAGE),
    })
