"""Run /health/ready's checks from the command line (the worker and beat containers' health checks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.health import health_check_names, health_report


class Command(BaseCommand):
    help = "Check the database, the broker, the workers, beat and bksb; exit 1 when any check fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", choices=health_check_names(), help="run this check alone")

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_report(only=options["only"])
        for name, check in report.items():
            self.stdout.write(f"{name}: {'ok' if check.ok else 'FAILING'} ({check.detail})")
        failing = [name for name, check in report.items() if not check.ok]
        if failing:
            raise CommandError(f"not ready: {', '.join(failing)}")
