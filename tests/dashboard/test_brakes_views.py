"""The dashboard's pause, resume and holiday controls, and the jitter field of the job form."""
import pytest

from scheduler_app.brakes.models import JobPause
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_pause_shows_its_reason_on_the_jobs_page_and_resume_lifts_it(admin_client):
    job = make_job(name="wishes")
    answer = admin_client.post(f"/dashboard/jobs/{job.pk}/pause/", {"note": "away", "until": "2099-01-02T08:00"})
    assert answer.status_code == 302
    (pause,) = JobPause.objects.all()
    assert pause.note == "away" and pause.until.year == 2099 and pause.created_by == "admin"
    page = admin_client.get("/dashboard/").content.decode()
    assert "paused by admin until 2099-01-02" in page and "Resume" in page
    admin_client.post(f"/dashboard/jobs/{job.pk}/resume/")
    assert "⏸ paused by" not in admin_client.get("/dashboard/").content.decode()


def test_bad_until_is_refused_and_nothing_stored(admin_client):
    job = make_job()
    admin_client.post(f"/dashboard/jobs/{job.pk}/pause/", {"until": "2001-01-01T08:00"})
    admin_client.post(f"/dashboard/jobs/{job.pk}/pause/", {"until": "soon"})
    assert not JobPause.objects.exists()


def test_holiday_button_pauses_every_job_and_resumes_them(admin_client):
    make_job(), make_job(bot_type="visitor", bot_config={})
    admin_client.post("/dashboard/jobs/holiday/", {"action": "pause", "note": "holiday"})
    assert JobPause.objects.filter(lifted_at__isnull=True).count() == 2
    admin_client.post("/dashboard/jobs/holiday/", {"action": "resume"})
    assert not JobPause.objects.filter(lifted_at__isnull=True).exists()


def test_holiday_button_with_an_unknown_bot_type_pauses_nothing(admin_client):
    make_job()
    answer = admin_client.post("/dashboard/jobs/holiday/", {"action": "pause", "bot_type": "nope"}, follow=True)
    assert not JobPause.objects.exists()
    assert "unknown bot type" in answer.content.decode()


def test_job_form_saves_jitter(admin_client):
    job = make_job()
    form = admin_client.get(f"/dashboard/jobs/{job.pk}/edit/").content.decode()
    assert 'name="jitter_seconds"' in form
