"""Admin for what the bots remember; the blacklist and templates are meant to be edited here."""
from django import forms
from django.contrib import admin

from bots.models import BirthdayMessage, BlacklistEntry, Contact, MessageTemplate, ProfileVisit, QuotaLock
from bots.profiles import slug_normalize


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


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("kind", "text", "active")

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("A template needs some text.")
        return text


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "text", "active")
    list_filter = ("kind", "active")


class BlacklistEntryForm(forms.ModelForm):
    class Meta:
        model = BlacklistEntry
        fields = ("slug", "name", "reason")

    def clean_slug(self) -> str:
        value = self.cleaned_data["slug"].strip()
        return slug_normalize(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and not cleaned.get("name", "").strip():
            raise forms.ValidationError("Give a profile address/slug or a name.")
        return cleaned


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    form = BlacklistEntryForm
    list_display = ("slug", "name", "reason", "created_at")
    search_fields = ("slug", "name", "reason")


@admin.register(QuotaLock)
class QuotaLockAdmin(admin.ModelAdmin):
    """Visible so an operator sees the lock rows exist; nothing to edit."""

    list_display = ("name",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
