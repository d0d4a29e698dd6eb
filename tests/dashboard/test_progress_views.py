"""A running execution's step and counts on the jobs page and in the job's history, and the
fragments that poll only while a run is queued or running (issue 22 item 5)."""
import re

import pytest
from django.urls import reverse
from django.utils.timezone import now as utc_now

from bots.runner import BotOutcome
from scheduler_app.services import execution_claim, execution_finish, job_run_now
from scheduler_app.services.executions import execution_lease_renew
from tests.factories import make_job

pytestmark = pytest.mark.django_db

POLL = re.compile(r'hx-trigger="every 2s"')


def running_with(job, step: str, **counts: int):
    execution = execution_claim(job_id=job.pk, execution_id=job_run_now(job=job).pk)
    assert execution_lease_renew(execution_id=execution.pk, progress={
        "step": step, "counts": counts, "at": utc_now().isoformat(), "elapsed_seconds": 3.0})
    return execution


def test_jobs_page_shows_the_running_step_and_counts_and_polls_that_cell_only(client_in, sent_tasks):
    running_job = make_job(name="Wishes", bot_config={"dry_run": False})
    idle_job = make_job(name="Idle")
    running_with(running_job, "writing to Ann Lee 3/9", messages_sent=2, planned=9)

    html = client_in.get(reverse("dashboard:jobs")).content.decode()

    assert "writing to Ann Lee 3/9" in html and "2 of 9 sent" in html
    assert len(POLL.findall(html)) == 1, "one poller: the running job's last-run cell"
    poller = re.search(r'<div id="last-run-([0-9a-f-]+)"[^>]*hx-get="([^"]+)"', html)
    assert poller.group(1) == str(running_job.pk)
    assert poller.group(2) == reverse("dashboard:job_last_run", kwargs={"job_id": running_job.pk})
    assert f'id="last-run-{idle_job.pk}" class="last-run" data-live="false"' in html


def test_the_last_run_fragment_polls_while_the_run_goes_on_and_stops_once_final(client_in, sent_tasks):
    job = make_job(bot_type="visitor", bot_config={"dry_run": False, "limit": 20})
    execution = running_with(job, "visiting Bob Stone 4/20", profiles_visited=3, planned=20)
    url = reverse("dashboard:job_last_run", kwargs={"job_id": job.pk})

    live = client_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert POLL.search(live) and "visiting Bob Stone 4/20" in live and "3 of 20 visited" in live

    execution_finish(execution=execution, status="success", outcome=BotOutcome(profiles_visited=20))
    final = client_in.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert not POLL.search(final) and "hx-get" not in final, "nothing runs: the fragment stops polling"
    assert "visiting Bob Stone" not in final and "Success" in final


def test_a_dry_run_shows_its_step_but_no_sent_count(client_in, sent_tasks):
    job = make_job(bot_config={"dry_run": True})
    running_with(job, "checking the message to Ann Lee 1/4 (dry run)", messages_sent=0, planned=4)

    html = client_in.get(reverse("dashboard:jobs")).content.decode()

    assert "checking the message to Ann Lee 1/4 (dry run)" in html and " of 4 sent" not in html


def test_history_shows_the_running_rows_step_and_counts_so_far(client_in, sent_tasks):
    job = make_job(bot_config={"dry_run": False})
    execution = running_with(job, "pausing 42 s", messages_sent=5, planned=9)

    html = client_in.get(reverse("dashboard:job_history_rows", kwargs={"job_id": job.pk})).content.decode()

    row = html[html.index(f'id="execution-{execution.pk}"'):]
    assert "pausing 42 s" in row and "5 of 9 sent" in row
    assert re.search(r'data-label="Sent / visited" class="num">5 / 0<', row)
    assert POLL.search(html)


def test_a_final_rows_last_step_is_not_shown_as_current(client_in, sent_tasks):
    job = make_job(bot_config={"dry_run": False})
    execution = running_with(job, "writing to Ann Lee 9/9", messages_sent=9, planned=9)
    execution_finish(execution=execution, status="success", outcome=BotOutcome(messages_sent=9),
                     progress=execution.progress)

    html = client_in.get(reverse("dashboard:job_history", kwargs={"job_id": job.pk})).content.decode()

    assert "writing to Ann Lee" not in html and not POLL.search(html)


def test_the_step_and_counts_show_in_the_readers_language(client_in, sent_tasks):
    job = make_job(bot_config={"dry_run": False})
    running_with(job, "writing to Ann Lee 3/9", messages_sent=2, planned=9)

    html = client_in.get(reverse("dashboard:jobs"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "écriture à Ann Lee 3/9" in html and "2 sur 9 envoyés" in html
    assert "writing to" not in html
