"""More Functional Skills aims in the English and maths aim mapping: the reformed (2019) qualifications.

Each row is the Ofqual qualification number (QN) of a reformed Functional Skills
qualification; its LARS learning aim reference is the QN without the slashes
(603/4992/X -> 6034992X), as 0005 explains. Every row was checked against a
published source naming the qualification, its QN, subject and level:

[A] The DfE's T Level results and certification service, its seed list of the English
    and maths qualifications that meet level 2 (QualificationType 3 "Functional Skills",
    subject lookup 8 English / 9 Maths):
    https://github.com/SkillsFundingAgency/tl-results-and-certification/blob/78c7e8a02062871dee2da49ae34b835d23b1d197/src/Sfa.Tl.ResultsAndCertification.Database/PostDeployment/SeedQualification.sql
[B] The same file as of 14 April 2021, when it also listed the qualifications for
    learners with SEND: QualificationType 23 "Functional Skills, Entry 3" and
    25 "Functional Skills, Level 1":
    https://github.com/SkillsFundingAgency/tl-results-and-certification/blob/22431ea110140e35c64acaa6900f36259a1fb199/src/Sfa.Tl.ResultsAndCertification.Database/PostDeployment/SeedQualification.sql
[C] NCFE's qualification page, "NCFE Entry Level 2 Functional Skills Qualification in
    Mathematics, Ref: 603/5053/2":
    https://www.ncfe.org.uk/qualification-search/qualification-detail/ncfe-entry-level-2-functional-skills-qualification-in-mathematics-356

Corroborating pages (same QNs, and aim references spelt as the rule gives them):
FutureQuals' page for its Level 2 maths, "QAN 603/4804/5"
(https://www.futurequals.com/qualifications/level2functionalskillsmaths/; "FAQ" in the
titles is FutureQuals); a provider's page for NCFE Level 1 maths, "NCFE Aim Reference:
60350556, Qualification Number: 603/5055/6"
(https://beezeecollege.com/level-1-functional-skills-in-maths/); a provider's page for
Highfield maths, "Qualification number: 603/4996/7 603/4992/X, Learning aim reference:
60349967 6034992X" (https://clarencegreencollege.com/level-2-functional-skills-maths).

Rows by awarding organisation (E = English, M = maths; source in brackets):
- City & Guilds: E and M at Entry 3 [B], Level 1 [B], Level 2 [A].
- Pearson Edexcel: E and M at Entry 3 [B], Level 1 [B], Level 2 [A].
- NCFE: E Level 2 [A]; M Entry 2 [C], Entry 3 [B], Level 1 [B]
  (E Entry 1-3 and Level 1 and M Level 2 ship in 0005).
- Highfield: E and M at Level 1 [B], Level 2 [A].
- Open Awards: E and M at Entry 3 [B], Level 1 [B], Level 2 [A].
- NOCN: E and M at Entry 3 [B], Level 1 [B], Level 2 [A].
- Skillsfirst: E and M at Level 1 [B], Level 2 [A].
- FutureQuals (FAQ): E and M at Level 1 [B], Level 2 [A].
- OCR: E and M at Entry 3 [B], Level 1 [B], Level 2 [A].
- AQA: M at Level 1 [B], Level 2 [A].
Not shipped, for want of a source naming them: the Entry 1 and Entry 2 aims (but NCFE's
Entry 2 maths), the entry level aims of Highfield, Skillsfirst and FutureQuals, and every
aim of Gateway Qualifications, Ascentis, TQUK, LanguageCert and Laser/Innovate. Admins add
them on the admin site (Learners > English or maths aims), or from the LARS download with
`manage.py import_lars_aims`.

A row already there (an admin added it first) is left as it is.
"""

from django.db import migrations

