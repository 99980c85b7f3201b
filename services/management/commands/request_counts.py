"""Roll up the closed months of requests the overview reads from its kept counts."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from services.actions import request_months_count


class Command(LocalisedCommand):
    help = gettext_noop(
        "Count the requests of every closed month not counted yet, per community and area of "
        "need, for the overview (idempotent, as the nightly scheduled task does)."
    )

    def handle(self, *args, **options) -> None:
        months = request_months_count()
        # Months as YYYY-MM, comma-separated: the database's own keys.
        self.stdout.write(
            gettext("Counted %(count)s months: %(months)s")
            % {"count": len(months), "months": ", ".join(f"{m:%Y-%m}" for m in months)}
            if months
            else gettext("No month left to count.")
        )
