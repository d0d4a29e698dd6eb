"""A job's history says what started a chained run ("after <job>") and which attempt a retried run is."""
import pytest
from django.urls import reverse
from django.utils.timezone import now as utc_now

from bots.runner import BotOutcome
from scheduler_app.models import JobExecution
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
