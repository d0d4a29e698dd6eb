"""The notification banner every dashboard page shows (templates/dashboard/base.html).

A context processor (config/settings.py) so no view has to remember it; lazy, so a page that
does not draw the banner (the admin, an htmx fragment, a visitor who is not staff) runs no query,
and a page that does runs two small ones (and counts the open incidents when more than it names).
"""
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from scheduler_app.notify.models import Incident, NotificationChannel
from scheduler_app.notify.selectors import channels_disabled, incidents_open

# Names shown in the banner; one more is fetched to know whether to say "and more".
BANNER_NAMES = 3


@dataclass(frozen=True)
class NotifyBanner:
    disabled: list[NotificationChannel]
    incidents: list[Incident]
    incident_count: int

    @property
    def show(self) -> bool:
        return bool(self.disabled or self.incidents)

    @property
    def more_disabled(self) -> bool:
        return len(self.disabled) > BANNER_NAMES

    @property
    def more_incidents(self) -> bool:
        return self.incident_count > BANNER_NAMES

    @property
    def disabled_shown(self) -> list[NotificationChannel]:
        return self.disabled[:BANNER_NAMES]

    @property
    def incidents_shown(self) -> list[Incident]:
        return self.incidents[:BANNER_NAMES]


def notify_banner_read() -> NotifyBanner:
    incidents = list(incidents_open()[: BANNER_NAMES + 1])
    count = len(incidents) if len(incidents) <= BANNER_NAMES else incidents_open().count()
    return NotifyBanner(disabled=list(channels_disabled()[: BANNER_NAMES + 1]), incidents=incidents,
                        incident_count=count)


def notify_banner(request: HttpRequest) -> dict:
    return {"notify_banner": SimpleLazyObject(notify_banner_read)}
