"""The audit trail: who changed what, from where, old → new (issue 22 item 1).

``services.audit_record`` is the only writer; it runs inside the transaction of the change it
records, so a change and its event commit together or not at all. ``selectors`` reads.

The bots' account and template services record their events here too: the one place ``bots``
imports the scheduler, on purpose, since a change and its event must share one transaction. Its
``models``, ``actors`` and ``services`` import nothing else of the scheduler, so that import brings
in no more of it.
"""
