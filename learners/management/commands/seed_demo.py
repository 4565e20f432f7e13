from django.core.management.base import BaseCommand, CommandParser

from learners.demo import demo_seed


class Command(BaseCommand):
    help = "Create demo staff accounts (admin, manager, tutor) and a few hundred learners and applicants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=300, help="how many records (default 300)")

    def handle(self, *args: object, learners: int, **options: object) -> None:
        logins = demo_seed(learners=learners)
        self.stdout.write(
            f"Demo data: {logins.learners} learners, {logins.applicants} applicants, {logins.web_users} web users."
        )
        self.stdout.write("Staff logins (username / password):")
        for name, password in logins.staff.items():
            self.stdout.write(f"  {name:<8} {password}")
        self.stdout.write(f"Learner Hub logins: demo.learner0001 (and others) / {logins.learner_password}")
