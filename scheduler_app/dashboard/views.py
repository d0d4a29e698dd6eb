"""Dashboard views: parse the request, call one service or selector, render or redirect.

Staff only, like the API for session users: a visitor who is not logged in, or whose account
is not staff, is sent to the dashboard's login page (the latter with a message saying why).
Every write goes through ``scheduler_app.services`` (the API's code path); a
``JobValidationError`` is shown next to its fields. Each page works as plain HTML forms and
links (POST, then redirect); htmx requests get the fragment they asked for instead.
"""
from datetime import date, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduler_app.accounts.selectors import account_by_ref, account_choices
from scheduler_app.brakes.selectors import standing_pauses
from scheduler_app.brakes.services import BrakeValidationError, job_pause, job_resume, jobs_pause, jobs_resume
from scheduler_app.dashboard.audit import dashboard_actor, job_change_rows
from scheduler_app.dashboard.charts import grouped_chart, stacked_status_chart
from scheduler_app.dashboard.display import schedule_preview
from scheduler_app.dashboard.forms import JobForm
from scheduler_app.dashboard.rows import execution_row, job_row
from scheduler_app.dashboard.selectors import DASHBOARD_PAGE, job_many, job_notifications, job_table, quota_usage
from scheduler_app.models import FINAL_STATUSES, BotType, ExecutionStatus, ScheduleType
from scheduler_app.paging import Cursor, Page
from scheduler_app.reasons import reason_display
from scheduler_app.selectors import execution_list, executions_live, job_get, job_list
from scheduler_app.services import job_create, job_delete, job_run_now, job_toggle, job_update
from scheduler_app.services.chains import JobHasDependents
from scheduler_app.spec import known_timezones
from scheduler_app.stats import beat_overview, execution_daily_series, stats_overview, stats_window
from scheduler_app.validation import JobValidationError

NOT_STAFF = gettext_noop(
    "The dashboard is for staff accounts only, and “%(username)s” is not one. Log in with a staff account.")


def _is_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def dashboard_staff_required(view):
    """Let staff through; send anyone else to the dashboard login, back to this page afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _is_staff(request.user):
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            messages.error(request, _(NOT_STAFF) % {"username": request.user.get_username()})
        return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))

    return wrapped


class StaffAuthenticationForm(AuthenticationForm):
    """Refuses a non-staff account at the login form rather than one redirect later."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(_(NOT_STAFF) % {"username": user.get_username()}, code="not_staff")


class DashboardLoginView(auth_views.LoginView):
    """Staff already logged in go straight on; a logged-in non-staff user gets the form, to switch
    accounts (sending them on would only bring them back here)."""

    template_name = "dashboard/login.html"
    authentication_form = StaffAuthenticationForm
    next_page = "dashboard:jobs"

    def dispatch(self, request, *args, **kwargs):
        self.redirect_authenticated_user = _is_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

HISTORY_LIMIT = 50
ENABLED_FILTERS = {"yes": True, "no": False}


def _job_or_404(job_id):
    job = job_get(job_id=job_id)
    if job is None:
        raise Http404("No such job")
    return job


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the posted ``next`` (same site only), so filters survive an action."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# --- Jobs page --------------------------------------------------------------------------------


def _cursor(request: HttpRequest) -> Cursor | None:
    """The page asked for; a cursor that is not one of ours (an edited link) means the first."""
    try:
        return Cursor.decode(request.GET["cursor"]) if request.GET.get("cursor") else None
    except ValueError:
        return None


def _page_urls(request: HttpRequest, page: Page) -> dict[str, str | None]:
    """Links to the next and previous pages, the page's other parameters kept."""
    urls = {}
    for name, cursor in (("next_url", page.next), ("prev_url", page.prev)):
        query = request.GET.copy()
        query["cursor"] = cursor.encode() if cursor else ""
        urls[name] = f"{request.path}?{query.urlencode()}" if cursor else None
    return urls


@dashboard_staff_required
@require_GET
def jobs_page(request: HttpRequest) -> HttpResponse:
    bot_type = request.GET.get("bot_type") if request.GET.get("bot_type") in BotType.values else ""
    enabled_key = request.GET.get("enabled") if request.GET.get("enabled") in ENABLED_FILTERS else ""
    # NUL is no character a name holds, and PostgreSQL refuses it in a query parameter.
    search = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    # An account named in the query that does not exist (a stale link) filters nothing.
    account = account_by_ref(request.GET.get("account", "")[:100]) if request.GET.get("account") else None
    now = timezone.now()
    page = job_table(bot_type=bot_type or None, enabled=ENABLED_FILTERS.get(enabled_key), name_contains=search,
                     account_id=account.pk if account else None, cursor=_cursor(request))
    pauses = standing_pauses(job_ids=[job.pk for job in page.items], now=now)
    live = executions_live(job_ids=[job.pk for job in page.items])
    return render(
        request,
        "dashboard/jobs.html",
        {
            "rows": [job_row(job, now, pauses.get(str(job.pk), []), live) for job in page.items],
            "beat": beat_overview(),
            "bot_types": BotType.choices,
            "filter_bot_type": bot_type,
            "filter_enabled": enabled_key,
            "filter_account": str(account.pk) if account else "",
            "accounts": account_choices(),
            "search": search,
            "filtered": bool(bot_type or enabled_key or search or account),
            "here": request.get_full_path(),
            **_page_urls(request, page),
        },
    )


