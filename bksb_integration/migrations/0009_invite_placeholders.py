"""Invite templates move from Django's template language to {placeholders}.

The variables the old syntax offered become placeholders ({{ username }} is
now {bksb_username}); the tags the built-in text used are dropped: the
autoescape wrapper, comments, and {% if auto_login_link %} (a paragraph
holding {auto_login_link} is now left out by itself when there is no link).
Anything else (other tags, filters) cannot be converted safely and is left as
it was: the Invite email page and every invite then say what to fix, and
nothing is sent with it.
"""

import re

from django.db import migrations

VARIABLES = {
    "first_name": "first_name",
    "username": "bksb_username",
    "login_url": "login_url",
    "auto_login_link": "auto_login_link",
}
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
DROPPED = re.compile(
    r"\{%\s*(?:autoescape\s+\w+|endautoescape|if\s+auto_login_link|endif)\s*%\}[ \t]*|\{#.*?#\}", re.DOTALL
)
DJANGO_SYNTAX = re.compile(r"\{\{|\{%|\{#")


def convert(text):
    if not DJANGO_SYNTAX.search(text):
        return text
    text = DROPPED.sub("", text)
    return VARIABLE.sub(lambda m: "{" + VARIABLES[m[1]] + "}" if m[1] in VARIABLES else m[0], text)


def forwards(apps, schema_editor):
    BksbSettings = apps.get_model("bksb_integration", "BksbSettings")
    for row in BksbSettings.objects.all():
        subject, body = convert(row.invite_subject), convert(row.invite_body)
        if (subject, body) != (row.invite_subject, row.invite_body):
            BksbSettings.objects.filter(pk=row.pk).update(invite_subject=subject, invite_body=body)


class Migration(migrations.Migration):
    dependencies = [("bksb_integration", "0008_run_circuit_breaker")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
