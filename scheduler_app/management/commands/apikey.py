"""``manage.py apikey create NAME [--read-only] | revoke NAME_OR_PREFIX | list | bootstrap [KEY]``:
API keys for the scheduler API. ``bootstrap`` makes ``SCHEDULER_API_KEY`` (or KEY) valid, for
container entrypoints that do not go through ``manage.py up``; it is always a write key. A
``--read-only`` key gets every GET and a 403 on anything that writes or runs (a monitoring
screen's key). ``list`` says of each key whether it is ``read-only`` or ``write``."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rest_framework_api_key.models import APIKey

from scheduler_app.audit.actors import cli_actor
from scheduler_app.models import ReadOnlyApiKey
from scheduler_app.services.api_keys import api_key_create, api_key_ensure_bootstrap, api_key_revoke


class Command(BaseCommand):
    help = "Create, revoke or list the API keys accepted in the X-API-Key header."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a new key and print it (shown once)")
        create.add_argument("name", help="shown as created_by on the jobs this key creates")
        create.add_argument("--read-only", action="store_true",
                            help="the key may read everything (GET) but write or run nothing (403)")
        revoke = sub.add_parser("revoke", help="revoke every key with this name or prefix")
        revoke.add_argument("name_or_prefix")
        sub.add_parser("list", help="list keys (never the keys themselves)")
        bootstrap = sub.add_parser("bootstrap", help="make SCHEDULER_API_KEY (or KEY) the valid 'bootstrap' key")
        bootstrap.add_argument("key", nargs="?", default=None)

    def handle(self, *args, action: str, **options):
        if action == "create":
            try:
                _, key = api_key_create(name=options["name"], read_only=options["read_only"], actor=cli_actor())
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(key)
        elif action == "revoke":
            count = api_key_revoke(name_or_prefix=options["name_or_prefix"], actor=cli_actor())
            if not count:
                raise CommandError(f"no usable key named or prefixed {options['name_or_prefix']!r}")
            self.stdout.write(f"revoked {count} key(s)")
        elif action == "bootstrap":
            key = options["key"] or settings.SCHEDULER_API_KEY
            if not key:
                raise CommandError("no key given and SCHEDULER_API_KEY is empty")
            try:
                api_key_ensure_bootstrap(key, actor=cli_actor())
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write("bootstrap key is valid")
        else:
            read_only = set(ReadOnlyApiKey.objects.values_list("api_key_id", flat=True))
            for key in APIKey.objects.order_by("-created"):
                state = "revoked" if key.revoked else ("expired" if key.has_expired else "active")
                access = "read-only" if key.pk in read_only else "write"
                self.stdout.write(f"{key.prefix}\t{key.name}\t{state}\t{access}\t{key.created.isoformat()}")
