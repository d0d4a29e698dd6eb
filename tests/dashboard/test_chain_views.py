"""A job's history says what started a chained run ("after <job>") and which attempt a retried run is."""
import pytest
from django.urls import reverse
from django.utils.timezone import now as utc_now

from bots.runner import BotOutcome
from scheduler_app.models import JobExecution, ScheduledJob
from scheduler_app.services.executions import execution_claim, execution_finish
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def test_a_chained_run_reads_after_its_upstream_job_and_a_retry_its_attempt(client_in, sent_tasks):
    upstream = make_job(name="Morning wishes")
    downstream = make_job(name="Visits after wishes", run_after=["Morning wishes"])
    execution = execution_claim(job_id=upstream.pk, scheduled_for=utc_now().replace(microsecond=0))
    execution_finish(execution=execution, status="success", outcome=BotOutcome())
    JobExecution.objects.filter(job=downstream).update(attempt=2)

    page = client_in.get(reverse("dashboard:job_history", kwargs={"job_id": downstream.pk})).content.decode()

    assert "after Morning wishes" in page
    assert "attempt 2" in page


def _job_post(**overrides) -> dict:
    post = {"name": "Visits after wishes", "bot_type": "visitor", "schedule_type": "manual",
            "timezone": "Europe/Paris", "max_instances": "1", "misfire_grace_time": "3600", "jitter_seconds": "0",
            "enabled": "on", "coalesce": "on"}
    post.update(overrides)
    return post


def test_the_job_form_sets_run_after_by_name_and_shows_a_cycle_on_the_field(client_in):
    upstream = make_job(name="Morning wishes")

    response = client_in.post("/dashboard/jobs/new/", _job_post(run_after="Morning wishes",
                                                                 run_after_when="completion"))

    assert response.status_code == 302, response.content.decode()[:3000]
    downstream = ScheduledJob.objects.get(name="Visits after wishes")
    assert [job.name for job in downstream.run_after.all()] == ["Morning wishes"]
    assert downstream.run_after_when == "completion"
    form = client_in.get(f"/dashboard/jobs/{downstream.pk}/edit/").content.decode()
    assert 'value="Morning wishes"' in form

    # Editing the upstream to run after its own downstream is refused on the field.
    edit = client_in.post(f"/dashboard/jobs/{upstream.pk}/edit/", {
        **_job_post(name="Morning wishes", bot_type="birthday", schedule_type="daily", **{
            "schedule_config.hour": "8", "schedule_config.minute": "0"}),
        "run_after": "Visits after wishes"})
    assert edit.status_code == 200
    assert "this would make a cycle: Morning wishes → Visits after wishes → Morning wishes" in edit.content.decode()
    assert list(upstream.run_after.all()) == []
