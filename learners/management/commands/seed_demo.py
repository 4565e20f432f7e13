from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from bksbmis.private_files import private_write
from learners.demo import demo_seed


class Command(BaseCommand):
    help = "Create demo staff accounts (admin, manager, tutor) and a few hundred learners and applicants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=300, help="how many records (default 300)")
        parser.add_argument(
            "--summary-file", type=Path, help="also write what is printed (it holds passwords) here, mode 0600"
        )

    def handle(self, *args: object, learners: int, summary_file: Path | None, **options: object) -> None:
        logins = demo_seed(learners=learners)
        lines = [
            f"Demo data: {logins.learners} learners, {logins.applicants} applicants, {logins.web_users} web users.",
            "Staff logins (username / password):",
            *(f"  {name:<8} {password}" for name, password in logins.staff.items()),
            f"Learner Hub logins: demo.learner0001 (and others) / {logins.learner_password}",
        ]
        for line in lines:
            self.stdout.write(line)
        if summary_file is not None:
            private_write(summary_file, "".join(line + "\n" for line in lines))
