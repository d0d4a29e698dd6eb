"""``manage.py scheduler_status [--max-lag SECONDS]``: the scheduler's health for cron, systemd and
Docker health checks (docker-compose.yml uses it).

Prints ``/scheduler/health``'s answer (scheduler_app.stats.health_overview) as JSON on stdout
and exits 0 when a beat leads and dispatch lags at most ``--max-lag`` seconds, 1 when no beat
leads (Redis unreachable included) or dispatch lags more, 2 when the database does not answer.
Why it is not 0 goes to stderr. It checks the whole scheduler, not the process it runs in: a
standby beat is healthy while another beat leads.
"""
import json

from django.core.management.base import BaseCommand

from scheduler_app.stats import health_overview

DEFAULT_MAX_LAG_SECONDS = 60.0
OK, NOT_SCHEDULING, NO_DATABASE = 0, 1, 2


def status_verdict(health: dict, *, max_lag: float) -> tuple[int, str]:
    """The exit code for one health answer, and why when it is not 0."""
    if health["database"] != "ok":
        return NO_DATABASE, "the database is unavailable"
    if not health["redis_connected"]:
        return NOT_SCHEDULING, "Redis is unreachable, so no beat can lead"
    if health["beat_leader"] is None:
        return NOT_SCHEDULING, "no beat leads"
    lag = health["dispatch_lag_seconds"]
    if lag is not None and lag > max_lag:
        return NOT_SCHEDULING, f"dispatch lags {lag:.1f} s (more than --max-lag {max_lag:g} s)"
    return OK, ""


class Command(BaseCommand):
    help = "Print the scheduler's health as JSON; exit 1 when no beat leads or dispatch lags, 2 without a database."

    def add_arguments(self, parser):
        parser.add_argument("--max-lag", type=float, default=DEFAULT_MAX_LAG_SECONDS,
                            help=f"seconds of dispatch lag still healthy (default {DEFAULT_MAX_LAG_SECONDS:g})")

    def handle(self, *args, max_lag: float, **options):
        health = health_overview()
        self.stdout.write(json.dumps(health, default=str))
        code, reason = status_verdict(health, max_lag=max_lag)
        if code != OK:
            self.stderr.write(f"scheduler_status: {reason}")
            raise SystemExit(code)
