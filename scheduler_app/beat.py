"""The fleet beat: ``celery -A config beat`` with ``FleetScheduler`` (settings CELERY_BEAT_SCHEDULER).

It replaces django-celery-beat's DatabaseScheduler, still reading the ``PeriodicTask`` rows that
``scheduler_app.sync`` writes, and keeps docs/contract.md "Semantics" under several beats, restarts and
outages:

- **Deterministic slots.** A job's slots are ``SlotSchedule`` (scheduler_app.schedules) of its
  row: cron fire times in the job's zone, or anchor + k x interval with the row's start_time as
  anchor. The row's ``last_run_at`` is the cursor: the latest slot accounted for (sent, or
  recorded). Every beat computes the same slots from the same row.
- **One leader** (scheduler_app.leader): only the beat holding the Redis leader key dispatches,
  and its pushes are fenced by that key. Standbys try to take it every second.
- **No scans.** The leader loads the rows once into memory: entries bucketed by due time, with a
  heap of the due times. It then follows the change feed (``BeatChange`` rows that sync writes in
  the job's transaction) every BEAT_CHANGE_POLL_SECONDS and reloads only the jobs named there.
- **Batched, prebuilt publishing.** Messages for slots due within BEAT_PREBUILD_SECONDS are built
  ahead (scheduler_app.envelopes); at the slot, all due messages go out in one pipelined round
  trip. A slot's cursor moves only after Redis took its message; a refused or failed push is
  retried a second later.
- **Jitter.** A job with jitter_seconds is due at each slot's fire time (scheduler_app/jitter.py),
  not at the slot; its message still names the slot. A slot whose fire time has not come is
  left after the cursor, so catch-up never sends it early; grace counts from the fire time.
  Pauses and blackouts are not beat's business: it sends those slots and the claim records
  them skipped (scheduler_app/brakes).
- **Catch-up.** Whatever lies between the cursor and now (a restart, an outage, a hand-over) goes
  through scheduler_app.catchup: runs to send, and ``missed`` rows with their reasons.
- **A row for every slot.** After the pushes, each slot sent gets a ``queued`` row (the worker's
  claim takes it over) and each slot that will not run its ``missed`` row; only then does the
  cursor move. A message lost with a worker or with Redis still leaves its queued row, which the
  reaper ends ``missed`` once no claim can come in time.
- **Housekeeping.** The leader sends the reaper (scheduler_app.tasks.reap_executions) every
  SCHEDULER_REAP_EVERY_SECONDS and the history prune (scheduler_app.tasks.prune_executions) every
  EXECUTION_PRUNE_EVERY_SECONDS when EXECUTION_RETENTION_DAYS is set, prunes the change feed,
  and writes its status (who leads, since when, dispatch lag) for ``/scheduler/health`` every
  second. With HEALTHCHECKS_PING_URL set it pings that URL every HEALTHCHECKS_PING_EVERY_SECONDS
  (scheduler_app/notify/ping.py), in a thread of its own.

What is still possible, and caught by the (job, scheduled_for) constraint: a leader that dies
between a push and its cursor write leaves those slots to be sent again by the next leader; the
second claim of each finds the first and does nothing.
"""
import gc
import heapq
import logging
import time
from datetime import UTC, datetime, timedelta

import redis
from celery import beat
from django.conf import settings
from django.db import DatabaseError, connection
from kombu.exceptions import OperationalError as KombuOperationalError

from scheduler_app.beat_status import beat_status_write
from scheduler_app.catchup import plan_slots
from scheduler_app.envelopes import EnvelopeFactory
from scheduler_app.jitter import fire_time
from scheduler_app.leader import Leadership, NotLeader
from scheduler_app.notify.ping import healthchecks_ping_start
from scheduler_app.schedules import SlotSchedule
from scheduler_app.selectors import beat_changes_after, beat_changes_last_id, beat_entry_rows
from scheduler_app.services.executions import executions_record_dispatch, hard_limit_seconds
from scheduler_app.sync import RUN_JOB_TASK, beat_changes_prune, beat_cursors_advance

logger = logging.getLogger(__name__)

