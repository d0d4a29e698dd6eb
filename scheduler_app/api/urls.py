"""API routes, mounted at /scheduler/ by config/urls.py. Paths are the seed's (no trailing
slash; one is tolerated). Anything else under /scheduler/ gets a JSON 404, not an HTML page."""
from django.urls import re_path
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
from scheduler_app.api.jobs import (
    JobApi,
    JobHistoryApi,
    JobNextRunsApi,
    JobRunApi,
    JobsApi,
    JobToggleApi,
)
from scheduler_app.api.system import HealthApi, StatsApi

app_name = "scheduler_api"
JOB = r"jobs/(?P<job_id>[^/]+)"


class NotFoundApi(APIView):
    """Whatever the method, an unknown path under /scheduler/ is a JSON 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")


urlpatterns = [
    re_path(r"^jobs/?$", JobsApi.as_view(), name="jobs"),
    re_path(rf"^{JOB}/?$", JobApi.as_view(), name="job"),
    re_path(rf"^{JOB}/toggle/?$", JobToggleApi.as_view(), name="job-toggle"),
    re_path(rf"^{JOB}/run/?$", JobRunApi.as_view(), name="job-run"),
    re_path(rf"^{JOB}/history/?$", JobHistoryApi.as_view(), name="job-history"),
    re_path(rf"^{JOB}/next-runs/?$", JobNextRunsApi.as_view(), name="job-next-runs"),
    re_path(r"^stats/?$", StatsApi.as_view(), name="stats"),
    re_path(r"^health/?$", HealthApi.as_view(), name="health"),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(
        # JSON unless YAML is asked for (Accept or ?format=yaml)
        renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]
    ), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="scheduler_api:schema"), name="docs"),
    re_path(r"^.*$", NotFoundApi.as_view(), name="not-found"),
]
