"""Admin for notifications (imported by scheduler_app/admin.py, which registers the app's models).

Channels and rules are checked and saved through ``scheduler_app.notify.services`` like the
jobs' admin: the form's clean() runs the service's own check (``channel_validate`` /
``rule_validate``) and shows its errors on their fields, save and delete call the service, so
the admin can store nothing the API would refuse. A channel's secret is write-only here too: a
"new secret" input that never shows a value, a "remove" box, and the stored one only as its
last 4 characters. Incidents and deliveries are history: read-only.
"""
from typing import Any

from django import forms
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, ngettext

from scheduler_app.admin_readonly import ReadOnlyAdmin
from scheduler_app.audit.admin import admin_actor
from scheduler_app.models import BotType
from scheduler_app.notify.configs import RULE_EVENTS, secret_hint
from scheduler_app.notify.models import Event, Incident, NotificationChannel, NotificationDelivery, NotificationRule
from scheduler_app.notify.services.channels import (
    channel_create,
    channel_delete,
    channel_update,
    channel_validate,
    rule_create,
    rule_delete,
    rule_update,
    rule_validate,
)
from scheduler_app.validation import JobValidationError


def _add_service_errors(form: forms.Form, exc: JobValidationError, names: dict[str, str]) -> None:
    """The service's ``{path: [messages]}`` on the form's fields (``config.url`` on ``config``,
    ``job_id`` on ``job``), the rest at the top of the form."""
    for path, messages in exc.errors.items():
        head, _, rest = path.partition(".")
        name = names.get(head, head)
        target = name if name in form.fields else None
        if target is None:
            messages = [f"{path}: {message}" for message in messages]
        elif rest:
            messages = [f"{rest}: {message}" for message in messages]
        for message in messages:
            form.add_error(target, message)


