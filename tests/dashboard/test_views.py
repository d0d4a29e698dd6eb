"""The dashboard without JavaScript: plain forms post, redirect, and show the services' errors."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from bots.models import BirthdayMessage, Contact, MessageStatus, ProfileVisit
from bots.runner import BotOutcome
from scheduler_app.dashboard.selectors import quota_usage
from scheduler_app.models import ExecutionStatus, JobExecution, ScheduledJob
from scheduler_app.services import execution_finish, execution_run, job_run_now
from tests.factories import make_job

pytestmark = pytest.mark.django_db

JOBS = "/dashboard/"


def form_data(**overrides):
    data = {
        "name": "Morning wishes",
        "description": "",
        "bot_type": "birthday",
        "_present": ["enabled", "coalesce", "bot_config.dry_run", "bot_config.process_late"],
        "enabled": "on",
        "coalesce": "on",
        "schedule_type": "daily",
        "timezone": "Europe/Paris",
        "schedule_config.hour": "8",
        "schedule_config.minute": "0",
        "bot_config.dry_run": "on",
        "bot_config.max_messages_per_run": "10",
        "bot_config.max_days_late": "7",
        "max_instances": "1",
        "misfire_grace_time": "3600",
    }
    data.update(overrides)
    return data


def test_dashboard_requires_login(client):
    response = client.get(JOBS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", JOBS),
        ("get", "/dashboard/stats/"),
        ("get", "/dashboard/jobs/new/"),
        ("get", "/dashboard/jobs/preview/"),
        ("post", "/dashboard/jobs/batch/"),
    ],
)
def test_a_logged_in_user_who_is_not_staff_is_refused(client, django_user_model, method, url):
    bob = django_user_model.objects.create_user(username="bob", password="s3cret-pass")
    client.force_login(bob)
    job = make_job(name="Untouched")
    response = getattr(client, method)(url, {"ids": [str(job.pk)], "action": "disable"} if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login") + "?next=")
    assert ScheduledJob.objects.get(pk=job.pk).enabled
    # The login page says why instead of bouncing the user back (a redirect loop).
    html = client.get(response["Location"]).content.decode()
    assert "staff accounts only" in html and "“bob” is not one" in html


def test_the_login_form_refuses_a_non_staff_account(client, django_user_model):
    django_user_model.objects.create_user(username="bob", password="s3cret-pass")
    response = client.post(reverse("dashboard:login"), {"username": "bob", "password": "s3cret-pass"})
    assert response.status_code == 200
    assert "“bob” is not one" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_logged_in_staff_user_skips_the_login_page(client_in):
    response = client_in.get(reverse("dashboard:login"))
    assert response.status_code == 302 and response["Location"] == JOBS


def test_root_redirects_to_the_dashboard(client):
    assert client.get("/")["Location"] == "/dashboard/"


def test_login_page_logs_a_user_in(client, user):
    assert client.get(reverse("dashboard:login")).status_code == 200
    response = client.post(reverse("dashboard:login"), {"username": "alice", "password": "s3cret-pass"})
    assert response.status_code == 302
    assert client.get(JOBS).status_code == 200


def test_jobs_page_shows_schedule_in_words_badges_and_next_run_in_job_zone(client_in):
    job = make_job(name="Paris job", timezone="Europe/Paris", schedule_config={"hour": 8, "minute": 0})
    make_job(name="Prod visitor", bot_type="visitor", bot_config={"dry_run": False}, timezone="UTC")
    html = client_in.get(JOBS).content.decode()
    assert "every day at 08:00 (Europe/Paris)" in html
    assert "Dry run" in html and "Production" in html
    assert "Never run" in html
    local = job.next_run_at.astimezone(ZoneInfo("Europe/Paris"))
    assert local.strftime("%H:%M") == "08:00" and "08:00 CE" in html


def test_jobs_page_says_which_beat_leads_or_that_none_does(client_in, monkeypatch):
    monkeypatch.setattr("scheduler_app.stats.beat_status_read", lambda: None)
    assert "no beat leads" in client_in.get(JOBS).content.decode()
    monkeypatch.setattr("scheduler_app.stats.beat_status_read", lambda: {
        "leader": {"id": "f00d", "host": "beat-host-2", "pid": 77}, "since": "2026-12-01T09:00:00+00:00",
        "lag_seconds": 0.0, "last_dispatch": {"messages": 12, "lag_seconds": 0.004}})
    html = client_in.get(JOBS).content.decode()
    assert "beat-host-2" in html and "pid 77" in html and "no beat leads" not in html
    assert "12 messages" in html


def test_jobs_page_filters_by_bot_type_and_state(client_in):
    make_job(name="Birthday on")
    make_job(name="Visitor off", bot_type="visitor", enabled=False)
    html = client_in.get(JOBS, {"bot_type": "visitor"}).content.decode()
    assert "Visitor off" in html and "Birthday on" not in html
    html = client_in.get(JOBS, {"enabled": "yes"}).content.decode()
    assert "Birthday on" in html and "Visitor off" not in html
    html = client_in.get(JOBS, {"enabled": "no"}).content.decode()
    assert "Visitor off" in html and "Birthday on" not in html


def test_create_job_posts_and_redirects(client_in):
    response = client_in.post(reverse("dashboard:job_create"), form_data())
    assert response.status_code == 302 and response["Location"] == JOBS
    job = ScheduledJob.objects.get()
    assert job.schedule_config == {"hour": 8, "minute": 0}
    assert job.bot_config["dry_run"] is True and job.bot_config["max_messages_per_run"] == 10
    assert job.created_by == "alice" and job.periodic_task is not None  # went through job_create
    assert job.next_run_at is not None


def test_create_job_shows_nested_errors_next_to_their_fields_and_stores_nothing(client_in):
    response = client_in.post(
        reverse("dashboard:job_create"),
        form_data(**{"name": "", "schedule_config.hour": "25", "bot_config.max_messages_per_run": "abc"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ScheduledJob.objects.count() == 0
    assert 'id="id_schedule_config_hour-error"' in html and "less than or equal to 23" in html
    assert 'id="id_name-error"' in html
    assert 'id="id_bot_config_max_messages_per_run-error"' in html
    assert 'value="25"' in html  # what the user typed is kept


def test_edit_to_cron_with_an_error_then_fixed(client_in):
    job = make_job()
    url = reverse("dashboard:job_edit", kwargs={"job_id": job.pk})
    assert client_in.get(url).status_code == 200
    bad = form_data(schedule_type="cron", **{"schedule_config.cron_expression": "0 25 * * *"})
    response = client_in.post(url, bad)
    assert response.status_code == 200
    assert 'id="id_schedule_config_cron_expression-error"' in response.content.decode()
    job.refresh_from_db()
    assert job.schedule_type == "daily"
    good = form_data(schedule_type="cron", **{"schedule_config.cron_expression": "0 8-18 * * 1-5"})
    assert client_in.post(url, good).status_code == 302
    job.refresh_from_db()
    assert job.schedule_type == "cron" and job.schedule_config == {"cron_expression": "0 8-18 * * 1-5"}
    assert job.bot_type == "birthday"


def test_edit_ignores_an_attempt_to_change_bot_type(client_in):
    job = make_job()
    response = client_in.post(reverse("dashboard:job_edit", kwargs={"job_id": job.pk}), form_data(bot_type="visitor"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.bot_type == "birthday"


def test_no_js_refresh_button_shows_the_new_type_fields_without_saving(client_in):
    response = client_in.post(reverse("dashboard:job_create"), form_data(schedule_type="interval", _refresh="1"))
    assert response.status_code == 200
    assert 'name="schedule_config.hours"' in response.content.decode()
    assert ScheduledJob.objects.count() == 0


def test_fields_fragments_change_with_schedule_and_bot_type(client_in):
    html = client_in.get(reverse("dashboard:job_fields", kwargs={"part": "schedule"}), {"schedule_type": "cron"})
    assert 'name="schedule_config.cron_expression"' in html.content.decode()
    html = client_in.get(reverse("dashboard:job_fields", kwargs={"part": "schedule"}), {"schedule_type": "weekly"})
    assert 'name="schedule_config.day_of_week"' in html.content.decode()
    html = client_in.get(reverse("dashboard:job_fields", kwargs={"part": "bot"}), {"bot_type": "visitor"}).content
    assert b'name="bot_config.limit"' in html and b'name="bot_config.keywords"' in html
    assert b'max_messages_per_run' not in html


def test_preview_fragment_lists_next_runs_or_errors(client_in):
    html = client_in.get(
        reverse("dashboard:job_preview"),
        {
            "schedule_type": "daily",
            "timezone": "Europe/Paris",
            "schedule_config.hour": "9",
            "schedule_config.minute": "15",
        },
    ).content.decode()
    assert html.count("<li><time") == 5 and "09:15" in html
    html = client_in.get(
        reverse("dashboard:job_preview"), {"schedule_type": "cron", "schedule_config.cron_expression": "x"}
    ).content.decode()
    assert "schedule_config.cron_expression" in html and "<li><time" not in html


def test_preview_fragment_shows_a_cron_that_never_fires_as_a_message(client_in):
    response = client_in.get(
        reverse("dashboard:job_preview"),
        {"schedule_type": "cron", "timezone": "UTC", "schedule_config.cron_expression": "0 0 30 2 *"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "schedule_config.cron_expression" in html and "never fires" in html and "<li><time" not in html


def test_preview_fragment_shows_a_failure_of_the_schedule_maths_instead_of_a_500(client_in, monkeypatch):
    def broken(**kwargs):
        raise ValueError("no such day")

    monkeypatch.setattr("scheduler_app.dashboard.display.next_fire_times", broken)
    params = {"schedule_type": "daily", "timezone": "UTC", "schedule_config.hour": "9"}
    response = client_in.get(reverse("dashboard:job_preview"), params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "the next runs cannot be computed: no such day" in html and "<li><time" not in html
    # The full form draws the same preview: it opens too.
    assert client_in.get(reverse("dashboard:job_create")).status_code == 200


def test_toggle_without_js_redirects_back_and_with_htmx_returns_the_row(client_in):
    job = make_job()
    url = reverse("dashboard:job_toggle", kwargs={"job_id": job.pk})
    response = client_in.post(url, {"next": "/dashboard/?enabled=yes"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/?enabled=yes"
    job.refresh_from_db()
    assert job.enabled is False and job.next_run_at is None
    response = client_in.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip().startswith(f'<tr id="job-{job.pk}"')
    job.refresh_from_db()
    assert job.enabled is True


def test_toggle_refuses_offsite_next(client_in):
    job = make_job()
    response = client_in.post(reverse("dashboard:job_toggle", kwargs={"job_id": job.pk}), {"next": "https://evil.example/"})
    assert response["Location"] == JOBS


def test_run_now_queues_through_the_service_and_shows_history(client_in, sent_tasks):
    job = make_job()
    response = client_in.post(reverse("dashboard:job_run", kwargs={"job_id": job.pk}))
    history = reverse("dashboard:job_history", kwargs={"job_id": job.pk})
    assert response.status_code == 302 and response["Location"] == history
    execution = JobExecution.objects.get(job=job)
    assert execution.status == ExecutionStatus.QUEUED and execution.dry_run is True
    assert sent_tasks == [("scheduler_app.tasks.run_job", {"job_id": str(job.pk), "execution_id": str(execution.pk)})]
    html = client_in.get(history).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'data-live="true"' in html
    execution_run(job_id=job.pk, execution_id=execution.pk)
    rows = client_in.get(reverse("dashboard:job_history_rows", kwargs={"job_id": job.pk})).content.decode()
    assert 'data-status="success"' in rows and "every 2s" not in rows  # polling stops once final


def test_run_now_can_override_dry_run_once(client_in, sent_tasks):
    job = make_job(bot_config={"dry_run": False})
    client_in.post(reverse("dashboard:job_run", kwargs={"job_id": job.pk}), {"dry_run": "1"})
    assert JobExecution.objects.get(job=job).dry_run is True
    job.refresh_from_db()
    assert job.bot_config["dry_run"] is False


def test_history_renders_per_contact_results_lag_and_errors(client_in, sent_tasks):
    job = make_job()
    execution = JobExecution.objects.create(job=job, trigger="manual", status="running")
    execution.started_at = execution.queued_at
    execution.save()
    execution_finish(
        execution=execution,
        status="failed",
        error="session expired",
        outcome=BotOutcome(
            messages_sent=1, result={"contacts": [{"name": "Ann Lee", "status": "sent", "days_late": 0}]}
        ),
    )
    html = client_in.get(reverse("dashboard:job_history", kwargs={"job_id": job.pk})).content.decode()
    assert "session expired" in html and "Ann Lee" in html and "days late" in html
    assert "every 2s" not in html


def test_delete_asks_then_deletes_through_the_service(client_in):
    job = make_job(name="Doomed")
    url = reverse("dashboard:job_delete", kwargs={"job_id": job.pk})
    assert "Yes, delete" in client_in.get(url).content.decode()
    assert ScheduledJob.objects.filter(pk=job.pk).exists()
    response = client_in.post(url)
    assert response.status_code == 302
    assert not ScheduledJob.objects.filter(pk=job.pk).exists()
    assert not PeriodicTask.objects.filter(name__contains=str(job.pk)).exists()


def test_batch_disable_enable_and_delete_with_confirmation(client_in):
    a, b, c = make_job(name="A"), make_job(name="B"), make_job(name="C")
    batch = reverse("dashboard:jobs_batch")
    client_in.post(batch, {"action": "disable", "ids": [str(a.pk), str(b.pk)]})
    disabled = ScheduledJob.objects.filter(enabled=False).order_by("name").values_list("name", flat=True)
    assert list(disabled) == ["A", "B"]
    client_in.post(batch, {"action": "enable", "ids": [str(a.pk)]})
    assert ScheduledJob.objects.get(pk=a.pk).enabled
    response = client_in.post(batch, {"action": "delete", "ids": [str(b.pk), str(c.pk)]})
    assert response.status_code == 200 and "Delete 2 jobs?" in response.content.decode()
    assert ScheduledJob.objects.count() == 3
    client_in.post(batch, {"action": "delete", "confirm": "yes", "ids": [str(b.pk), str(c.pk), "not-a-uuid"]})
    assert list(ScheduledJob.objects.values_list("name", flat=True)) == ["A"]


@pytest.mark.parametrize("name", ["job_edit", "job_history", "job_delete", "job_history_rows"])
def test_unknown_job_is_404(client_in, name):
    url = reverse(f"dashboard:{name}", kwargs={"job_id": "00000000-0000-0000-0000-000000000000"})
    assert client_in.get(url).status_code == 404


@pytest.mark.parametrize("name", ["job_toggle", "job_run"])
def test_unknown_job_is_404_on_post(client_in, name):
    url = reverse(f"dashboard:{name}", kwargs={"job_id": "00000000-0000-0000-0000-000000000000"})
    assert client_in.post(url).status_code == 404


def test_stats_page_draws_svg_charts_success_rates_and_quotas(client_in, sent_tasks):
    job = make_job(name="Counted")
    execution_run(job_id=job.pk, execution_id=job_run_now(job=job).pk)
    html = client_in.get(reverse("dashboard:stats")).content.decode()
    assert html.count("<svg") == 2 and "<rect" in html
    assert "Counted" in html and "100.0%" in html
    assert "Quota use" in html


def test_stats_quotas_come_from_the_bots_counters(client_in, settings):
    settings.BOT_MESSAGES_PER_DAY, settings.BOT_MESSAGES_PER_WEEK, settings.BOT_VISITS_PER_DAY = 3, 20, 40
    contact = Contact.objects.create(slug="ada", name="Ada")
    BirthdayMessage.objects.create(contact=contact, birthday=date(2025, 1, 1), status=MessageStatus.SENT)
    BirthdayMessage.objects.create(contact=contact, birthday=date(2024, 1, 1), status=MessageStatus.FAILED)
    ProfileVisit.objects.create(contact=contact)
    html = client_in.get(reverse("dashboard:stats")).content.decode()
    assert "Messages today</strong>: 1 of 3" in html and "Messages this week</strong>: 1 of 20" in html
    assert "Profile visits today</strong>: 1 of 40" in html
    assert "claimed and sent" in html


def test_quota_usage_counts_the_bots_day_and_week_in_the_server_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = ZoneInfo("Europe/Paris")
    now = datetime(2025, 1, 15, 12, 0, tzinfo=paris)  # a Wednesday
    contact = Contact.objects.create(slug="ada", name="Ada")
    for n, (claimed, status) in enumerate(
        [
            (datetime(2025, 1, 15, 10, 0, tzinfo=paris), MessageStatus.SENT),  # today
            (datetime(2025, 1, 15, 0, 0, tzinfo=paris), MessageStatus.CLAIMED),  # today, at midnight
            (datetime(2025, 1, 15, 9, 0, tzinfo=paris), MessageStatus.FAILED),  # not counted
            (datetime(2025, 1, 13, 9, 0, tzinfo=paris), MessageStatus.SENT),  # Monday: this week
            (datetime(2025, 1, 12, 23, 59, tzinfo=paris), MessageStatus.SENT),  # Sunday: last week
        ]
    ):
        BirthdayMessage.objects.create(
            contact=contact, birthday=date(2000 + n, 1, 1), status=status, claimed_at=claimed
        )
    ProfileVisit.objects.create(contact=contact, visited_at=datetime(2025, 1, 15, 8, 0, tzinfo=paris))
    ProfileVisit.objects.create(contact=contact, visited_at=datetime(2025, 1, 14, 23, 0, tzinfo=paris))
    usage = quota_usage(now=now)
    used = {q["key"]: q["used"] for q in usage["quotas"]}
    assert used == {"messages_today": 2, "messages_week": 3, "visits_today": 1}
    assert usage["day_start"] == datetime(2025, 1, 15, tzinfo=paris)
    assert usage["week_start"] == datetime(2025, 1, 13, tzinfo=paris)


def test_admin_still_works_for_a_superuser(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="pw-123456", email="r@example.com")
    client.force_login(admin)
    make_job()
    assert client.get("/admin/scheduler_app/scheduledjob/").status_code == 200
