"""The API's ``detail`` texts follow Accept-Language; its field names, paths and codes stay English."""
import uuid

import pytest
from django.utils import translation

from tests.factories import job_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language in this thread: later tests get the default."""
    yield
    translation.deactivate()


def test_a_404_detail_is_french_with_accept_language_fr_and_english_without(client):
    missing = uuid.uuid4()
    french = client.get(f"/scheduler/jobs/{missing}", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    english = client.get(f"/scheduler/jobs/{missing}")
    assert french.status_code == english.status_code == 404
    assert french.json() == {"detail": f"Tâche {missing} introuvable."}
    assert english.json() == {"detail": f"Job {missing} not found."}
    assert french["Content-Language"] == "fr"


def test_a_400_detail_is_french_but_its_paths_and_shape_stay_english(client):
    body = job_data(schedule_config={"hour": 25, "minute": 0}, bot_config={"dry_run": True, "max_messages": 3})
    answer = client.post("/scheduler/jobs", body, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 400
    data = answer.json()
    assert set(data) == {"detail", "errors"}
    assert set(data["errors"]) == {"schedule_config.hour", "bot_config.max_messages"}
    assert data["errors"]["schedule_config.hour"] == ["La valeur doit être inférieure ou égale à 23"]
    assert data["errors"]["bot_config.max_messages"] == ["Les champs supplémentaires ne sont pas permis"]
    assert data["detail"].startswith("Saisie invalide\u00a0: ")
    assert "schedule_config.hour: La valeur doit être inférieure ou égale à 23" in data["detail"]
    english = client.post("/scheduler/jobs", body, format="json").json()
    assert english["errors"]["schedule_config.hour"] == ["Input should be less than or equal to 23"]
    assert english["detail"].startswith("Invalid input: ")


def test_an_unknown_endpoint_and_a_missing_key_answer_in_french(anon, client):
    assert client.get("/scheduler/nowhere", HTTP_ACCEPT_LANGUAGE="fr").json() == {"detail": "Point d'accès inexistant."}
    refused = anon.get("/scheduler/jobs", HTTP_X_API_KEY="wrong-key-123", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 401 and refused.json() == {"detail": "Clé d'API invalide."}


def test_a_job_read_in_french_keeps_its_english_field_names_and_values(client):
    created = client.post("/scheduler/jobs", job_data(), format="json").json()
    french = client.get(f"/scheduler/jobs/{created['id']}", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert set(french) == set(created)
    assert (french["bot_type"], french["schedule_type"]) == ("birthday", "daily")