@dashboard_staff_required
@require_POST
def job_toggle_view(request: HttpRequest, job_id) -> HttpResponse:
    job = job_toggle(job=_job_or_404(job_id), actor=dashboard_actor(request))
    if request.htmx:
        return render(
            request,
            "dashboard/_job_row.html",
            {"row": job_row(job, timezone.now()), "here": request.POST.get("next", "")},
        )
    messages.success(request, f"“{job.name}” {'enabled' if job.enabled else 'disabled'}.")
    return _back(request, reverse("dashboard:jobs"))


def _pause_input(request: HttpRequest) -> tuple[datetime | None, str]:
    """The pause form's until (a datetime-local field: wall time in TIME_ZONE) and note. A value
    that is not a date-time is passed on as such, so the service names the field."""
    raw = request.POST.get("until", "").strip()
    until = None
    if raw:
        try:
            until = datetime.fromisoformat(raw)
        except ValueError:
            raise BrakeValidationError({"until": [_("%(value)r is not a date and time") % {"value": raw}]}) from None
        if until.tzinfo is None:
            until = until.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return until, request.POST.get("note", "")


def _when(until: datetime | None) -> str:
    """A pause's end as the messages say it, in the active language."""
    return date_format(until, "d M Y H:i") if until else ""


def _brake_errors(request: HttpRequest, exc: BrakeValidationError) -> None:
    for field, problems in exc.errors.items():
        messages.error(request, _("Not paused: %(field)s: %(problems)s")
                       % {"field": field, "problems": " ".join(problems)})


@dashboard_staff_required
@require_POST
def job_pause_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    try:
        until, note = _pause_input(request)
        job_pause(job=job, until=until, note=note, actor=dashboard_actor(request))
    except BrakeValidationError as exc:
        _brake_errors(request, exc)
    else:
        messages.success(request, _("“%(name)s” paused until %(until)s.") % {"name": job.name, "until": _when(until)}
                         if until else _("“%(name)s” paused.") % {"name": job.name})
    return _back(request, reverse("dashboard:jobs"))


@dashboard_staff_required
@require_POST
def job_resume_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    lifted = job_resume(job=job, actor=dashboard_actor(request), include_system=request.POST.get("all") == "1")
    messages.success(request, ngettext("“%(name)s” resumed (%(count)s pause lifted); the skipped slots stay skipped.",
                                       "“%(name)s” resumed (%(count)s pauses lifted); the skipped slots stay skipped.",
                                       lifted) % {"name": job.name, "count": lifted})
    return _back(request, reverse("dashboard:jobs"))


@dashboard_staff_required
@require_POST
def jobs_holiday_view(request: HttpRequest) -> HttpResponse:
    """The holiday button: pause (or resume) every job, or every job of one bot type, one
    LinkedIn account, or both."""
    bot_type = request.POST.get("bot_type") or None
    if bot_type is not None and bot_type not in BotType.values:
        # Never widen an unknown bot type to "every job".
        messages.error(request, _("bot_type: unknown bot type %(value)r; nothing was paused or resumed.")
                       % {"value": bot_type})
        return _back(request, reverse("dashboard:jobs"))
    ref = request.POST.get("account") or None
    account = account_by_ref(ref) if ref is not None else None
    if ref is not None and account is None:
        # Nor an unknown (say, just deleted) account.
        messages.error(request, _("account: no LinkedIn account %(value)r; nothing was paused or resumed.")
                       % {"value": ref})
        return _back(request, reverse("dashboard:jobs"))
    jobs = job_list(bot_type=bot_type, account_id=account.pk if account else None)
    actor = dashboard_actor(request)
    if request.POST.get("action") == "resume":
        lifted = jobs_resume(jobs=jobs, actor=actor)
        messages.success(request, ngettext("%(count)s pause lifted.", "%(count)s pauses lifted.", lifted)
                         % {"count": lifted})
        return _back(request, reverse("dashboard:jobs"))
    try:
        until, note = _pause_input(request)
        count = jobs_pause(jobs=jobs, until=until, note=note, actor=actor)
    except BrakeValidationError as exc:
        _brake_errors(request, exc)
    else:
        words = {"count": count, "until": _when(until)}
        if until:
            text = ngettext("%(count)s job paused until %(until)s.", "%(count)s jobs paused until %(until)s.", count)
        else:
            text = ngettext("%(count)s job paused.", "%(count)s jobs paused.", count)
        messages.success(request, text % words)
    return _back(request, reverse("dashboard:jobs"))


