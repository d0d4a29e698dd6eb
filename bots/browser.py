"""One headless Chromium per run, on its own thread, always closed, with a hard time limit.

Why a thread: Playwright's sync API runs an asyncio loop in the thread that starts it, and
Django refuses ORM calls from a thread with a running loop. So the browser lives on a thread
of its own and the bot (which reads and writes the database) calls into it; every call waits
at most until the run's deadline. The driver's own waits end at the deadline (``bots.deadline``)
and fail the run with "time limit"; a call still running BACKSTOP_SECONDS after it gets the
run's Chromium processes killed (found by a marker switch on their command line), which
unblocks the browser thread, and the run fails with "time limit" all the same. The same sweep
runs on every exit, so no Chromium outlives its run (docs/linkedin.md lesson 5: small machines run these bots).
"""
import contextlib
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TypeVar, cast

import psutil
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from bots.deadline import Deadline, TimeLimitReached
from bots.driver import LinkedInDriver
from bots.runner import BotError, SessionLost, TransientBotError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Root in a container has no user namespaces for Chromium's sandbox; the rest keeps an idle
# browser from fetching updates and spending memory on a GPU process nobody needs.
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
# BOT_CHROMIUM_LOW_MEMORY: one process instead of ~8 (browser, zygotes, GPU, network, renderers),
# no image decoding (the bots read text and click buttons, they never need a picture), lean V8.
LOW_MEMORY_ARGS = [
    "--single-process",
    # With --disable-gpu Chromium still loads SwiftShader (a software GPU, for WebGL) into the process
    # and composites through it; without it the compositor draws in software directly: ~14 MB less
    # at the peak of every scenario (tests/benchmarks/bench_bot_memory.py). The bots use no WebGL.
    "--disable-software-rasterizer",
    "--no-zygote",
    "--renderer-process-limit=1",
    "--disable-extensions",
    "--disable-features=Translate,OptimizationHints,MediaRouter,BackForwardCache",
    "--blink-settings=imagesEnabled=false",
    # The page's V8 without optimising compilers and with a 1 MB young generation (as the driver's
    # Node runs): ~8 MB less at the peak of a birthday run (tests/benchmarks/bench_bot_memory.py).
    "--js-flags=--lite-mode --max-semi-space-size=1",
]
_ENV_LOCK = threading.Lock()
MARKER_SWITCH = "--bot-run-marker="
CLOSE_GRACE_SECONDS = 15
TIMED_OUT_CLOSE_SECONDS = 3
# How long past the deadline a call may take to return its own time-limit error before Chromium is killed.
BACKSTOP_SECONDS = 2.0
# A browser without a run's own limit (the session check of linkedin_login, tests): this long.
DEFAULT_TIME_LIMIT = 900.0
# Playwright errors another attempt may not meet: Chromium gone (crashed, killed) or the network
# failing. Anything else (a selector that no longer matches...) needs a person, not a retry.
# Network errors only at the connection level: a redirect loop (an expired session), an HTTP error
# page, a certificate or a name that does not resolve (a wrong LINKEDIN_BASE_URL) are not retried.
TRANSIENT_BROWSER_ERRORS = re.compile(
    r"Target (page, context or browser )?(has been |was )?closed|Browser (has been )?closed|crash|"
    r"net::ERR_(CONNECTION_(REFUSED|RESET|CLOSED|TIMED_OUT|ABORTED)|NETWORK_CHANGED|INTERNET_DISCONNECTED|"
    r"TIMED_OUT|EMPTY_RESPONSE)\b|socket hang up|ECONNRESET",
    re.IGNORECASE,
)


