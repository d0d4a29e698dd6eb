"""``manage.py up``: the whole embedded stack in one command, stopped by ctrl-C.

Migrates, makes sure there is an admin user and a bootstrap API key, starts Redis (unless one
already answers at REDIS_URL), the LinkedIn sandbox (unless LINKEDIN_BASE_URL is set or
``--linkedin real``), a Celery worker, beat and the web server on 127.0.0.1, prints where to go,
and stops every process it started when interrupted or when one of them dies.

With the sandbox, the worker's bots act on the local imitation with a sandbox-only session
file, so a new user sees the whole chain work offline and a real saved session is never
overwritten.

The accounts' sessions are encrypted with LINKEDIN_ACCOUNTS_KEY: taken from the environment, else
made once in ``var/accounts.key`` (mode 600) and given to every process started here. Sessions
stored before the key existed (encrypted with the key derived from SECRET_KEY) are moved to it.
The worker gets BOT_BROWSER_SLOTS=1 (one Chromium at a time on this host) unless it is set.

When no Chromium is found (PLAYWRIGHT_CHROMIUM_EXECUTABLE empty or missing, and no browser
installed by Playwright), ``up`` says so first, with the ways to get one, instead of letting the
first bot run fail; the stack starts anyway.
"""
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bots.accounts import accounts_key_change, accounts_key_new
from scheduler_app.services.api_keys import api_key_ensure_bootstrap
from scheduler_app.stack import ProcessGroup, beat_command, redis_ping, start_redis, wait_until, worker_command

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def _remembered_secret(path: Path, given: str | None) -> str:
    """The value given in the environment, else one generated once and kept under var/."""
    if given:
        return given
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(24)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def accounts_key(path: Path, given: str | None) -> tuple[str, bool]:
    """LINKEDIN_ACCOUNTS_KEY: the one given in the environment, else the one kept in ``path``,
    else a new one written there (mode 600). Returns the key and whether it was made now."""
    if given:
        return given, False
    if path.exists():
        return path.read_text().strip(), False
    key = accounts_key_new()
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(key + "\n")
    return key, True


CHROMIUM_HOW_TO = (
    "Get one with `apt-get install chromium-headless-shell` (Debian, found by path), or "
    "`.venv/bin/playwright install chromium`, or point PLAYWRIGHT_CHROMIUM_EXECUTABLE at a Chromium binary, "
    "then start `up` again."
)


def playwright_browsers_dir(environ: dict[str, str] | None = None) -> Path:
    """Where ``playwright install`` puts its browsers: PLAYWRIGHT_BROWSERS_PATH ("0": inside the
    playwright package), else the user's cache (ms-playwright)."""
    environ = os.environ if environ is None else environ
    given = environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if given == "0":
        import playwright

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if given:
        return Path(given).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def chromium_problem(executable: str, browsers_dir: Path) -> str | None:
    """Why no bot run can start a browser here, with how to get one; None when a Chromium is found:
    ``executable`` (PLAYWRIGHT_CHROMIUM_EXECUTABLE, Debian's found by path) exists, or Playwright
    installed one (chromium or chromium_headless_shell) under ``browsers_dir``."""
    if executable:
        if Path(executable).is_file():
            return None
        return (f"No Chromium found: PLAYWRIGHT_CHROMIUM_EXECUTABLE is {executable}, which does not exist, "
                f"so every bot run will fail. {CHROMIUM_HOW_TO}")
    installed = browsers_dir.is_dir() and any(
        child.is_dir() and child.name.startswith(("chromium-", "chromium_headless_shell-"))
        for child in browsers_dir.iterdir()
    )
    if installed:
        return None
    return (f"No Chromium found (none installed by Playwright in {browsers_dir}), so every bot run will fail. "
            f"{CHROMIUM_HOW_TO}")


def worker_env(env: dict[str, str]) -> dict[str, str]:
    """The worker's environment: one browser at a time on this host unless BOT_BROWSER_SLOTS says
    otherwise (a Raspberry Pi holds one Chromium comfortably, not several)."""
    return {**env, "BOT_BROWSER_SLOTS": env.get("BOT_BROWSER_SLOTS") or "1"}


