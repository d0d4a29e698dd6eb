"""Beat scheduler: django-celery-beat's DatabaseScheduler, plus the slot time.

Each message beat sends for a job carries ``scheduled_for``, the nominal time of the slot it
fires (not the moment beat woke up), so the worker can claim that slot exactly once. This is
the seam the exactly-once, failover and scale work builds on.
"""
from datetime import UTC, datetime, timedelta

from celery import schedules
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from scheduler_app.heartbeat import beat_heartbeat_write
from scheduler_app.schedules import cron_fire_times
from scheduler_app.sync import RUN_JOB_TASK


class JobCrontab(schedules.BaseSchedule):
    """A job's crontab as ``scheduler_app.schedules`` evaluates it.

    Celery's own crontab places a time in the spring-forward gap an hour late (02:30 fires at
    03:30); evaluating with the same function as next_run_at and next-runs makes beat fire
    exactly what the API shows, DST rules included.
    """

    def __init__(self, expression: str, timezone: str, nowfun=None, app=None):
        super().__init__(nowfun=nowfun, app=app)
        self.expression, self.timezone = expression, timezone

    def now(self) -> datetime:
        return (self.nowfun or (lambda: datetime.now(UTC)))()

    def next_after(self, moment: datetime) -> datetime:
        return cron_fire_times(self.expression, self.timezone, after=moment, count=1)[0]

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        return self.next_after(last_run_at) - self.now()

    def is_due(self, last_run_at: datetime) -> schedules.schedstate:
        now = self.now()
        remaining = (self.next_after(last_run_at) - now).total_seconds()
        if remaining <= 0:
            return schedules.schedstate(True, max((self.next_after(now) - now).total_seconds(), 1.0))
        return schedules.schedstate(False, remaining)

    def __repr__(self) -> str:
        return f"<JobCrontab {self.expression} ({self.timezone})>"

    def __eq__(self, other) -> bool:
        return isinstance(other, JobCrontab) and (self.expression, self.timezone) == (other.expression, other.timezone)

    def __hash__(self) -> int:
        return hash((self.expression, self.timezone))


class SlotEntry(ModelEntry):
    """A beat entry whose job crontabs are evaluated by ``JobCrontab``."""

    def __init__(self, model, app=None):
        super().__init__(model, app=app)
        if self.task == RUN_JOB_TASK and model.crontab_id:
            crontab = model.crontab
            expression = " ".join(
                (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
            )
            self.schedule = JobCrontab(expression, str(crontab.timezone), app=self.app)


def nominal_slot(entry: ModelEntry) -> datetime:
    """The fire time that made ``entry`` due: its schedule's next time after its last run.

    Computed from ``last_run_at`` alone, never from "now", so the slot is exact (a crontab slot
    is on its minute, an interval slot is last run + interval) however late beat woke up.
    """
    if isinstance(entry.schedule, JobCrontab):
        return entry.schedule.next_after(entry.last_run_at)
    return (entry.last_run_at + entry.schedule.run_every).replace(microsecond=0)


class SlotScheduler(DatabaseScheduler):
    Entry = SlotEntry

    def reserve(self, entry: ModelEntry) -> ModelEntry:
        """Stamp the slot on the entry about to be sent, before it is advanced.

        Celery's ``tick`` reserves and then sends the *old* entry (``apply_entry``), while
        ``apply_async(advance=True)`` sends the *new* one: both carry this slot, and the next
        reserve stamps its own slot over the new entry's.
        """
        if entry.task != RUN_JOB_TASK:
            return super().reserve(entry)
        kwargs = {**entry.kwargs, "scheduled_for": nominal_slot(entry).isoformat()}
        entry.kwargs = kwargs
        new_entry = super().reserve(entry)
        new_entry.kwargs = kwargs
        return new_entry

    def tick(self, *args, **kwargs):
        # Health reads this heartbeat as "a beat is running" (scheduler_app.heartbeat).
        beat_heartbeat_write()
        return super().tick(*args, **kwargs)
