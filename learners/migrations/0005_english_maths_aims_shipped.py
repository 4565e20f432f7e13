"""The Functional Skills aims shipped in the English and maths aim mapping (admins add the rest).

A regulated qualification's LARS learning aim reference is its Ofqual
qualification number without the slashes (603/5058/1 -> 60350581). Each row
below was checked against a published page naming the aim:
- NCFE Entry Level 1, 2 and 3 Functional Skills English (603/5059/3, 603/5056/8,
  603/5052/0): NCFE's qualification specification, version 1.0, October 2019;
- NCFE Level 1 Functional Skills English, aim reference 60350581 (603/5058/1):
  a provider's course page quoting NCFE's aim reference;
- NCFE Level 2 Functional Skills Mathematics (603/5060/X): NCFE's QualHub page.
Other awarding organisations' aims, and levels missing here, are added on the
admin site (Learners > English or maths aims) from LARS.
"""

from django.db import migrations

AIMS = [
    ("60350593", "NCFE Entry Level 1 Functional Skills Qualification in English", "english", "entry_1"),
    ("60350568", "NCFE Entry Level 2 Functional Skills Qualification in English", "english", "entry_2"),
    ("60350520", "NCFE Entry Level 3 Functional Skills Qualification in English", "english", "entry_3"),
    ("60350581", "NCFE Level 1 Functional Skills Qualification in English", "english", "level_1"),
    ("6035060X", "NCFE Level 2 Functional Skills Qualification in Mathematics", "maths", "level_2"),
]


def forwards(apps, schema_editor):
    EnglishMathsAim = apps.get_model("learners", "EnglishMathsAim")
    for ref, title, subject, level in AIMS:
        EnglishMathsAim.objects.get_or_create(
            learn_aim_ref=ref, defaults={"title": title, "subject": subject, "level": level}
        )


class Migration(migrations.Migration):
    dependencies = [("learners", "0004_attainment_and_aims")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
