"""The audit trail: who changed what, from where, old → new (issue 22 item 1).

``services.audit_record`` is the only writer; it runs inside the transaction of the change it
records, so a change and its event commit together or not at all. ``selectors`` reads.

The bots' account and template services record their events here too, without importing the
scheduler: they report to their door, ``bots.audit``, into which ``scheduler_app/apps.py`` plugs
``services.audit_record_for_bots``; it runs in the bots' write's transaction like any other.
"""
