"""Notifications (docs/notifications.md): channels, rules, incidents and deliveries.

- ``models``: the rows. ``events``: what each event means and which statuses open an incident.
- ``services/``: the only writers (channels and rules CRUD, incident flips, deliveries).
- ``senders``: one function per channel kind that turns a payload into a request.
- ``watch``: the dead-man's switch and the no-leader check, run by every worker's watchdog.
"""
