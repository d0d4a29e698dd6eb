"""Stored English words shown in the reader's language: run reasons and statuses.

The stored values stay as written (the API returns them, logs quote them); the dashboard translates
them when it prints them (scheduler_app/reasons.py).
"""
from django import template

from bots.runner import step_display
from scheduler_app.models import ExecutionStatus
from scheduler_app.reasons import reason_display

register = template.Library()


@register.filter
def run_reason(text):
    """A stored reason (an execution's error, a pause, an account's or a channel's reason)."""
    return reason_display(text)


@register.filter
def run_step(text):
    """What a running bot says it is doing now ("writing to Ann 3/9", bots/steps.py)."""
    return step_display(text)


@register.filter
def status_label(status):
    """An execution status value ("failed") as its label in the active language ("Échec")."""
    try:
        return ExecutionStatus(status).label
    except ValueError:
        return str(status).capitalize()
