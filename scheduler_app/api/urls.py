"""API routes, mounted at /scheduler/ by config/urls.py. Paths are the original API's (no trailing
slash; one is tolerated). Anything else under /scheduler/ gets a JSON 404, not an HTML page."""
from django.urls import path, re_path
from django.utils.translation import gettext as _
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from scheduler_app.api import schema  # noqa: F401  (registers the X-API-Key OpenAPI scheme)
from scheduler_app.api.accounts import AccountApi, AccountsApi, AccountSessionApi
from scheduler_app.api.audit import AuditListApi
from scheduler_app.api.brakes import BlackoutApi, BlackoutsApi, JobPauseApi, JobResumeApi, JobsPauseApi, JobsResumeApi
from scheduler_app.api.contacts import ContactApi
from scheduler_app.api.executions import ExecutionDetailApi
from scheduler_app.api.jobs import (
    JobApi,
    JobHistoryApi,
    JobNextRunsApi,
    JobRunApi,
    JobsApi,
    JobToggleApi,
)
from scheduler_app.api.message_templates import MessageTemplatePreviewApi
from scheduler_app.api.system import HealthApi, MetricsApi, StatsApi
from scheduler_app.api.transfer import JobsExportApi, JobsImportApi
from scheduler_app.notify.api import ChannelApi, ChannelsApi, ChannelTestApi, DeliveryListApi, RuleApi, RulesApi

app_name = "scheduler_api"


class NotFoundApi(APIView):
    """Whatever the method, an unknown path under /scheduler/ is a JSON 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound(_("No such endpoint."))


ROUTES = [
    ("jobs", JobsApi, "jobs"),
    # Before jobs/<id>: no job id is "pause" (ids are UUIDs), but the route would match first.
    ("jobs/pause", JobsPauseApi, "jobs-pause"),
    ("jobs/resume", JobsResumeApi, "jobs-resume"),
    ("jobs/export", JobsExportApi, "jobs-export"),
    ("jobs/import", JobsImportApi, "jobs-import"),
    ("jobs/<str:job_id>", JobApi, "job"),
    ("jobs/<str:job_id>/toggle", JobToggleApi, "job-toggle"),
    ("jobs/<str:job_id>/run", JobRunApi, "job-run"),
    ("jobs/<str:job_id>/history", JobHistoryApi, "job-history"),
    ("jobs/<str:job_id>/next-runs", JobNextRunsApi, "job-next-runs"),
    ("jobs/<str:job_id>/pause", JobPauseApi, "job-pause"),
    ("jobs/<str:job_id>/resume", JobResumeApi, "job-resume"),
    ("executions/<str:execution_id>", ExecutionDetailApi, "execution"),
    ("accounts", AccountsApi, "accounts"),
    ("accounts/<str:account_id>", AccountApi, "account"),
    ("accounts/<str:account_id>/session", AccountSessionApi, "account-session"),
    ("message-templates/preview", MessageTemplatePreviewApi, "message-template-preview"),
    ("contacts/<str:slug>", ContactApi, "contact"),
    ("blackouts", BlackoutsApi, "blackouts"),
    ("blackouts/<str:blackout_id>", BlackoutApi, "blackout"),
    ("notification-channels", ChannelsApi, "notification-channels"),
    ("notification-channels/<str:channel_id>", ChannelApi, "notification-channel"),
    ("notification-channels/<str:channel_id>/test", ChannelTestApi, "notification-channel-test"),
    ("notification-rules", RulesApi, "notification-rules"),
    ("notification-rules/<str:rule_id>", RuleApi, "notification-rule"),
    ("notification-deliveries", DeliveryListApi, "notification-deliveries"),
    ("audit", AuditListApi, "audit"),
    ("stats", StatsApi, "stats"),
    ("health", HealthApi, "health"),
    ("metrics", MetricsApi, "metrics"),
]

urlpatterns = [
    *(path(route, view.as_view(), name=name) for route, view, name in ROUTES),
    # The same with a trailing slash (left out of the OpenAPI document by schema.drop_slash_aliases).
    *(path(f"{route}/", view.as_view()) for route, view, _ in ROUTES),
    path("schema", SpectacularAPIView.as_view(
        # JSON unless YAML is asked for (Accept or ?format=yaml)
        renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]
    ), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="scheduler_api:schema"), name="docs"),
    re_path(r"^.*$", NotFoundApi.as_view(), name="not-found"),
]
