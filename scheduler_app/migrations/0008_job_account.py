"""Every job belongs to a LinkedIn account: the existing ones to the default account (bots 0004);
blackouts may cover one account."""

import django.db.models.deletion
from django.db import migrations, models


def bind_jobs(apps, schema_editor):
    Account = apps.get_model("bots", "LinkedInAccount")
    Job = apps.get_model("scheduler_app", "ScheduledJob")
    if Job.objects.filter(account__isnull=True).exists():
        Job.objects.filter(account__isnull=True).update(account=Account.objects.get(label="default"))


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0004_accounts'),
        ('scheduler_app', '0007_pauses_blackouts_jitter'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='blackout',
            name='blackout_scope_valid',
        ),
        migrations.AddField(
            model_name='blackout',
            name='account',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='blackouts', to='bots.linkedinaccount'),
        ),
        migrations.AddField(
            model_name='scheduledjob',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='bots.linkedinaccount'),
        ),
        migrations.RunPython(bind_jobs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='scheduledjob',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='bots.linkedinaccount'),
        ),
        migrations.AlterField(
            model_name='blackout',
            name='scope',
            field=models.CharField(choices=[('all', 'All jobs'), ('bot_type', 'One bot type'), ('jobs', 'Listed jobs'), ('account', 'One LinkedIn account')], default='all', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='blackout',
            constraint=models.CheckConstraint(condition=models.Q(('scope__in', ['all', 'bot_type', 'jobs', 'account'])), name='blackout_scope_valid'),
        ),
    ]
