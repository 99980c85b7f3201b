from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from core.localisation import labelled
from demo.city import DEMO_PASSWORD, DEMO_USERS, demo_city_seed
from demo.runs import demo_runs_compute


class Command(LocalisedCommand):
    help = gettext_noop(
        "Fill the database with a SYNTHETIC demo (four real cities in two regions, their real "
        "districts and counties, synthetic communities, residents and three years of "
        "requests) and five demo logins. Refused unless DEBUG is on. Its output is in the "
        "operator's language (DJANGO_LANGUAGE_CODE)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help=gettext_noop("random seed (default 2026)")
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_noop("delete the demo data first and seed again"),
        )
        parser.add_argument(
            "--no-runs",
            action="store_true",
            help=gettext_noop(
                "do not compute the finished run of every kind the analytics pages show"
            ),
        )

    def handle(self, *args, seed: int, reset: bool, no_runs: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                gettext(
                    "seed_demo creates logins with a published password, so it only runs with "
                    "DEBUG on (DJANGO_DEBUG=1)."
                )
            )
        summary = demo_city_seed(seed=seed, reset=reset)
        if summary.already_seeded:
            self.stdout.write(
                gettext("The SYNTHETIC demo city is already there (use --reset to redo it).")
            )
        else:
            self.stdout.write(
                gettext(
                    "Seeded a SYNTHETIC demo: %(cities)s cities, %(communities)s communities, "
                    "%(residents)s residents, %(requests)s requests (%(start)s to %(end)s), "
                    "%(status_changes)s status changes, %(capacities)s supply capacities."
                )
                % {
                    "cities": summary.cities,
                    "communities": summary.communities,
                    "residents": summary.residents,
                    "requests": summary.requests,
                    "start": summary.start,
                    "end": summary.end,
                    "status_changes": summary.status_changes,
                    "capacities": summary.capacities,
                }
            )
        if not no_runs:
            self.stdout.write(
                gettext("Analysis runs on the SYNTHETIC demo city (one of every kind):")
            )
            demo_runs_compute(missing_only=summary.already_seeded, report=self.stdout.write)
        self.stdout.write(gettext("Demo logins (synthetic data only):"))
        for username in DEMO_USERS:
            # Translators: the word before a demo login's password ("password: ...").
            password = labelled(gettext("password"), DEMO_PASSWORD)
            self.stdout.write(f"  {username:<13} {password}")
