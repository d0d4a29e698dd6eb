"""The template editor in headless Chromium: reached from the nav, a body typed key by key shows
three renders and the variation count, which follow the typing without a page load (htmx), an
error shows with its position, and the saved template is listed. Screenshots in
test-artifacts/dashboard/."""
import re

import pytest

from bots.models import MessageTemplate
from tests.dashboard.test_browser import browser, log_in, page, shot  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_editor_previews_as_the_body_is_typed_without_a_reload(page):  # noqa: F811
    expect = playwright_api.expect
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.wait_for_url(re.compile(r"/dashboard/templates/$"))
    page.get_by_role("link", name="+ New template").click()
    page.wait_for_url(re.compile(r"/dashboard/templates/new/$"))
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    body = page.get_by_label("Text")
    body.click()
    page.keyboard.type("{Bonjour|Salut} {first_name} !")
    renders = page.locator("#preview-renders li")
    expect(renders).to_have_count(2)
    expect(page.locator("#preview-variations")).to_have_text("2 variations")
    assert set(renders.all_inner_texts()) == {"Bonjour Camille !", "Salut Camille !"}

    page.keyboard.press("End")
    page.keyboard.type(" {Bonne journée|Belle année|Que des bonnes choses}")
    expect(page.locator("#preview-variations")).to_have_text("6 variations")
    expect(renders).to_have_count(3)
    assert all(re.fullmatch(r"(Bonjour|Salut) Camille ! (Bonne journée|Belle année|Que des bonnes choses)", t)
               for t in renders.all_inner_texts())
    page.get_by_label("Preview for (first name)").fill("")
    page.get_by_label("Preview for (first name)").type("Léa")
    expect(renders.first).to_contain_text("Léa")
    shot(page, "40-template-editor-preview")

    body.press("End")
    page.keyboard.type(" {days_late}")
    expect(page.locator("#preview-error")).to_contain_text("only for late templates at position")
    expect(page.locator("#preview-error-at mark")).to_have_text("{")
    shot(page, "41-template-editor-error")
    page.get_by_label("Kind").select_option("late")
    expect(page.locator("#preview-variations")).to_have_text("6 variations")
    expect(renders.first).to_contain_text("Léa ! ")
    expect(renders.first).to_contain_text(" 3")
    assert page.evaluate("window.sameDocument") is True

    page.get_by_role("button", name="Create template").click()
    page.wait_for_url(re.compile(r"/dashboard/templates/#template-\d+$"))
    template = MessageTemplate.objects.get()
    assert template.kind == "late" and template.body.endswith("{days_late}")
    row = page.locator(f"#template-{template.pk}")
    expect(row.locator("td[data-label='Variations']")).to_have_text("6")
    shot(page, "42-templates-list")
