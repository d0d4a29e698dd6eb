"""POST /scheduler/message-templates/preview: distinct renders and the number of variations."""
import pytest

from bots.models import MessageTemplate

pytestmark = pytest.mark.django_db
URL = "/scheduler/message-templates/preview"


def test_preview_gives_distinct_renders_and_the_variation_count(client):
    response = client.post(URL, {"body": "{Bonjour|Salut|Coucou} {first_name} {!|:)}", "count": 50,
                                 "first_name": "Léa"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["variations"] == 6
    assert len(body["renders"]) == len(set(body["renders"])) == 6
    assert "Salut Léa :)" in body["renders"]
    assert not any("{" in text for text in body["renders"])


def test_preview_count_is_at_most_what_was_asked_and_late_shows_days_late(client):
    response = client.post(URL, {"body": "{A|B|C|D} {first_name}, {days_late} jours", "count": 2, "kind": "late",
                                 "first_name": "Léa"}, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["renders"]) == 2
    assert all(text.endswith("Léa, 3 jours") for text in response.json()["renders"])


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        ({"body": "Hi {prenom}"}, "body", "unknown variable {prenom} (known: {days_late}, {first_name}, {last_name}, "
                                          "{name}) at position 3"),
        ({"body": "Hi {days_late}", "kind": "today"}, "body", "at position 3"),
        ({"body": "{a|b"}, "body", "at position 0"),
        ({"body": "Hi", "count": 51}, "count", "50"),
        ({"body": "Hi", "colour": "red"}, "colour", "Unknown field"),
        ({}, "body", "required"),
    ],
)
def test_preview_refuses_a_bad_body_naming_the_position(client, payload, field, text):
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert text in " ".join(response.json()["errors"][field])
    assert text in response.json()["detail"] or field in response.json()["detail"]
    assert not MessageTemplate.objects.exists()


def test_preview_needs_a_key(anon):
    assert anon.post(URL, {"body": "Hi"}, format="json").status_code == 401


# --- a contact's language, an account's -------------------------------------------------------


def test_patch_contact_sets_clears_and_refuses_a_bad_language_naming_the_field(client):
    from bots.models import Contact

    answer = client.patch("/scheduler/contacts/john-smith", {"language": "en"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"slug": "john-smith", "name": "", "language": "en"}
    for body, field in (({"language": "English"}, "language"), ({}, "language"), ({"lang": "en"}, "lang"),
                        ({"language": 3}, "language")):
        refused = client.patch("/scheduler/contacts/john-smith", body, format="json")
        assert refused.status_code == 400, (body, refused.content)
        assert field in refused.json()["errors"], refused.json()
    assert client.patch("/scheduler/contacts/a%20b", {"language": "en"}, format="json").status_code == 400
    assert list(Contact.objects.values_list("slug", "language")) == [("john-smith", "en")]
    assert client.patch("/scheduler/contacts/john-smith", {"language": ""}, format="json").json()["language"] == ""


def test_an_accounts_message_language_is_checked_and_shown(client):
    created = client.post("/scheduler/accounts", {"label": "sales", "message_language": "en-gb"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["message_language"] == "en-GB"
    refused = client.patch(f"/scheduler/accounts/{created.json()['id']}", {"message_language": "anglais!"},
                           format="json")
    assert refused.status_code == 400 and "message_language" in refused.json()["errors"], refused.content
    assert client.get(f"/scheduler/accounts/{created.json()['id']}").json()["message_language"] == "en-GB"
