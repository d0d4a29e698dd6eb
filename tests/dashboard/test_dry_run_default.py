"""The new-job form starts as a dry run and says under the checkbox what a dry run does (issue 22,
item 8); an edited job shows its own setting."""
import html as html_text
import re

import pytest
from django.urls import reverse

from scheduler_app.dashboard.forms import DRY_RUN_HELP
from scheduler_app.models import ScheduledJob
from tests.dashboard.test_views import form_data
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def dry_run_checkbox(html: str) -> str:
    match = re.search(r'<input type="checkbox" id="id_bot_config_dry_run"[^>]*>', html)
    assert match, "no dry run checkbox"
    return match.group(0)


def dry_run_help(html: str) -> str:
    match = re.search(r'<p class="help" id="id_bot_config_dry_run-help">([^<]*)</p>', html)
    assert match, "no help under the dry run checkbox"
    return html_text.unescape(match.group(1))


def test_the_new_job_form_starts_with_dry_run_on_and_says_what_it_means(client_in):
    html = client_in.get(reverse("dashboard:job_create")).content.decode()
    assert "checked" in dry_run_checkbox(html)
    assert "opens each conversation and checks its recipient but types and sends nothing" in dry_run_help(html).lower()
    assert dry_run_help(html) == DRY_RUN_HELP["birthday"]


def test_switching_a_new_job_to_the_visitor_keeps_dry_run_on_with_its_own_help(client_in):
    html = client_in.get(reverse("dashboard:job_fields", kwargs={"part": "bot"}), {"bot_type": "visitor"})
    html = html.content.decode()
    assert "checked" in dry_run_checkbox(html)
    assert dry_run_help(html) == DRY_RUN_HELP["visitor"]


def test_unticking_it_saves_a_real_run_and_an_edited_job_shows_its_own(client_in):
    data = form_data()
    del data["bot_config.dry_run"]  # unticked: only its _present marker is posted
    assert client_in.post(reverse("dashboard:job_create"), data).status_code == 302
    job = ScheduledJob.objects.get()
    assert job.bot_config["dry_run"] is False
    html = client_in.get(reverse("dashboard:job_edit", kwargs={"job_id": job.pk})).content.decode()
    assert "checked" not in dry_run_checkbox(html)
    dry = make_job(name="dry", bot_config={"dry_run": True})
    html = client_in.get(reverse("dashboard:job_edit", kwargs={"job_id": dry.pk})).content.decode()
    assert "checked" in dry_run_checkbox(html)
