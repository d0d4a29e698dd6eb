"""Scheduler-wide endpoints: statistics (key required) and health (open, for probes)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from scheduler_app.api.base import SchedulerApi
from scheduler_app.stats import health_overview, stats_overview

TAGS = ["scheduler"]


class StatsApi(SchedulerApi):
    class OutputSerializer(serializers.Serializer):
        class JobStatsSerializer(serializers.Serializer):
            job_id = serializers.UUIDField()
            name = serializers.CharField()
            bot_type = serializers.CharField()
            enabled = serializers.BooleanField()
            total_executions = serializers.IntegerField()
            executions_by_status = serializers.DictField(child=serializers.IntegerField())
            success_rate = serializers.FloatField(allow_null=True, help_text="% of success among success+failed")
            messages_sent = serializers.IntegerField()
            profiles_visited = serializers.IntegerField()
            last_run_at = serializers.DateTimeField(allow_null=True)
            last_run_status = serializers.CharField(allow_null=True)
            next_run_at = serializers.DateTimeField(allow_null=True)

        total_jobs = serializers.IntegerField()
        enabled_jobs = serializers.IntegerField()
        disabled_jobs = serializers.IntegerField()
        jobs_by_bot_type = serializers.DictField(child=serializers.IntegerField())
        total_executions = serializers.IntegerField()
        executions_by_status = serializers.DictField(child=serializers.IntegerField())
        success_rate = serializers.FloatField(allow_null=True, help_text="% of success among success+failed")
        total_messages_sent = serializers.IntegerField()
        total_profiles_visited = serializers.IntegerField()
        jobs = JobStatsSerializer(many=True)

    @extend_schema(tags=TAGS, responses={200: OutputSerializer})
    def get(self, request):
        return Response(StatsApi.OutputSerializer(stats_overview()).data)


class HealthApi(SchedulerApi):
    """No key: load balancers and ``manage.py up`` probe it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ok", "degraded", "unavailable"])
        class BeatLeaderSerializer(serializers.Serializer):
            id = serializers.CharField()
            host = serializers.CharField()
            pid = serializers.IntegerField()
            since = serializers.DateTimeField(allow_null=True)

        class LastDispatchSerializer(serializers.Serializer):
            at = serializers.DateTimeField()
            jobs = serializers.IntegerField()
            messages = serializers.IntegerField()
            missed_rows = serializers.IntegerField()
            lag_seconds = serializers.FloatField(help_text="push time minus the earliest slot of that batch")

        scheduler_running = serializers.BooleanField(help_text="a beat leads and reported within 10 s")
        redis_connected = serializers.BooleanField()
        database = serializers.ChoiceField(choices=["ok", "unavailable"])
        total_jobs = serializers.IntegerField(allow_null=True)
        enabled_jobs = serializers.IntegerField(allow_null=True)
        beat_leader = BeatLeaderSerializer(allow_null=True, help_text="the leading beat, null when none leads")
        dispatch_lag_seconds = serializers.FloatField(
            allow_null=True, help_text="age of the oldest due slot not yet sent (0 when dispatch is on time)")
        last_dispatch = LastDispatchSerializer(allow_null=True)

    @extend_schema(tags=TAGS, responses={200: OutputSerializer}, auth=[])
    def get(self, request):
        return Response(HealthApi.OutputSerializer(health_overview()).data)
