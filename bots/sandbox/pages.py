"""HTML of the sandbox pages, with the markup docs/linkedin.md describes (and the bots' locators use)."""
import json
from html import escape
from typing import Any

LABELS = {
    "en": {"message": "Message", "wish": "Say happy birthday", "close": "Close", "send": "Send"},
    "fr": {"message": "Envoyer un message", "wish": "Souhaiter un joyeux anniversaire", "close": "Fermer",
           "send": "Envoyer"},
}

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
        '<button type="submit">Verify</button></form></main>',
        logged_in=False,
    )


def layout(title: str, body: str, *, logged_in: bool = True, script: str = "", banner: str = "") -> str:
    nav = (
        '<header id="global-nav"><a href="/feed/">Home</a><a href="/mynetwork/catch-up/birthday/">Birthdays</a>'
        '<input class="search-global-typeahead__input" placeholder="Search">'
        '<img class="global-nav__me-photo" alt="Me" src="data:,"></header>'
        if logged_in
        else ""
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)} | LinkedIn sandbox"
        f"</title><style>{_STYLE}</style></head><body>{nav}{banner}{body}<script>{script}</script></body></html>"
    )


def login_page() -> str:
    return layout(
        "Sign in",
        '<main><h1>Sign in (sandbox)</h1><form method="post" action="/login">'
        '<input name="session_key" placeholder="Email"><input name="session_password" type="password">'
        '<button type="submit">Sign in</button></form></main>',
        logged_in=False,
    )


def feed_page(*, banner: str = "") -> str:
    return layout(
        "Feed",
        "<main><h1>Feed</h1><p>Sandbox feed. <a href='/mynetwork/catch-up/birthday/'>Birthdays</a></p></main>",
        banner=banner,
    )


def birthday_card(card: dict[str, Any], *, labels: dict[str, str], with_button: bool) -> str:
    slug, name = escape(card["slug"]), escape(card["name"])
    label = escape(labels["message"])
    button = f'<button type="button" class="sandbox-card-action">{label}</button>' if with_button else ""
    # A headline on the card, as LinkedIn shows under the name (it may hold a date word: "today").
    headline = f'<p>{escape(card["card_headline"])}</p>' if card.get("card_headline") else ""
    return (
        f'<div role="listitem" data-sandbox-slug="{slug}" data-sandbox-name="{name}">'
        f'<a href="/in/{slug}/"><img alt="" src="data:," width="48" height="48"></a> '
        f'<a href="/in/{slug}/"><span>{name}</span></a>{headline}'
        f'<p>{escape(card["when"])}</p>{button}</div>'
    )


AD_CARD = '<div role="listitem"><p>Promoted · Try Premium for free</p><button type="button">Try now</button></div>'

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
    listing = "".join(cards_html)
    empty = "" if cards_html else "<p>No birthdays to celebrate right now.</p>"
    announce = f"<h2>{escape(ANNOUNCE_TODAY[language].format(n=today_count))}</h2>" if today_count else ""
    body = (
        '<main><div data-sdui-screen="com.linkedin.sdui.flagshipnav.mynetwork.CatchUp">'
        f'<h1>Birthdays</h1>{announce}{empty}<div data-testid="lazy-column" role="list">{listing}</div></div></main>'
        '<div id="msg-overlay"></div>'
    )
    return layout("Birthdays", body, script=_BIRTHDAY_JS.replace("__CONF__", json.dumps(conf)), banner=banner)


def search_page(*, keywords: str, results: list[dict[str, str]], total: int, banner: str = "") -> str:
    if results:
        items = "".join(
            f'<div data-view-name="people-search-result"><a data-view-name="search-result-lockup-title" '
            f'href="/in/{escape(p["slug"])}/">{escape(p["name"])}</a><p>{escape(p["headline"])}</p>'
            f'<p>{escape(p["location"])}</p></div>'
            for p in results
        )
        content = f"<p>About {total} results</p><div class='search-results-container'>{items}</div>"
    else:
        content = "<p>No results found</p>"
    return layout("Search", f"<main><h1>People matching “{escape(keywords)}”</h1>{content}</main>", banner=banner)


def profile_page(person: dict[str, str] | None, *, banner: str = "") -> str:
    if person is None:
        return layout("Not found", "<main><h1>This page doesn’t exist</h1></main>")
    return layout(
        person["name"],
        f'<main><h1 class="text-heading-xlarge">{escape(person["name"])}</h1>'
        f'<p>{escape(person.get("headline", ""))}</p><p>{escape(person.get("location", ""))}</p></main>',
        banner=banner,
    )