class ServiceForm(forms.ModelForm):
    """clean() runs the service's check (``service_check``) on the service input the form makes
    (``service_data``), after Django's own field checks passed."""

    error_names: dict[str, str] = {}

    def service_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def service_check(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.service_check(self.service_data())
        except JobValidationError as exc:
            _add_service_errors(self, exc, self.error_names)
        return cleaned


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes through the services; Django's bulk delete (which would skip them) is
    replaced by an action that calls the service for each row."""

    actions = ["delete_through_services"]

    def create(self, request, form: ServiceForm):
        raise NotImplementedError

    def update(self, request, obj, form: ServiceForm):
        raise NotImplementedError

    def delete_one(self, request, obj) -> None:
        raise NotImplementedError

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        saved = self.update(request, obj, form) if change else self.create(request, form)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        self.delete_one(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_one(request, obj)

    @admin.action(description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
                  permissions=["delete"])
    def delete_through_services(self, request, queryset):
        count = queryset.count()
        self.delete_queryset(request, queryset)
        self.message_user(request, ngettext("Deleted %(count)s row.", "Deleted %(count)s rows.", count)
                          % {"count": count})


# --- channels -------------------------------------------------------------------------------


class ChannelAdminForm(ServiceForm):
    new_secret = forms.CharField(
        label=gettext_lazy("Secret"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Write-only: never shown again. Blank keeps the stored one (a new webhook without one "
                               "gets a generated secret, which the admin never shows: type your own to know it)."))
    clear_secret = forms.BooleanField(label=gettext_lazy("Remove the stored secret"), required=False)
    error_names = {"secret": "new_secret"}

    class Meta:
        model = NotificationChannel
        fields = ("name", "kind", "config", "enabled")

    def service_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        data = {"name": cleaned.get("name"), "config": cleaned.get("config") or {},
                "enabled": bool(cleaned.get("enabled"))}
        if self.adding:
            data["kind"] = cleaned.get("kind")
        if cleaned.get("new_secret"):
            data["secret"] = cleaned["new_secret"]
        elif cleaned.get("clear_secret") and not self.adding:
            data["secret"] = ""
        return data

    def service_check(self, data: dict[str, Any]) -> None:
        # The admin shows the whole config, so a save replaces it (the API's PUT).
        channel_validate(data=data, channel=None if self.adding else self.instance, partial=False)


@admin.register(NotificationChannel)
class NotificationChannelAdmin(ServiceAdmin):
    form = ChannelAdminForm
    list_display = ("name", "kind", "enabled", "disabled_reason", "secret_shown", "last_notified_at", "last_error")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    readonly_fields = ("id", "secret_shown", "disabled_reason", "last_notified_at", "last_error", "created_at",
                       "updated_at", "created_by")
    actions = ["delete_through_services", "enable_through_services"]

    @admin.display(description=gettext_lazy("secret"))
    def secret_shown(self, obj) -> str:
        return secret_hint(obj.secret) or "—"

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj else fields

    def create(self, request, form):
        return channel_create(data=form.service_data(), actor=admin_actor(request))

    def update(self, request, obj, form):
        return channel_update(channel=obj, changes=form.service_data(), partial=False, actor=admin_actor(request))

    def delete_one(self, request, obj) -> None:
        channel_delete(channel=obj, actor=admin_actor(request))

    @admin.action(description=gettext_lazy("Enable selected channels (clears the reason they were disabled)"),
                  permissions=["change"])
    def enable_through_services(self, request, queryset):
        channels = list(queryset)
        for channel in channels:
            channel_update(channel=channel, changes={"enabled": True}, actor=admin_actor(request))
        self.message_user(request, ngettext("Enabled %(count)s channel.", "Enabled %(count)s channels.", len(channels))
                          % {"count": len(channels)})


# --- rules ----------------------------------------------------------------------------------


class RuleAdminForm(ServiceForm):
    events = forms.MultipleChoiceField(choices=[(event, format_lazy("{}: {}", event, Event(event).label))
                                                for event in RULE_EVENTS],
                                       widget=forms.CheckboxSelectMultiple)
    bot_type = forms.ChoiceField(choices=[("", "—")] + BotType.choices, required=False,
                                 help_text=gettext_lazy("Scope: a bot type, or a job, or neither for every job."))
    error_names = {"channel_id": "channel", "job_id": "job", "realert_every": "realert_every_seconds"}

    class Meta:
        model = NotificationRule
        fields = ("channel", "events", "bot_type", "job", "min_consecutive_failures", "realert_every_seconds",
                  "enabled")

    def clean_bot_type(self) -> str | None:
        return self.cleaned_data["bot_type"] or None  # the column is null for "no bot type"

    def service_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        channel, job = cleaned.get("channel"), cleaned.get("job")
        return {
            "channel_id": str(channel.pk) if channel else None,
            "events": list(cleaned.get("events") or []),
            "bot_type": cleaned.get("bot_type") or None,
            "job_id": str(job.pk) if job else None,
            "min_consecutive_failures": cleaned.get("min_consecutive_failures"),
            "realert_every": cleaned.get("realert_every_seconds"),
            "enabled": bool(cleaned.get("enabled")),
        }

    def service_check(self, data: dict[str, Any]) -> None:
        rule_validate(data=data, rule=None if self.adding else self.instance)


@admin.register(NotificationRule)
class NotificationRuleAdmin(ServiceAdmin):
    form = RuleAdminForm
    list_display = ("__str__", "channel", "bot_type", "job", "min_consecutive_failures", "realert_every_seconds",
                    "enabled")
    list_filter = ("enabled", "bot_type")
    list_select_related = ("channel", "job")
    raw_id_fields = ("job",)  # a fleet has too many jobs for a select
    readonly_fields = ("id", "created_at", "updated_at")

    def create(self, request, form):
        return rule_create(data=form.service_data(), actor=admin_actor(request))

    def update(self, request, obj, form):
        return rule_update(rule=obj, changes=form.service_data(), actor=admin_actor(request))

    def delete_one(self, request, obj) -> None:
        rule_delete(rule=obj, actor=admin_actor(request))


# --- history: read-only ---------------------------------------------------------------------


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("id", "job", "kind", "state", "consecutive_failures", "opened_at", "closed_at", "rule")
    list_filter = ("state", "kind")
    list_select_related = ("job", "rule__channel")
    search_fields = ("job__name", "reason")
    ordering = ("-opened_at",)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "status", "event", "job", "channel", "attempts", "http_status", "error")
    list_filter = ("status", "event")
    list_select_related = ("job", "channel")
    search_fields = ("job__name", "channel__name", "error")
    ordering = ("-created_at",)
