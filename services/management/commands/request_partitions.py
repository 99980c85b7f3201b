"""Create the coming months' partitions of requests and their history, and report them."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from core.localisation import labelled
from services import partitions
from services.actions import request_partitions_ensure


class Command(LocalisedCommand):
    help = gettext_noop(
        "Create the monthly partitions of requests and their status history for this month "
        "and the next months (PostgreSQL; idempotent, as the daily scheduled task does), list "
        "them, and with --check count references to requests that do not exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=partitions.MONTHS_AHEAD,
            help=gettext_noop("Months after the current one to create (default %(default)s)."),
        )
        parser.add_argument(
            "--since",
            default="",
            help=gettext_noop(
                "Also create every month from this one (YYYY-MM), before importing older history."
            ),
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=gettext_noop(
                "Also count comments, reviews, history and idempotency records naming no "
                "request; fail if there is any."
            ),
        )

    def handle(self, *args, months_ahead: int, since: str, check: bool, **options) -> None:
        if months_ahead < 0 or months_ahead > 120:
            raise CommandError(gettext("--months-ahead must be between 0 and 120."))
        first = None
        if since:
            try:
                first = datetime.strptime(since, "%Y-%m").date()
            except ValueError:
                raise CommandError(
                    gettext("--since must be a month as YYYY-MM, not '%(since)s'.")
                    % {"since": since}
                ) from None
        created = request_partitions_ensure(months_ahead=months_ahead, since=first)
        for target in partitions.PARTITIONED_TABLES:
            if not partitions.is_partitioned(target.table):
                self.stdout.write(
                    labelled(target.table, gettext("not partitioned (only on PostgreSQL)."))
                )
                continue
            listed = partitions.partitions_listed(target.table)
            self.stdout.write(
                labelled(
                    target.table,
                    gettext("%(count)s partitions by %(key)s")
                    % {"count": len(listed), "key": target.key},
                )
            )
        # The partitions' names are the database's: listed as they are, comma-separated.
        self.stdout.write(
            gettext("Created %(count)s: %(partitions)s")
            % {"count": len(created), "partitions": ", ".join(created)}
            if created
            else gettext("Created none.")
        )
        if check:
            missing = partitions.request_references_check()
            for table, count in missing.items():
                self.stdout.write(
                    labelled(table, gettext("%(count)s rows name no request") % {"count": count})
                )
            if any(missing.values()):
                raise CommandError(gettext("Some rows name a request that does not exist."))
