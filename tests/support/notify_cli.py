"""Notification rows for fleet tests, in a process pointed at the fleet's PostgreSQL:
``python -m tests.support.notify_cli`` with ``DATABASE_URL`` set and a JSON document on stdin,
``{"channel": {name, kind, config, secret}, "rules": [{events, job_id?, min_consecutive_failures?}]}``;
prints the channel's id. Channels and rules are written with the ORM (the fleet tests run on
SQLite in the test process, so they cannot use the ORM on the fleet's database)."""
import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from scheduler_app.notify.models import NotificationChannel, NotificationRule

    document = json.load(sys.stdin)
    channel = NotificationChannel.objects.create(**document["channel"])
    for rule in document.get("rules", []):
        NotificationRule.objects.create(channel=channel, **rule)
    print(channel.pk)


if __name__ == "__main__":
    main()
