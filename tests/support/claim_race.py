"""Helper process for the PostgreSQL claim races: ``python -m tests.support.claim_race``.

``setup MAX_INSTANCES`` creates a job and prints its id; ``claim JOB_ID SLOT START_AT`` waits
until the wall clock reaches START_AT (so all racers hit the database together), claims the
slot and prints the resulting status (or ``none`` when the claim was refused). The claim runs
inside a transaction held open for a moment before it commits, so that without the locks
the racers would surely overlap instead of happening to run one after another.
"""
import os
import sys
import time

import django


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import transaction
    from django.utils.dateparse import parse_datetime

    from scheduler_app.services import execution_claim, job_create

    command = argv[0]
    if command == "setup":
        job = job_create(data={"name": "race", "bot_type": "birthday", "schedule_type": "interval",
                               "schedule_config": {"minutes": 1}, "max_instances": int(argv[1])})
        print(job.pk)
    elif command == "claim":
        job_id, slot, start_at = argv[1], parse_datetime(argv[2]), float(argv[3])
        time.sleep(max(0.0, start_at - time.time()))
        with transaction.atomic():
            execution = execution_claim(job_id=job_id, scheduled_for=slot)
            time.sleep(0.5)
        print(execution.status if execution else "none")
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
