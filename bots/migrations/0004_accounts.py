"""LinkedIn accounts: the default account made from LINKEDIN_STORAGE_STATE (its session encrypted),
and every message and visit so far counted against it."""

import bots.models
import django.db.models.deletion
import django.utils.timezone
import uuid
import json
from datetime import timedelta

from django.conf import settings
from django.db import migrations, models

from bots.crypto import session_encrypt


def default_account(apps, schema_editor):
    """The account of everything done before accounts existed. Already warmed up (it has been
    used), and holding the session file's content when there is one."""
    Account = apps.get_model("bots", "LinkedInAccount")
    now = django.utils.timezone.now()
    account, _ = Account.objects.get_or_create(
        label=bots.models.DEFAULT_ACCOUNT_LABEL,
        defaults={"warmup_started_at": now - timedelta(days=3650), "created_at": now, "updated_at": now},
    )
    path = settings.LINKEDIN_STORAGE_STATE
    try:
        text = path.read_text() if path.is_file() else ""
        json.loads(text or "{}")
    except (OSError, ValueError):
        text = ""
    if text and not account.session_encrypted:
        account.session_encrypted, account.session_saved_at = session_encrypt(text), now
        account.save(update_fields=["session_encrypted", "session_saved_at"])
    apps.get_model("bots", "BirthdayMessage").objects.filter(account__isnull=True).update(account=account)
    apps.get_model("bots", "ProfileVisit").objects.filter(account__isnull=True).update(account=account)


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0003_visit_status_not_found'),
    ]

    operations = [
        migrations.CreateModel(
            name='LinkedInAccount',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('label', models.CharField(max_length=100, unique=True)),
                ('session_encrypted', models.TextField(blank=True, default='', editable=False)),
                ('session_saved_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('li_at_expires_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('li_at_warned', models.JSONField(blank=True, default=list, editable=False)),
                ('status', models.CharField(choices=[('active', 'Active'), ('needs_reauth', 'Needs a new session'), ('cooling_down', 'Cooling down')], default='active', max_length=16)),
                ('status_reason', models.TextField(blank=True, default='')),
                ('status_execution_id', models.UUIDField(blank=True, null=True)),
                ('status_changed_at', models.DateTimeField(blank=True, null=True)),
                ('cooldown_until', models.DateTimeField(blank=True, null=True)),
                ('cooldown_hours', models.PositiveSmallIntegerField(default=24)),
                ('last_ok_at', models.DateTimeField(blank=True, null=True)),
                ('warmup_started_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('timezone', models.CharField(blank=True, default='', max_length=64)),
                ('working_hours', models.CharField(blank=True, default='', max_length=32)),
                ('messages_per_day', models.PositiveIntegerField(blank=True, null=True)),
                ('messages_per_week', models.PositiveIntegerField(blank=True, null=True)),
                ('visits_per_day', models.PositiveIntegerField(blank=True, null=True)),
                ('browser_execution_id', models.UUIDField(blank=True, editable=False, null=True)),
                ('browser_job_id', models.UUIDField(blank=True, editable=False, null=True)),
                ('browser_holder', models.CharField(blank=True, default='', editable=False, max_length=300)),
                ('browser_lease_expires_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                'verbose_name': 'LinkedIn account',
                'ordering': ['label'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='birthdaymessage',
            name='one_message_per_birthday',
        ),
        migrations.AlterField(
            model_name='quotalock',
            name='name',
            field=models.CharField(max_length=64, primary_key=True, serialize=False),
        ),
        migrations.AddConstraint(
            model_name='linkedinaccount',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['active', 'needs_reauth', 'cooling_down'])), name='account_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='linkedinaccount',
            constraint=models.CheckConstraint(condition=models.Q(('cooldown_hours__gte', 1), ('cooldown_hours__lte', 168)), name='account_cooldown_hours_range'),
        ),
        migrations.AddField(
            model_name='birthdaymessage',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='birthday_messages', to='bots.linkedinaccount'),
        ),
        migrations.AddField(
            model_name='blacklistentry',
            name='account',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='blacklist', to='bots.linkedinaccount'),
        ),
        migrations.AddField(
            model_name='profilevisit',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='bots.linkedinaccount'),
        ),
        migrations.AddIndex(
            model_name='profilevisit',
            index=models.Index(fields=['account', 'visited_at'], name='visit_account_time'),
        ),
        migrations.RunPython(default_account, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='birthdaymessage',
            name='account',
            field=models.ForeignKey(default=bots.models.default_account_id, on_delete=django.db.models.deletion.PROTECT, related_name='birthday_messages', to='bots.linkedinaccount'),
        ),
        migrations.AlterField(
            model_name='profilevisit',
            name='account',
            field=models.ForeignKey(default=bots.models.default_account_id, on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='bots.linkedinaccount'),
        ),
        migrations.AddConstraint(
            model_name='birthdaymessage',
            constraint=models.UniqueConstraint(fields=('account', 'contact', 'birthday'), name='one_message_per_birthday'),
        ),
    ]
