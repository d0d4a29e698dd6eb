"""Jobs to and from a file: the export document, and its import in one transaction.

The document (``version: 1``) holds ``jobs`` keyed by job name, each with every writable field
of the spec (scheduler_app/spec.py ``WRITABLE_FIELDS``) but the name: a field added to the spec is
exported and imported without a change here. It carries no ids and no secrets: the account is
named by its label, jobs another job runs after (``REFERENCE_FIELDS``) by their names.

An import goes through the job services (``job_create`` / ``job_update`` / ``job_delete``), so
every job is validated exactly as a normal write is; this module only adds what a whole document
needs: each entry read as a complete job (a field left out takes its default, as on create), jobs
whose stored fields already equal the entry left untouched (``unchanged``), the names resolved,
every error named by its place in the document (``jobs.<name>.<field path>``), and all of it in
one transaction, so a document with one bad job stores nothing. A dry run does the same writes and
rolls them back, so it reports exactly what the import would do.
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from scheduler_app.audit.actors import SYSTEM, Actor
from scheduler_app.models import JobLink, ScheduledJob
from scheduler_app.services.jobs import job_create, job_delete, job_update
from scheduler_app.spec import WRITABLE_FIELDS, JobFields, field_default, job_field_value
from scheduler_app.validation import JobValidationError, job_validate

DOCUMENT_VERSION = 1
DOCUMENT_KEYS = ("version", "jobs")
MODES = ("merge", "replace")
FORMATS = ("yaml", "json")
# Writable fields whose values name other jobs (stored as ids, written in a document as names).
REFERENCE_FIELDS = frozenset({"run_after"})
# A document's fields of a job: every writable one but the name, which is the job's key.
ENTRY_FIELDS = tuple(name for name in WRITABLE_FIELDS if name != "name")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class DocumentInvalid(JobValidationError):
    """A document that cannot be imported; ``errors`` maps places in it (``jobs.<name>.<field>``)
    to messages. A JobValidationError, so the API answers it like any bad job: 400 naming them."""


class ExportRefused(Exception):
    """The jobs cannot be written as a document: some names are held by several jobs."""

    def __init__(self, duplicates: dict[str, list[str]]):
        self.duplicates = duplicates
        listed = "; ".join(f"{name!r} ({', '.join(ids)})" for name, ids in duplicates.items())
        super().__init__(_("A document keys jobs by name, and these names are held by several jobs: %(names)s. "
                           "Rename (or delete) all but one of each, then export again.") % {"names": listed})


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): job names, each list sorted."""

    mode: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # The fields each updated job changes, by name.
    changes: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "deleted": self.deleted, "changes": dict(sorted(self.changes.items()))}


# --- export ------------------------------------------------------------------------------------

def _references(jobs: list[ScheduledJob]) -> dict[str, dict[str, list[str]]]:
    """``{field: {job id: [ids it names]}}`` for the reference fields the spec has."""
    found: dict[str, dict[str, list[str]]] = {}
    if "run_after" in WRITABLE_FIELDS:
        links: dict[str, list[str]] = defaultdict(list)
        for downstream, upstream in JobLink.objects.values_list("downstream_id", "upstream_id"):
            links[str(downstream)].append(str(upstream))
        found["run_after"] = links
    return found


def jobs_export_document() -> dict[str, Any]:
    """Every job as a version 1 document, keyed by name (sorted), fields in the spec's order.

    Raises ExportRefused when two jobs share a name: a document cannot hold both, and dropping or
    renaming one silently would not round-trip."""
    jobs = list(ScheduledJob.objects.select_related("account").order_by("name", "created_at"))
    by_name: dict[str, list[ScheduledJob]] = defaultdict(list)
    for job in jobs:
        by_name[job.name].append(job)
    duplicates = {name: [str(job.pk) for job in held] for name, held in by_name.items() if len(held) > 1}
    if duplicates:
        raise ExportRefused(duplicates)
    names = {str(job.pk): job.name for job in jobs}
    references = _references(jobs)
    document: dict[str, Any] = {}
    for job in jobs:
        entry: dict[str, Any] = {}
        for name in ENTRY_FIELDS:
            if name == "account":
                entry[name] = job.account.label
            elif name in REFERENCE_FIELDS:
                entry[name] = sorted(names[ref] for ref in references[name].get(str(job.pk), []))
            else:
                entry[name] = job_field_value(job, name)
        document[job.name] = entry
    return {"version": DOCUMENT_VERSION, "jobs": document}


