import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Templates get a language, a weight and a body (the old text, renamed); a message row
    records which template it came from."""

    dependencies = [
        ("bots", "0004_accounts"),
    ]

    operations = [
        migrations.RenameField(model_name="messagetemplate", old_name="text", new_name="body"),
        migrations.AlterField(
            model_name="messagetemplate",
            name="body",
            field=models.TextField(help_text="Up to 1,000 characters. {first_name}, {last_name}, {name} (= first name), {days_late} (late only); spintax {Bonjour|Salut|Coucou}, nested up to 3 deep; {{ and }} for literal braces."),
        ),
        migrations.AddField(
            model_name="messagetemplate",
            name="language",
            field=models.CharField(default="fr", help_text="BCP-47 tag: fr, en, fr-CA...", max_length=35),
        ),
        migrations.AddField(
            model_name="messagetemplate",
            name="weight",
            field=models.PositiveSmallIntegerField(default=1, help_text="1..10: how often it is picked among the others."),
        ),
        migrations.AlterModelOptions(name="messagetemplate", options={"ordering": ["kind", "language", "id"]}),
        migrations.AddConstraint(
            model_name="messagetemplate",
            constraint=models.CheckConstraint(condition=models.Q(("weight__gte", 1), ("weight__lte", 10)), name="message_template_weight_1_10"),
        ),
        migrations.AddField(
            model_name="birthdaymessage",
            name="template",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="messages", to="bots.messagetemplate"),
        ),
    ]
