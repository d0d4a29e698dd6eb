"""HTML of the sandbox pages, with the markup docs/linkedin.md describes (and the bots' locators use)."""
import json
from html import escape
from typing import Any
from urllib.parse import quote

# Every word the sandbox shows, per display language, as LinkedIn words it. Written out here and
# not taken from the bots' table (bots.linkedin_locators.PAGE_TEXTS): the sandbox stands for
# LinkedIn, so a word missing or wrong in the bots' table fails a test instead of being echoed.
LABELS = {
    "en": {
        "message": "Message", "wish": "Say happy birthday", "close": "Close", "send": "Send",
        "home": "Home", "network": "My Network", "birthdays": "Birthdays", "search": "Search", "me": "Me",
        "feed": "Feed", "feed_line": "Sandbox feed.", "no_birthdays": "No birthdays to celebrate right now.",
        "ad": "Promoted · Try Premium for free", "ad_button": "Try now", "results": "About {n} results",
        "no_results": "No results found", "matching": "People matching “{keywords}”", "previous": "Previous",
        "next": "Next", "page": "Page {n}", "not_found": "This page doesn’t exist",
        "page_not_found": "Page not found", "connect": "Connect", "more": "More", "sign_in": "Sign in",
        "email": "Email", "password": "Password", "verify": "Verify", "sent": "Sent",
    },
    "fr": {
        "message": "Envoyer un message", "wish": "Souhaitez un joyeux anniversaire", "close": "Fermer",
        "send": "Envoyer", "home": "Accueil", "network": "Réseau", "birthdays": "Anniversaires",
        "search": "Recherche", "me": "Vous", "feed": "Fil d’actualité", "feed_line": "Fil du bac à sable.",
        "no_birthdays": "Aucun anniversaire à fêter pour le moment.",
        "ad": "Sponsorisé · Essayez Premium gratuitement", "ad_button": "Essayer",
        "results": "Environ {n} résultats", "no_results": "Aucun résultat", "matching": "Personnes : « {keywords} »",
        "previous": "Précédent", "next": "Suivant", "page": "Page {n}", "not_found": "Cette page n’existe pas",
        "page_not_found": "Page introuvable", "connect": "Se connecter", "more": "Plus", "sign_in": "S’identifier",
        "email": "E-mail", "password": "Mot de passe", "verify": "Vérifier", "sent": "Envoyé",
    },
}  # fmt: skip

_STYLE = """
body{font-family:sans-serif;margin:0} #global-nav{display:flex;gap:1em;padding:.5em;background:#eee}
.global-nav__me-photo{width:24px;height:24px;background:#999} main{padding:1em}
div[data-testid='lazy-column']{height:320px;overflow-y:auto;border:1px solid #ccc}
div[role='listitem']{min-height:120px;border-bottom:1px solid #ddd;padding:.5em}
#msg-overlay{position:fixed;bottom:0;right:0;display:flex;gap:.5em;align-items:flex-end}
.msg-overlay-conversation-bubble{width:280px;background:#fff;border:1px solid #888}
.msg-form__contenteditable{min-height:3em;border:1px solid #aaa}
"""


# LinkedIn's limit and restriction banners, by language and by page (texts as LinkedIn words them;
# the driver matches them through bots.linkedin_locators.LIMIT_BANNER_TEXTS): a title and a line.
LIMIT_BANNERS = {
    "en": {
        "restricted": ("Your account has been temporarily restricted",
                       "We’ve restricted your account temporarily because we noticed some unusual activity. "
                       "Your access will be restored soon."),
        "search": ("You’ve reached the monthly limit for profile searches",
                   "You’ve reached the commercial use limit on search. Upgrade to Premium to keep searching, "
                   "or wait until the 1st of next month."),
        "profile": ("You’ve reached the weekly limit for profile views",
                    "You can view more profiles next week."),
    },
    "fr": {
        "restricted": ("Votre compte est temporairement restreint",
                       "Nous avons restreint temporairement votre compte, car nous avons remarqué une activité "
                       "inhabituelle. Votre accès sera bientôt rétabli."),
        "search": ("Vous avez atteint la limite mensuelle de recherches de profils",
                   "Vous avez atteint la limite d’utilisation commerciale de la recherche. Passez à Premium "
                   "pour continuer, ou attendez le 1er du mois prochain."),
        "profile": ("Vous avez atteint la limite hebdomadaire de consultations de profils",
                    "Vous pourrez consulter d’autres profils la semaine prochaine."),
    },
}

