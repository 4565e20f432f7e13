"""Point the embedded default at the bksb sandbox and link some demo records.

Used by `make demo`; reads the sandbox's key pair from the environment
(BKSB_SANDBOX_ACCESS_KEY_ID / BKSB_SANDBOX_SECRET_ACCESS_KEY), never argv.
"""

from __future__ import annotations

import os
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet

from bksb_integration.config.connection import require_bksb
from bksb_integration.config.settings_change import SettingsChange, settings_update
from bksb_integration.models import BksbSettings, Run, TagRule
from bksb_integration.models.mappings import Level, Subject
from bksb_integration.sync.get_results import get_results_start
from bksb_integration.sync.queue import get_results_plan_queue
from learners.models import Kind, Learner
from learners.search_text import search_text_refresh
from permissions import access

# Sandbox users that match no web user: linked by an explicit BKSB Username.
FIRST_RUN_DELAY_SECONDS = 10
EXPLICIT = {"L000002": "other.user01", "L000005": "o'brien.test", "L000008": "name with space"}


class Command(BaseCommand):
    help = "Configure the bksb integration against the local bksb sandbox and link demo learners."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8765/")

    def handle(self, *args: object, sandbox_url: str, **options: object) -> None:
        require_bksb(need_configured=False)
        key_id = os.environ.get("BKSB_SANDBOX_ACCESS_KEY_ID", "")
        secret = os.environ.get("BKSB_SANDBOX_SECRET_ACCESS_KEY", "")
        if not key_id or not secret:
            raise CommandError("Set BKSB_SANDBOX_ACCESS_KEY_ID and BKSB_SANDBOX_SECRET_ACCESS_KEY first.")
        try:
            self._configure(sandbox_url, key_id, secret)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        linked = Learner.objects.filter(bksb_user=True).count()
        self.stdout.write(f"bksb integration: enabled against the sandbox at {sandbox_url}; {linked} BKSB Users.")
        self._first_download()
        runners = [user.get_username() for user in _staff() if access.can_get_results_for_all(user)]
        if runners:
            self.stdout.write(f"Get Results for all learners (Management > BKSB): {', '.join(runners)}.")

    @transaction.atomic
    def _configure(self, sandbox_url: str, key_id: str, secret: str) -> None:
        settings = BksbSettings.load()
        # The same rules as the Settings page: a move to another sandbox clears the Default Password.
        connection = SettingsChange(
            integration_enabled=True,
            api_url=sandbox_url,
            access_key_id=key_id,
            secret_access_key=secret,
            auto_enrol_courses=True,
        )
        settings_update(settings=settings, change=connection, reason="bksb_demo command")
        if not settings.has_default_password:
            password = SettingsChange(default_password=secrets.token_urlsafe(12))
            settings_update(settings=settings, change=password, reason="bksb_demo command")
        settings.hub_bksb_url_enabled = True
        settings.hub_bksb_url = sandbox_url
        settings.hub_bksb_sso = True
        settings.hub_show_levels = True
        settings.requests_per_second = 50
        settings.save()
        for ref, username in EXPLICIT.items():
            Learner.objects.filter(learner_ref=ref).update(bksb_user=True, bksb_username=username)
        search_text_refresh(learner_ids=Learner.objects.filter(learner_ref__in=EXPLICIT).values_list("pk", flat=True))
        applicant = Learner.objects.filter(kind=Kind.APPLICANT, web_user__isnull=False).order_by("pk").first()
        if applicant is not None:
            Learner.objects.filter(pk=applicant.pk).update(bksb_user=True)
        # The Hub login the demo prints (demo.learner0001) has bksb results to show.
        Learner.objects.filter(learner_ref="L000001").update(bksb_user=True)
        _tag_rules()

    def _first_download(self) -> None:
        """Queue a first Get Results to run once the worker and sandbox are up (only once)."""
        if Run.objects.filter(kind=Run.Kind.GET_RESULTS).exists():
            return
        run, started = get_results_start(started_by=None, trigger=Run.Trigger.COMMAND, queue=False)
        if started:
            get_results_plan_queue(run.pk, countdown=FIRST_RUN_DELAY_SECONDS)
            self.stdout.write(f"A first Get Results run starts in about {FIRST_RUN_DELAY_SECONDS} seconds.")


# Tag rules as a provider would start with (Integrations > bksb > Tags and funding): applied as the
# first Get Results stores each learner's levels.
DEMO_TAG_RULES = [
    ("English support: Entry", Subject.ENGLISH, [Level.PRE_ENTRY, Level.ENTRY_1, Level.ENTRY_2, Level.ENTRY_3]),
    ("Maths support: Entry", Subject.MATHS, [Level.PRE_ENTRY, Level.ENTRY_1, Level.ENTRY_2, Level.ENTRY_3]),
    ("Maths: ready for Level 2", Subject.MATHS, [Level.LEVEL_1]),
]


def _tag_rules() -> None:
    if TagRule.objects.exists():
        return  # an admin's rules stay as they are
    TagRule.objects.bulk_create(
        TagRule(name=name, subject=subject, basis=TagRule.Basis.LATEST, levels=[level.value for level in levels])
        for name, subject, levels in DEMO_TAG_RULES
    )


def _staff() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True, web_user__isnull=True).order_by("username")
