"""One execution, as a monitoring screen follows it: ``GET /executions/{id}``.

While the run goes on, ``progress`` says what the bot is doing now and its counts so far (the
lease keeper writes it at least every SCHEDULER_PROGRESS_SECONDS, scheduler_app/services/
progress.py); once the run is final it keeps the last step, and ``messages_sent`` /
``profiles_visited`` are the run's confirmed counts. A read: a read-only key may call it.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.serializers import in_zone
from scheduler_app.models import ExecutionStatus, JobExecution
from scheduler_app.selectors import execution_get

TAGS = ["executions"]


class ProgressSerializer(serializers.Serializer):
    step = serializers.CharField(help_text='What the bot is doing now, in English: "writing to Ann Lee 3/9".')
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Counts so far: messages_sent or profiles_visited, and planned (what the run means to do).")
    at = serializers.DateTimeField(help_text="When the bot reported this step.")
    elapsed_seconds = serializers.FloatField(help_text="Seconds since the run's bot started, at that step.")


def _upstream(execution: JobExecution) -> dict | None:
    upstream = execution.triggered_by
    if upstream is None:
        return None
    return {"execution_id": str(upstream.pk), "job_id": str(upstream.job_id), "job_name": upstream.job.name,
            "label": f"after {upstream.job.name}"}


class ExecutionDetailApi(SchedulerApi):
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        job_id = serializers.UUIDField()
        job_name = serializers.CharField()
        trigger = serializers.CharField(help_text="scheduled, manual, or chained (after another job's run).")
        triggered_by = serializers.JSONField(
            allow_null=True, help_text="A chained run: the upstream run that started it (execution_id, job_id, "
                                       "job_name), shown as 'after <job>'.")
        scheduled_for = serializers.DateTimeField(allow_null=True)
        queued_at = serializers.DateTimeField()
        started_at = serializers.DateTimeField(allow_null=True)
        finished_at = serializers.DateTimeField(allow_null=True)
        duration_seconds = serializers.FloatField(allow_null=True)
        status = serializers.ChoiceField(choices=ExecutionStatus.choices)
        attempt = serializers.IntegerField(help_text="This attempt of the slot's run (1 unless retried).")
        attempts = serializers.JSONField(help_text="The earlier attempts: times, status, reason and counts.")
        retry_at = serializers.DateTimeField(allow_null=True, help_text="When the next attempt is due, while one is.")
        progress = ProgressSerializer(allow_null=True, help_text="null until the bot reports its first step.")
        messages_sent = serializers.IntegerField(help_text="Confirmed sends, set when the run ends.")
        profiles_visited = serializers.IntegerField(help_text="Confirmed visits, set when the run ends.")
        result = serializers.JSONField(allow_null=True)
        error = serializers.CharField(allow_null=True)
        dry_run = serializers.BooleanField()

        def to_representation(self, execution: JobExecution) -> dict:
            # Times in the job's own zone, like its history.
            local = in_zone(execution.job.timezone)
            return {
                "id": str(execution.id),
                "job_id": str(execution.job_id),
                "job_name": execution.job.name,
                "trigger": execution.trigger,
                "triggered_by": _upstream(execution),
                "scheduled_for": local(execution.scheduled_for),
                "queued_at": local(execution.queued_at),
                "started_at": local(execution.started_at),
                "finished_at": local(execution.finished_at),
                "duration_seconds": execution.duration_seconds,
                "status": execution.status,
                "attempt": execution.attempt,
                "attempts": execution.attempts or [],
                "retry_at": local(execution.retry_at),
                "progress": execution.progress,
                "messages_sent": execution.messages_sent,
                "profiles_visited": execution.profiles_visited,
                "result": execution.result,
                "error": execution.error,
                "dry_run": execution.dry_run,
            }

    @extend_schema(tags=TAGS, responses={200: OutputSerializer})
    def get(self, request, execution_id: str):
        # A malformed id is an id no execution has: 404, as for jobs.
        execution = execution_get(execution_id=execution_id)
        if execution is None:
            raise NotFound(_("Execution %(id)s not found.") % {"id": execution_id})
        return Response(ExecutionDetailApi.OutputSerializer(execution).data)
