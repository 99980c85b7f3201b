"""Issue an Open311 API key. The key is printed once, on the last line of the output."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from core.localisation import join_sentences
from residents.models import Community, User
from services.open311.actions import open311_api_key_issue


class Command(LocalisedCommand):
    help = gettext_noop(
        "Issue an Open311 GeoReport v2 API key for a community worker, an administrator or an "
        "organisation's account. The key is printed once, on the last line; only its SHA-256 "
        "digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", required=True, help=gettext_noop("Username of the key's owner.")
        )
        parser.add_argument(
            "--organisation",
            default="",
            help=gettext_noop("Name of the organisation using the key."),
        )
        parser.add_argument(
            "--community",
            default="",
            help=gettext_noop("Code of the community used when a request's location names none."),
        )

    def handle(self, *args, user: str, organisation: str, community: str, **options) -> None:
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(gettext("No user named '%(user)s'.") % {"user": user})
        if not owner.is_active:
            raise CommandError(gettext("User '%(user)s' is inactive.") % {"user": user})
        default_community = None
        if community:
            default_community = Community.objects.filter(code=community).first()
            if default_community is None:
                raise CommandError(
                    gettext("No community with code '%(code)s'.") % {"code": community}
                )
        try:
            issued = open311_api_key_issue(
                owner=owner, organisation=organisation, default_community=default_community
            )
        except ValidationError as exc:
            raise CommandError(join_sentences(*exc.messages)) from None
        api_key = issued.api_key
        figures = {
            "prefix": api_key.prefix,
            "holder": api_key.organisation or owner.get_username(),
            "owner": owner.get_username(),
            "community": default_community.code if default_community else "",
        }
        self.stdout.write(
            (
                gettext(
                    "Issued Open311 API key %(prefix)s… for %(holder)s (owner: %(owner)s, "
                    "default community: %(community)s)."
                )
                if default_community
                else gettext(
                    "Issued Open311 API key %(prefix)s… for %(holder)s (owner: %(owner)s)."
                )
            )
            % figures
        )
        self.stdout.write(
            gettext("Store it now: it is not shown again. The key is on the next line.")
        )
        self.stdout.write(issued.key)
