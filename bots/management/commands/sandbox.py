"""``python manage.py sandbox --port 8765``: serve the LinkedIn sandbox for demos and manual tests."""
from django.conf import settings
from django.core.management.base import BaseCommand

from bots.sandbox.server import SandboxServer, sandbox_storage_state_write


class Command(BaseCommand):
    help = "Serve the local LinkedIn sandbox (point LINKEDIN_BASE_URL at it)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--write-session",
            action="store_true",
            help="Write a storage-state file with the sandbox's session to LINKEDIN_STORAGE_STATE "
            "(use a sandbox-only path: it replaces a real LinkedIn session saved there).",
        )
        parser.add_argument("--verbose-log", action="store_true", help="Log every request.")

    def handle(self, *args, host, port, write_session, verbose_log, **options):
        server = SandboxServer(host=host, port=port, quiet=not verbose_log)
        if write_session:
            path = sandbox_storage_state_write(settings.LINKEDIN_STORAGE_STATE, base_url=server.base_url)
            self.stdout.write(f"Session for the sandbox written to {path}")
        self.stdout.write(f"LinkedIn sandbox on {server.base_url} (LINKEDIN_BASE_URL={server.base_url})")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
