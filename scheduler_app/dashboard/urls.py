"""Dashboard routes, mounted at /dashboard/ by config/urls.py."""
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from scheduler_app.dashboard import account_views, notify_views, template_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.jobs_page, name="jobs"),
    path("login/", views.DashboardLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login")), name="logout"),
    path("jobs/new/", views.job_create_view, name="job_create"),
    path("jobs/batch/", views.jobs_batch_view, name="jobs_batch"),
    path("jobs/holiday/", views.jobs_holiday_view, name="jobs_holiday"),
    path("jobs/fields/<str:part>/", views.job_fields_view, name="job_fields"),
    path("jobs/preview/", views.job_preview_view, name="job_preview"),
    path("jobs/<uuid:job_id>/edit/", views.job_edit_view, name="job_edit"),
    path("jobs/<uuid:job_id>/toggle/", views.job_toggle_view, name="job_toggle"),
    path("jobs/<uuid:job_id>/run/", views.job_run_view, name="job_run"),
    path("jobs/<uuid:job_id>/pause/", views.job_pause_view, name="job_pause"),
    path("jobs/<uuid:job_id>/resume/", views.job_resume_view, name="job_resume"),
    path("jobs/<uuid:job_id>/delete/", views.job_delete_view, name="job_delete"),
    path("jobs/<uuid:job_id>/history/", views.job_history_view, name="job_history"),
    path("jobs/<uuid:job_id>/history/rows/", views.job_history_rows_view, name="job_history_rows"),
    path("jobs/<uuid:job_id>/last-run/", views.job_last_run_view, name="job_last_run"),
    path("stats/", views.stats_view, name="stats"),
    path("accounts/", account_views.accounts_page, name="accounts"),
    path("accounts/new/", account_views.account_create_view, name="account_create"),
    path("accounts/<uuid:account_id>/edit/", account_views.account_edit_view, name="account_edit"),
    path("accounts/<uuid:account_id>/session/", account_views.account_session_view, name="account_session"),
    path("accounts/<uuid:account_id>/delete/", account_views.account_delete_view, name="account_delete"),
    path("templates/", template_views.message_templates_page, name="message_templates"),
    path("templates/new/", template_views.message_template_create_view, name="message_template_create"),
    path("templates/preview/", template_views.message_template_preview_view, name="message_template_preview"),
    path("templates/<int:template_id>/edit/", template_views.message_template_edit_view,
         name="message_template_edit"),
    path("templates/<int:template_id>/delete/", template_views.message_template_delete_view,
         name="message_template_delete"),
    path("notifications/", notify_views.notifications_page, name="notifications"),
    path("notifications/channels/new/", notify_views.channel_create_view, name="channel_create"),
    path("notifications/channels/fields/", notify_views.channel_fields_view, name="channel_fields"),
    path("notifications/channels/<uuid:channel_id>/edit/", notify_views.channel_edit_view, name="channel_edit"),
    path("notifications/channels/<uuid:channel_id>/delete/", notify_views.channel_delete_view,
         name="channel_delete"),
    path("notifications/channels/<uuid:channel_id>/enable/", notify_views.channel_enable_view,
         name="channel_enable"),
    path("notifications/channels/<uuid:channel_id>/test/", notify_views.channel_test_view, name="channel_test"),
    path("notifications/rules/new/", notify_views.rule_create_view, name="rule_create"),
    path("notifications/rules/<uuid:rule_id>/edit/", notify_views.rule_edit_view, name="rule_edit"),
    path("notifications/rules/<uuid:rule_id>/delete/", notify_views.rule_delete_view, name="rule_delete"),
]
