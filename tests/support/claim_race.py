"""Helper process for the PostgreSQL claim races: ``python -m tests.support.claim_race``.

``setup MAX_INSTANCES`` creates a job and prints its id; ``lock-order JOB_ID`` prints which row
a finish locks first (see ``lock_order``); ``claim JOB_ID SLOT START_AT`` waits
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
    elif command == "chain-setup":
        print(" ".join(chain_setup()))
    elif command == "chain-vs-dispatch":
        print(chain_vs_dispatch())
    elif command == "chain-finish":
        chain_finish(argv[1], float(argv[2]))
    elif command == "lock-order":
        print(lock_order(argv[1]))
    elif command == "dispatch-order":
        print(dispatch_order(argv[1], argv[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")


def chain_setup() -> list[str]:
    """Jobs A and B (B runs after A) and a running execution of A: prints B's id and the execution's."""
    from datetime import UTC, datetime

    from scheduler_app.services import execution_claim, job_create

    upstream = job_create(data={"name": "A", "bot_type": "birthday", "schedule_type": "interval",
                                "schedule_config": {"minutes": 1}})
    downstream = job_create(data={"name": "B", "bot_type": "birthday", "schedule_type": "manual",
                                  "run_after": [str(upstream.pk)]})
    execution = execution_claim(job_id=upstream.pk, scheduled_for=datetime.now(tz=UTC).replace(microsecond=0))
    return [str(downstream.pk), str(execution.pk)]


def chain_finish(execution_id: str, start_at: float) -> None:
    """Record the end of A's execution as a worker would, at START_AT, held open a moment: many
    of these at once are a finish delivered many times. Prints one "sent" per chained run it
    sent (the message is printed, not published: no broker here)."""
    from django.db import transaction

    from config.celery import app
    from scheduler_app.models import JobExecution
    from scheduler_app.services import execution_finish

    app.send_task = lambda name, kwargs, **options: print("sent", kwargs["job_id"])
    execution = JobExecution.objects.get(pk=execution_id)
    time.sleep(max(0.0, start_at - time.time()))
    with transaction.atomic():
        execution_finish(execution=execution, status="success")
        time.sleep(0.5)


def chain_vs_dispatch() -> str:
    """A finish of A whose chain inserts a row of B (B's id sorts first), while beat records slots
    of both jobs (locking B, then A): prints the errors seen and the rows left. With job locks
    that blocked the chain insert's foreign-key check this was a deadlock."""
    import threading
    from datetime import UTC, datetime
    from unittest import mock

    from django.db import connection

    from config.celery import app
    from scheduler_app.models import JobExecution
    from scheduler_app.services import execution_claim, execution_finish, job_create, job_update
    from scheduler_app.services import executions as module
    from scheduler_app.services.executions import executions_record_dispatch

    app.send_task = lambda *args, **kwargs: None
    jobs = [job_create(data={"name": name, "bot_type": "birthday", "schedule_type": "interval",
                             "schedule_config": {"minutes": 1}}) for name in ("one", "two")]
    downstream, upstream = sorted(jobs, key=lambda job: str(job.pk))
    job_update(job=downstream, changes={"run_after": [str(upstream.pk)]})
    running = execution_claim(job_id=upstream.pk, scheduled_for=datetime.now(tz=UTC).replace(microsecond=0))
    slot = datetime.now(tz=UTC).replace(microsecond=0, second=0)
    errors: list[str] = []
    chain = module.chains_on_final

    def slow_chain(**kwargs):
        time.sleep(1.0)  # the finish holds the upstream here while beat locks the downstream first
        return chain(**kwargs)

    def finish():
        try:
            with mock.patch.object(module, "chains_on_final", slow_chain):
                execution_finish(execution=running, status="success")
        finally:
            connection.close()

    def dispatch():
        time.sleep(0.3)
        try:
            executions_record_dispatch(sent=[(str(downstream.pk), slot), (str(upstream.pk), slot)])
        except Exception as exc:
            errors.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish), threading.Thread(target=dispatch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    rows = sorted(("down" if row.job_id == downstream.pk else "up", row.trigger, row.status)
                  for row in JobExecution.objects.filter(job__in=jobs))
    return f"errors={errors} rows={rows}"


def lock_order(job_id: str) -> str:
    """Which row a finish locks first. Another connection holds the job row (as a claim of the
    next slot would) while the finish runs in a thread; then it asks for the execution row without
    waiting. A finish that took the execution first (and now waits for the job) makes that fail:
    with a claim that goes on to touch the execution, that is the deadlock PostgreSQL aborts."""
    import threading
    from datetime import UTC, datetime

    import psycopg
    from django.conf import settings

    from scheduler_app.models import JobExecution
    from scheduler_app.services import execution_claim, execution_finish

    execution = execution_claim(job_id=job_id, scheduled_for=datetime.now(tz=UTC).replace(microsecond=0))
    db = settings.DATABASES["default"]
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    holder.execute("SELECT id FROM scheduler_app_scheduledjob WHERE id = %s FOR UPDATE", (job_id,))
    finisher = threading.Thread(target=execution_finish, kwargs={"execution": execution, "status": "success"})
    finisher.start()
    time.sleep(1.5)  # the finish is now waiting on the first lock it could not get
    try:
        holder.execute("SELECT id FROM scheduler_app_jobexecution WHERE id = %s FOR UPDATE NOWAIT", (execution.pk,))
        order = "job-first"
    except psycopg.errors.LockNotAvailable:
        order = "execution-first"
    holder.rollback()
    holder.close()
    finisher.join(timeout=30)
    return f"{order} {JobExecution.objects.get(pk=execution.pk).status}"



def dispatch_order(first_job_id: str, second_job_id: str) -> str:
    """Which rows beat's record of a push takes first. Another connection holds the second job's
    row (as a claim of its slot does) while beat records both jobs' slots in a thread; then that
    connection inserts the second job's execution for the slot, as the claim would. A beat that
    put its execution rows in before taking the job rows makes that insert wait on beat, which
    waits on the held job row: the deadlock PostgreSQL aborts."""
    import threading
    from datetime import UTC, datetime

    import psycopg
    from django.conf import settings

    from scheduler_app.models import JobExecution
    from scheduler_app.services.executions import executions_record_dispatch

    slot = datetime.now(tz=UTC).replace(microsecond=0)
    db = settings.DATABASES["default"]
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    holder.execute("SELECT id FROM scheduler_app_scheduledjob WHERE id = %s FOR UPDATE", (second_job_id,))
    recorder = threading.Thread(target=executions_record_dispatch,
                                kwargs={"sent": [(first_job_id, slot), (second_job_id, slot)]})
    recorder.start()
    time.sleep(1.5)  # beat's record is now waiting on the first lock it could not get
    holder.execute("SET lock_timeout = '2s'")
    try:
        holder.execute(
            "INSERT INTO scheduler_app_jobexecution (id, job_id, trigger, scheduled_for, queued_at, status, "
            "messages_sent, profiles_visited, dry_run) VALUES (gen_random_uuid(), %s, 'scheduled', %s, now(), "
            "'running', 0, 0, false)", (second_job_id, slot),
        )
        holder.commit()
        order = "job-first"
    except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
        holder.rollback()
        order = "executions-first"
    holder.close()
    recorder.join(timeout=30)
    statuses = sorted(JobExecution.objects.filter(scheduled_for=slot).values_list("status", flat=True))
    return f"{order} {','.join(statuses)}"


if __name__ == "__main__":
    main(sys.argv[1:])