class Command(BaseCommand):
    help = "Start the embedded stack: Redis, Celery worker, beat and the web server (ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="web server port on 127.0.0.1 (default 8000)")
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
        parser.add_argument(
            "--linkedin",
            choices=["sandbox", "real"],
            default="real" if os.environ.get("LINKEDIN_BASE_URL") else "sandbox",
            help="where the bots act: the local sandbox site (default unless LINKEDIN_BASE_URL is set) "
            "or LINKEDIN_BASE_URL with the session saved by `manage.py linkedin_login`",
        )
        parser.add_argument("--sandbox-port", type=int, default=8001, help="sandbox port on 127.0.0.1 (default 8001)")

    def handle(self, *args, port: int, concurrency: int, linkedin: str, sandbox_port: int, **options):
        self._chromium_problem = chromium_problem(settings.PLAYWRIGHT_CHROMIUM_EXECUTABLE, playwright_browsers_dir())
        if self._chromium_problem:
            self.stderr.write(self.style.WARNING(self._chromium_problem))
        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        (var / "logs").mkdir(exist_ok=True)

        key, key_made = accounts_key(var / "accounts.key", os.environ.get("LINKEDIN_ACCOUNTS_KEY"))
        # Before migrate: the migration that makes the default account encrypts its session.
        settings.LINKEDIN_ACCOUNTS_KEY = key
        call_command("migrate", interactive=False, verbosity=0)
        if key_made:
            self._adopt_accounts_key(key, var / "accounts.key")
        call_command("collectstatic", interactive=False, verbosity=0)
        password = self._ensure_admin(var)
        api_key = _remembered_secret(var / "api-key.txt", settings.SCHEDULER_API_KEY)
        api_key_ensure_bootstrap(api_key)

        group = ProcessGroup()
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            "CACHE_URL": os.environ.get("CACHE_URL") or _same_redis_db(settings.REDIS_URL, 1),
            # Links in notifications point at this server unless told otherwise.
            "SCHEDULER_PUBLIC_URL": os.environ.get("SCHEDULER_PUBLIC_URL") or f"http://127.0.0.1:{port}",
            "LINKEDIN_ACCOUNTS_KEY": key,
        }
        if not (os.environ.get("EMAIL_BACKEND") or os.environ.get("EMAIL_HOST")):
            # No SMTP server configured: email notifications are written to the worker's log.
            env["EMAIL_BACKEND"] = CONSOLE_EMAIL_BACKEND
        try:
            self._ensure_redis(group, var)
            if linkedin == "sandbox":
                env.update(self._start_sandbox(group, env, var, sandbox_port))
            # Worker and beat are restarted if they die (a Celery worker exits when Redis dies
            # under it while it holds a message, a kombu bug): the slots they miss meanwhile are
            # caught up by beat and recorded (README "Beat, failover and failures").
            restartable = {
                "worker": dict(args=worker_command(concurrency), env=worker_env(env),
                               log=var / "logs" / "worker.log"),
                "beat": dict(args=beat_command(), env=env, log=var / "logs" / "beat.log"),
            }
            for name, options in restartable.items():
                group.start(name, **options)
            group.start(
                "web",
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                log=var / "logs" / "web.log",
                cwd=str(settings.BASE_DIR),
            )
            self._announce(port, password, api_key, var, env["LINKEDIN_BASE_URL"] if linkedin == "sandbox" else None,
                           console_email=env.get("EMAIL_BACKEND") == CONSOLE_EMAIL_BACKEND)
            while not stopping:
                exited = group.first_exited()
                if exited:
                    name, code = exited
                    log = var / "logs" / f"{name}.log"
                    if name not in restartable:
                        raise CommandError(f"{name} exited with code {code}; see {log}")
                    self.stderr.write(f"{name} exited with code {code} (see {log}); starting it again")
                    time.sleep(1)
                    group.restart(name, **restartable[name])
                time.sleep(0.5)
        finally:
            self.stdout.write("Stopping every process started by `up`...")
            group.stop()
            self.stdout.write("Stopped.")

    def _adopt_accounts_key(self, key: str, path: Path) -> None:
        """A key made just now: sessions stored before it (with the SECRET_KEY-derived key) move to it."""
        change = accounts_key_change(new_key=key)
        self.stdout.write(f"Made the accounts' encryption key {path} (keep it: without it the saved LinkedIn "
                          "sessions cannot be read)")
        if change.moved:
            self.stdout.write(f"  re-encrypted the session of {', '.join(change.moved)} with it")
        if change.unreadable:
            self.stderr.write(f"  the session of {', '.join(change.unreadable)} could not be read with the previous "
                              "key either: save a new one (dashboard Accounts page, or linkedin_login --account)")

    def _ensure_admin(self, var: Path) -> str | None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            saved = var / "admin-password.txt"
            return saved.read_text().strip() if saved.exists() else None
        password = _remembered_secret(var / "admin-password.txt", os.environ.get("ADMIN_PASSWORD"))
        User.objects.create_superuser(os.environ.get("ADMIN_USER", "admin"), "", password)
        return password

    def _ensure_redis(self, group: ProcessGroup, var: Path) -> None:
        url = settings.REDIS_URL
        if redis_ping(url):
            self.stdout.write(f"Using the Redis already answering at {url}")
            return
        if urlparse(url).hostname not in LOCAL_HOSTS:
            raise CommandError(f"no Redis answers at {url}, and it is not local, so `up` cannot start it")
        start_redis(group, url=url, data_dir=var / "redis", log=var / "logs" / "redis.log")
        self.stdout.write(f"Started Redis at {url} (data in {var / 'redis'})")

    def _start_sandbox(self, group: ProcessGroup, env: dict, var: Path, port: int) -> dict[str, str]:
        """Start the sandbox site and return the environment that points the bots at it."""
        bots_env = {
            "LINKEDIN_BASE_URL": f"http://127.0.0.1:{port}",
            "LINKEDIN_STORAGE_STATE": str(var / "sandbox-state.json"),
            "BOT_PAUSE_MIN_SECONDS": "0.2",
            "BOT_PAUSE_MAX_SECONDS": "0.5",
        }
        group.start(
            "sandbox",
            [sys.executable, "manage.py", "sandbox", "--port", str(port), "--write-session"],
            env={**env, **bots_env},
            log=var / "logs" / "sandbox.log",
            cwd=str(settings.BASE_DIR),
        )
        wait_until(lambda: _answers(bots_env["LINKEDIN_BASE_URL"] + "/__sandbox__/state"), timeout=30,
                   what="the sandbox site")
        return bots_env

    def _announce(self, port: int, password: str | None, api_key: str, var: Path, sandbox: str | None, *,
                  console_email: bool) -> None:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base + "/admin/login/"), timeout=60, what="the web server")
        user = os.environ.get("ADMIN_USER", "admin")
        login = f"{user} / {password}" if password else "your existing superuser"
        self.stdout.write(self.style.SUCCESS("\nBot scheduler is up."))
        self.stdout.write(f"  Dashboard: {base}/dashboard/")
        self.stdout.write(f"  Admin:     {base}/admin/   (log in as {login})")
        self.stdout.write(f"  API:       {base}/scheduler/jobs   (header X-API-Key: {api_key})")
        self.stdout.write(f"  API docs:  {base}/scheduler/docs")
        if sandbox:
            self.stdout.write(f"  Sandbox:   {sandbox}/   (bots act here; what they did: {sandbox}/__sandbox__/state)")
        else:
            session = settings.LINKEDIN_STORAGE_STATE
            self.stdout.write(f"  LinkedIn:  {settings.LINKEDIN_BASE_URL}   (session: {session})")
        self.stdout.write(f"  Logs:      {var / 'logs'}")
        if console_email:
            self.stdout.write(f"  Email:     notifications by email are printed to {var / 'logs' / 'worker.log'} "
                              f"(test sends: {var / 'logs' / 'web.log'}) (console backend); "
                              "set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, ...) to send them")
        if getattr(self, "_chromium_problem", None):
            self.stdout.write(self.style.WARNING(f"  Chromium:  {self._chromium_problem}"))
        self.stdout.write("Press ctrl-C to stop everything.\n")


def _same_redis_db(url: str, db: int) -> str:
    """``url`` with another database number: the cache keeps out of the broker's keys."""
    return urlparse(url)._replace(path=f"/{db}").geturl()


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:  # our own server on 127.0.0.1
            return response.status == 200
    except OSError:  # URLError and HTTPError are OSErrors
        return False
