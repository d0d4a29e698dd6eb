"""Helper process for the PostgreSQL run-counter race: ``python -m tests.support.counter_race``.

``setup N`` creates N jobs (max_instances 2) and prints their ids. ``work SEED START_AT JOB_ID...``
waits until START_AT, then claims slots shared with the other workers (so claims collide on the
once-per-slot constraint and on max_instances), ends each run success or failed with counts, or
abandons it for the reaper, and finishes some abandoned runs late (the reaper's "worker lost"
overwritten). ``reap START_AT SECONDS`` runs the reaper in a loop. ``dispatch SEED START_AT
JOB_ID...`` records missed slots as beat does (some colliding with the workers' slots) and
deletes the last job part way through. ``prune START_AT SECONDS`` prunes history in small
batches in a loop, as if it were a year old. Each prints ``ok`` at the end; a deadlock or any other
error exits non-zero.
"""
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import django

SLOTS = 40


def _slots() -> list[datetime]:
    base = datetime.now(tz=UTC).replace(second=0, microsecond=0)
    return [base - timedelta(seconds=i) for i in range(SLOTS)]


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from bots.runner import BotOutcome
    from scheduler_app.models import JobExecution, ScheduledJob
    from scheduler_app.services import execution_claim, execution_finish, job_create, job_delete
    from scheduler_app.services.executions import executions_reap, executions_record_dispatch

    command = argv[0]
    if command == "setup":
        for i in range(int(argv[1])):
            job = job_create(data={"name": f"counted {i}", "bot_type": "birthday", "schedule_type": "interval",
                                   "schedule_config": {"minutes": 1}, "max_instances": 2})
            print(job.pk)
        return
    if command == "prune":
        # Retention as if a year had passed: every finished row but each job's newest may go.
        from django.utils.timezone import now as utc_now

        from scheduler_app.services.executions import executions_prune

        start_at, seconds = float(argv[1]), float(argv[2])
        time.sleep(max(0.0, start_at - time.time()))
        pruned = 0
        while True:  # at least one pass, however late this process started
            pruned += executions_prune(now=utc_now() + timedelta(days=365), batch_size=5, max_batches=50)
            if time.time() >= start_at + seconds:
                break
            time.sleep(0.05)
        print(f"ok {pruned}")
        return
    if command == "reap":
        start_at, seconds = float(argv[1]), float(argv[2])
        time.sleep(max(0.0, start_at - time.time()))
        while time.time() < start_at + seconds:
            executions_reap()
            time.sleep(0.2)
        print("ok")
        return

    rng = random.Random(int(argv[1]))
    start_at, job_ids = float(argv[2]), argv[3:]
    time.sleep(max(0.0, start_at - time.time()))
    slots = _slots()
    if command == "work":
        abandoned = []
        for _ in range(60):
            job_id, slot = rng.choice(job_ids), rng.choice(slots)
            execution = execution_claim(job_id=job_id, scheduled_for=slot)
            if execution is None:
                continue
            roll = rng.random()
            if roll < 0.25:
                abandoned.append(execution)  # the lease runs out; the reaper ends it
                continue
            status = "success" if roll < 0.7 else "failed"
            execution_finish(execution=execution, status=status,
                             outcome=BotOutcome(messages_sent=rng.randint(0, 3), profiles_visited=rng.randint(0, 5)))
            time.sleep(0.05)
        time.sleep(3)  # past the lease: the reaper has ended the abandoned runs "worker lost"
        for late in abandoned[::2]:
            if JobExecution.objects.filter(pk=late.pk, status="failed").exists():
                execution_finish(execution=late, status="success", outcome=BotOutcome(messages_sent=1))
    elif command == "dispatch":
        doomed = job_ids[-1]
        for round_ in range(20):
            picked = [(job_id, slot, "missed by the race") for job_id in job_ids for slot in rng.sample(slots, 2)]
            executions_record_dispatch(missed=picked)
            if round_ == 10:
                job_delete(job=ScheduledJob.objects.get(pk=doomed))
            time.sleep(0.05)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
