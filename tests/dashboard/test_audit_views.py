"""A job's Changes on its history page: who changed it, from where, old → new and the note,
newest first, and only that job's."""
import pytest

from scheduler_app.audit.models import AuditEvent
from scheduler_app.services import job_toggle
from tests.factories import make_job

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_session_file")]


def test_the_history_page_lists_the_jobs_changes_newest_first(client_in, sent_tasks):
    job = make_job(name="Birthdays")
    other = make_job(name="Visits")
    client_in.post(f"/dashboard/jobs/{job.pk}/toggle/", {"note": "LinkedIn warned us"})
    client_in.post(f"/dashboard/jobs/{job.pk}/run/", {"note": "after the fix"})
    job_toggle(job=other, enabled=False)  # another job's change: not on this page

    page = client_in.get(f"/dashboard/jobs/{job.pk}/history/").content.decode()
    section = page[page.index('id="changes"'):]
    rows = section.split('class="change-row"')[1:]
    assert len(rows) == 3  # run now, toggle, create
    assert "run_now" in rows[0] and "after the fix" in rows[0] and "alice" in rows[0]
    assert "toggle" in rows[1] and "LinkedIn warned us" in rows[1]
    assert "<code>enabled</code>: true → false" in rows[1]
    assert "create" in rows[2] and "system" in rows[2]
    assert "Visits" not in section


def test_a_job_without_changes_says_so(client_in):
    job = make_job(name="Quiet")
    AuditEvent.objects.filter(job_id=job.pk).prune()
    page = client_in.get(f"/dashboard/jobs/{job.pk}/history/").content.decode()
    assert "No change recorded for this job yet." in page