CHECKPOINT_TEXTS = {
    "en": ("Security Verification", "Let’s do a quick security check",
           "We noticed some unusual activity on your account. Complete this check so we know you’re a real "
           "person."),
    "fr": ("Vérification de sécurité", "Vérification de sécurité",
           "Procédons à une vérification de sécurité rapide : nous avons remarqué une "
           "activité inhabituelle sur votre compte."),
}


def limit_banner(language: str, kind: str, *, inline: bool = False) -> str:
    """The banner as LinkedIn shows it: a global alert under the navigation, or (``inline``) the
    error feedback inside the conversation whose send was refused."""
    title, line = LIMIT_BANNERS[language][kind]
    role = ' role="alert"' if inline else ""
    feedback = (
        f'<div class="artdeco-inline-feedback artdeco-inline-feedback--error"{role}>'
        f'<p class="artdeco-inline-feedback__message">{escape(title)}</p><p>{escape(line)}</p></div>'
    )
    if inline:
        return feedback
    return f'<section class="artdeco-global-alert artdeco-global-alert--error" role="alert">{feedback}</section>'


def checkpoint_page(language: str) -> str:
    """LinkedIn's security check: no global navigation, nothing a bot can do."""
    title, heading, line = CHECKPOINT_TEXTS[language]
    return layout(
        title,
        f'<main class="challenge"><h1>{escape(heading)}</h1><p>{escape(line)}</p>'
        '<form method="post"><div id="captcha-internal">(puzzle)</div>'
        f'<button type="submit">{escape(LABELS[language]["verify"])}</button></form></main>',
        language=language,
        logged_in=False,
    )


def layout(title: str, body: str, *, language: str, logged_in: bool = True, script: str = "",
           banner: str = "") -> str:
    """A page in ``language``, which it declares on ``<html lang>`` as LinkedIn does."""
    words = {key: escape(text) for key, text in LABELS[language].items()}
    nav = (
        f'<header id="global-nav"><a href="/feed/">{words["home"]}</a><a href="/mynetwork/">{words["network"]}</a>'
        f'<a href="/mynetwork/catch-up/birthday/">{words["birthdays"]}</a>'
        f'<input class="search-global-typeahead__input" placeholder="{words["search"]}">'
        f'<img class="global-nav__me-photo" alt="{words["me"]}" src="data:,"></header>'
        if logged_in
        else ""
    )
    return (
        f"<!doctype html><html lang='{escape(language)}'><head><meta charset='utf-8'><title>{escape(title)} | "
        f"LinkedIn sandbox</title><style>{_STYLE}</style></head><body>{nav}{banner}{body}<script>{script}</script>"
        "</body></html>"
    )


def login_page(language: str) -> str:
    words = {key: escape(text) for key, text in LABELS[language].items()}
    return layout(
        LABELS[language]["sign_in"],
        f'<main><h1>{words["sign_in"]} (sandbox)</h1><form method="post" action="/login">'
        f'<input name="session_key" placeholder="{words["email"]}"><input name="session_password" type="password" '
        f'placeholder="{words["password"]}"><button type="submit">{words["sign_in"]}</button></form></main>',
        language=language,
        logged_in=False,
    )


def feed_page(*, language: str, banner: str = "") -> str:
    words = {key: escape(text) for key, text in LABELS[language].items()}
    return layout(
        LABELS[language]["feed"],
        f"<main><h1>{words['feed']}</h1><p>{words['feed_line']} "
        f"<a href='/mynetwork/catch-up/birthday/'>{words['birthdays']}</a></p></main>",
        language=language,
        banner=banner,
    )


def not_found_page(language: str) -> str:
    return layout(LABELS[language]["page_not_found"],
                  f"<main><h1>{escape(LABELS[language]['page_not_found'])}</h1></main>", language=language)


