"""Unit tests without a browser: names and slugs, templates, working hours, pauses."""
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bots.dates import days_late
from bots.messages import DEFAULT_TEMPLATES, message_compose, template_render
from bots.models import MessageTemplate, TemplateKind
from bots.pacing import human_pause, working_hours_check
from bots.profiles import first_name, name_key, slug_from_href, slug_normalize
from bots.runner import BotError, BotSkipped
from bots.text import fold
from tests.bots.helpers import bot_run


@pytest.mark.parametrize(
    ("href", "slug"),
    [
        ("/in/jane-doe-12/", "jane-doe-12"),
        ("https://www.linkedin.com/in/Jane-Doe/?miniProfileUrn=x", "jane-doe"),
        ("/in/zo%C3%A9-martin/", "zoé-martin"),
        ("/company/acme/", None),
    ],
)
def test_slug_from_href(href, slug):
    assert slug_from_href(href) == slug


def test_slug_normalize_accepts_address_or_slug():
    assert slug_normalize(" https://www.linkedin.com/in/jane-doe/ ") == "jane-doe"
    assert slug_normalize("Jane-Doe") == "jane-doe"


def test_name_key_folds_case_accents_and_spaces():
    assert name_key("  Zoé   MARTIN ") == name_key("zoe martin")
    assert name_key("Zoé Martin") != name_key("Zoé Martinez")


def test_names_and_card_dates_fold_the_same_way():
    assert fold("  Zoé\u00a0MARTIN ") == "zoe martin" == name_key("zoe  martin")
    assert fold("Aujourd\u2019hui") == "aujourd'hui"
    assert name_key("Sinéad O\u2019Brien") == name_key("sinead o'brien")  # as card dates read it
    assert days_late("Sinéad O\u2019Brien\u202fAujourd\u2019hui", today=date(2026, 5, 4)) == 0


def test_first_name():
    assert first_name("Jean-Pierre Dupont") == "Jean-Pierre"


def test_template_render_fills_the_variables():
    assert template_render("Hi {name} {last_name} {{0}}", full_name="Ada King Lovelace") == "Hi Ada King Lovelace {0}"


@pytest.mark.django_db
def test_message_compose_uses_active_templates_of_the_right_kind():
    MessageTemplate.objects.create(kind=TemplateKind.TODAY, body="Today {name}")
    MessageTemplate.objects.create(kind=TemplateKind.TODAY, body="Inactive {name}", active=False)
    MessageTemplate.objects.create(kind=TemplateKind.LATE, body="Late {name} {days_late}")
    MessageTemplate.objects.create(kind=TemplateKind.TODAY, language="en", body="English {name}")
    texts = {message_compose(full_name="Ada Lovelace", slug=f"ada-{i}", birthday=date(2026, 6, 1)).text
             for i in range(20)}
    assert texts == {"Today Ada"}
    late = message_compose(full_name="Ada Lovelace", slug="ada", birthday=date(2026, 6, 1), days_late=2)
    assert late.text == "Late Ada 2"
    english = message_compose(full_name="Ada Lovelace", slug="ada", birthday=date(2026, 6, 1), language="en")
    assert english.text == "English Ada"


@pytest.mark.django_db
def test_message_compose_falls_back_to_built_in_templates():
    words = message_compose(full_name="Ada Lovelace", slug="ada", birthday=date(2026, 6, 1), days_late=1)
    assert words.text in {t.replace("{name}", "Ada") for t in DEFAULT_TEMPLATES["fr"][TemplateKind.LATE]}
    assert words.template is None


def _at(hour: int, minute: int = 0, tz: str = "Europe/Paris") -> datetime:
    return datetime(2026, 6, 1, hour, minute, tzinfo=ZoneInfo(tz))


def test_working_hours_empty_means_any_time(settings):
    settings.BOT_WORKING_HOURS = ""
    working_hours_check(timezone="Europe/Paris", now=_at(3))


def test_working_hours_default_is_a_daytime_window():
    """Read from a fresh process with the variable unset: bots do not act at 3 a.m. by default."""
    env = {k: v for k, v in os.environ.items() if k != "BOT_WORKING_HOURS"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.BOT_WORKING_HOURS)"
    shown = subprocess.run([sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
                           capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert shown.stdout.strip() == "09:00-20:00"


def test_outside_working_hours_is_a_skip_not_a_failure(settings):
    settings.BOT_WORKING_HOURS = "09:00-20:00"
    with pytest.raises(BotSkipped, match="^outside working hours: it is 03:00 in Europe/Paris, bots act only 09:00-20"):
        working_hours_check(timezone="Europe/Paris", now=_at(3))


def test_working_hours_window_in_the_jobs_timezone(settings):
    settings.BOT_WORKING_HOURS = "09:00-19:00"
    working_hours_check(timezone="Europe/Paris", now=_at(9))
    with pytest.raises(BotError, match="outside working hours: it is 19:00 in Europe/Paris"):
        working_hours_check(timezone="Europe/Paris", now=_at(19))
    # 10:00 in Paris is 04:00 in New York: refused for a New York job.
    with pytest.raises(BotError, match="it is 04:00 in America/New_York"):
        working_hours_check(timezone="America/New_York", now=_at(10))


def test_working_hours_window_across_midnight(settings):
    settings.BOT_WORKING_HOURS = "22:00-02:00"
    working_hours_check(timezone="Europe/Paris", now=_at(23))
    working_hours_check(timezone="Europe/Paris", now=_at(1, 30))
    with pytest.raises(BotError):
        working_hours_check(timezone="Europe/Paris", now=_at(12))


def test_working_hours_bad_setting_is_a_clear_error(settings):
    settings.BOT_WORKING_HOURS = "9 to 5"
    with pytest.raises(BotError, match="is not a window like '09:00-19:00'"):
        working_hours_check(timezone="Europe/Paris")


@pytest.mark.django_db
def test_bots_refuse_to_start_outside_working_hours(settings):
    """Refused before any browser starts (no session file is even needed)."""
    from bots.birthday import run as birthday_run
    from bots.visitor import run as visitor_run

    now = datetime.now(ZoneInfo("Europe/Paris"))
    settings.BOT_WORKING_HOURS = f"{(now.hour + 2) % 24:02d}:00-{(now.hour + 3) % 24:02d}:00"
    for runner, bot_type in ((birthday_run, "birthday"), (visitor_run, "visitor")):
        with pytest.raises(BotSkipped, match="outside working hours"):
            runner(bot_run(bot_type))


def test_human_pause_respects_settings_and_deadline(settings, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("bots.pacing.time.sleep", slept.append)
    settings.BOT_PAUSE_MIN_SECONDS, settings.BOT_PAUSE_MAX_SECONDS = 2, 6
    human_pause()
    assert 2 <= slept[-1] <= 6
    human_pause(deadline=__import__("time").monotonic() + 0.5)
    assert slept[-1] <= 0.5
    settings.BOT_PAUSE_MIN_SECONDS = settings.BOT_PAUSE_MAX_SECONDS = 0
    human_pause()
    assert len(slept) == 2
