"""The admin's labels in the reader's language, without a migration per wording.

Django reads a field's name in the admin from its ``verbose_name``; most of our fields have none,
so Django derives one ("last run at") in English. Writing ``verbose_name=_("...")`` on every field
would add a migration per model for a label. Instead, when the apps are ready, each field and
model of our apps gets its label (the one written or the derived one) as a lazy translation;
migrations read the labels as written in the code (``Field._verbose_name``,
``Meta.original_attrs``), so they do not change. The words reach the catalog through
``scheduler_app/model_words.py``, which ``manage.py catalogs`` writes from ``model_words()``
(a test checks it is in step).
"""
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

APP_LABELS = ("scheduler_app", "bots")


def _fields(model):
    return [field for field in model._meta.get_fields()
            if not field.auto_created or field.concrete]


def model_words() -> list[str]:
    """Every label the admin shows for our models: model names (singular, plural) and field names."""
    words: list[str] = []
    with translation.override(None):  # the msgids, whatever language this thread speaks
        for label in APP_LABELS:
            config = apps.get_app_config(label)
            words.append(str(config.verbose_name))
            for model in config.get_models():
                opts = model._meta
                words += [str(opts.verbose_name), str(opts.verbose_name_plural)]
                words += [str(field.verbose_name) for field in _fields(model) if hasattr(field, "verbose_name")]
    return sorted(set(words))


def _lazy(value):
    return value if isinstance(value, Promise) else gettext_lazy(str(value))


def model_labels_translate() -> None:
    """Labels of our apps, models and fields become lazy translations (AppConfig.ready)."""
    for label in APP_LABELS:
        config = apps.get_app_config(label)
        config.verbose_name = _lazy(config.verbose_name)
        for model in config.get_models():
            opts = model._meta
            opts.verbose_name, opts.verbose_name_plural = _lazy(opts.verbose_name), _lazy(opts.verbose_name_plural)
            for field in _fields(model):
                if hasattr(field, "verbose_name"):
                    field.verbose_name = _lazy(field.verbose_name)
