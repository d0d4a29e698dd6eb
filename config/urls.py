"""URL map: API under /scheduler/, the dashboard under /dashboard/, the admin under /admin/."""
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("admin/", admin.site.urls),
    path("scheduler/", include("scheduler_app.api.urls")),
    path("dashboard/", include("scheduler_app.dashboard.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the dashboard's language switcher
]
