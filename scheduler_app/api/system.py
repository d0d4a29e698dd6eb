"""Scheduler-wide endpoints: statistics and metrics (key required) and health (open, for probes)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.paging import PAGE_PARAMETERS, PageSerializer, page_link_header
from scheduler_app.api.serializers import QueryMomentField
from scheduler_app.notify.metrics import metrics_render
from scheduler_app.stats import STATS_DEFAULT_DAYS, health_overview, stats_overview

TAGS = ["scheduler"]


class StatsApi(SchedulerApi):
    """Counts over a window (``since``, default the last 30 days: runs count on the day they
    were queued, in the server's TIME_ZONE, so the window starts at midnight of ``since``'s day;
    the answer's ``since`` says when). ``jobs`` is one page of jobs in the list's order (``limit``,
    ``cursor``, ``Link`` header: as ``GET /jobs``). Totals cover every job."""

    class FilterSerializer(PageSerializer):
        since = QueryMomentField(allow_date=True, required=False)

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

        since = serializers.DateTimeField(help_text="start of the window the counts cover")
        total_jobs = serializers.IntegerField()
        enabled_jobs = serializers.IntegerField()
        disabled_jobs = serializers.IntegerField()
        jobs_by_bot_type = serializers.DictField(child=serializers.IntegerField())
        total_executions = serializers.IntegerField()
        executions_by_status = serializers.DictField(child=serializers.IntegerField())
        success_rate = serializers.FloatField(allow_null=True, help_text="% of success among success+failed")
        total_messages_sent = serializers.IntegerField()
        total_profiles_visited = serializers.IntegerField()
        jobs = JobStatsSerializer(many=True, help_text="one page of jobs, newest first")

    @extend_schema(tags=TAGS, parameters=[
        OpenApiParameter("since", OpenApiTypes.DATE,
                         description=f"ISO date or date-time; default {STATS_DEFAULT_DAYS} days ago"),
        *PAGE_PARAMETERS,
    ], responses={200: OutputSerializer})
    def get(self, request):
        filters = StatsApi.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        overview = stats_overview(**filters.validated_data)
        return Response(StatsApi.OutputSerializer(overview).data, headers=page_link_header(request, overview["page"]))


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


class FirstRendererNegotiation(BaseContentNegotiation):
    """Whatever the Accept header (Prometheus asks for OpenMetrics first): errors are JSON like
    every endpoint's, and the answer itself is the Prometheus text the view returns."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MetricsApi(SchedulerApi):
    """The scheduler in the Prometheus text format (docs/metrics.md), read from the database and
    Redis at each scrape. The key goes in ``X-API-Key`` or in ``Authorization: Bearer <key>``."""

    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(tags=TAGS, responses={(200, "text/plain"): OpenApiResponse(
        OpenApiTypes.STR, description=f"Prometheus text format ({CONTENT_TYPE_LATEST})")})
    def get(self, request):
        return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
