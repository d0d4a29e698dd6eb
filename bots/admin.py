"""Admin for what the bots remember; the blacklist and templates are meant to be edited here.

Their forms check and save through ``bots.services`` (like the jobs' admin), so the admin and
the code share one set of rules.
"""
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin

from bots.models import BirthdayMessage, BlacklistEntry, Contact, MessageTemplate, ProfileVisit, QuotaLock
from bots.services import InvalidInput
from bots.services.blacklist import blacklist_entry_clean, blacklist_entry_create, blacklist_entry_update
from bots.services.templates import message_template_clean, message_template_create, message_template_update


class ServiceCheckedForm(forms.ModelForm):
    """A form whose clean() runs the service's rules and keeps the values as the service stores them."""

    service_clean: Callable[..., Mapping[str, Any]]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            stored = type(self).service_clean(**{name: cleaned[name] for name in self._meta.fields})
        except InvalidInput as exc:
            message = str(exc)
            self.add_error(exc.field if exc.field in self.fields else None, message[:1].upper() + message[1:] + ".")
            return cleaned
        cleaned.update(stored)
        return cleaned


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "first_seen_at", "last_seen_at")
    search_fields = ("name", "slug")


@admin.register(BirthdayMessage)
class BirthdayMessageAdmin(admin.ModelAdmin):
    list_display = ("contact", "birthday", "days_late", "status", "claimed_at", "sent_at")
    list_filter = ("status", "birthday")
    search_fields = ("contact__name", "contact__slug", "text")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)
    readonly_fields = ("execution_id", "claimed_at", "sent_at")


@admin.register(ProfileVisit)
class ProfileVisitAdmin(admin.ModelAdmin):
    list_display = ("contact", "visited_at", "status")
    list_filter = ("status",)
    search_fields = ("contact__name", "contact__slug")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)
    readonly_fields = ("execution_id",)


class MessageTemplateForm(ServiceCheckedForm):
    service_clean = message_template_clean

    class Meta:
        model = MessageTemplate
        fields = ("kind", "text", "active")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "text", "active")
    list_filter = ("kind", "active")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in MessageTemplateForm._meta.fields}
        saved = message_template_update(template=obj, **data) if change else message_template_create(**data)
        _adopt(obj, saved)


class BlacklistEntryForm(ServiceCheckedForm):
    service_clean = blacklist_entry_clean

    class Meta:
        model = BlacklistEntry
        fields = ("slug", "name", "reason")


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    form = BlacklistEntryForm
    list_display = ("slug", "name", "reason", "created_at")
    search_fields = ("slug", "name", "reason")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in BlacklistEntryForm._meta.fields}
        saved = blacklist_entry_update(entry=obj, **data) if change else blacklist_entry_create(**data)
        _adopt(obj, saved)


def _adopt(obj, saved) -> None:
    """The admin goes on with ``obj`` (log entry, redirect): make it the row the service wrote."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.refresh_from_db()


@admin.register(QuotaLock)
class QuotaLockAdmin(admin.ModelAdmin):
    """Visible so an operator sees the lock rows exist; nothing to edit."""

    list_display = ("name",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
