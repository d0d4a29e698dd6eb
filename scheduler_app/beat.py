"""Beat scheduler: django-celery-beat's DatabaseScheduler, plus the slot time.

Each message beat sends for a job carries ``scheduled_for``, the nominal time of the slot it
fires (not the moment beat woke up), so the worker can claim that slot exactly once. This is
the seam the exactly-once, failover and scale work builds on.
"""
from datetime import datetime

from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from scheduler_app.heartbeat import beat_heartbeat_write
from scheduler_app.sync import RUN_JOB_TASK


def nominal_slot(entry: ModelEntry) -> datetime:
    """The fire time that made ``entry`` due: its schedule's next time after its last run.

    ``remaining_estimate`` is "that time minus now" for crontabs and intervals alike; it is
    zero or negative when the entry is due.
    """
    now = entry.schedule.now()
    return (now + entry.schedule.remaining_estimate(entry.last_run_at)).replace(microsecond=0)


class SlotScheduler(DatabaseScheduler):
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