# (Ofqual qualification number, title as the source spells it, subject, level)
QUALIFICATIONS = [
    # City & Guilds
    ("603/4915/3", "City & Guilds Functional Skills Qualification in English at Entry Level 3", "english", "entry_3"),  # [B]
    ("603/4646/2", "City & Guilds Functional Skills Qualification in English at Level 1", "english", "level_1"),  # [B]
    ("603/4647/4", "City & Guilds Functional Skills Qualification in English at Level 2", "english", "level_2"),  # [A]
    ("603/4917/7", "City & Guilds Functional Skills Qualification in Mathematics at Entry Level 3", "maths", "entry_3"),  # [B]
    ("603/4648/6", "City & Guilds Functional Skills Qualification in Mathematics at Level 1", "maths", "level_1"),  # [B]
    ("603/4649/8", "City & Guilds Functional Skills Qualification in Mathematics at Level 2", "maths", "level_2"),  # [A]
    # Pearson Edexcel
    ("603/4288/2", "Pearson Edexcel Functional Skills Qualification in English at Entry Level 3", "english", "entry_3"),  # [B]
    ("603/4289/4", "Pearson Edexcel Functional Skills Qualification in English at Level 1", "english", "level_1"),  # [B]
    ("603/4290/0", "Pearson Edexcel Functional Skills Qualification in English at Level 2", "english", "level_2"),  # [A]
    ("603/4266/3", "Pearson Edexcel Functional Skills Qualification in Mathematics at Entry Level 3", "maths", "entry_3"),  # [B]
    ("603/4267/5", "Pearson Edexcel Functional Skills Qualification in Mathematics at Level 1", "maths", "level_1"),  # [B]
    ("603/4268/7", "Pearson Edexcel Functional Skills Qualification in Mathematics Level 2", "maths", "level_2"),  # [A]
    # NCFE
    ("603/5054/4", "NCFE Level 2 Functional Skills Qualification in English", "english", "level_2"),  # [A]
    ("603/5053/2", "NCFE Entry Level 2 Functional Skills Qualification in Mathematics", "maths", "entry_2"),  # [C]
    ("603/5061/1", "NCFE Entry Level 3 Functional Skills Qualification in Mathematics", "maths", "entry_3"),  # [B]
    ("603/5055/6", "NCFE Level 1 Functional Skills Qualification in Mathematics", "maths", "level_1"),  # [B]
    # Highfield
    ("603/4993/1", "Highfield Functional Skills Qualification in English at Level 1", "english", "level_1"),  # [B]
    ("603/4997/9", "Highfield Functional Skills Qualification in English at Level 2", "english", "level_2"),  # [A]
    ("603/4996/7", "Highfield Functional Skills Qualification in Mathematics at Level 1", "maths", "level_1"),  # [B]
    ("603/4992/X", "Highfield Functional Skills Qualification in Mathematics at Level 2", "maths", "level_2"),  # [A]
    # Open Awards
    ("603/4896/3", "Open Awards Entry Level Functional Skills Qualification in English (Entry 3)", "english", "entry_3"),  # [B]
    ("603/4604/8", "Open Awards Level 1 Functional Skills Qualification in English", "english", "level_1"),  # [B]
    ("603/4605/X", "Open Awards Level 2 Functional Skills Qualification in English", "english", "level_2"),  # [A]
    ("603/4959/1", "Open Awards Entry Level Functional Skills Qualification in Mathematics (Entry 3)", "maths", "entry_3"),  # [B]
    ("603/4805/7", "Open Awards Level 1 Functional Skills Qualification in Mathematics", "maths", "level_1"),  # [B]
    ("603/4806/9", "Open Awards Level 2 Functional Skills Qualification in Mathematics", "maths", "level_2"),  # [A]
    # NOCN
    ("603/5272/3", "NOCN Functional Skills Qualification in English at Entry 3", "english", "entry_3"),  # [B]
    ("603/5266/8", "NOCN Functional Skills Qualification in English at Level 1", "english", "level_1"),  # [B]
    ("603/5264/4", "NOCN Functional Skills Qualification in English at Level 2", "english", "level_2"),  # [A]
    ("603/5265/6", "NOCN Functional Skills Qualification in mathematics at Entry 3", "maths", "entry_3"),  # [B]
    ("603/5269/3", "NOCN Functional Skills Qualification in mathematics at Level 1", "maths", "level_1"),  # [B]
    ("603/5267/X", "NOCN Functional Skills Qualification in mathematics at Level 2", "maths", "level_2"),  # [A]
    # Skillsfirst
    ("603/4608/5", "Skillsfirst Level 1 Functional Skills Qualification in English", "english", "level_1"),  # [B]
    ("603/4606/1", "Skillsfirst Level 2 Functional Skills Qualification in English", "english", "level_2"),  # [A]
    ("603/4807/0", "Skillsfirst Level 1 Functional Skills Qualification in Mathematics", "maths", "level_1"),  # [B]
    ("603/4808/2", "Skillsfirst Level 2 Functional Skills Qualification in Mathematics", "maths", "level_2"),  # [A]
    # FAQ
    ("603/4602/4", "FAQ Level 1 Functional Skills Qualification in English", "english", "level_1"),  # [B]
    ("603/4603/6", "FAQ Level 2 Functional Skills Qualification in English", "english", "level_2"),  # [A]
    ("603/4803/3", "FAQ Level 1 Functional Skills Qualification in Mathematics", "maths", "level_1"),  # [B]
    ("603/4804/5", "FAQ Level 2 Functional Skills Qualification in Mathematics", "maths", "level_2"),  # [A]
    # OCR
    ("603/4904/9", "OCR Entry Level 3 Functional Skills English", "english", "entry_3"),  # [B]
    ("603/4652/8", "OCR Level 1 Functional Skills English", "english", "level_1"),  # [B]
    ("603/4654/1", "OCR Level 2 Functional Skills English", "english", "level_2"),  # [A]
    ("603/4901/3", "OCR Entry Level 3 Functional Skills Mathematics", "maths", "entry_3"),  # [B]
    ("603/4651/6", "OCR Level 1 Functional Skills Mathematics", "maths", "level_1"),  # [B]
    ("603/4650/4", "OCR Level 2 Functional Skills Mathematics", "maths", "level_2"),  # [A]
    # AQA
    ("603/4257/2", "AQA Functional Skills qualification in Mathematics at Level 1", "maths", "level_1"),  # [B]
    ("603/4258/4", "AQA Functional Skills qualification in Mathematics at Level 2", "maths", "level_2"),  # [A]
]


def aim_ref(qualification_number):
    return qualification_number.replace("/", "")


def forwards(apps, schema_editor):
    EnglishMathsAim = apps.get_model("learners", "EnglishMathsAim")
    for number, title, subject, level in QUALIFICATIONS:
        EnglishMathsAim.objects.get_or_create(
            learn_aim_ref=aim_ref(number), defaults={"title": title, "subject": subject, "level": level}
        )


class Migration(migrations.Migration):
    dependencies = [("learners", "0005_english_maths_aims_shipped")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
