"""Writes for the fleet harness, in a process pointed at the fleet's PostgreSQL:
``python -m tests.support.fleet_cli COMMAND`` with ``DATABASE_URL`` set.

The fault tests run under pytest-django on SQLite, so they cannot write to the fleet's
database through the ORM; this goes through the same services the API uses.

- ``create``: a JSON list of job documents on stdin (as POST /jobs takes them); prints a JSON
  list of the new jobs' ids, in order.
- ``run-now JOB_ID``: queue a manual run; prints the execution id.
- ``account``: a JSON account document on stdin (as POST /accounts takes it); prints its id.
"""
import json
import os
import sys

import django


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from scheduler_app.models import ScheduledJob
    from scheduler_app.services import job_create, job_run_now

    command = argv[0] if argv else ""
    if command == "create":
        documents = json.load(sys.stdin)
        print(json.dumps([str(job_create(data=document).pk) for document in documents]))
    elif command == "account":
        from bots.services.accounts import account_create

        print(account_create(data=json.load(sys.stdin)).pk)
    elif command == "run-now":
        print(job_run_now(job=ScheduledJob.objects.get(pk=argv[1])).pk)
    else:
        raise SystemExit(f"unknown command {command!r} (create | run-now JOB_ID | account)")


if __name__ == "__main__":
    main(sys.argv[1:])
