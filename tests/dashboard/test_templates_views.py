"""The Templates page: the list (kind, language, weight, active, variation count), the editor's
create / edit / delete through the bots' services, its live preview (the API preview's code), and
the words a run sent shown in the execution's detail."""
import pytest
from django.urls import reverse

from bots.models import MessageTemplate
from bots.services.templates import message_template_create
from scheduler_app.models import ExecutionStatus, JobExecution
from tests.factories import make_job, record_run

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:message_templates")
NEW = reverse("dashboard:message_template_create")
PREVIEW = reverse("dashboard:message_template_preview")


def _edit(template):
    return reverse("dashboard:message_template_edit", kwargs={"template_id": template.pk})


def test_the_list_shows_each_template_with_its_variation_count_and_needs_staff(client, client_in):
    fr = message_template_create(body="{Bonjour|Salut|Coucou} {first_name} {!|:)}", language="fr", weight=3)
    en = message_template_create(kind="late", body="Happy belated birthday {first_name}!", language="en",
                                 active=False)
    page = client_in.get(LIST).content.decode()
    for template, variations in ((fr, 6), (en, 1)):
        row = page.split(f'id="template-{template.pk}"')[1].split("</tr>")[0]
        assert f'<td data-label="Variations" class="num">{variations}</td>' in row
        assert f"<code>{template.language}</code>" in row
    assert 'data-active="false"' in page and "Late birthday" in page
    assert f'href="{LIST}"' in page  # the navigation links to it
    client_in.logout()
    assert client.get(LIST).status_code == 302


def test_create_edit_and_delete_go_through_the_services(client_in):
    answer = client_in.post(NEW, {"kind": "today", "language": "en-gb", "body": " Hi {first_name}! ", "weight": "4",
                                  "active": "on"})
    template = MessageTemplate.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"#template-{template.pk}")
    assert (template.language, template.body, template.weight, template.active) == ("en-GB", "Hi {first_name}!", 4,
                                                                                     True)
    client_in.post(_edit(template), {"kind": "late", "language": "fr", "body": "Bon anniversaire {first_name}",
                                     "weight": "2"})
    template.refresh_from_db()
    assert (template.kind, template.language, template.weight, template.active) == ("late", "fr", 2, False)
    delete = reverse("dashboard:message_template_delete", kwargs={"template_id": template.pk})
    assert "untick" in client_in.get(delete).content.decode()
    assert client_in.post(delete).status_code == 302
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"body": "Hello {firstname}!"}, "body", "unknown variable {firstname} (known: {days_late}, {first_name}, "
                                                  "{last_name}, {name}) at position 6"),
        ({"body": "Hi {days_late}"}, "body", "only for late templates at position 3"),
        ({"weight": "11"}, "weight", "weight must be a whole number from 1 to 10"),
        ({"weight": "heavy"}, "weight", "weight must be a whole number"),
        ({"language": "français"}, "language", "not a BCP-47 language tag"),
        ({"kind": "yesterday"}, "kind", "unknown template kind"),
    ],
)
def test_a_bad_template_is_refused_next_to_its_field_and_nothing_is_stored(client_in, fields, field, text):
    template = message_template_create(body="Salut {first_name}")
    for url in (NEW, _edit(template)):
        answer = client_in.post(url, {"kind": "today", "language": "fr", "body": "Hi {first_name}", "weight": "1",
                                      "active": "on", **fields})
        assert answer.status_code == 400
        page = answer.content.decode()
        error = page.split(f'id="id_{field}-error"')[1].split("</ul>")[0]
        assert text in error.replace("&#x27;", "'"), error
    assert list(MessageTemplate.objects.values_list("body", "weight")) == [("Salut {first_name}", 1)]


def test_the_preview_is_the_apis_three_renders_and_the_variation_count(client_in):
    answer = client_in.post(PREVIEW, {"body": "{Bonjour|Salut|Coucou|Hello} {first_name} {!|:)}",
                                      "preview_name": "Léa", "kind": "today"})
    page = answer.content.decode()
    api = client_in.post("/scheduler/message-templates/preview",
                         {"body": "{Bonjour|Salut|Coucou|Hello} {first_name} {!|:)}", "first_name": "Léa",
                          "count": 3}, content_type="application/json").json()
    assert "8 variations" in page
    renders = page.split('id="preview-renders">')[1].split("</ol>")[0]
    assert renders.count("<li>") == 3 and all(f"<li>{text}</li>" in renders for text in api["renders"])
    late = client_in.post(PREVIEW, {"body": "{days_late} jours de retard, {first_name}", "kind": "late"})
    assert "3 jours de retard, Camille" in late.content.decode()


def test_the_preview_shows_the_error_and_where_it_is(client_in):
    page = client_in.post(PREVIEW, {"body": "  Bonjour {first_name}, {Salut|Coucou", "kind": "today"}).content.decode()
    assert "unclosed &#x27;{&#x27;" in page and "at position 22" in page
    assert '<code id="preview-error-at">Bonjour {first_name}, <mark>{</mark>Salut|Coucou</code>' in page
    assert "Type a text" in client_in.post(PREVIEW, {"body": "  "}).content.decode()
    assert not MessageTemplate.objects.exists()


def test_the_executions_detail_shows_the_exact_text_sent_and_a_forced_repeat(client_in):
    job = make_job(name="Wishes")
    execution = record_run(job, ExecutionStatus.SUCCESS, messages=1)
    JobExecution.objects.filter(pk=execution.pk).update(result={"contacts": [{
        "name": "Ada Lovelace", "profile": "/in/ada/", "status": "sent", "days_late": 0,
        "message": "Joyeux anniversaire Ada !", "language": "fr", "template_id": 7,
        "template_reused": "every today template in 'fr' was used for this contact within 730 days: reused the "
                           "least recently used one (last for the birthday of 2025-06-01)"}]})
    page = client_in.get(reverse("dashboard:job_history", kwargs={"job_id": job.pk})).content.decode()
    assert "<td>Joyeux anniversaire Ada !</td>" in page
    assert "reused the least recently used one" in page
