"""Learner records: learners and applicants, and their web (Hub) accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from learners.attainment import GCSE_GRADE_CHOICES, PriorLevel


class Kind(models.TextChoices):
    LEARNER = "learner", "Learner"
    APPLICANT = "applicant", "Applicant"


class SystemStatus(models.TextChoices):
    LIVE = "live", "Live"
    ARCHIVED = "archived", "Archived"


class LearningStatus(models.TextChoices):
    IN_LEARNING = "in_learning", "In Learning"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    BREAK_IN_LEARNING = "break_in_learning", "Break in Learning"
    TRANSFERRED = "transferred", "Transferred"


class ProvisionType(models.TextChoices):
    """Ofsted's provision types (FE report cards from November 2025); derived by learners.provision."""

    YOUNG_PEOPLE = "young_people", "Young people (16 to 19)"
    ADULTS = "adults", "Adults"
    APPRENTICESHIPS = "apprenticeships", "Apprenticeships"
    HIGH_NEEDS = "high_needs", "High needs"


class AttainmentSource(models.TextChoices):
    ILR = "ilr", "ILR file"
    CSV = "csv", "CSV import"


class Learner(models.Model):
    """A person on the provider's books: a learner, or an applicant before enrolment.

    Applicants are the same model with kind=applicant, so everything bksb does
    (linking, downloads, user creation) serves both alike. The BKSB User and
    BKSB Username fields mirror the MIS fields of the same names; the resolved
    bksb user id and download state live in bksb_integration.
    """

    learner_ref = models.CharField("learner reference", max_length=30, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEARNER)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    system_status = models.CharField(max_length=10, choices=SystemStatus.choices, default=SystemStatus.LIVE)
    learning_status = models.CharField(
        max_length=20, choices=LearningStatus.choices, default=LearningStatus.IN_LEARNING
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    bksb_user = models.BooleanField("BKSB User", default=False)
    bksb_username = models.CharField("BKSB Username", max_length=150, blank=True)
    # Prior attainment: personal data behind the View prior attainment right (permissions.access).
    uln = models.CharField("ULN", max_length=10, blank=True, help_text="9999999999 means not known.")
    gcse_english_grade = models.CharField(
        "GCSE English grade", max_length=4, blank=True, choices=GCSE_GRADE_CHOICES, help_text="Blank: not known."
    )
    gcse_maths_grade = models.CharField(
        "GCSE maths grade", max_length=4, blank=True, choices=GCSE_GRADE_CHOICES, help_text="Blank: not known."
    )
    prior_level = models.CharField("prior attainment level", max_length=2, blank=True, choices=PriorLevel.choices)
    edf_english = models.BooleanField("GCSE English not achieved by the end of year 11 (EDF 2)", default=False)
    edf_maths = models.BooleanField("GCSE maths not achieved by the end of year 11 (EDF 1)", default=False)
    ecf_code = models.CharField("English condition of funding (ECF code)", max_length=2, blank=True)
    mcf_code = models.CharField("maths condition of funding (MCF code)", max_length=2, blank=True)
    high_needs = models.BooleanField("high needs student (HNS)", default=False)
    ehc_plan = models.BooleanField("education, health and care plan (EHC)", default=False)
    attainment_source = models.CharField(max_length=3, blank=True, choices=AttainmentSource.choices)
    attainment_as_of = models.DateField("attainment as of", null=True, blank=True)
    provision_type = models.CharField(max_length=20, blank=True, choices=ProvisionType.choices)
    # Caseloads (learners.caseload): staff restricted to their own see the records of their tutor
    # groups, and those whose tutor column names them.
    tutor_group = models.CharField("tutor group", max_length=50, blank=True)
    tutor = models.CharField(
        "tutor", max_length=150, blank=True, help_text="The tutor's username or email, in lower case."
    )
    # Lower-cased reference, names, email and usernames, kept by the services that write them (learners.search_text).
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "search_text"])

    class Meta:
        ordering = ["last_name", "first_name", "learner_ref"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "learner_ref"], name="learner_name_order"),
            models.Index(fields=["email"], name="learner_email"),
            models.Index(fields=["system_status", "learning_status"], name="learner_statuses"),
            models.Index(fields=["kind"], name="learner_kind"),
            models.Index(fields=["provision_type"], name="learner_provision_type"),
            models.Index(fields=["tutor_group"], name="learner_tutor_group"),
            models.Index(fields=["tutor"], name="learner_tutor"),
            # The few records that are not BKSB Users, read without the table (the unmatched report's
            # "Eligible, not a BKSB User": bksb_integration/unmatched/report.py).
            models.Index(fields=["id"], name="learner_not_bksb_user", condition=models.Q(bksb_user=False)),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.learner_ref})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_applicant(self) -> bool:
        return self.kind == Kind.APPLICANT


