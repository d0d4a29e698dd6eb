"""The dashboard in French: asked for by the browser or chosen with the switcher (and remembered),
dates and numbers in the French way, stored run reasons read in French, the admin's labels and
the notifications in the project's language."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from scheduler_app.brakes.models import JobPause, PauseKind
from scheduler_app.brakes.rules import pause_reason
from scheduler_app.catchup import COALESCED_PREFIX
from scheduler_app.dashboard.display import duration_in_words, relative
from scheduler_app.models import JobExecution
from scheduler_app.notify.texts import email_texts, short_text
from scheduler_app.reasons import _COMPILED, REASONS, reason_display
from tests.factories import make_job, record_run

JOBS = "/dashboard/"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language in this thread: later tests get the default."""
    yield
    translation.deactivate()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
def test_the_jobs_page_speaks_the_browsers_language(client_in):
    make_job(name="Vœux du matin")
    french = client_in.get(JOBS, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="fr">' in french
    text = _text(french)
    assert "Tâches planifiées" in text and "tous les jours à 08:00 (Europe/Paris)" in text
    assert "Scheduled jobs" not in text and "every day at" not in text
    english = _text(client_in.get(JOBS, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode())
    assert "Scheduled jobs" in english and "every day at 08:00 (Europe/Paris)" in english


@pytest.mark.django_db
def test_the_switcher_choice_is_remembered_over_the_browsers_language(client_in):
    answer = client_in.post("/i18n/setlang/", {"language": "fr", "next": JOBS}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 302 and answer["Location"] == JOBS
    assert client_in.cookies["django_language"].value == "fr"
    assert int(client_in.cookies["django_language"]["max-age"]) >= 300 * 24 * 3600  # a year, not the session
    for _ in range(2):  # every later request, whatever the browser asks for
        assert "Tâches planifiées" in client_in.get(JOBS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client_in.post("/i18n/setlang/", {"language": "en", "next": JOBS})
    assert "Scheduled jobs" in client_in.get(JOBS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


@pytest.mark.django_db
def test_the_login_page_has_the_switcher_and_speaks_french(client):
    html = client.get(reverse("dashboard:login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nom d'utilisateur" in html or "Nom d&#x27;utilisateur" in html
    assert 'name="language" value="fr"' in html and 'name="language" value="en"' in html


def test_numbers_and_durations_follow_the_language():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    with translation.override("fr"):
        assert duration_in_words(2.5) == "2,5 s"
        assert relative(now + timedelta(hours=3, minutes=5), now) == "dans 3 h 5 min"
        assert relative(now - timedelta(days=2), now) == "il y a 2 j"
    with translation.override("en"):
        assert duration_in_words(2.5) == "2.5 s"
        assert relative(now - timedelta(days=2), now) == "2 d ago"


@pytest.mark.django_db
def test_history_shows_stored_reasons_in_french_and_dates_in_french(client_in):
    job = make_job(name="Anniversaires")
    execution = record_run(job, "failed")
    JobExecution.objects.filter(pk=execution.pk).update(
        error="worker lost: no sign of life since its lease expired at 2026-12-07T09:00:00+00:00")
    other = record_run(job, "failed")
    JobExecution.objects.filter(pk=other.pk).update(error="ValueError: something the table does not know")
    html = client_in.get(reverse("dashboard:job_history", kwargs={"job_id": job.pk}),
                         HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    text = _text(html)
    assert "worker perdu : aucun signe de vie depuis la fin de son bail le 2026-12-07T09:00:00+00:00" in text.replace(
        "\u00a0", " ")
    assert "ValueError: something the table does not know" in text  # unknown: shown as stored
    assert "Échec" in text and "Historique : Anniversaires" in text.replace("\u00a0", " ")
    assert re.search(r"\b(lun|mar|mer|jeu|ven|sam|dim)\.? \d{1,2} déc\.? 2026", text, re.IGNORECASE), text[:2000]
    # Stored as written: the API and the logs read the English reason.
    assert JobExecution.objects.get(pk=execution.pk).error.startswith("worker lost")


def test_every_reason_pattern_fills_exactly_its_message():
    placeholder = re.compile(r"%\((\w+)\)s")
    for (pattern, msgid), (compiled, _msgid) in zip(REASONS, _COMPILED, strict=True):
        assert set(compiled.groupindex) == set(placeholder.findall(msgid)), pattern


@pytest.mark.django_db
def test_reasons_the_code_writes_are_known_to_the_table():
    """The table is kept in step with the code that writes the reasons, for the ones built here."""
    job = make_job()
    until = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    written = [
        pause_reason(JobPause(job=job, kind=PauseKind.USER, cause="user", note="on holiday", until=until,
                              created_by="alice")),
        pause_reason(JobPause(job=job, kind=PauseKind.USER, cause="user", created_by="alice")),
        pause_reason(JobPause(job=job, kind=PauseKind.SYSTEM, cause="needs_reauth", note="session expired")),
        f"{COALESCED_PREFIX} {until.isoformat()}",
    ]
    with translation.override("fr"):
        shown = [reason_display(reason) for reason in written]
    assert shown == [
        "mise en pause par alice jusqu'au 2027-01-02T08:00:00+00:00\u00a0: on holiday",
        "mise en pause par alice",
        "mise en pause par le système\u00a0: needs_reauth: session expired",
        "regroupée dans 2027-01-02T08:00:00+00:00",
    ]
    with translation.override("en"):
        assert [reason_display(reason) for reason in written] == written


def test_nested_reasons_are_translated_inside_their_sentence():
    reason = ("attempt 1 failed: run failed: the send button stayed disabled or hidden: nothing sent; "
              "attempt 2 at 2026-12-07T10:00:00+01:00")
    with translation.override("fr"):
        assert reason_display(reason) == (
            "tentative 1 en échec\u00a0: exécution en échec\u00a0: le bouton d'envoi est resté désactivé ou caché"
            "\u00a0: rien n'a été envoyé\u00a0; tentative 2 le 2026-12-07T10:00:00+01:00")


@pytest.mark.django_db
def test_the_admin_lists_jobs_with_french_labels(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x-pass-123")
    client.force_login(admin)
    make_job(name="Vœux")
    html = client.get("/admin/scheduler_app/scheduledjob/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ajouter tâche planifiée" in html and "Par type de planification" in html and "Quotidienne" in html
    english = client.get("/admin/scheduler_app/scheduledjob/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Add scheduled job" in english and "By schedule type" in english and "Daily" in english


def test_notifications_speak_the_projects_language(settings):
    payload = {"event": "failed", "job": {"name": "Vœux"}, "error": "worker lost: no sign of life since its "
               "lease expired at 2026-12-07T09:00:00+00:00", "url": "http://127.0.0.1:8000/dashboard/"}
    settings.LANGUAGE_CODE = "fr"
    subject, text, html = email_texts(payload)
    assert subject == "Vœux\u00a0: une exécution a échoué"
    assert "Erreur\u00a0: worker perdu" in text and "Ouvrir dans le tableau de bord" in html
    assert short_text(payload).startswith("Vœux\u00a0: une exécution a échoué")
    settings.LANGUAGE_CODE = "en"
    assert email_texts(payload)[0] == "Vœux: a run failed"


@pytest.mark.django_db
def test_the_job_forms_validation_messages_are_french(client_in):
    from tests.dashboard.test_views import form_data

    data = form_data(schedule_type="cron", **{"schedule_config.cron_expression": "0 8 * * 1 2",
                                              "bot_config.max_messages_per_run": "500"})
    html = client_in.post(reverse("dashboard:job_create"), data, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    html = html.replace("\u00a0", " ")
    assert "La tâche n'a pas été enregistrée." in html.replace("&#x27;", "'")
    assert "doit avoir exactement 5 champs : minute heure jour-du-mois mois jour-de-la-semaine" in html
    assert "La valeur doit être inférieure ou égale à 100" in html


def test_the_bots_session_and_list_reasons_read_in_french():
    from bots.driver import SESSION_HELP

    expired = f"session expired: LinkedIn sent the feed page to /uas/login; {SESSION_HELP}"
    checkpoint = (f"checkpoint: LinkedIn asks for a security check (/checkpoint/challenge/AgH); pass it when you "
                  f"log in again, then {SESSION_HELP.removeprefix('log in again and ')}")
    joined = ("2 send(s) not confirmed in the conversation: Ann Lee, Bob Roe; the birthday list was not read to "
              "the end: the list was still growing after 40 scrolls (412 cards)")
    with translation.override("fr"):
        shown = [reason_display(text).replace("\u00a0", " ") for text in (expired, checkpoint, joined)]
    assert shown[0].startswith("session expirée : LinkedIn a renvoyé la page feed vers /uas/login ;")
    assert "ou téléversez-la sur la page Comptes du tableau de bord" in shown[0]
    assert shown[1].startswith("contrôle de sécurité : LinkedIn demande une vérification (/checkpoint/challenge/AgH)")
    assert shown[2] == ("2 envoi(s) non confirmé(s) dans la conversation : Ann Lee, Bob Roe; la liste des "
                        "anniversaires n'a pas été lue jusqu'au bout : la liste grandissait encore après 40 "
                        "défilements (412 cartes)")


@pytest.mark.django_db
def test_language_code_is_the_default_when_neither_the_switcher_nor_the_browser_says(client_in, settings):
    settings.LANGUAGE_CODE = "fr"
    assert '<html lang="fr">' in client_in.get(JOBS).content.decode()  # no Accept-Language, no cookie
    assert '<html lang="en">' in client_in.get(JOBS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
