from django.conf import settings
from django.core.management.base import CommandError

from core.commands import LocalisedCommand
from demo.city import DEMO_PASSWORD, DEMO_USERS, demo_city_seed
from demo.runs import demo_runs_compute


class Command(LocalisedCommand):
    help = (
        "Fill the database with a SYNTHETIC demo (four real cities in two regions, their real "
        "districts and counties, synthetic communities, residents and three years of "
        "requests) and five demo logins. Refused unless DEBUG is on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo data first and seed again"
        )
        parser.add_argument(
            "--no-runs",
            action="store_true",
            help="do not compute the finished run of every kind the analytics pages show",
        )

    def handle(self, *args, seed: int, reset: bool, no_runs: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with a published password, so it only runs with "
                "DEBUG on (DJANGO_DEBUG=1)."
            )
        summary = demo_city_seed(seed=seed, reset=reset)
        if summary.already_seeded:
            self.stdout.write("The SYNTHETIC demo city is already there (use --reset to redo it).")
        else:
            self.stdout.write(
                f"Seeded a SYNTHETIC demo: {summary.cities} cities, "
                f"{summary.communities} communities, "
                f"{summary.residents} residents, {summary.requests} requests "
                f"({summary.start} to {summary.end}), {summary.status_changes} status changes, "
                f"{summary.capacities} supply capacities."
            )
        if not no_runs:
            self.stdout.write("Analysis runs on the SYNTHETIC demo city (one of every kind):")
            demo_runs_compute(missing_only=summary.already_seeded, report=self.stdout.write)
        self.stdout.write("Demo logins (synthetic data only):")
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<13} password: {DEMO_PASSWORD}")
