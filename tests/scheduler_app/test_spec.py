"""The job spec is the one definition (scheduler_app/spec.py): OpenAPI states exactly its bounds,
the bots own their config models, and no module but the spec's parses a config dict."""
import ast
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from scheduler_app.spec import BOT_CONFIGS, SCHEDULE_CONFIGS, JobFields, JobSpec, job_bot_config, job_schedule
from tests.factories import make_job

ROOT = Path(__file__).resolve().parents[2]
BOUND_KEYS = ("type", "minimum", "maximum", "minLength", "maxLength", "enum", "default")
SPEC_MODULES = {"scheduler_app/spec.py", "scheduler_app/validation.py"}


def _flatten(node: dict, components: dict) -> dict:
    """One field's JSON schema without nullable wrappers and enum references."""
    if "anyOf" in node and {"type": "null"} in node["anyOf"]:
        (node,) = [{**item, **{k: v for k, v in node.items() if k != "anyOf"}}
                   for item in node["anyOf"] if item != {"type": "null"}]
    ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
    if ref:
        node = {**components[ref.rsplit("/", 1)[1]], **node}
    return {key: node[key] for key in BOUND_KEYS if key in node and not (key == "default" and node[key] is None)}


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    "component", ["JobCreateInputRequest", "JobUpdateInputRequest", "PatchedJobUpdateInputRequest"]
)
def test_openapi_job_fields_state_exactly_what_validation_enforces(openapi, component):
    components = openapi["components"]["schemas"]
    documented = components[component]["properties"]
    enforced = JobFields.model_json_schema()["properties"]
    assert set(documented) == set(enforced)
    for name, rules in enforced.items():
        if name in ("schedule_config", "bot_config"):
            continue  # documented per type below
        expected = _flatten(rules, {})
        if name == "timezone" or component != "JobCreateInputRequest":
            # timezone's is the server's TIME_ZONE, filled in at write time; an update has none
            # (a field left out keeps its stored value).
            expected.pop("default", None)
        assert _flatten(documented[name], components) == expected, name


@pytest.mark.parametrize(("field", "registry"), [("schedule_config", SCHEDULE_CONFIGS), ("bot_config", BOT_CONFIGS)])
def test_openapi_config_shapes_are_the_config_models(openapi, field, registry):
    documented = openapi["components"]["schemas"]["JobCreateInputRequest"]["properties"][field]["anyOf"]
    assert len(documented) == len(registry)
    for shape, model in zip(documented, registry.values(), strict=True):
        enforced = model.model_json_schema()["properties"]
        assert set(shape["properties"]) == set(enforced)
        for name, rules in enforced.items():
            assert _flatten(shape["properties"][name], {}) == _flatten(rules, {}), (model.__name__, name)
        assert shape["additionalProperties"] is False


def _imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
    return modules


def _sources(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path.relative_to(ROOT).as_posix(), path


def test_bots_import_nothing_from_scheduler_app():
    offenders = [(name, module) for name, path in _sources("bots") for module in _imports(path)
                 if module.split(".")[0] == "scheduler_app"]
    assert offenders == []


def test_scheduler_app_reaches_the_bots_through_their_doors_alone():
    """bots.runner for runs, bots.accounts for LinkedIn accounts, bots.templates for message templates,
    bots.audit for the audit trail (the scheduler plugs its recorder in)."""
    doors = ("bots.runner", "bots.accounts", "bots.templates", "bots.audit")
    offenders = [(name, module) for name, path in _sources("scheduler_app") for module in _imports(path)
                 if module.split(".")[0] == "bots" and module not in doors]
    assert offenders == []


def _config_reads(tree: ast.AST) -> list[int]:
    """Lines that parse a config dict: ``model_validate(...)``, or ``x.schedule_config`` /
    ``x.bot_config`` read with ``.get(...)`` or ``[...]``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "model_validate":
            lines.append(node.lineno)
        target = None
        if isinstance(node, ast.Subscript):
            target = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            target = node.func.value
        if isinstance(target, ast.Attribute) and target.attr in ("schedule_config", "bot_config"):
            lines.append(node.lineno)
    return lines


def test_no_module_outside_the_spec_parses_a_config_dict():
    offenders = {}
    for package in ("scheduler_app", "bots"):
        for name, path in _sources(package):
            # The bots own their configs; notification channels have their own spec module.
            if name in SPEC_MODULES or name in ("bots/configs.py", "scheduler_app/notify/configs.py"):
                continue
            lines = _config_reads(ast.parse(path.read_text()))
            if lines:
                offenders[name] = lines
    assert offenders == {}


def test_the_config_reads_check_would_catch_a_dict_read():
    assert _config_reads(ast.parse("job.bot_config.get('dry_run')\njob.schedule_config['hour']\nM.model_validate({})"))\
        == [1, 2, 3]


@pytest.mark.django_db
def test_a_stored_job_reads_back_into_the_models_it_was_validated_with():
    job = make_job(schedule_type="weekly", schedule_config={"day_of_week": "mon-wed", "hour": 7},
                   bot_config={"dry_run": True, "max_messages_per_run": 4})

    schedule, bot = job_schedule(job), job_bot_config(job)

    assert type(schedule) is SCHEDULE_CONFIGS["weekly"] and schedule.days == [0, 1, 2] and schedule.minute == 0
    assert type(bot) is BOT_CONFIGS["birthday"] and bot.dry_run is True and bot.max_messages_per_run == 4
    assert set(JobSpec.__dataclass_fields__) - {"schedule", "bot"} | {"schedule_config", "bot_config"} \
        == set(JobFields.model_fields)