@dashboard_staff_required
@require_POST
def job_run_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    # Like the API's optional {"dry_run": bool}: absent means "as the job is configured".
    dry_run = {"1": True, "0": False}.get(request.POST.get("dry_run", ""))
    execution = job_run_now(job=job, dry_run=dry_run, actor=dashboard_actor(request))
    if execution.status == ExecutionStatus.FAILED:
        messages.error(request, _("“%(name)s” could not be queued: %(error)s")
                       % {"name": job.name, "error": reason_display(execution.error)})
    elif execution.dry_run:
        messages.success(request, _("Run of “%(name)s” queued (dry run).") % {"name": job.name})
    else:
        messages.success(request, _("Run of “%(name)s” queued.") % {"name": job.name})
    return redirect("dashboard:job_history", job_id=job.pk)


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def job_delete_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    if request.method == "POST":
        name = job.name
        try:
            job_delete(job=job, force=request.POST.get("force") == "yes", actor=dashboard_actor(request))
        except JobHasDependents as exc:
            messages.error(request, _("Not deleted: %(names)s run after “%(name)s”. Remove that link from them "
                                      "first.") % {"names": ", ".join(f"“{d.name}”" for d in exc.dependents),
                                                    "name": name})
            return redirect("dashboard:job_history", job_id=job.pk)
        messages.success(request, _("“%(name)s” deleted.") % {"name": name})
        return redirect("dashboard:jobs")
    return render(request, "dashboard/confirm_delete.html", {"jobs": [job]})


@dashboard_staff_required
@require_POST
def jobs_batch_view(request: HttpRequest) -> HttpResponse:
    """Enable, disable or delete the ticked jobs, one service call each; delete asks first."""
    action = request.POST.get("action")
    jobs = job_many(ids=request.POST.getlist("ids"))
    if not jobs:
        messages.warning(request, _("Tick at least one job first."))
        return _back(request, reverse("dashboard:jobs"))
    if action in ("enable", "disable"):
        for job in jobs:
            job_toggle(job=job, enabled=action == "enable", actor=dashboard_actor(request))
        count = len(jobs)
        messages.success(request, (ngettext("%(count)s job enabled.", "%(count)s jobs enabled.", count)
                                   if action == "enable" else
                                   ngettext("%(count)s job disabled.", "%(count)s jobs disabled.", count))
                         % {"count": count})
    elif action == "delete":
        if request.POST.get("confirm") != "yes":
            return render(request, "dashboard/confirm_delete.html", {"jobs": jobs, "batch": True})
        try:
            with transaction.atomic():  # all the ticked jobs, or none
                for job in jobs:
                    job_delete(job=job, actor=dashboard_actor(request))
        except JobHasDependents as exc:
            messages.error(request, _("Nothing deleted: %(names)s run after a ticked job. Remove that link first.")
                           % {"names": ", ".join(f"“{d.name}”" for d in exc.dependents)})
            return _back(request, reverse("dashboard:jobs"))
        messages.success(request, ngettext("%(count)s job deleted.", "%(count)s jobs deleted.", len(jobs))
                         % {"count": len(jobs)})
    else:
        messages.error(request, _("Unknown action."))
    return _back(request, reverse("dashboard:jobs"))


# --- Create / edit ----------------------------------------------------------------------------


def _form_context(form: JobForm) -> dict:
    preview = schedule_preview(
        schedule_type=form.values["schedule_type"],
        schedule_config=form.schedule_config_for_preview(),
        timezone=form.values["timezone"],
        now=timezone.now(),
    )
    return {
        "form": form,
        "job": form.job,
        "preview": preview,
        "bot_types": BotType.choices,
        "schedule_types": ScheduleType.choices,
        "timezones": sorted(known_timezones()),
        "accounts": account_choices(),  # lazy: only the full form lists them
    }


def _save(request: HttpRequest, job=None) -> HttpResponse:
    form = JobForm.from_post(request.POST, job=job)
    if "_refresh" in request.POST:  # no-JS "show the fields for this type" button: nothing is saved
        return render(request, "dashboard/job_form.html", _form_context(form))
    data = form.to_data(request.POST)
    try:
        if job is None:
            job = job_create(data=data, actor=dashboard_actor(request))
        else:
            job = job_update(job=job, changes=data, actor=dashboard_actor(request))
    except JobValidationError as exc:
        form.errors = exc.errors
        return render(request, "dashboard/job_form.html", _form_context(form))
    messages.success(request, f"“{job.name}” saved.")
    return redirect("dashboard:jobs")


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def job_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request)
    return render(request, "dashboard/job_form.html", _form_context(JobForm.for_job()))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def job_edit_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    if request.method == "POST":
        return _save(request, job=job)
    return render(request, "dashboard/job_form.html", _form_context(JobForm.for_job(job)))