class WebUser(models.Model):
    """A learner's web (portal) account, used to log in to the learner Hub.

    It wraps a Django user with no staff rights. bksb_updated is when this
    learner's bksb results were last downloaded (Maytas's BKSBUPDATED):
    null means "never", so the next download reads everything.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_user")
    learner = models.OneToOneField(Learner, on_delete=models.CASCADE, related_name="web_user")
    bksb_updated = models.DateTimeField("BKSB updated", null=True, blank=True)

    class Meta:
        verbose_name = "web user"

    def __str__(self) -> str:
        return self.username

    @property
    def username(self) -> str:
        return self.user.get_username()


class ListPreference(models.Model):
    """A staff user's choice of the learner list's columns.

    `columns` maps a column's key to shown (true) or hidden (false), only for the columns the person
    changed: any other column, one added later among them, shows as it does by default.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_list_preference"
    )
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "learner list preference"

    def __str__(self) -> str:
        return f"Learner list columns of user {self.user_id}"


class Subject(models.TextChoices):
    ENGLISH = "english", "English"
    MATHS = "maths", "Maths"


class AimLevel(models.TextChoices):
    """Levels of English and maths aims, spelt as the bksb level scale spells them."""

    ENTRY_1 = "entry_1", "Entry 1"
    ENTRY_2 = "entry_2", "Entry 2"
    ENTRY_3 = "entry_3", "Entry 3"
    LEVEL_1 = "level_1", "Level 1"
    LEVEL_2 = "level_2", "Level 2"


class EnglishMathsAim(models.Model):
    """A learning aim reference (LARS) that is an English or maths qualification, with its subject and level.

    Admins edit the rows; migration 0005 ships the Functional Skills aims it names with their sources.
    """

    learn_aim_ref = models.CharField("aim reference", max_length=8, unique=True)
    title = models.CharField(max_length=200)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    level = models.CharField(max_length=10, choices=AimLevel.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["subject", "level", "learn_aim_ref"]
        verbose_name = "English or maths aim"

    def __str__(self) -> str:
        return f"{self.learn_aim_ref} {self.title}"


class LearningAim(models.Model):
    """One ILR LearningDelivery of a record, keyed by its AimSeqNumber; only the fields the rules read."""

    # Not indexed alone: learning_aim_unique_seq leads with the learner and serves every lookup by it.
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="aims", db_index=False)
    aim_seq_number = models.PositiveSmallIntegerField("aim sequence number")
    learn_aim_ref = models.CharField("aim reference", max_length=8)
    aim_type = models.PositiveSmallIntegerField()
    fund_model = models.PositiveSmallIntegerField("funding model")
    prog_type = models.PositiveSmallIntegerField("programme type", null=True, blank=True)
    std_code = models.PositiveIntegerField("standard code", null=True, blank=True)
    start_date = models.DateField()
    planned_end_date = models.DateField()
    actual_end_date = models.DateField(null=True, blank=True)
    comp_status = models.PositiveSmallIntegerField("completion status")
    outcome = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_english_hours = models.PositiveSmallIntegerField("planned English hours (EMH)", null=True, blank=True)
    planned_maths_hours = models.PositiveSmallIntegerField("planned maths hours (MMH)", null=True, blank=True)
    source_of_funding = models.CharField("source of funding (SOF)", max_length=3, blank=True)

    class Meta:
        ordering = ["learner", "aim_seq_number"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "aim_seq_number"], name="learning_aim_unique_seq"),
        ]
        # The learner list's aim and funding model filters (learners.programme_filters): every holder's
        # learner from the index alone, for the list's count (the aim choices read AimReference).
        indexes = [
            models.Index(fields=["learn_aim_ref", "learner"], name="learning_aim_ref_learner"),
            models.Index(fields=["fund_model", "learner"], name="learning_aim_fund_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.learn_aim_ref} ({self.aim_seq_number})"


class AimReference(models.Model):
    """An aim reference some record holds: the Aim filter's options, read from this small table rather than
    from every aim (learners/aim_references.py keeps it, as the ILR import writes aims)."""

    learn_aim_ref = models.CharField("aim reference", max_length=8, primary_key=True)

    class Meta:
        ordering = ["learn_aim_ref"]

    def __str__(self) -> str:
        return self.learn_aim_ref


class CaseloadGroup(models.Model):
    """A tutor group on a member of staff's caseload (Tools > Caseloads)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_groups")
    tutor_group = models.CharField("tutor group", max_length=50)
    # Who could see which records, and since when: each group given or taken away is in the audit trail.
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "tutor_group"]
        constraints = [models.UniqueConstraint(fields=["user", "tutor_group"], name="caseload_group_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.tutor_group}"