def birthday_card(card: dict[str, Any], *, labels: dict[str, str], with_button: bool) -> str:
    """A person's card; its button wishes on the day ("Say happy birthday") and is "Message" after."""
    slug, name = escape(card["slug"]), escape(card["name"])
    label = escape(labels["wish"] if card.get("today") else labels["message"])
    button = f'<button type="button" class="sandbox-card-action">{label}</button>' if with_button else ""
    # A headline on the card, as LinkedIn shows under the name (it may hold a date word: "today").
    headline = f'<p>{escape(card["card_headline"])}</p>' if card.get("card_headline") else ""
    return (
        f'<div role="listitem" data-sandbox-slug="{slug}" data-sandbox-name="{name}">'
        f'<a href="/in/{slug}/"><img alt="" src="data:," width="48" height="48"></a> '
        f'<a href="/in/{slug}/"><span>{name}</span></a>{headline}'
        f'<p>{escape(card["when"])}</p>{button}</div>'
    )


def ad_card(labels: dict[str, str]) -> str:
    """Ads are list items too, without a profile link."""
    return (f'<div role="listitem"><p>{escape(labels["ad"])}</p>'
            f'<button type="button">{escape(labels["ad_button"])}</button></div>')

_BIRTHDAY_JS = """
const CONF = __CONF__;
const list = document.querySelector("div[data-testid='lazy-column']");
let cards = [...list.children].map(el => el.outerHTML);
let offset = CONF.loaded, done = CONF.done, loading = false;
function render() {
  if (CONF.stale) cards.reverse();
  list.innerHTML = cards.join('');
  observeLast();
}
const observer = new IntersectionObserver(entries => {
  if (entries.some(e => e.isIntersecting)) loadMore();
}, {root: list});
function observeLast() {
  observer.disconnect();
  if (!done && list.lastElementChild) observer.observe(list.lastElementChild);
}
async function loadMore() {
  if (loading || done) return;
  loading = true;
  const r = await fetch('/__sandbox__/api/birthday-cards?offset=' + offset);
  const data = await r.json();
  await new Promise(res => setTimeout(res, CONF.listDelayMs));
  cards = cards.concat(data.cards); offset += data.cards.length; done = data.done;
  loading = false;
  render();
}
function post(path, body) {
  return fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
}
function openOverlay(slug, name, thread) {
  const box = document.createElement('div');
  box.className = 'msg-overlay-conversation-bubble';
  box.dataset.sandboxSlug = slug;
  box.innerHTML = `<header class="msg-overlay-bubble-header"><h2 class="msg-overlay-bubble-header__title">
    <a></a></h2><button type="button" aria-label="${CONF.labels.close}">×</button></header>
    <ul class="msg-s-message-list-content"></ul>
    <form class="msg-form"><div class="msg-form__contenteditable" role="textbox" contenteditable="true"></div>
    <button class="msg-form__send-button" type="submit" disabled>${CONF.labels.send}</button></form>`;
  const title = box.querySelector('h2 a');
  title.textContent = name; title.setAttribute('href', '/in/' + slug + '/');
  for (const m of thread || []) {
    const li = document.createElement('li'); li.textContent = m; box.querySelector('ul').append(li);
  }
  const composer = box.querySelector('.msg-form__contenteditable');
  const send = box.querySelector('.msg-form__send-button');
  composer.addEventListener('input', () => {
    send.disabled = !composer.innerText.trim();
    post('/__sandbox__/api/typing', {slug: slug, text: composer.innerText});  // the recipient sees typing
  });
  box.querySelector('header button').addEventListener('click', () => box.remove());
  box.querySelector('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const text = composer.innerText.trim();
    if (!text) return;
    if (CONF.droppedSend.includes(slug)) return;  // the click does nothing: no message, text stays
    send.disabled = true;
    const r = await post('/__sandbox__/api/messages', {slug: slug, name: name, text: text});
    const data = await r.json().catch(() => ({}));
    if (data.redirect) { location.assign(data.redirect); return; }  // a checkpoint takes the page away
    if (!r.ok && data.banner) box.querySelector('form').insertAdjacentHTML('beforebegin', data.banner);
    if (!r.ok || CONF.noEcho.includes(slug)) return;
    const li = document.createElement('li'); li.textContent = text; box.querySelector('ul').append(li);
    const seen = document.createElement('p'); seen.className = 'msg-s-event-with-indicator__sending-indicator';
    seen.textContent = CONF.labels.sent; box.querySelector('ul').after(seen);  // "Sent" under the thread
    composer.innerHTML = '';
    // This message reached a limit: LinkedIn says so on the page at once.
    if (data.banner) document.querySelector('main').insertAdjacentHTML('beforebegin', data.banner);
  });
  document.getElementById('msg-overlay').append(box);
  return box;
}
document.addEventListener('click', ev => {
  const button = ev.target.closest('button.sandbox-card-action');
  if (!button) return;
  const card = button.closest("div[role='listitem']");
  let slug = card.dataset.sandboxSlug, name = card.dataset.sandboxName;
  if (CONF.wrongRecipient.includes(slug)) { slug = CONF.wrongPerson.slug; name = CONF.wrongPerson.name; }
  else if (CONF.namesake.includes(slug)) { slug = slug + '-namesake'; }  // same name, another profile
  setTimeout(() => openOverlay(slug, name), 100);
});
if (CONF.decoy) openOverlay(CONF.decoy.slug, CONF.decoy.name, ['Hi! Are you open to new opportunities?']);
observeLast();
"""