def chromium_processes(marker: str | None = None) -> list[psutil.Process]:
    """This process's Chromium descendants; with ``marker``, only the run that carries it."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            cmdline = proc.cmdline()
            name = proc.name().lower()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if "chrom" not in name and not any("chrom" in part.lower() for part in cmdline[:1]):
            continue
        if marker is None or any(part == MARKER_SWITCH + marker for part in cmdline):
            found.append(proc)
    return found


def _kill_run_processes(marker: str) -> int:
    victims: dict[int, psutil.Process] = {}
    for root in chromium_processes(marker):
        victims[root.pid] = root
        with contextlib.suppress(psutil.Error):
            for child in root.children(recursive=True):
                victims[child.pid] = child
    for proc in victims.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(list(victims.values()), timeout=5)
    return len(victims)


def _driver_env() -> dict[str, str]:
    """What the driver (and the Chromium it starts, which inherits its environment) gets on top of ours."""
    env = {}
    if settings.BOT_DRIVER_NODE_OPTIONS:
        env["NODE_OPTIONS"] = settings.BOT_DRIVER_NODE_OPTIONS
    if settings.BOT_DRIVER_MALLOC_ARENA_MAX:
        # glibc gives each thread its own malloc arena; Node's few threads do not need them (~2 MB).
        env["MALLOC_ARENA_MAX"] = settings.BOT_DRIVER_MALLOC_ARENA_MAX
    return env


def _start_playwright() -> Any:
    """Start Playwright's Node driver with ``_driver_env()``; it copies os.environ when it starts."""
    with _ENV_LOCK:
        extra = _driver_env()
        previous = {name: os.environ.get(name) for name in extra}
        os.environ.update(extra)
        try:
            return sync_playwright().start()
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class BrowserSession:
    """Chromium + a logged-in context, driven from one thread; use as a context manager."""

    def __init__(self, *, time_limit: float, storage_state: Path | dict | None = None) -> None:
        self.time_limit = time_limit
        self.clock = Deadline(time_limit)
        self.deadline = self.clock.at
        # The account's session (a dict, decrypted in memory only), or a storage-state file.
        self.storage_state = storage_state if isinstance(storage_state, dict) else Path(
            storage_state or settings.LINKEDIN_STORAGE_STATE)
        self.marker = uuid.uuid4().hex
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._driver: LinkedInDriver | None = None
        self.timed_out = False
        self.restarts = 0
        self.killed = 0  # Chromium processes killed because a call outlasted the deadline (the backstop)

    # --- on the browser thread -----------------------------------------------------------------
    def _open(self) -> None:
        self._playwright = _start_playwright()
        state = self.storage_state
        self._launch(storage_state=state if isinstance(state, dict) else str(state))

    def _launch(self, *, storage_state: str | dict[str, Any]) -> None:
        """Chromium, a context carrying ``storage_state`` (a file, or the state of the previous browser) and a tab."""
        args = [*LAUNCH_ARGS, *(LOW_MEMORY_ARGS if settings.BOT_CHROMIUM_LOW_MEMORY else []),
                *settings.BOT_CHROMIUM_EXTRA_ARGS, MARKER_SWITCH + self.marker]
        launch: dict[str, Any] = {"headless": settings.BOT_HEADLESS, "args": args}
        if settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE:
            launch["executable_path"] = settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE
        self._browser = self._playwright.chromium.launch(**launch)
        self._context = self._browser.new_context(storage_state=storage_state, locale="en-US")
        self._context.set_default_timeout(settings.BOT_ACTION_TIMEOUT_MS)
        self._driver = LinkedInDriver(
            page=self._context.new_page(),
            base_url=settings.LINKEDIN_BASE_URL,
            action_timeout_ms=settings.BOT_ACTION_TIMEOUT_MS,
            scroll_wait_ms=settings.BOT_SCROLL_WAIT_MS,
            send_confirm_ms=settings.BOT_SEND_CONFIRM_MS,
            recycle_page_every=settings.BOT_RECYCLE_PAGE_EVERY,
            deadline=self.clock,
            list_max_scrolls=settings.BOT_LIST_MAX_SCROLLS,
        )

    def _relaunch(self) -> None:
        """Close Chromium and start a fresh one with the session it had (cookies as they are now).

        In single-process mode Chromium gives little back once it grew; a new process starts
        small. The old one is swept by its marker before the new one (same marker) starts.
        """
        state = self._context.storage_state()
        self._driver = None
        browser, self._browser, self._context = self._browser, None, None
        with contextlib.suppress(Exception):
            browser.close()
        _kill_run_processes(self.marker)
        self._launch(storage_state=state)

    def _close(self) -> None:
        for thing, step in ((self._browser, "close"), (self._playwright, "stop")):
            if thing is not None:
                with contextlib.suppress(Exception):
                    getattr(thing, step)()

    # --- on the caller's thread ----------------------------------------------------------------
    def remaining(self) -> float:
        return self.clock.remaining()

    def _call(self, fn: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        if self.clock.reached():
            raise self._time_up(what)
        future = self._executor.submit(fn, *args, **kwargs)
        try:
            return future.result(timeout=self.remaining() + BACKSTOP_SECONDS)
        except FutureTimeout:
            self.killed += _kill_run_processes(self.marker)
            raise self._time_up(what) from None
        except TimeLimitReached:
            raise self._time_up(what) from None
        except PlaywrightError as exc:
            if self.timed_out:
                raise self._time_up(what) from None
            first_line = str(exc.message if hasattr(exc, "message") else exc).splitlines()[0]
            error = TransientBotError if TRANSIENT_BROWSER_ERRORS.search(first_line) else BotError
            raise error(f"browser error while {what}: {first_line}") from exc

    def restart_browser(self) -> None:
        """A fresh Chromium with the same session, then the login check again (under the deadline)."""
        self._call(self._relaunch, what="restarting Chromium")
        self.restarts += 1
        assert self._driver is not None
        self._call(self._driver.ensure_logged_in, what="checking the session after restarting Chromium")

    def _time_up(self, what: str) -> BotError:
        self.timed_out = True
        return TimeLimitReached(self.clock.message(what))

    def __enter__(self) -> LinkedInDriver:
        if not isinstance(self.storage_state, dict) and not self.storage_state.is_file():
            raise SessionLost(
                f"no LinkedIn session: {self.storage_state} does not exist; "
                "save one with `python manage.py linkedin_login` (into the default account)"
            )
        try:
            self._call(self._open, what="starting Chromium")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return cast(LinkedInDriver, _DriverProxy(self))

    def __exit__(self, *exc_info: object) -> None:
        if self.timed_out:
            # The run's time is up and the browser thread may still be stuck in the call the
            # deadline cut short: Chromium goes first (which also ends that call), so the run
            # ends within seconds of its limit instead of after a close that waits on it.
            _kill_run_processes(self.marker)  # not counted in ``killed``: that is the backstop's count
        close = self._executor.submit(self._close)
        try:
            close.result(timeout=TIMED_OUT_CLOSE_SECONDS if self.timed_out else CLOSE_GRACE_SECONDS)
        except (FutureTimeout, Exception):
            logger.warning("Chromium of run %s did not close cleanly; killing it", self.marker)
        killed = _kill_run_processes(self.marker)
        if killed:
            logger.warning("killed %d leftover Chromium process(es) of run %s", killed, self.marker)
        self._executor.shutdown(wait=not self.timed_out, cancel_futures=True)


class _DriverProxy:
    """Looks like a LinkedInDriver; each method call runs on the browser thread under the deadline."""

    def __init__(self, session: BrowserSession) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._session._driver, name)
        what = name.replace("_", " ")
        return lambda *args, **kwargs: self._session._call(method, *args, what=what, **kwargs)


@contextlib.contextmanager
def linkedin_browser(*, time_limit: float | None = None,
                     storage_state: Path | dict | None = None) -> Iterator[tuple[LinkedInDriver, BrowserSession]]:
    """The driver for one run and its session (for the deadline); closes Chromium on every exit.
    ``storage_state``: the account's session (bots.selectors.account_session_state), else
    LINKEDIN_STORAGE_STATE."""
    session = BrowserSession(time_limit=time_limit if time_limit is not None else DEFAULT_TIME_LIMIT,
                             storage_state=storage_state)
    with session as driver:
        yield driver, session
