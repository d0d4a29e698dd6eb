"""Benchmark (a script, not a test): what notifications cost on the paths they touch.

    .venv/bin/python tests/benchmarks/bench_notify.py [--jobs N] [--runs N]

Its own SQLite database in a temporary directory. Measures
- ``finish``: a run's claim + finish through the execution services (one run in ten failed),
  without any rule and with a rule for every job (incidents flipped, deliveries written; their
  Celery message is not sent: no broker), per run, p50 / p99;
- ``silent_first_fill_ms``: the first rounds of the watchdog's dead-man's switch after an
  upgrade, which compute every covered job's ``silent_after`` once;
- ``silent_round``: then one round (``silent_check``) over ``--jobs`` jobs covered by one rule,
  none of them due: the cost every worker pays every NOTIFY_WATCH_EVERY_SECONDS.
The last line is one JSON object (milliseconds).
"""
import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-notify-")
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
                      DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING",
                      BOT_RUNNERS=json.dumps({"birthday": "tests.support.runners.succeed",
                                              "visitor": "tests.support.runners.succeed"}))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils.timezone import now as utc_now

    call_command("migrate", verbosity=0)
    # No broker here: the deliveries' first-attempt message is not what is measured.
    import scheduler_app.notify.services.deliveries as deliveries

    deliveries.deliveries_dispatch = lambda **_: None
    from scheduler_app.models import ScheduledJob
    from scheduler_app.notify.models import NotificationChannel, NotificationRule
    from scheduler_app.notify.watch import silent_check
    from scheduler_app.services import job_create
    from scheduler_app.services.executions import execution_claim, execution_finish

    first = job_create(data={"name": "bench 0", "bot_type": "birthday", "schedule_type": "interval",
                             "schedule_config": {"minutes": 5}, "bot_config": {"dry_run": True}})
    rows = [ScheduledJob(name=f"bench {i}", bot_type="birthday", schedule_type=("interval", "daily", "cron")[i % 3],
                         schedule_config=({"minutes": 5}, {"hour": 8, "minute": 0},
                                          {"cron_expression": "*/10 8-18 * * 1-5"})[i % 3],
                         bot_config=first.bot_config, timezone="Europe/Paris", last_success_at=utc_now(),
                         updated_at=utc_now(), account_id=first.account_id)
            for i in range(1, args.jobs)]
    ScheduledJob.objects.bulk_create(rows, batch_size=1000)

    base = utc_now().replace(microsecond=0) - timedelta(minutes=30)
    slots = iter(range(10**9))

    def finish_runs():
        samples = []
        for i in range(args.runs):
            start = time.perf_counter()
            execution = execution_claim(job_id=first.pk, scheduled_for=base + timedelta(seconds=next(slots)))
            execution_finish(execution=execution, status="failed" if i % 10 == 0 else "success")
            samples.append((time.perf_counter() - start) * 1000)
        return {"p50": round(percentile(samples, 0.5), 3), "p99": round(percentile(samples, 0.99), 3)}

    result = {"jobs": args.jobs, "runs": args.runs, "finish_no_rule": finish_runs()}
    channel = NotificationChannel.objects.create(name="bench", kind="webhook", config={"url": "http://127.0.0.1:9/"})
    NotificationRule.objects.create(channel=channel, events=["failed", "recovered", "silent"])
    result["finish_with_rule"] = finish_runs()
    start = time.perf_counter()
    while ScheduledJob.objects.filter(silent_after__isnull=True).exists():  # first rounds after an upgrade
        silent_check(now=utc_now() - timedelta(minutes=1))
    result["silent_first_fill_ms"] = round((time.perf_counter() - start) * 1000, 1)
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        alerts = silent_check(now=utc_now() - timedelta(minutes=1))
        rounds.append((time.perf_counter() - start) * 1000)
    result["silent_round"] = {"min": round(min(rounds), 1), "max": round(max(rounds), 1), "alerts": alerts}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