def _form_from_query(request: HttpRequest) -> JobForm:
    job_id = request.GET.get("job")
    job = _job_or_404(job_id) if job_id else None
    return JobForm.from_post(request.GET, job=job)


@dashboard_staff_required
@require_GET
def job_fields_view(request: HttpRequest, part: str) -> HttpResponse:
    """htmx: the schedule or bot fieldset for the type just chosen (values typed so far kept)."""
    templates = {"schedule": "dashboard/_schedule_fields.html", "bot": "dashboard/_bot_fields.html"}
    if part not in templates:
        raise Http404("No such part")
    response = render(request, templates[part], _form_context(_form_from_query(request)))
    if part == "schedule":
        # The preview box listens for this: it refreshes once the new type's inputs are in the form.
        response["HX-Trigger-After-Settle"] = "schedule-fields-swapped"
    return response


@dashboard_staff_required
@require_GET
def job_preview_view(request: HttpRequest) -> HttpResponse:
    """htmx: the next 5 runs for the schedule as typed so far, refreshed while the user types."""
    return render(request, "dashboard/_preview.html", _form_context(_form_from_query(request)))


@dashboard_staff_required
@require_GET
def job_last_run_view(request: HttpRequest, job_id) -> HttpResponse:
    """htmx poll target: a job's last-run cell on the jobs page, with what its running bot is
    doing now; it stops asking once the job has no queued or running execution."""
    return render(request, "dashboard/_job_last_run.html", {"row": job_row(_job_or_404(job_id), timezone.now())})


# --- History ----------------------------------------------------------------------------------


def _history_context(job) -> dict:
    rows = [execution_row(e, job.timezone) for e in execution_list(job=job, limit=HISTORY_LIMIT)]
    return {"job": job, "rows": rows, "live": any(not row.final for row in rows), "limit": HISTORY_LIMIT}


@dashboard_staff_required
@require_GET
def job_history_view(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_or_404(job_id)
    context = _history_context(job)
    context["row"] = job_row(job, timezone.now())
    context["notify"] = job_notifications(job=job)
    context["changes"] = job_change_rows(job_id=job.pk, timezone=job.timezone)
    return render(request, "dashboard/history.html", context)


@dashboard_staff_required
@require_GET
def job_history_rows_view(request: HttpRequest, job_id) -> HttpResponse:
    """htmx poll target: the history table body; it stops asking once every run is final."""
    return render(request, "dashboard/_history_rows.html", _history_context(_job_or_404(job_id)))


# --- Stats ------------------------------------------------------------------------------------


STATS_MAX_DAYS = 366


def _stats_since(request: HttpRequest) -> tuple[date, str | None]:
    """The first day of the stats window from ``?since=YYYY-MM-DD``: the default window (the last
    30 days) when absent or unreadable, at most STATS_MAX_DAYS long, never after today."""
    default = stats_window()[0]
    text = request.GET.get("since", "").strip()
    if not text:
        return default, None
    try:
        since = date.fromisoformat(text)
    except ValueError:
        return default, _("“%(text)s” is not a date (YYYY-MM-DD); showing the last 30 days.") % {"text": text}
    today = timezone.localdate()
    earliest = today - timedelta(days=STATS_MAX_DAYS - 1)
    if since < earliest:
        return earliest, _("The charts go back %(days)s days at most; showing from %(day)s.") % {
            "days": STATS_MAX_DAYS, "day": date_format(earliest, "j M Y")}
    return min(since, today), None


@dashboard_staff_required
@require_GET
def stats_view(request: HttpRequest) -> HttpResponse:
    since, warning = _stats_since(request)
    overview = stats_overview(since=since, cursor=_cursor(request), limit=DASHBOARD_PAGE)
    series = execution_daily_series(since=since)
    statuses = [(s, label) for s, label in ExecutionStatus.choices]
    return render(
        request,
        "dashboard/stats.html",
        {
            "since": since,
            "since_warning": warning,
            **_page_urls(request, overview["page"]),
            "overview": overview,
            "series": series,
            "statuses": statuses,
            "final_statuses": FINAL_STATUSES,
            "runs_chart": stacked_status_chart(series, statuses),
            "work_chart": grouped_chart(
                series, [("messages_sent", _("Messages sent")), ("profiles_visited", _("Profiles visited"))]
            ),
            "quota": quota_usage(),
        },
    )
