"""python manage.py bksb_create_user: BKSB | Create user from the command line, for one record or an intake.

    bksb_create_user --learner REF [--username U] [--email E] [--auto-enrol|--no-auto-enrol] [--invite] [--json]
    bksb_create_user --all-unlinked [--invite] [--auto-login-link] [--queue] [--json]

--all-unlinked runs the Create bksb users job (the same as the learner list's) for every eligible record
with no bksb user: in this process, or with --queue on the workers. With --json, one JSON object per record.
Exits non-zero when anything failed.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bksb_integration.accounts.invites import InviteError, invite_send
from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, bksb_client, require_bksb
from bksb_integration.creation import user_create as uc
from bksb_integration.creation.intake import unlinked_eligible
from bksb_integration.creation.users_job import LABELS, LEFT_OUT, IntakeOptions, bksb_users_create_start
from bksb_integration.creation.views.forms import CreateBksbUserForm
from bksb_integration.models import BksbLink, BksbSettings
from jobs.models import Job, JobItem
from jobs.services import job_run
from learners.models import Learner

# How often the command looks whether a job a worker took over has finished.
POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Create a bksb user for a learner or applicant (--learner) and link the record to it, printing the bksb "
        "user id; or for every eligible record with no bksb user (--all-unlinked), a line per record. Exits "
        "non-zero when bksb refuses or anything could not be created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--learner", metavar="REF", help="the learner reference")
        which.add_argument(
            "--all-unlinked", action="store_true", help="every eligible record with no bksb user (a background job)"
        )
        parser.add_argument(
            "--queue", action="store_true", help="with --all-unlinked: queue the job for the workers and return"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per record")
        parser.add_argument("--username", help="default: web user name, BKSB Username, or a suggestion")
        parser.add_argument("--email", help="default: the record's email")
        enrol = parser.add_mutually_exclusive_group()
        enrol.add_argument("--auto-enrol", dest="auto_enrol", action="store_true", default=None)
        enrol.add_argument("--no-auto-enrol", dest="auto_enrol", action="store_false")
        parser.add_argument("--invite", action="store_true", help="email the learner an invite afterwards")
        parser.add_argument(
            "--auto-login-link", action="store_true", help="with --invite: include a one-time auto-login link"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_bksb(need_configured=True)
        if options["all_unlinked"]:
            self._all_unlinked(options)
            return
        if options["queue"]:
            raise CommandError("--queue goes with --all-unlinked.")
        learner = Learner.objects.select_related("web_user__user").filter(learner_ref=options["learner"]).first()
        if learner is None:
            raise CommandError(f"No learner or applicant with reference {options['learner']}.")
        settings = BksbSettings.load()
        self.as_json = options["as_json"]
        form = self._form(learner, settings, options)
        if not form.is_valid():
            errors = [str(message) for messages in form.errors.values() for message in messages]
            raise CommandError("Not sent: " + " ".join(errors))
        try:
            with bksb_client(settings) as client:
                self._create(learner, form.cleaned_data, client, settings)
                if options["invite"]:
                    self._invite(learner, client, settings, options["auto_login_link"])
        except BksbNotReady as exc:
            raise CommandError(str(exc)) from None

    as_json = False

    def _all_unlinked(self, options: dict[str, Any]) -> None:
        """Create bksb users for every eligible record with no bksb user, through the Create bksb users job."""
        self.as_json = options["as_json"]
        if any(options[name] is not None for name in ("username", "email", "auto_enrol")):
            raise CommandError("--username, --email and --auto-enrol go with --learner (an intake takes the defaults).")
        settings = BksbSettings.load()
        ids = list(unlinked_eligible(settings=settings, today=timezone.localdate()).values_list("pk", flat=True))
        if not ids:
            self.stderr.write("Every eligible record has a bksb user: nothing to create.")
            return
        invite = IntakeOptions(invite=options["invite"], auto_login_link=options["auto_login_link"])
        try:
            job = bksb_users_create_start(learner_ids=ids, started_by=None, options=invite)
        except uc.CreationNotPossible as exc:
            raise CommandError(str(exc)) from None
        if options["queue"]:
            self.stderr.write(f"Job {job.pk} queued for {len(ids)} records: watch it at /jobs/{job.pk}/.")
            if self.as_json:
                self.stdout.write(json.dumps({"job": job.pk, "records": len(ids), "queued": True}))
            return
        self._run_here(job)

    def _run_here(self, job: Job) -> None:
        """Run the job in this process (a worker that got its message first runs it instead: then wait)."""
        job_run(job_id=job.pk)
        job.refresh_from_db()
        while not job.is_finished:
            time.sleep(POLL_SECONDS)
            job.refresh_from_db()
        items = list(JobItem.objects.filter(job=job).order_by("position"))
        user_ids = dict(
            BksbLink.objects.filter(learner_id__in=[item.subject_id for item in items]).values_list(
                "learner_id", "bksb_user_id"
            )
        )
        for item in items:
            self._item_write(item, user_ids.get(item.subject_id or 0))
        self.stderr.write(job.message or job.get_status_display())
        left_out = [item for item in items if item.outcome in LEFT_OUT]
        if left_out:
            names = ", ".join(f"{item.subject} ({item.detail})" for item in left_out)
            self.stderr.write(
                f"{len(left_out)} left out, since bksb may know them already (review the match on each record's "
                f"BKSB tab, or Management > BKSB > Match learners): {names}."
            )
        if job.status not in (Job.Status.SUCCEEDED, Job.Status.PARTIAL):
            raise CommandError(f"The job stopped: {job.message}")
        if job.failed:
            raise CommandError(f"{job.failed} of {job.total} records were not created.")

    def _item_write(self, item: JobItem, bksb_user_id: int | None) -> None:
        label = LABELS.get(item.outcome, item.outcome)
        if self.as_json:
            record = {"learner": item.subject, "outcome": item.outcome, "label": label, "ok": item.ok}
            record |= {"username": item.detail, "bksb_user_id": bksb_user_id if item.ok else None}
            record |= {"left_out": item.outcome in LEFT_OUT}
            self.stdout.write(json.dumps(record | {"message": item.message}))
        else:
            self.stdout.write(f"{item.subject}\t{label}\t{item.detail}\t{item.message}")

    def _form(self, learner: Learner, settings: BksbSettings, options: dict[str, Any]) -> CreateBksbUserForm:
        initial = CreateBksbUserForm(learner=learner, settings=settings).initial
        data = {
            "username": options["username"] if options["username"] is not None else initial["username"],
            "email": options["email"] if options["email"] is not None else initial["email"],
        }
        auto_enrol = options["auto_enrol"] if options["auto_enrol"] is not None else initial["auto_enrol_courses"]
        if auto_enrol:
            data["auto_enrol_courses"] = "on"
        return CreateBksbUserForm(data, learner=learner, settings=settings)

    def _create(
        self, learner: Learner, data: dict[str, Any], client: BksbClient, settings: BksbSettings
    ) -> uc.CreationOutcome:
        try:
            outcome = uc.bksb_user_create(
                learner=learner,
                username=data["username"],
                email=data["email"],
                auto_enrol=data["auto_enrol_courses"],
                requested_by=None,
                client=client,
                settings=settings,
            )
        except uc.CreationNotPossible as exc:
            raise CommandError(str(exc)) from None
        if self.as_json:
            record = {"learner": learner.learner_ref, "outcome": outcome.result, "ok": outcome.ok}
            record |= {"username": outcome.username, "bksb_user_id": outcome.bksb_user_id, "message": outcome.message}
            self.stdout.write(json.dumps(record))
        if not outcome.ok:
            hint = f" A free name: {outcome.suggestion}." if outcome.suggestion else ""
            raise CommandError(outcome.message + hint)
        self.stderr.write(outcome.message)
        if not self.as_json:
            self.stdout.write(str(outcome.bksb_user_id))
        return outcome

    def _invite(self, learner: Learner, client: BksbClient, settings: BksbSettings, with_link: bool) -> None:
        learner.refresh_from_db()
        try:
            sent = invite_send(
                learner=learner, sent_by=None, with_auto_login_link=with_link, client=client, settings=settings
            )
        except InviteError as exc:
            raise CommandError(f"The bksb user was created, but the invite was not sent: {exc}") from None
        self.stderr.write(sent.message)
