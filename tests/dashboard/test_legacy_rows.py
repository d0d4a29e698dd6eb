"""A cron job stored before the cron syntax rules still shows on the dashboard (no 500)."""
import pytest

from scheduler_app.models import ScheduledJob
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_jobs_page_and_edit_form_show_a_legacy_cron_job(client_in):
    job = make_job(name="Legacy cron", schedule_type="cron", schedule_config={"cron_expression": "0 8 * * 1"})
    ScheduledJob.objects.filter(pk=job.pk).update(schedule_config={"cron_expression": "0 8 * * 1#2"})

    page = client_in.get("/dashboard/")
    form = client_in.get(f"/dashboard/jobs/{job.pk}/edit/")

    assert page.status_code == 200 and "Legacy cron" in page.content.decode()
    assert form.status_code == 200 and "0 8 * * 1#2" in form.content.decode()
