"""Fixtures for ``bench_beat.py`` (a benchmark helper, not a test): load N jobs for one
scheduler, and a small command server that makes and removes "probe" jobs on request.

Run as a subprocess with the benchmark's environment (DATABASE_URL, REDIS_URL,
DJANGO_SETTINGS_MODULE=config.settings):

    python tests/benchmarks/_beat_workload.py setup --kind stock|redbeat|ours --jobs N \
        --cron "* * * * *" --ids-out ids.json
    python tests/benchmarks/_beat_workload.py serve --kind stock|redbeat|ours

``serve`` reads commands on stdin (``create`` / ``delete <key>`` / ``quit``) and answers one
JSON line each, with ``commit``: the wall-clock time (``time.time()``) right after the change
was committed (database transaction, or Redis pipeline for RedBeat).

Also holds ``BenchRedBeatScheduler``: ``redbeat.RedBeatScheduler`` unchanged except that it sets
``redbeat_redis_url`` and ``redbeat_lock_timeout`` on the app first (the project's settings do
not know RedBeat, and it is a benchmark-only dependency).
"""
import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUN_JOB_TASK = "scheduler_app.tasks.run_job"
BULK_BATCH = 1000

try:  # benchmark-only dependency: requirements-bench.txt
    from redbeat import RedBeatScheduler as _RedBeatScheduler
except ImportError:  # pragma: no cover - the benchmark skips RedBeat and says how to install it
    _RedBeatScheduler = None


def redbeat_configure(app) -> None:
    app.conf.redbeat_redis_url = os.environ["REDIS_URL"]
    # One beat only in the benchmark: the lock must simply outlive the longest tick (RedBeat
    # extends it once per tick, and a tick that sends a whole burst can take many seconds;
    # an expired lock makes the next extend raise and beat exit).
    app.conf.redbeat_lock_timeout = int(os.environ.get("BENCH_REDBEAT_LOCK_TIMEOUT", "300"))


if _RedBeatScheduler is not None:

    class BenchRedBeatScheduler(_RedBeatScheduler):
        def __init__(self, app, *args, **kwargs):
            redbeat_configure(app)
            super().__init__(app, *args, **kwargs)


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _cron_fields(expression: str) -> dict:
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return {"minute": minute, "hour": hour, "day_of_month": day_of_month, "month_of_year": month_of_year,
            "day_of_week": day_of_week}


