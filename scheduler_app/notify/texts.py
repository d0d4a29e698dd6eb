"""What people read: the short texts of ntfy and Telegram and the email's subject, plain text
and HTML, from a delivery's payload (scheduler_app/notify/payloads.py), in the project's
LANGUAGE_CODE (marked for translation)."""
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from scheduler_app.reasons import reason_display

EVENT_TITLES = {
    "failed": gettext_noop("{job}: a run failed"),
    "missed": gettext_noop("{job}: a slot was missed"),
    "needs_attention": gettext_noop("{job}: the LinkedIn account needs attention"),
    "recovered": gettext_noop("{job}: recovered"),
    "silent": gettext_noop("{job}: no successful run for longer than expected"),
    "no_leader": gettext_noop("No beat leads: nothing is being scheduled"),
    "long_running": gettext_noop("{job}: a run is taking longer than expected"),
    "test": gettext_noop("Test notification from the bot scheduler"),
}


def title_text(payload: dict) -> str:
    job = (payload.get("job") or {}).get("name") or _("scheduler")
    with translation.override(settings.LANGUAGE_CODE):
        return _(EVENT_TITLES.get(payload["event"], payload["event"])).format(job=job)


def _details(payload: dict) -> list[str]:
    lines = []
    with translation.override(settings.LANGUAGE_CODE):
        if payload.get("reason"):
            lines.append(reason_display(payload["reason"]))
        if payload.get("error"):
            lines.append(_("Error: {error}").format(error=reason_display(payload["error"])))
        execution = payload.get("execution")
        if execution:
            lines.append(_("Status: {status}; messages sent: {sent}; profiles visited: {visited}").format(
                status=execution["status"], sent=execution["messages_sent"],
                visited=execution["profiles_visited"]))
        incident = payload.get("incident")
        if incident and incident.get("consecutive_failures"):
            lines.append(_("Failures in a row: {count}").format(count=incident["consecutive_failures"]))
    return lines


def short_text(payload: dict) -> str:
    """ntfy and Telegram: a title, the reason or error, the counts, the link."""
    return "\n".join([title_text(payload), *_details(payload), payload.get("url") or ""]).strip()


def email_texts(payload: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML)."""
    context = {"title": title_text(payload), "details": _details(payload), "payload": payload}
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string("notify/email.txt", context)
        html = render_to_string("notify/email.html", context)
    return context["title"], text, html
