"""The dashboard at fleet size: the jobs page pages and searches by name, the stats page has a
``since`` window (default 30 days) and pages its per-job table."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import now

from scheduler_app.dashboard.selectors import DASHBOARD_PAGE
from scheduler_app.models import ScheduledJob
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db


def _many(count: int, name="job {i:03d}", **overrides) -> list[ScheduledJob]:
    jobs = [make_job(name=name.format(i=i), **overrides) for i in range(count)]
    start = now() - timedelta(days=1)
    for i, job in enumerate(jobs):
        ScheduledJob.objects.filter(pk=job.pk).update(created_at=start + timedelta(seconds=i))
    return jobs


def _names(html: str) -> list[str]:
    return re.findall(r'<strong><a href="/dashboard/jobs/[^"]+/history/">([^<]+)</a></strong>', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_jobs_page_shows_one_page_and_links_to_the_next_and_back(client_in):
    _many(DASHBOARD_PAGE + 3)
    first = client_in.get(reverse("dashboard:jobs")).content.decode()
    assert len(_names(first)) == DASHBOARD_PAGE and _names(first)[0] == f"job {DASHBOARD_PAGE + 2:03d}"
    assert _link(first, "prev") is None
    second = client_in.get(_link(first, "next")).content.decode()
    assert _names(second) == ["job 002", "job 001", "job 000"] and _link(second, "next") is None
    assert _names(client_in.get(_link(second, "prev")).content.decode()) == _names(first)


def test_jobs_page_searches_by_name_with_the_filters_and_keeps_the_search_across_pages(client_in):
    _many(DASHBOARD_PAGE + 1, name="Birthday run {i:03d}")
    make_job(name="Visit recruiters", bot_type="visitor", bot_config={})
    make_job(name="birthday of the team", enabled=False)
    html = client_in.get(reverse("dashboard:jobs"), {"q": "BIRTHDAY"}).content.decode()
    assert len(_names(html)) == DASHBOARD_PAGE and "Visit recruiters" not in _names(html)
    assert 'value="BIRTHDAY"' in html
    rest = client_in.get(_link(html, "next")).content.decode()
    assert "q=BIRTHDAY" in _link(html, "next")
    assert _names(rest) == ["Birthday run 001", "Birthday run 000"]
    disabled = client_in.get(reverse("dashboard:jobs"), {"q": "birthday", "enabled": "no"}).content.decode()
    assert _names(disabled) == ["birthday of the team"]
    assert "No job matches" in client_in.get(reverse("dashboard:jobs"), {"q": "nobody"}).content.decode()


def test_jobs_page_treats_an_edited_cursor_as_the_first_page(client_in):
    _many(3)
    html = client_in.get(reverse("dashboard:jobs"), {"cursor": "garbage"}).content.decode()
    assert _names(html) == ["job 002", "job 001", "job 000"]


def test_stats_page_window_defaults_to_30_days_and_follows_since(client_in):
    job = make_job(name="Counted")
    record_run(job, "success", messages=2, at=now() - timedelta(days=45))
    record_run(job, "failed", at=now() - timedelta(days=3))
    record_run(job, "success", messages=1)
    html = client_in.get(reverse("dashboard:stats")).content.decode()
    first = timezone.localdate() - timedelta(days=29)
    assert f'value="{first:%Y-%m-%d}"' in html and "last 14 days" not in html
    assert html.count("<tr><th scope=\"row\">") == 30  # one row per day of the window
    assert re.search(r'<div class="value">2</div><div class="label">runs recorded', html)
    assert "50.0%" in html

    since = timezone.localdate() - timedelta(days=60)
    wide = client_in.get(reverse("dashboard:stats"), {"since": since.isoformat()}).content.decode()
    assert re.search(r'<div class="value">3</div><div class="label">runs recorded', wide)
    assert wide.count("<tr><th scope=\"row\">") == 61
    assert re.search(r'<div class="value">3</div><div class="label">messages sent', wide)


def test_stats_page_says_when_since_is_not_a_date_or_too_far_back(client_in):
    bad = client_in.get(reverse("dashboard:stats"), {"since": "last week"}).content.decode()
    assert "is not a date" in bad
    far = client_in.get(reverse("dashboard:stats"), {"since": "2001-01-01"}).content.decode()
    assert "366 days at most" in far and far.count("<tr><th scope=\"row\">") == 366


def test_stats_page_pages_its_per_job_table(client_in):
    jobs = _many(DASHBOARD_PAGE + 2)
    record_run(jobs[0], "success")
    html = client_in.get(reverse("dashboard:stats")).content.decode()
    table = html[html.index('id="per-job-table"'):]
    assert table.count("/history/") == DASHBOARD_PAGE and "job 000" not in table
    rest = client_in.get(_link(html, "next")).content.decode()
    rest_table = rest[rest.index('id="per-job-table"'):]
    assert "job 001" in rest_table and "job 000" in rest_table and "100.0%" in rest_table


@pytest.mark.parametrize("page", ["/dashboard/", "/dashboard/stats/"])
def test_an_edited_cursor_with_an_extreme_time_shows_the_first_page(client_in, page):
    import base64
    import uuid

    raw = f"n|0001-01-01T00:00:00+14:00|{uuid.uuid4().hex}".encode()
    answer = client_in.get(page, {"cursor": base64.urlsafe_b64encode(raw).decode().rstrip("=")})

    assert answer.status_code == 200