def _batches(items: list, size: int = BULK_BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- setup --------------------------------------------------------------------------------------


def setup_stock(count: int, expression: str) -> tuple[list[str], list[str]]:
    """django-celery-beat's own rows, as a plain django-celery-beat user has them."""
    from django.db import transaction
    from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

    crontab = CrontabSchedule.objects.create(**_cron_fields(expression), timezone="UTC")
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with transaction.atomic():
        for batch in _batches(ids):
            PeriodicTask.objects.bulk_create([
                PeriodicTask(name=f"bench:{job_id}", task=RUN_JOB_TASK, crontab=crontab,
                             kwargs=json.dumps({"job_id": job_id}), enabled=True)
                for job_id in batch
            ])
        PeriodicTasks.update_changed()
    return ids, []


def setup_redbeat(count: int, expression: str) -> tuple[list[str], list[str]]:
    """RedBeat entries, written as ``RedBeatSchedulerEntry.save`` writes them but pipelined.

    ``last_run_at`` is now: a RedBeat entry that never ran is due at once, which would make a
    burst at beat start instead of at the minute boundary.
    """
    from celery.schedules import crontab
    from redbeat.decoder import RedBeatJSONEncoder
    from redbeat.schedulers import RedBeatSchedulerEntry, ensure_conf, get_redis

    from config.celery import app

    redbeat_configure(app)
    ensure_conf(app)
    client = get_redis(app)
    schedule = crontab(**_cron_fields(expression), app=app)
    now = app.now()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    for batch in _batches(ids):
        with client.pipeline(transaction=False) as pipe:
            for job_id in batch:
                entry = RedBeatSchedulerEntry(f"bench:{job_id}", RUN_JOB_TASK, schedule, kwargs={"job_id": job_id},
                                              app=app)
                entry.last_run_at = now
                definition = {"name": entry.name, "task": entry.task, "args": entry.args, "kwargs": entry.kwargs,
                              "options": entry.options, "schedule": entry.schedule, "enabled": entry.enabled}
                pipe.hset(entry.key, "definition", json.dumps(definition, cls=RedBeatJSONEncoder))
                pipe.hsetnx(entry.key, "meta", json.dumps({"last_run_at": now}, cls=RedBeatJSONEncoder))
                pipe.zadd(app.redbeat_conf.schedule_key, {entry.key: entry.score})
            pipe.execute()
    return ids, []


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    counts = {}
    for label in ("scheduler_app", "django_celery_beat"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


# What job_create writes for a new cron job besides the job itself (BeatChange: the fleet beat's
# change feed, one row per job write). Anything else it writes is a row the bulk copy below does
# not make: setup says so, and the fixture must learn it.
# The audit event (scheduler_app/audit) is not copied: beat never reads it.
EXPECTED_CREATE_ROWS = {"scheduler_app.ScheduledJob", "scheduler_app.BeatChange", "django_celery_beat.PeriodicTask",
                        "django_celery_beat.CrontabSchedule", "django_celery_beat.PeriodicTasks",
                        "scheduler_app.AuditEvent"}


def _change_feed_model():
    from django.apps import apps

    try:
        return apps.get_model("scheduler_app", "BeatChange")
    except LookupError:  # before the fleet beat's change feed
        return None


def setup_ours(count: int, expression: str) -> tuple[list[str], list[str]]:
    """Real jobs: the first through ``job_create``, the rest bulk copies of its shape (job row and
    its PeriodicTask linked one-to-one, same crontab row), because the service takes minutes for
    10,000 jobs. The copies are what ``scheduler_app.sync.periodic_task_upsert`` would write,
    change-feed row (``BeatChange``) included."""
    from django.db import transaction
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    from scheduler_app.models import ScheduledJob
    from scheduler_app.services.jobs import job_create
    from scheduler_app.sync import periodic_task_name

    warnings = []
    before = _row_counts()
    first = job_create(data={
        "name": "bench 0", "bot_type": "birthday", "schedule_type": "cron",
        "schedule_config": {"cron_expression": expression}, "bot_config": {"dry_run": True}, "timezone": "UTC",
    }, created_by="bench")
    after = _row_counts()
    for label, number in after.items():
        if number != before.get(label, 0) and label not in EXPECTED_CREATE_ROWS:
            warnings.append(f"job_create also wrote {number - before.get(label, 0)} {label} row(s) that the bulk "
                            "fixture does not copy: update _beat_workload.setup_ours")
    first = ScheduledJob.objects.select_related("periodic_task").get(pk=first.pk)
    template_task = first.periodic_task
    job_fields = {f.attname: getattr(first, f.attname) for f in ScheduledJob._meta.concrete_fields
                  if f.attname not in ("id", "name", "periodic_task_id")}
    task_fields = {f.attname: getattr(template_task, f.attname) for f in PeriodicTask._meta.concrete_fields
                   if f.attname not in ("id", "name", "kwargs", "description", "date_changed")}
    feed = _change_feed_model()
    ids = [str(first.pk)]
    rest = [uuid.uuid4() for _ in range(count - 1)]
    with transaction.atomic():
        for batch_number, batch in enumerate(_batches(rest)):
            jobs = [ScheduledJob(id=job_id, name=f"bench {batch_number * BULK_BATCH + i + 1}", **job_fields)
                    for i, job_id in enumerate(batch)]
            tasks = PeriodicTask.objects.bulk_create([
                PeriodicTask(name=periodic_task_name(job), kwargs=json.dumps({"job_id": str(job.pk)}),
                             description=job.name[:200], **task_fields)
                for job in jobs
            ])
            for job, task in zip(jobs, tasks, strict=True):
                job.periodic_task_id = task.pk
            ScheduledJob.objects.bulk_create(jobs)
            if feed is not None:
                feed.objects.bulk_create([feed(job_id=job.pk) for job in jobs])
            ids.extend(str(job.pk) for job in jobs)
        PeriodicTasks.update_changed()
    return ids, warnings


def cmd_setup(args) -> None:
    started = time.time()
    if args.kind != "redbeat":
        _django()
    ids, warnings = {"stock": setup_stock, "redbeat": setup_redbeat, "ours": setup_ours}[args.kind](
        args.jobs, args.cron)
    Path(args.ids_out).write_text(json.dumps(ids))
    print(json.dumps({"jobs": len(ids), "started": started, "seconds": round(time.time() - started, 2),
                      "warnings": warnings}), flush=True)


# --- probes -------------------------------------------------------------------------------------


class StockProbes:
    def __init__(self):
        _django()
        from django_celery_beat.models import IntervalSchedule

        self.interval, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)

    def create(self) -> tuple[str, float]:
        from django_celery_beat.models import PeriodicTask

        job_id = str(uuid.uuid4())
        PeriodicTask.objects.create(name=f"probe:{job_id}", task=RUN_JOB_TASK, interval=self.interval,
                                    kwargs=json.dumps({"job_id": job_id}))  # autocommit: committed on return
        return job_id, time.time()

    def delete(self, job_id: str) -> float:
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.get(name=f"probe:{job_id}").delete()  # Model.delete bumps the change marker
        return time.time()


class RedBeatProbes:
    def __init__(self):
        from redbeat.schedulers import ensure_conf

        from config.celery import app

        redbeat_configure(app)
        ensure_conf(app)
        self.app = app

    def _entry(self, job_id: str):
        from celery.schedules import schedule
        from redbeat.schedulers import RedBeatSchedulerEntry

        return RedBeatSchedulerEntry(f"probe:{job_id}", RUN_JOB_TASK, schedule(run_every=1),
                                     kwargs={"job_id": job_id}, app=self.app)

    def create(self) -> tuple[str, float]:
        job_id = str(uuid.uuid4())
        self._entry(job_id).save()  # never ran: due at once
        return job_id, time.time()

    def delete(self, job_id: str) -> float:
        self._entry(job_id).delete()
        return time.time()


class OurProbes:
    def __init__(self):
        _django()
        self.number = 0

    def create(self) -> tuple[str, float]:
        from scheduler_app.services.jobs import job_create

        self.number += 1
        job = job_create(data={
            "name": f"probe {self.number}", "bot_type": "birthday", "schedule_type": "interval",
            "schedule_config": {"seconds": 1}, "bot_config": {"dry_run": True}, "timezone": "UTC",
        }, created_by="bench")  # its transaction has committed when it returns
        return str(job.pk), time.time()

    def delete(self, job_id: str) -> float:
        from scheduler_app.models import ScheduledJob
        from scheduler_app.services.jobs import job_delete

        job_delete(job=ScheduledJob.objects.get(pk=job_id))
        return time.time()


def cmd_serve(args) -> None:
    probes = {"stock": StockProbes, "redbeat": RedBeatProbes, "ours": OurProbes}[args.kind]()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        try:
            if command == "create":
                job_id, commit = probes.create()
                answer = {"job_id": job_id, "commit": commit}
            elif command == "delete":
                answer = {"commit": probes.delete(argument)}
            elif command == "quit":
                break
            else:
                answer = {"error": f"unknown command {command!r}"}
        except Exception as exc:  # answer, so the benchmark never waits for a dead probe
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup")
    setup.add_argument("--kind", choices=("stock", "redbeat", "ours"), required=True)
    setup.add_argument("--jobs", type=int, required=True)
    setup.add_argument("--cron", default="* * * * *")
    setup.add_argument("--ids-out", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--kind", choices=("stock", "redbeat", "ours"), required=True)
    args = parser.parse_args()
    {"setup": cmd_setup, "serve": cmd_serve}[args.command](args)


if __name__ == "__main__":
    main()
