"""The admin for rows people read but never write there: history (executions, incidents,
deliveries). They are written only by the services, so the admin offers no add, change or delete."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
