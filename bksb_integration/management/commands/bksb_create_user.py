"""python manage.py bksb_create_user --learner REF: BKSB | Create user from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bksb_integration.accounts import user_creation as uc
from bksb_integration.accounts.invites import InviteError, invite_send
from bksb_integration.api.client import BksbClient
from bksb_integration.config.connection import BksbNotReady, bksb_client, require_bksb
from bksb_integration.models import BksbSettings
from bksb_integration.web.forms_users import CreateBksbUserForm
from learners.models import Learner


class Command(BaseCommand):
    help = (
        "Create a bksb user for a learner or applicant and link the record to it. Prints the bksb user id; "
        "exits non-zero when bksb refuses or nothing could be created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learner", required=True, metavar="REF", help="the learner reference")
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
        learner = Learner.objects.select_related("web_user__user").filter(learner_ref=options["learner"]).first()
        if learner is None:
            raise CommandError(f"No learner or applicant with reference {options['learner']}.")
        settings = BksbSettings.load()
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
        if not outcome.ok:
            hint = f" A free name: {outcome.suggestion}." if outcome.suggestion else ""
            raise CommandError(outcome.message + hint)
        self.stderr.write(outcome.message)
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
