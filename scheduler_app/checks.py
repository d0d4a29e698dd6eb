"""System checks (``manage.py check``, ``runserver``, ``migrate``): a ``SCHEDULER_API_KEY`` the
API would not accept is an error, not a silent 401."""
from django.conf import settings
from django.core.checks import Error, Tags, register

from scheduler_app.services.api_keys import bootstrap_key_problem


@register(Tags.security)
def scheduler_api_key_is_usable(app_configs, **kwargs):
    key = settings.SCHEDULER_API_KEY
    problem = bootstrap_key_problem(key) if key else None
    if problem:
        return [Error(f"SCHEDULER_API_KEY is set but unusable: {problem}.", id="scheduler.E001")]
    return []
