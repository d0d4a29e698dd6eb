"""The audit trail: who changed what, from where, old → new (issue 22 item 1).

``services.audit_record`` is the only writer; it runs inside the transaction of the change it
records, so a change and its event commit together or not at all. ``selectors`` reads.
"""
