"""Admin for what the bots remember; the blacklist, templates and accounts' settings are meant to
be edited here.

Their forms check and save through ``bots.services`` (like the jobs' admin), so the admin and
the code share one set of rules. An account's session is never shown nor written here: the
admin shows whether there is one and its dates, and links to the dashboard's upload (which
checks it on LinkedIn's feed); what LinkedIn said of the account (status, cool-down) is
read-only.
"""
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, ProtectedError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bots.audit import ActorRef
from bots.models import (
    BirthdayMessage,
    BlacklistEntry,
    Contact,
    LinkedInAccount,
    MessageTemplate,
    ProfileVisit,
    QuotaLock,
)
from bots.selectors import account_effective_status
from bots.services import InvalidInput
from bots.services.accounts import (
    ACCOUNT_FIELDS,
    AccountInUse,
    AccountValidationError,
    account_create,
    account_delete,
    account_update,
)
from bots.services.accounts import _checked_fields as account_fields_checked
from bots.services.blacklist import blacklist_entry_clean, blacklist_entry_create, blacklist_entry_update
from bots.services.templates import (
    language_clean,
    message_template_clean,
    message_template_create,
    message_template_update,
)


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


class ContactForm(forms.ModelForm):
    """The language is the one thing meant to be edited here: checked by the service's rules."""

    class Meta:
        model = Contact
        fields = ("slug", "name", "language")

    def clean_language(self):
        language = self.cleaned_data.get("language") or ""
        try:
            return language_clean(language) if language.strip() else ""
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc)[:1].upper() + str(exc)[1:] + ".") from None


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactForm
    list_display = ("name", "slug", "language", "first_seen_at", "last_seen_at")
    list_filter = ("language",)
    search_fields = ("name", "slug")


@admin.register(BirthdayMessage)
class BirthdayMessageAdmin(admin.ModelAdmin):
    list_display = ("contact", "birthday", "days_late", "status", "claimed_at", "sent_at")
    list_filter = ("status", "birthday")
    search_fields = ("contact__name", "contact__slug", "text")
    list_select_related = ("contact",)
    raw_id_fields = ("contact", "template")
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
        fields = ("kind", "language", "body", "weight", "active")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "language", "body", "weight", "active")
    list_filter = ("kind", "language", "active")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in MessageTemplateForm._meta.fields}
        actor = ActorRef(source="admin", request=request)
        saved = (message_template_update(template=obj, **data, actor=actor) if change
                 else message_template_create(**data, actor=actor))
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


class LinkedInAccountForm(forms.ModelForm):
    """The account's settings, checked by the service's own rules (errors on their fields)."""

    class Meta:
        model = LinkedInAccount
        fields = ACCOUNT_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {name: cleaned.get(name) for name in ACCOUNT_FIELDS}
        try:
            cleaned.update(account_fields_checked(data, account=None if self.instance._state.adding else self.instance))
        except AccountValidationError as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return cleaned


@admin.register(LinkedInAccount)
class LinkedInAccountAdmin(admin.ModelAdmin):
    form = LinkedInAccountForm
    list_display = ("label", "status_now", "cooldown_until", "last_ok_at", "session", "li_at_expires_at", "jobs")
    list_filter = ("status",)
    search_fields = ("label",)
    readonly_fields = ("id", "status", "status_reason", "status_changed_at", "cooldown_until", "last_ok_at",
                       "warmup_started_at", "session", "session_saved_at", "li_at_expires_at", "browser_holder",
                       "browser_lease_expires_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("label", "timezone", "working_hours", "message_language")}),
        (gettext_lazy("Quotas (empty: the BOT_* settings) and cool-down"),
         {"fields": ("messages_per_day", "messages_per_week", "visits_per_day", "cooldown_hours")}),
        (gettext_lazy("What LinkedIn said (read-only)"),
         {"fields": ("status", "status_reason", "status_changed_at", "cooldown_until", "last_ok_at",
                     "warmup_started_at")}),
        (gettext_lazy("Session (never shown)"), {"fields": ("session", "session_saved_at", "li_at_expires_at")}),
        (gettext_lazy("Browser"),
         {"fields": ("browser_holder", "browser_lease_expires_at", "id", "created_at", "updated_at")}),
    )
    actions = ["delete_through_services"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(jobs_count=Count("jobs"))

    @admin.display(description=gettext_lazy("status"))
    def status_now(self, account):
        """As a run meets it: a cool-down whose time is over is active."""
        return account_effective_status(account)

    @admin.display(description=gettext_lazy("jobs"), ordering="jobs_count")
    def jobs(self, account):
        return account.jobs_count

    @admin.display(description=gettext_lazy("session"))
    def session(self, account):
        if account.pk is None:
            return _("none yet: save one on the dashboard's Accounts page once the account exists")
        upload = reverse("dashboard:account_session", kwargs={"account_id": account.pk})
        state = _("saved") if account.session_encrypted else _("none")
        return format_html('{} (<a href="{}">{}</a>)', state, upload, _("save a new session"))

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS if name in form.cleaned_data}
        actor = ActorRef(source="admin", request=request)
        saved = (account_update(account=obj, changes=data, actor=actor) if change
                 else account_create(data=data, actor=actor))
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        account_delete(account=obj, actor=ActorRef(source="admin", request=request))

    def delete_queryset(self, request, queryset):
        for account in queryset:
            account_delete(account=account, actor=ActorRef(source="admin", request=request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Delete selected accounts (those without jobs)"),
                  permissions=["delete"])
    def delete_through_services(self, request, queryset):
        deleted = 0
        for account in queryset:
            try:
                account_delete(account=account, actor=ActorRef(source="admin", request=request))
                deleted += 1
            except AccountInUse as exc:
                self.message_user(request, _("Not deleted: %(why)s.") % {"why": exc}, level="error")
            except ProtectedError:
                self.message_user(request, _("Not deleted: %(label)r has a history of messages and visits "
                                             "(kept so no one is wished twice).") % {"label": account.label},
                                  level="error")
        self.message_user(request, ngettext("Deleted %(count)s account.", "Deleted %(count)s accounts.", deleted)
                          % {"count": deleted})
