"""``python manage.py accounts list``: the LinkedIn accounts, their status and jobs, at a glance
(the dashboard's Accounts page says more; sessions are saved with ``linkedin_login --account``)."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from bots.selectors import account_effective_status, accounts_with_jobs_count


class Command(BaseCommand):
    help = "List the LinkedIn accounts: label, status, jobs, session."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="label, status, jobs, session")

    def handle(self, *args, action: str, **options):
        rows = [("LABEL", "STATUS", "JOBS", "SESSION", "ID")]
        now = timezone.now()
        for account in accounts_with_jobs_count():
            status = account_effective_status(account, now)
            if status == "cooling_down" and account.cooldown_until:
                status += f" until {timezone.localtime(account.cooldown_until):%Y-%m-%d %H:%M}"
            if account.session_encrypted:
                expires = account.li_at_expires_at
                session = f"saved, expires {timezone.localtime(expires):%Y-%m-%d}" if expires else "saved"
            else:
                session = "none"
            rows.append((account.label, status, str(account.jobs_count), session, str(account.pk)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
