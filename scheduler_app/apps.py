from django.apps import AppConfig


class SchedulerAppConfig(AppConfig):
    name = "scheduler_app"
    verbose_name = "Scheduler"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from bots.audit import audit_recorder_set
        from scheduler_app import checks  # noqa: F401  (registers the system checks)
        from scheduler_app.audit.services import audit_record_for_bots
        from scheduler_app.model_labels import model_labels_translate
        from scheduler_app.notify import signals  # noqa: F401  (starts the watchdog in workers)

        # Every app's models are loaded by now (bots' too): the admin's labels translate.
        model_labels_translate()
        # The bots' account and template writes record their audit events through this.
        audit_recorder_set(audit_record_for_bots)
