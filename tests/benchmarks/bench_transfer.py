"""How long the jobs import and export take (a benchmark, not a test): N jobs imported into an
empty database, exported (YAML and JSON), imported again unchanged (replace), as a dry run, and
with every job changed. Figures printed, the last line JSON.

    python tests/benchmarks/bench_transfer.py [--jobs 1000] [--database-url postgres://...]

Without ``--database-url`` it uses a fresh SQLite file in a temporary directory.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def document(count: int, *, hour: int = 8) -> dict:
    jobs = {}
    for i in range(count):
        visitor = i % 3 == 0
        jobs[f"job {i:05d}"] = {
            "bot_type": "visitor" if visitor else "birthday",
            "schedule_type": ("daily", "weekly", "interval", "cron")[i % 4],
            "schedule_config": ({"hour": hour, "minute": i % 60}, {"day_of_week": "mon-fri", "hour": hour},
                                {"hours": 1 + i % 5}, {"cron_expression": f"{i % 60} 8-18 * * 1-5"})[i % 4],
            "bot_config": {"limit": 1 + i % 500} if visitor else {"process_late": True, "max_days_late": 1 + i % 30},
            "timezone": ("Europe/Paris", "America/New_York")[i % 2], "description": f"hour {hour}",
        }
    return {"version": 1, "jobs": jobs}


def timed(label: str, figures: dict, action):
    start = time.perf_counter()
    result = action()
    figures[label] = round(time.perf_counter() - start, 3)
    print(f"{label}: {figures[label]} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from scheduler_app.services.transfer import document_dump, document_load, jobs_export_document, jobs_import

    call_command("migrate", verbosity=0)
    figures: dict = {"jobs": args.jobs, "database": os.environ["DATABASE_URL"].split(":", 1)[0]}
    source = document(args.jobs)
    report = timed("import_create_s", figures, lambda: jobs_import(document=source, mode="replace"))
    assert len(report.created) == args.jobs
    exported = timed("export_yaml_s", figures, lambda: document_dump(jobs_export_document()))
    timed("export_json_s", figures, lambda: document_dump(jobs_export_document(), fmt="json"))
    figures["yaml_bytes"] = len(exported.encode())
    figures["json_bytes"] = len(document_dump(jobs_export_document(), fmt="json").encode())
    parsed = timed("parse_yaml_s", figures, lambda: document_load(exported))
    report = timed("import_unchanged_s", figures, lambda: jobs_import(document=parsed, mode="replace"))
    assert len(report.unchanged) == args.jobs
    changed = document(args.jobs, hour=9)
    timed("import_dry_run_all_changed_s", figures, lambda: jobs_import(document=changed, dry_run=True))
    report = timed("import_all_changed_s", figures, lambda: jobs_import(document=changed))
    assert len(report.updated) == args.jobs
    tmp.cleanup()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
