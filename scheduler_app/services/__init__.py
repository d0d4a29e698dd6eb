"""The only code that writes jobs and executions. Views, admin, dashboard and tasks call these."""
from scheduler_app.services.executions import execution_claim, execution_finish, execution_run
from scheduler_app.services.jobs import job_create, job_delete, job_run_now, job_toggle, job_update

__all__ = [
    "execution_claim",
    "execution_finish",
    "execution_run",
    "job_create",
    "job_delete",
    "job_run_now",
    "job_toggle",
    "job_update",
]
