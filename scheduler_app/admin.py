"""Admin for jobs and executions (notifications: scheduler_app/notify/admin.py, imported here).

Saving or deleting a job here goes through the same services as the API, so the admin can
neither store an invalid job nor leave beat's row out of step. Executions are history:
read-only.
"""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy, ngettext
from django_celery_beat import admin as beat_admin  # noqa: F401  (registers its models first)
from django_celery_beat.models import PeriodicTask

from scheduler_app.admin_readonly import ReadOnlyAdmin
from scheduler_app.audit.admin import admin_actor  # (importing it registers the audit trail's admin)
from scheduler_app.models import JobExecution, ScheduledJob
from scheduler_app.notify import admin as notify_admin  # noqa: F401  (registers the notification models)
from scheduler_app.services import job_create, job_delete, job_update
from scheduler_app.services.chains import JobHasDependents
from scheduler_app.spec import WRITABLE_FIELDS
from scheduler_app.validation import JobValidationError, job_validate

# Beat's rows are written only by scheduler_app.sync; editing them by hand would drift from the jobs.
admin.site.unregister(PeriodicTask)


class ScheduledJobForm(forms.ModelForm):
    class Meta:
        model = ScheduledJob
        fields = list(WRITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, validation picks the default account (scheduler_app/validation.py).
        self.fields["account"].required = False
        self.fields["account"].help_text = gettext_lazy("Empty: the 'default' account.")

    def job_data(self) -> dict:
        """The cleaned fields as the job services take them. run_after is not among them (a link
        table is no model form field): the admin leaves a job's chain as it is."""
        return {name: self.cleaned_data[name] for name in WRITABLE_FIELDS if name in self.cleaned_data}

    def clean(self):
        cleaned = super().clean()
        for key in ("schedule_config", "bot_config"):
            if key in cleaned and cleaned[key] is None:
                cleaned[key] = {}
        if self.errors:
            return cleaned
        data = self.job_data()
        try:
            if self.instance._state.adding:
                job_validate(data=data)
            else:
                data.pop("bot_type", None)  # read-only once created
                job_validate(data=data, job=self.instance)
        except JobValidationError as exc:
            for path, messages in exc.errors.items():
                field, _, rest = path.partition(".")
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, f"{rest}: {message}" if rest else message)
        return cleaned


class JobExecutionInline(admin.TabularInline):
    model = JobExecution
    fields = ("queued_at", "trigger", "scheduled_for", "status", "duration_seconds", "messages_sent",
              "profiles_visited", "error")
    readonly_fields = fields
    ordering = ("-queued_at",)
    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        # Newest 20 only: a busy job has millions of rows.
        ids = (
            JobExecution.objects.filter(job_id=request.resolver_match.kwargs.get("object_id"))
            .order_by("-queued_at")
            .values_list("pk", flat=True)[:20]
        )
        return super().get_queryset(request).filter(pk__in=list(ids))


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    form = ScheduledJobForm
    list_display = ("name", "bot_type", "schedule_type", "enabled", "next_run_at", "last_run_at", "last_run_status")
    list_filter = ("bot_type", "enabled", "schedule_type", "last_run_status")
    search_fields = ("name", "description")
    readonly_fields = ("id", "created_at", "updated_at", "created_by", "last_run_at", "last_run_status",
                       "last_run_error", "next_run_at")
    inlines = [JobExecutionInline]
    actions = ["delete_through_services"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "bot_type") if obj else fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would skip the beat rows
        return actions

    def save_model(self, request, obj, form, change):
        data = form.job_data()
        if change:
            data.pop("bot_type", None)
            job = job_update(job=obj, changes=data, actor=admin_actor(request))
        else:
            job = job_create(data=data, actor=admin_actor(request))
        obj.pk = job.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        try:
            job_delete(job=obj, actor=admin_actor(request))
        except JobHasDependents as exc:
            self.message_user(request, str(exc), level="error")

    def delete_queryset(self, request, queryset):
        for job in queryset:
            job_delete(job=job, actor=admin_actor(request))

    @admin.action(description=gettext_lazy("Delete selected jobs"), permissions=["delete"])
    def delete_through_services(self, request, queryset):
        count = queryset.count()
        self.delete_queryset(request, queryset)
        self.message_user(request, ngettext("Deleted %(count)s job.", "Deleted %(count)s jobs.", count)
                          % {"count": count})


@admin.register(JobExecution)
class JobExecutionAdmin(ReadOnlyAdmin):
    list_display = ("job", "trigger", "scheduled_for", "queued_at", "status", "duration_seconds",
                    "messages_sent", "profiles_visited")
    list_filter = ("status", "trigger")
    list_select_related = ("job",)
    search_fields = ("job__name", "error")
    date_hierarchy = None
    ordering = ("-queued_at",)
