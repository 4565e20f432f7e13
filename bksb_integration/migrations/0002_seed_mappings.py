"""Seed the level and subject tables with the wording bksb is known to use."""

from django.db import migrations

SUBJECTS = {
    "ENG_NEW": "english",
    "MATHS_NEW": "maths",
    "ICT": "ict",
    "OZ_ENG": "english",
    "OZ_MATHS": "maths",
    "OZ_DIGI": "ict",
}

# (text, match, level). Ends-with rows match "English Entry 3", "Maths Level 1" and so on;
# the longest matching row wins, so "ICT Below Entry 3" is Entry 2, not Entry 3.
LEVELS = [
    ("Pre-Entry", "ends_with", "pre_entry"),
    ("Below Entry 1", "ends_with", "pre_entry"),
    ("Entry 1", "ends_with", "entry_1"),
    ("Below Entry 2", "ends_with", "entry_1"),
    ("Entry 2", "ends_with", "entry_2"),
    ("Below Entry 3", "ends_with", "entry_2"),
    ("Entry 3", "ends_with", "entry_3"),
    ("Below Level 1", "ends_with", "entry_3"),
    ("Level 1", "ends_with", "level_1"),
    ("Below Level 2", "ends_with", "level_1"),
    ("Level 2", "ends_with", "level_2"),
    ("Below Level 3", "ends_with", "level_2"),
    ("Level 3", "ends_with", "level_3"),
]


def seed(apps, schema_editor):
    SubjectMapping = apps.get_model("bksb_integration", "SubjectMapping")
    LevelMapping = apps.get_model("bksb_integration", "LevelMapping")
    for code, subject in SUBJECTS.items():
        SubjectMapping.objects.get_or_create(course_subject=code, defaults={"subject": subject})
    for text, match, level in LEVELS:
        LevelMapping.objects.get_or_create(text=text, match=match, defaults={"level": level})


class Migration(migrations.Migration):
    dependencies = [("bksb_integration", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