REAP_TASK = "scheduler_app.tasks.reap_executions"
HISTORY_PRUNE_TASK = "scheduler_app.tasks.prune_executions"
PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}
RETRY_SECONDS = 1.0
ELECT_EVERY_SECONDS = 1.0
STATUS_EVERY_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 300.0
CHANGE_FEED_KEEP = timedelta(minutes=10)
GAP_KEEP_SECONDS = 120.0
MAX_GAPS = 10000
PREBUILD_SLICE_SECONDS = 0.05
DISPATCH_GROUP = 5000
RECORD_CHUNK = 5000  # rows per write after a push; the lead is renewed between writes


class Entry:
    """One job as the leader holds it: small, because the leader holds the whole fleet."""

    __slots__ = ("job_id", "task_id", "schedule", "cursor", "grace", "coalesce", "slot", "due", "envelope",
                 "following", "jitter", "timezone", "hard_limit")

    def __init__(self, job_id: str, task_id: int, schedule: SlotSchedule, cursor: datetime, grace: int,
                 coalesce: bool):
        self.job_id, self.task_id, self.schedule, self.cursor = job_id, task_id, schedule, cursor
        self.grace, self.coalesce = grace, coalesce
        self.slot: datetime | None = None  # the next slot after the cursor
        self.due = 0.0  # when to look at this entry again (the slot, or a retry time)
        self.envelope: bytes | None = None  # the prebuilt message for ``slot``
        self.following: datetime | None = None  # the slot after ``slot``, known once prebuilt
        self.jitter = 0  # jitter_seconds: 0 fires on the slot (scheduler_app/jitter.py)
        self.timezone = "UTC"  # the job's zone, for the working-hours clip of a jittered fire time
        self.hard_limit: float | None = None  # the Celery hard limit of its runs (services/executions.py)

    def fire_offset(self, slot: datetime, following: datetime | None = None) -> float:
        """Seconds after ``slot`` it fires (0 without jitter), clipped before the next slot."""
        if not self.jitter:
            return 0.0
        following = following or self.schedule.next_after(slot)
        return (fire_time(job_id=self.job_id, slot=slot, jitter=self.jitter, next_slot=following,
                          timezone=self.timezone) - slot).total_seconds()


def row_slot_schedule(row) -> SlotSchedule:
    """The slots of one ``beat_entry_rows`` row (scheduler_app.selectors): its crontab evaluated in
    its zone, or its interval from its anchor."""
    (_task_id, _job_id, minute, hour, dom, month, dow, timezone, every, period, start_time, _last_run_at,
     date_changed, _grace, _coalesce, *_job) = row
    if minute is not None:
        return SlotSchedule(expression=f"{minute} {hour} {dom} {month} {dow}", timezone=str(timezone))
    return SlotSchedule(every=int(every * PERIOD_SECONDS[period]), anchor=start_time or date_changed)


