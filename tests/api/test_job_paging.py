"""GET /jobs one page at a time: limit (default 100, at most 500), an opaque cursor, the Link
header; a small fleet still gets one plain array."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from scheduler_app.models import ScheduledJob
from scheduler_app.paging import JOB_PAGE_DEFAULT, JOB_PAGE_MAX
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def _links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))}


def _many(count: int, **overrides) -> list[ScheduledJob]:
    """``count`` jobs through the service, then spread over distinct creation times (newest last)."""
    jobs = [make_job(name=f"job {i:03d}", **overrides) for i in range(count)]
    start = now() - timedelta(days=1)
    for i, job in enumerate(jobs):
        ScheduledJob.objects.filter(pk=job.pk).update(created_at=start + timedelta(seconds=i))
    return jobs


def _walk(client, url: str) -> list[str]:
    names, seen_urls = [], set()
    while url:
        assert url not in seen_urls
        seen_urls.add(url)
        response = client.get(url)
        assert response.status_code == 200 and isinstance(response.json(), list)
        names += [job["name"] for job in response.json()]
        url = _links(response).get("next")
    return names


def test_a_small_fleet_is_one_plain_array_without_a_link(client):
    _many(3)
    response = client.get("/scheduler/jobs")
    assert [job["name"] for job in response.json()] == ["job 002", "job 001", "job 000"]
    assert "Link" not in response.headers


def test_without_paging_parameters_a_large_fleet_gets_the_first_page_and_a_link(client):
    _many(JOB_PAGE_DEFAULT + 1)
    response = client.get("/scheduler/jobs")
    assert len(response.json()) == JOB_PAGE_DEFAULT and response.json()[0]["name"] == f"job {JOB_PAGE_DEFAULT:03d}"
    links = _links(response)
    assert set(links) == {"next"} and links["next"].startswith("http://testserver/scheduler/jobs?cursor=")
    rest = client.get(links["next"]).json()
    assert [job["name"] for job in rest] == ["job 000"]


def test_pages_cover_every_job_once_in_list_order_with_filters(client):
    jobs = _many(23)
    for job in jobs[::3]:
        ScheduledJob.objects.filter(pk=job.pk).update(enabled=False)
    everything = [f"job {i:03d}" for i in range(22, -1, -1)]
    assert _walk(client, "/scheduler/jobs?limit=5") == everything
    enabled = [name for name in everything if int(name[-3:]) % 3]
    assert _walk(client, "/scheduler/jobs?limit=4&enabled_only=true") == enabled
    assert _walk(client, "/scheduler/jobs?bot_type=visitor&limit=2") == []


def test_jobs_created_at_the_same_instant_are_neither_lost_nor_repeated(client):
    jobs = _many(7)
    ScheduledJob.objects.filter(pk__in=[job.pk for job in jobs]).update(created_at=now())
    names = _walk(client, "/scheduler/jobs?limit=2")
    assert sorted(names) == sorted(job.name for job in jobs) and len(names) == 7


def test_a_job_created_between_pages_does_not_shift_the_next_page(client):
    _many(6)
    first = client.get("/scheduler/jobs?limit=3")
    make_job(name="newcomer")
    second = client.get(_links(first)["next"]).json()
    assert [job["name"] for job in second] == ["job 002", "job 001", "job 000"]


def test_prev_link_goes_back_a_page(client):
    _many(7)
    first = client.get("/scheduler/jobs?limit=3")
    second = client.get(_links(first)["next"])
    back = client.get(_links(second)["prev"])
    assert back.json() == first.json()
    assert "prev" not in _links(back) and "prev" not in _links(first)
    third = client.get(_links(second)["next"])
    assert [job["name"] for job in client.get(_links(third)["prev"]).json()] == [
        job["name"] for job in second.json()]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), (f"limit={JOB_PAGE_MAX + 1}", "limit"), ("limit=ten", "limit"),
    ("cursor=not-a-cursor", "cursor"), ("cursor=bnwyMDI1fHg", "cursor"), ("cursor=%FF%FE", "cursor"),
])
def test_bad_paging_parameters_are_400_naming_the_field(client, query, field):
    response = client.get(f"/scheduler/jobs?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_limit_up_to_the_maximum(client):
    _many(12)
    assert len(client.get(f"/scheduler/jobs?limit={JOB_PAGE_MAX}").json()) == 12
    assert len(client.get("/scheduler/jobs?limit=1").json()) == 1


def test_a_deep_page_is_one_query_whatever_its_depth(client):
    _many(30)
    url = "/scheduler/jobs?limit=5"
    for _ in range(4):
        url = _links(client.get(url))["next"]
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    job_queries = [q["sql"] for q in queries.captured_queries if "scheduler_app_scheduledjob" in q["sql"]]
    assert len(job_queries) == 1 and "OFFSET" not in job_queries[0].upper()


def test_the_paging_parameters_are_in_the_openapi_document(anon):
    schema = anon.get("/scheduler/schema").json()
    operation = schema["paths"]["/scheduler/jobs"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"limit", "cursor", "enabled_only", "bot_type"} <= set(parameters)
    assert "500" in parameters["limit"]["description"] and "100" in parameters["limit"]["description"]
    assert "Link" in operation["responses"]["200"].get("headers", {})


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1969-12-31T00:00:00+00:00"]
)
@pytest.mark.parametrize("path", ["/scheduler/jobs", "/scheduler/stats"])
def test_a_cursor_with_an_extreme_time_is_a_400_naming_cursor(client, path, moment):
    import base64
    import uuid

    raw = f"n|{moment}|{uuid.uuid4().hex}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    answer = client.get(path, {"cursor": cursor})

    assert answer.status_code == 400
    assert "cursor" in answer.json()["errors"]


def test_an_empty_cursor_is_the_first_page(client):
    make_job(name="only")
    answer = client.get("/scheduler/jobs?cursor=")
    assert answer.status_code == 200 and [job["name"] for job in answer.json()] == ["only"]
