"""Objects as the audit trail records them: their writable fields, as the services take them.
A change's event holds the fields whose snapshot differs before and after (services.audit_changes)."""
from typing import Any

from scheduler_app.spec import WRITABLE_FIELDS, job_field_value


def _value(value: Any) -> Any:
    if hasattr(value, "values_list"):  # a many-to-many manager (run_after, a blackout's jobs)
        return sorted(str(pk) for pk in value.values_list("pk", flat=True))
    return value


def job_snapshot(job) -> dict[str, Any]:
    return {name: _value(job_field_value(job, name)) for name in WRITABLE_FIELDS}


def model_snapshot(obj, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``fields`` of a model instance; a foreign key as its id, a many-to-many as sorted ids."""
    snapshot = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            snapshot[name] = _value(getattr(obj, name)) if obj.pk else []
        elif field.is_relation:
            snapshot[name] = getattr(obj, field.attname)
        else:
            snapshot[name] = getattr(obj, name)
    return snapshot