ANNOUNCE_TODAY = {"en": "{n} birthdays today", "fr": "{n} anniversaires aujourd’hui"}


def birthday_page(*, cards_html: list[str], conf: dict[str, Any], today_count: int, language: str,
                  banner: str = "") -> str:
    labels = LABELS[language]
    listing = "".join(cards_html)
    empty = "" if cards_html else f"<p>{escape(labels['no_birthdays'])}</p>"
    announce = f"<h2>{escape(ANNOUNCE_TODAY[language].format(n=today_count))}</h2>" if today_count else ""
    body = (
        '<main><div data-sdui-screen="com.linkedin.sdui.flagshipnav.mynetwork.CatchUp">'
        f'<h1>{escape(labels["birthdays"])}</h1>{announce}{empty}'
        f'<div data-testid="lazy-column" role="list">{listing}</div></div></main><div id="msg-overlay"></div>'
    )
    return layout(labels["birthdays"], body, language=language,
                  script=_BIRTHDAY_JS.replace("__CONF__", json.dumps(conf)), banner=banner)


def _pagination(*, keywords: str, page: int, pages: int, labels: dict[str, str]) -> str:
    """LinkedIn's pager under the results (the bots walk ``&page=N`` and never read it)."""
    def link(number: int, text: str) -> str:
        return (f'<a class="artdeco-pagination__button" href="/search/results/people/?keywords={quote(keywords)}'
                f'&amp;page={number}">{escape(text)}</a>')

    parts = [link(page - 1, labels["previous"])] if page > 1 else []
    parts.append(f'<span aria-current="true">{escape(labels["page"].format(n=page))}</span>')
    if page < pages:
        parts.append(link(page + 1, labels["next"]))
    return f'<nav class="artdeco-pagination">{"".join(parts)}</nav>'


def search_page(*, keywords: str, results: list[dict[str, str]], total: int, page: int, pages: int, language: str,
                banner: str = "") -> str:
    labels = LABELS[language]
    if results:
        items = "".join(
            f'<div data-view-name="people-search-result"><a data-view-name="search-result-lockup-title" '
            f'href="/in/{escape(p["slug"])}/">{escape(p["name"])}</a><p>{escape(p["headline"])}</p>'
            f'<p>{escape(p["location"])}</p><button type="button">{escape(labels["connect"])}</button></div>'
            for p in results
        )
        content = (f"<p>{escape(labels['results'].format(n=total))}</p><div class='search-results-container'>"
                   f"{items}</div>{_pagination(keywords=keywords, page=page, pages=pages, labels=labels)}")
    else:
        content = f"<p>{escape(labels['no_results'])}</p>"
    heading = escape(labels["matching"].format(keywords=keywords))
    return layout(labels["search"], f"<main><h1>{heading}</h1>{content}</main>", language=language, banner=banner)


def profile_page(person: dict[str, str] | None, *, language: str, banner: str = "") -> str:
    labels = LABELS[language]
    if person is None:
        return layout(labels["page_not_found"], f"<main><h1>{escape(labels['not_found'])}</h1></main>",
                      language=language)
    return layout(
        person["name"],
        f'<main><h1 class="text-heading-xlarge">{escape(person["name"])}</h1>'
        f'<p>{escape(person.get("headline", ""))}</p><p>{escape(person.get("location", ""))}</p>'
        f'<button type="button">{escape(labels["connect"])}</button><button type="button">'
        f'{escape(labels["message"])}</button><button type="button">{escape(labels["more"])}</button></main>',
        language=language,
        banner=banner,
    )