class FleetScheduler(beat.Scheduler):
    """Celery beat's scheduler interface (``tick`` returns the seconds to sleep) around the fleet
    dispatcher described in this module's docstring."""

    def __init__(self, app, *args, **kwargs):
        self._loaded = False
        self._leadership: Leadership | None = None
        self._factory: EnvelopeFactory | None = None
        self._connection = None
        self._redis = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
        self._reset_state()
        self._next_elect = self._next_status = self._next_reap = self._next_history_prune = 0.0
        self._next_ping = 0.0
        self._ping_thread = None
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        self._next_poll = 0.0
        self._last_error_log: dict[str, float] = {}
        self._crontabs: dict[SlotSchedule, SlotSchedule] = {}
        super().__init__(app, *args, **kwargs)

    # --- celery beat's interface ------------------------------------------------------------
    def setup_schedule(self):
        """Nothing to set up: entries are loaded when this beat becomes the leader."""

    def sync(self):
        """Progress is written as it is made (cursors after each push), never at intervals."""

    def should_sync(self):
        return False

    def close(self):
        self._flush_cursors()
        if self._leadership is not None:
            self._leadership.release()

    @property
    def info(self):
        return (f"fleet scheduler: leader TTL {settings.BEAT_LEADER_TTL_SECONDS}s, change feed every "
                f"{settings.BEAT_CHANGE_POLL_SECONDS}s, prebuild {settings.BEAT_PREBUILD_SECONDS}s ahead")

    @property
    def leading(self) -> bool:
        return self._leadership is not None and self._leadership.held

    def tick(self, *args, **kwargs) -> float:
        now = time.monotonic()
        if now >= self._next_elect:
            self._next_elect = now + ELECT_EVERY_SECONDS
            self._elect()
        if not self.leading:
            if self._loaded:
                self._forget("this beat no longer leads")
            return max(0.05, self._next_elect - time.monotonic())
        if not self._loaded and not self._load_all():
            return RETRY_SECONDS
        self._follow_changes()
        self._dispatch_due()
        self._flush_cursors()
        self._housekeeping()
        more_to_build = self._prebuild()
        return self._sleep_seconds(more_to_build)

    # --- leadership ---------------------------------------------------------------------------
    def _elect(self) -> None:
        try:
            if self._leadership is None:
                self._leadership = Leadership(self._redis, ttl_seconds=settings.BEAT_LEADER_TTL_SECONDS)
            if self._leadership.token is not None:
                if not self._leadership.renew():
                    logger.warning("beat %s lost the leader key", self._leadership.identity["id"])
            elif self._leadership.acquire():
                logger.info("beat %s leads since %s", self._leadership.identity["id"],
                            self._leadership.since.isoformat())
        except redis.RedisError as exc:
            self._log_error("redis", "leader election: Redis unreachable (%s)", exc)

    def _keep_lead(self) -> bool:
        """Renew the lead in the middle of a long piece of work, as the tick would."""
        if time.monotonic() >= self._next_elect:
            self._next_elect = time.monotonic() + ELECT_EVERY_SECONDS
            self._elect()
        return self.leading

    def _forget(self, reason: str) -> None:
        """Drop everything held as leader: a later leader (maybe this beat) starts from the rows."""
        logger.warning("%s: dropping %d entries", reason, len(self._entries))
        self._flush_cursors()
        self._reset_state()
        if self._leadership is not None:
            self._leadership.drop()

    def _reset_state(self) -> None:
        self._loaded = False
        self._entries: dict[str, Entry] = {}
        self._buckets: dict[float, dict[str, Entry]] = {}
        self._heap: list[float] = []
        self._pending_cursors: dict[datetime, list[int]] = {}
        self._last_change_id = 0
        self._gaps: dict[int, float] = {}
        self._prebuild_queue: list[Entry] = []
        self._next_prebuild_scan = 0.0
        self._last_dispatch: dict | None = None

    # --- loading and the change feed ------------------------------------------------------------
    def _load_all(self) -> bool:
        started = time.monotonic()
        try:
            if self._factory is None:
                self._connection = self.app.connection_for_write()
                self._factory = EnvelopeFactory(self.app, self._connection.default_channel)
            last_id = beat_changes_last_id()  # read first: a change made during the load is re-applied
            entries = [self._entry(row) for row in beat_entry_rows()]
        except DatabaseError as exc:
            self._database_error("loading the schedule", exc)
            return False
        except (redis.RedisError, KombuOperationalError, OSError) as exc:
            self._log_error("redis", "loading the schedule: Redis unreachable (%s)", exc)
            return False
        self._reset_state()
        for entry in entries:
            self._schedule(entry)
        self._last_change_id = last_id
        self._loaded = True
        gc.unfreeze()  # what an earlier load froze may be garbage now
        gc.collect()
        gc.freeze()  # the loaded fleet is long-lived: keep it out of every later collection
        logger.info("beat %s loaded %d entries in %.2fs", self._leadership.identity["id"], len(entries),
                    time.monotonic() - started)
        return True

    def _entry(self, row) -> Entry:
        (task_id, job_id, _minute, _hour, _dom, _month, _dow, _timezone, _every, _period, start_time, last_run_at,
         date_changed, grace, coalesce, jitter, job_timezone, bot_type, max_run_seconds) = row
        schedule = row_slot_schedule(row)
        if schedule.every is None:
            schedule = self._crontabs.setdefault(schedule, schedule)  # the fleet shares a few crontabs
        # No slot before the schedule's own start is due, even if a late cursor write from the
        # previous schedule landed after the change reset it.
        known = [moment for moment in (last_run_at, start_time) if moment is not None]
        cursor = max(known) if known else date_changed
        entry = Entry(str(job_id), task_id, schedule, cursor, grace, coalesce)
        if jitter:
            entry.jitter, entry.timezone = int(jitter), str(job_timezone)
        entry.hard_limit = hard_limit_seconds(bot_type, max_run_seconds)
        return entry

    def _poll_changes(self) -> None:
        try:
            rows = beat_changes_after(last_id=self._last_change_id, also_ids=self._gaps.keys())
        except DatabaseError as exc:
            self._database_error("reading the change feed", exc)
            return
        job_ids = {str(job_id) for _, job_id in rows}
        if job_ids and not self._reload(job_ids):
            return  # read the same changes again next time
        now = time.monotonic()
        for change_id, _ in rows:
            self._gaps.pop(change_id, None)
            if change_id > self._last_change_id:
                # Ids taken by transactions not committed yet: look for them again for a while.
                for missing in range(self._last_change_id + 1, change_id):
                    if len(self._gaps) < MAX_GAPS:
                        self._gaps[missing] = now
                self._last_change_id = change_id
        for gap, seen in list(self._gaps.items()):
            if now - seen > GAP_KEEP_SECONDS:
                del self._gaps[gap]

    def _follow_changes(self) -> None:
        """Read the change feed if it is time, also in the middle of a long boundary (100,000
        jobs take seconds to push and record): an edit must not wait for it. A job reloaded
        meanwhile is no longer current, and the boundary's work skips it."""
        if time.monotonic() >= self._next_poll:
            self._next_poll = time.monotonic() + settings.BEAT_CHANGE_POLL_SECONDS
            self._poll_changes()

    def _reload(self, job_ids: set[str]) -> bool:
        try:
            fresh = {entry.job_id: entry for entry in map(self._entry, beat_entry_rows(job_ids=job_ids))}
        except DatabaseError as exc:
            self._database_error("reloading changed jobs", exc)
            return False
        for job_id in job_ids:
            old = self._unschedule(job_id)
            new = fresh.get(job_id)
            if new is None:
                continue
            if old is not None and old.schedule == new.schedule and old.cursor > new.cursor:
                new.cursor = old.cursor  # this beat's progress not yet written back
            self._schedule(new)
        logger.info("beat reloaded %d changed job(s)", len(job_ids))
        return True

    # --- the timeline ---------------------------------------------------------------------------
    def _schedule(self, entry: Entry, *, due: float | None = None) -> None:
        """Put ``entry`` on the timeline: at its next slot, or at ``due`` (a retry)."""
        if due is None:
            entry.slot = entry.schedule.next_after(entry.cursor)
            entry.envelope = entry.following = None
            due = entry.slot.timestamp()
            if entry.jitter:
                # Due at the fire time, not the slot; the slot after it is needed for the clip.
                entry.following = entry.schedule.next_after(entry.slot)
                due += entry.fire_offset(entry.slot, entry.following)
        entry.due = due
        self._entries[entry.job_id] = entry
        bucket = self._buckets.get(due)
        if bucket is None:
            bucket = self._buckets[due] = {}
            heapq.heappush(self._heap, due)
        bucket[entry.job_id] = entry

    def _unschedule(self, job_id: str) -> Entry | None:
        entry = self._entries.pop(job_id, None)
        if entry is not None:
            bucket = self._buckets.get(entry.due)
            if bucket is not None:
                bucket.pop(job_id, None)
        return entry

    def _take_due(self, now: float) -> list[Entry]:
        due: list[Entry] = []
        while self._heap and self._heap[0] <= now:
            bucket = self._buckets.pop(heapq.heappop(self._heap), None)
            if bucket:
                due.extend(bucket.values())
        return due

    # --- dispatch -------------------------------------------------------------------------------
    def _dispatch_due(self) -> None:
        now_ts = time.time()
        if not self._heap or self._heap[0] > now_ts:
            return
        due = self._take_due(now_ts)
        if not due:
            return
        # No collector pass in the middle of a boundary: with the fleet in memory one costs tens
        # of milliseconds, which is the whole lag budget.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._dispatch(due, datetime.fromtimestamp(now_ts, UTC))
        finally:
            if collecting:
                gc.enable()

    def _dispatch(self, due: list[Entry], now: datetime) -> None:
        """Push the due slots' messages in groups, then record them, then move the cursors."""
        oldest_due = min(entry.due for entry in due)
        pushed: list[tuple[Entry, datetime, list, list]] = []
        for start in range(0, len(due), DISPATCH_GROUP):
            if start and not self._keep_lead():
                return  # the rest goes with the lost lead: the next leader starts from the rows
            if start:
                self._follow_changes()
            pushed.extend(self._push_group(due[start:start + DISPATCH_GROUP], now))
        if not pushed:
            return
        published_at = time.time()
        sent = [(entry.job_id, slot) for entry, _, slots, _ in pushed for slot in slots]
        missed = [row for _, _, _, rows in pushed for row in rows]
        # Rows after the pushes, so that no write delays a message; cursors only after the rows,
        # so that a slot is never accounted for without its row.
        try:
            for start in range(0, max(len(sent), len(missed)), RECORD_CHUNK):
                if start and not self._keep_lead():
                    return  # cursors not moved: the next leader records the rest
                if start:
                    self._follow_changes()
                executions_record_dispatch(sent=sent[start:start + RECORD_CHUNK],
                                           missed=missed[start:start + RECORD_CHUNK])
        except DatabaseError as exc:
            # The messages went out but not all rows: try the whole thing again (the second
            # copies of the messages find their slot's row taken and do nothing).
            self._database_error("recording dispatched slots", exc)
            for entry, _, _, _ in pushed:
                if self._entries.get(entry.job_id) is entry:
                    self._schedule(entry, due=published_at + RETRY_SECONDS)
            return
        for entry, newest, _, _ in pushed:
            entry.cursor = newest
            self._pending_cursors.setdefault(newest, []).append(entry.task_id)
            current = self._entries.get(entry.job_id)
            if current is entry:
                self._schedule(entry)
            elif current is not None and current.schedule == entry.schedule and current.cursor < newest:
                # Reloaded (an edit beat does not act on the schedule of) while this boundary ran:
                # it goes on from what was just sent, not from the older cursor it was read with.
                self._unschedule(current.job_id)
                current.cursor = newest
                self._schedule(current)
        self._last_dispatch = {
            "at": datetime.fromtimestamp(published_at, UTC).isoformat(),
            "jobs": len(pushed),
            "messages": len(sent),
            "missed_rows": len(missed),
            "lag_seconds": round(published_at - oldest_due, 3),
        }

    def _push_group(self, due: list[Entry], now: datetime) -> list[tuple[Entry, datetime, list, list]]:
        """Plan and push one group of due entries, in one round trip. Returns, for each entry whose
        messages Redis took: (entry, newest slot accounted for, slots sent, missed rows); entries
        it did not take are put back on the timeline to retry."""
        cap = settings.SCHEDULER_CATCHUP_CAP
        payloads: list[bytes] = []
        plans = []
        for entry in due:
            if self._entries.get(entry.job_id) is not entry:
                continue  # reloaded or removed by the change feed since it fell due
            if entry.following is not None and entry.following > now:
                slots, left_out, oldest_left_out = [entry.slot], 0, None
            else:
                slots, left_out, oldest_left_out = entry.schedule.slots_between(entry.cursor, now, cap=cap)
            offsets = None
            if entry.jitter and slots:
                # A slot whose fire time has not come waits on the timeline (after the cursor).
                offsets = [entry.fire_offset(slot) for slot in slots]
                while slots and offsets[-1] > (now - slots[-1]).total_seconds():
                    slots.pop()
                    offsets.pop()
            if not slots:  # woken early (a retry of nothing); look again at its slot
                self._schedule(entry)
                continue
            plan = plan_slots(slots, now=now, grace_seconds=entry.grace, coalesce=entry.coalesce,
                              left_out=left_out, oldest_left_out=oldest_left_out, cap=cap, offsets=offsets)
            for slot in plan.send:
                if slot == entry.slot and entry.envelope is not None:
                    payloads.append(entry.envelope)
                else:
                    payloads.append(self._factory.build(RUN_JOB_TASK, {"job_id": entry.job_id,
                                                                       "scheduled_for": slot.isoformat()},
                                                        time_limit=entry.hard_limit))
            plans.append((entry, slots[-1], plan.send, [(entry.job_id, slot, reason) for slot, reason in plan.missed]))

        taken = self._publish(payloads)
        retry_at = time.time() + RETRY_SECONDS
        pushed, offset = [], 0
        for plan in plans:
            offset += len(plan[2])
            if offset <= taken:
                pushed.append(plan)
            else:
                self._schedule(plan[0], due=retry_at)
        return pushed

    def _publish(self, payloads: list[bytes], *, task_name: str = RUN_JOB_TASK) -> int:
        if not payloads:
            return 0
        try:
            return self._leadership.publish(self._factory.route(task_name).key, payloads)
        except NotLeader:
            logger.warning("the fence refused a push: another beat leads")
            return 0
        except redis.RedisError as exc:
            self._log_error("redis", "publishing %d message(s) failed, will retry: %s", len(payloads), exc)
            return 0

    def _flush_cursors(self) -> None:
        if not self._pending_cursors:
            return
        pending, self._pending_cursors = self._pending_cursors, {}
        try:
            beat_cursors_advance(pending)
        except DatabaseError as exc:
            self._database_error("writing cursors", exc)
            for slot, task_ids in pending.items():
                self._pending_cursors.setdefault(slot, []).extend(task_ids)

    def _prebuild(self) -> bool:
        """Build the messages of slots due soon, a slice at a time; True while work remains."""
        now = time.monotonic()
        if not self._prebuild_queue:
            if now < self._next_prebuild_scan:
                return False
            self._next_prebuild_scan = now + 0.5
            horizon = time.time() + settings.BEAT_PREBUILD_SECONDS
            self._prebuild_queue = sorted(
                (entry for due, bucket in self._buckets.items() if due <= horizon for entry in bucket.values()
                 if entry.envelope is None),
                key=lambda entry: entry.due, reverse=True,
            )
        deadline = now + PREBUILD_SLICE_SECONDS
        built = 0
        while self._prebuild_queue:
            entry = self._prebuild_queue.pop()
            if self._entries.get(entry.job_id) is not entry or entry.envelope is not None:
                continue
            entry.envelope = self._factory.build(RUN_JOB_TASK, {"job_id": entry.job_id,
                                                                "scheduled_for": entry.slot.isoformat()},
                                                 time_limit=entry.hard_limit)
            entry.following = entry.schedule.next_after(entry.slot)
            built += 1
            if built % 64 == 0 and time.monotonic() > deadline:
                break
        return bool(self._prebuild_queue)

    def _sleep_seconds(self, more_to_build: bool) -> float:
        if more_to_build:
            return 0.0
        now = time.monotonic()
        wake = min(self._next_poll, self._next_elect, self._next_status) - now
        if self._heap:
            wake = min(wake, self._heap[0] - time.time())
        return max(0.0, min(wake, float(self.max_interval)))

    # --- housekeeping ---------------------------------------------------------------------------
    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now >= self._next_reap:
            self._next_reap = now + settings.SCHEDULER_REAP_EVERY_SECONDS
            # Through the fence like every push: no retry loop that would hold up dispatch
            # while Redis is down, and only the leader sends it.
            self._publish([self._factory.build(REAP_TASK, {})], task_name=REAP_TASK)
        if now >= self._next_history_prune and (settings.EXECUTION_RETENTION_DAYS > 0
                                                 or settings.AUDIT_RETENTION_DAYS > 0):
            self._next_history_prune = now + settings.EXECUTION_PRUNE_EVERY_SECONDS
            self._publish([self._factory.build(HISTORY_PRUNE_TASK, {})], task_name=HISTORY_PRUNE_TASK)
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_EVERY_SECONDS
            try:
                beat_changes_prune(before=datetime.now(UTC) - CHANGE_FEED_KEEP)
            except DatabaseError as exc:
                self._database_error("pruning the change feed", exc)
        if now >= self._next_status:
            self._next_status = now + STATUS_EVERY_SECONDS
            beat_status_write(self.status())
        if settings.HEALTHCHECKS_PING_URL and now >= self._next_ping:
            self._next_ping = now + settings.HEALTHCHECKS_PING_EVERY_SECONDS
            # One ping at a time: a monitor slower than the period gets no pile of threads.
            if self._ping_thread is None or not self._ping_thread.is_alive():
                self._ping_thread = healthchecks_ping_start(url=settings.HEALTHCHECKS_PING_URL)

    def status(self) -> dict:
        """Who leads, since when, and how far behind dispatch is (the oldest due slot not sent)."""
        behind = max(0.0, time.time() - self._heap[0]) if self._heap else 0.0
        return {
            "leader": dict(self._leadership.identity),
            "since": self._leadership.since.isoformat() if self._leadership.since else None,
            "lag_seconds": round(behind, 3),
            "entries": len(self._entries),
            "last_dispatch": self._last_dispatch,
            "at": datetime.now(UTC).isoformat(),
        }

    def _database_error(self, doing: str, exc: Exception) -> None:
        self._log_error("database", f"{doing}: database error, will retry (%s)", exc)
        try:
            connection.close()  # reconnect on the next query
        except DatabaseError:
            pass

    def _log_error(self, kind: str, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._last_error_log.get(kind, 0.0) >= 5.0:
            self._last_error_log[kind] = now
            logger.error(message, *args)