class _NoAliasDumper(_Dumper):
    def ignore_aliases(self, data):
        return True


def document_dump(document: dict[str, Any], *, fmt: str = "yaml") -> str:
    """The document as YAML (block style, keys in their order, no anchors) or indented JSON."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(document, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=120)


# --- reading a document ------------------------------------------------------------------------

class _Pairs(dict):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: list[str]


def _json_object(pairs: list[tuple[str, Any]]) -> _Pairs:
    result, seen = _Pairs(), set()
    result.duplicates = []
    for key, value in pairs:
        if key in seen:
            result.duplicates.append(key)
        seen.add(key)
        result[key] = value
    return result


def _json_duplicates(value: Any, path: str, errors: dict[str, list[str]]) -> None:
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key in getattr(item, "duplicates", []):
                errors.setdefault(f"{where}.{key}" if where else key, []).append(_duplicate_message(where))
            stack.extend((f"{where}.{key}" if where else str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item))


def _duplicate_message(parent: str) -> str:
    if parent == "jobs":
        return _("appears more than once: job names must be unique in a document")
    return _("appears more than once")


def _yaml_problems(root: yaml.Node | None) -> dict[str, list[str]]:
    """Duplicate keys (which safe_load would silently resolve to the last) and aliases (which let a
    small file expand into a huge one), found on the node tree, by path."""
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    stack: list[tuple[str, yaml.Node]] = [("", root)] if root is not None else []
    while stack:
        where, node = stack.pop()
        if id(node) in seen:
            errors.setdefault(where or "document", []).append(_("anchors and aliases (& and *) are not supported"))
            continue
        seen.add(id(node))
        children: list[tuple[str, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                path = f"{where}.{key}" if where else key
                if key in keys:
                    errors.setdefault(path, []).append(
                        _duplicate_message(where) + " " + _("(lines %(first)s and %(again)s)")
                        % {"first": keys[key], "again": key_node.start_mark.line + 1})
                keys.setdefault(key, key_node.start_mark.line + 1)
                children.append((path, value_node))
        elif isinstance(node, yaml.SequenceNode):
            children = [(f"{where}.{index}" if where else str(index), item) for index, item in enumerate(node.value)]
        stack.extend(reversed(children))  # in document order: the alias is the second sight of a node
    return errors


def document_load(text: str, *, fmt: str = "yaml") -> Any:
    """A document's text parsed (YAML with safe loading only, or JSON). Raises DocumentInvalid for
    text that does not parse, for a key given twice (a job name above all) and for YAML aliases."""
    if fmt == "json":
        try:
            data = json.loads(text, object_pairs_hook=_json_object)
        except (ValueError, RecursionError) as exc:
            raise DocumentInvalid({"document": [_("not valid JSON: %(error)s") % {"error": exc}]}) from None
        errors: dict[str, list[str]] = {}
        _json_duplicates(data, "", errors)
    else:
        loader = _Loader(text)  # a safe loader: plain data only, no Python objects
        try:
            root = loader.get_single_node()  # parsed once: checked as nodes, then built
            errors = _yaml_problems(root)
            data = None if errors or root is None else loader.construct_document(root)
        except yaml.YAMLError as exc:
            raise DocumentInvalid({"document": [_("not valid YAML: %(error)s") % {"error": exc}]}) from None
        except RecursionError:
            raise DocumentInvalid({"document": [_("not valid YAML: nested too deeply")]}) from None
        finally:
            loader.dispose()
    if errors:
        raise DocumentInvalid(errors)
    return data


def _document_jobs(document: Any) -> dict[str, dict[str, Any]]:
    """The document's jobs by name, its shape checked (not the jobs themselves)."""
    if not isinstance(document, dict):
        raise DocumentInvalid({"document": [_("must be a mapping with version and jobs")]})
    errors: dict[str, list[str]] = {}
    for key in document:
        if key not in DOCUMENT_KEYS:
            errors.setdefault(str(key), []).append(_("is not a document field (version, jobs)"))
    version = document.get("version")
    if "version" not in document:
        errors["version"] = [_("Field required")]
    elif isinstance(version, bool) or version != DOCUMENT_VERSION:
        errors["version"] = [_("must be %(version)s (this server reads version %(version)s documents)")
                             % {"version": DOCUMENT_VERSION}]
    jobs = document.get("jobs")
    if "jobs" not in document:
        errors["jobs"] = [_("Field required")]
    elif not isinstance(jobs, dict):
        errors["jobs"] = [_("must be a mapping of job names to jobs (jobs: {} for none)")]
    else:
        for name, entry in jobs.items():
            where = f"jobs.{name}"
            if not isinstance(name, str):
                errors.setdefault(where, []).append(_("a job's name must be text (quote it)"))
            elif not isinstance(entry, dict):
                errors.setdefault(where, []).append(_("must be a mapping of the job's fields"))
            elif "name" in entry and entry["name"] != name:
                errors.setdefault(f"{where}.name", []).append(
                    _("differs from the job's key; the key under jobs is the job's name"))
    if errors:
        raise DocumentInvalid(errors)
    return jobs


