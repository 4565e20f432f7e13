from django.db import migrations, models
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower

FIELDS = ("learner_ref", "first_name", "last_name", "email", "bksb_username")


def fill(apps, schema_editor):
    Learner = apps.get_model("learners", "Learner")
    WebUser = apps.get_model("learners", "WebUser")
    web_username = WebUser.objects.filter(learner_id=OuterRef("pk")).values("user__username")[:1]
    pieces = []
    for field in FIELDS:
        pieces += [Coalesce(field, Value(""), output_field=TextField()), Value(" ")]
    pieces.append(Coalesce(Subquery(web_username), Value(""), output_field=TextField()))
    Learner.objects.update(search_text=Lower(Concat(*pieces, output_field=TextField())))


def trigram_index(apps, schema_editor):
    # Only PostgreSQL has trigram indexes; elsewhere a plain scan is fine.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS learner_search_trgm ON learners_learner USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS learner_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("learners", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="learner",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
