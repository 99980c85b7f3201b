from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from core.localisation import labelled
from geography import AreaLevel
from residents import actions

LEVELS = {"province": AreaLevel.PROVINCE, "city": AreaLevel.CITY, "district": AreaLevel.DISTRICT}
LEVELS["street"] = AreaLevel.STREET


class Command(LocalisedCommand):
    help = gettext_noop(
        "Load the administrative-division tree (province, city, district or county, street or "
        "township) from geography/areas.csv; areas already there are kept, so it may run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            default=None,
            help=gettext_noop(
                "a province's code or two-digit prefix (repeatable; default: every province)"
            ),
        )
        parser.add_argument(
            "--down-to",
            choices=list(LEVELS),
            default="street",
            help=gettext_noop("the lowest level to load (default: street)"),
        )

    def handle(self, *args, **options):
        provinces = options["province"]
        for code in provinces or ():
            if not (code.isdigit() and len(code) in (2, 6)):
                raise CommandError(
                    labelled(f"--province {code!r}", gettext("give a 6-digit code or 2 digits"))
                )
        try:
            added = actions.areas_load(max_level=LEVELS[options["down_to"]], provinces=provinces)
        except ValidationError as exc:  # a row of the reference data: named, nothing written
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(gettext("%(count)s areas added.") % {"count": added})