# --- import ------------------------------------------------------------------------------------

def _in_document(name: str, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    prefixed: dict[str, list[str]] = {}
    for path, messages in errors.items():
        where = f"jobs.{name}" if path == "non_field_errors" else f"jobs.{name}.{path}"
        prefixed.setdefault(where, []).extend(messages)
    return prefixed


def _entry_data(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as a whole job's fields (its references apart), every field it leaves out at its
    default, as on create, so an update sets them too. A required field left out stays out, for
    validation to name it."""
    data = {"name": name, **{key: value for key, value in entry.items()
                             if key != "name" and key not in REFERENCE_FIELDS}}
    for key in ENTRY_FIELDS:
        if key not in data and key not in REFERENCE_FIELDS and not JobFields.model_fields[key].is_required():
            data[key] = field_default(key)
    return data


def _changed_fields(spec, job: ScheduledJob) -> list[str]:
    return [name for name in WRITABLE_FIELDS
            if name not in REFERENCE_FIELDS and getattr(spec, name) != job_field_value(job, name)]


def _stored_references(job_ids: list) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = {}
    if "run_after" in WRITABLE_FIELDS:
        links: dict[str, set[str]] = defaultdict(set)
        for downstream, upstream in JobLink.objects.filter(downstream_id__in=job_ids).values_list(
                "downstream_id", "upstream_id"):
            links[str(downstream)].add(str(upstream))
        found["run_after"] = links
    return found


def _downstream_first(jobs: list[ScheduledJob]) -> list[ScheduledJob]:
    """``jobs`` in an order where each comes after the jobs that run after it, so none is deleted
    while another still depends on it (the document's jobs no longer do: their links are the
    document's, and a replace document names only its own jobs)."""
    remaining = {str(job.pk): job for job in jobs}
    waiting: dict[str, set[str]] = defaultdict(set)  # upstream -> its downstream jobs
    for upstream, downstream in JobLink.objects.filter(upstream_id__in=list(remaining),
                                                       downstream_id__in=list(remaining)).values_list(
            "upstream_id", "downstream_id"):
        waiting[str(upstream)].add(str(downstream))
    ordered: list[ScheduledJob] = []
    while remaining:
        free = [pk for pk in remaining if not waiting[pk] & remaining.keys()] or list(remaining)
        ordered.extend(remaining.pop(pk) for pk in free)
    return ordered


def jobs_import(*, document: Any, mode: str = "merge", dry_run: bool = False,
                actor: Actor = SYSTEM) -> ImportReport:
    """Make the stored jobs match ``document`` (a parsed document: ``document_load``).

    ``merge``: the document's jobs are created or updated, the others kept. ``replace``: the
    others are deleted too. A job is found by name; a name the database holds twice is an error on
    that job (which one would it be?). Raises DocumentInvalid naming every bad place, nothing
    stored; with ``dry_run`` nothing is stored either, and the report says what would have been.

    Each job written leaves its own audit event (create, update, delete) by ``actor``, noted
    "import (<mode>)" unless the actor brings a note of its own; an unchanged job leaves none.
    """
    actor = actor.with_note(actor.note or f"import ({mode})")
    if mode not in MODES:
        raise DocumentInvalid({"mode": [_("must be merge or replace")]})
    entries = _document_jobs(document)
    report = ImportReport(mode=mode, dry_run=dry_run)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        stored: dict[str, list[ScheduledJob]] = defaultdict(list)
        for job in ScheduledJob.objects.select_related("account", "periodic_task").order_by("created_at"):
            stored[job.name].append(job)
        jobs: dict[str, ScheduledJob] = {}  # the document's jobs as stored now, by name

        # Pass 1: every job's own fields.
        for name, entry in entries.items():
            held = stored.get(name, [])
            if len(held) > 1:
                errors[f"jobs.{name}"] = [
                    _("%(count)s jobs in the database are named this (%(ids)s): rename or delete all but one, "
                      "then import") % {"count": len(held), "ids": ", ".join(str(job.pk) for job in held)}]
                continue
            data = _entry_data(name, entry)
            try:
                if not held:
                    jobs[name] = job_create(data=data, actor=actor)
                    report.created.append(name)
                    continue
                job = held[0]
                # Checked as a new job first: the entry is a whole job, required fields included.
                changed = _changed_fields(job_validate(data=data), job)
                if changed:
                    changes = {key: value for key, value in data.items() if key != "name"}
                    job = job_update(job=job, changes=changes, actor=actor)
                    report.changes[name] = changed
                jobs[name] = job
            except JobValidationError as exc:
                errors.update(_in_document(name, exc.errors))

        # Pass 2: the references, once every job they may name exists.
        kept = {name: held[0] for name, held in stored.items() if len(held) == 1 and name not in entries}
        known = {**(kept if mode == "merge" else {}), **jobs}
        references = _stored_references([job.pk for job in jobs.values()])
        for ref_field in REFERENCE_FIELDS & set(WRITABLE_FIELDS):
            for name, entry in entries.items():
                given = entry.get(ref_field) or []
                if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
                    errors.setdefault(f"jobs.{name}.{ref_field}", []).append(_("must be a list of job names"))
                    continue
                unknown = [ref for ref in given if ref not in known]
                if unknown:
                    where = _("the document") if mode == "replace" else _("the document or the database")
                    errors.setdefault(f"jobs.{name}.{ref_field}", []).append(
                        _("no job named %(names)s in %(where)s")
                        % {"names": ", ".join(repr(ref) for ref in unknown), "where": where})
                    continue
                if name not in jobs:
                    continue
                ids = sorted({str(known[ref].pk) for ref in given})
                if set(ids) != references[ref_field].get(str(jobs[name].pk), set()):
                    try:
                        jobs[name] = job_update(job=jobs[name], changes={ref_field: ids}, actor=actor)
                    except JobValidationError as exc:
                        errors.update(_in_document(name, exc.errors))
                        continue
                    if name not in report.created:
                        report.changes.setdefault(name, []).append(ref_field)

        if errors:
            raise DocumentInvalid(errors)
        if mode == "replace":
            leaving = [job for name, held in stored.items() if name not in entries for job in held]
            for job in _downstream_first(leaving):
                job_delete(job=job, actor=actor)
            report.deleted = sorted({job.name for job in leaving})
        report.created.sort()
        report.updated = sorted(report.changes)
        report.unchanged = sorted(name for name in jobs if name not in report.created and name not in report.changes)
        if dry_run:
            transaction.set_rollback(True)
    return report
