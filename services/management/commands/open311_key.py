"""Issue an Open311 API key. The key is printed once, on the last line of the output."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from core.commands import LocalisedCommand
from residents.models import Community, User
from services.open311.actions import open311_api_key_issue


class Command(LocalisedCommand):
    help = (
        "Issue an Open311 GeoReport v2 API key for a community worker, an administrator or an "
        "organisation's account. The key is printed once, on the last line; only its SHA-256 "
        "digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username of the key's owner.")
        parser.add_argument(
            "--organisation", default="", help="Name of the organisation using the key."
        )
        parser.add_argument(
            "--community",
            default="",
            help="Code of the community used when a request's location names none.",
        )

    def handle(self, *args, user: str, organisation: str, community: str, **options) -> None:
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named '{user}'.")
        if not owner.is_active:
            raise CommandError(f"User '{user}' is inactive.")
        default_community = None
        if community:
            default_community = Community.objects.filter(code=community).first()
            if default_community is None:
                raise CommandError(f"No community with code '{community}'.")
        try:
            issued = open311_api_key_issue(
                owner=owner, organisation=organisation, default_community=default_community
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        api_key = issued.api_key
        self.stdout.write(
            f"Issued Open311 API key {api_key.prefix}… for "
            f"{api_key.organisation or owner.get_username()} (owner: {owner.get_username()}"
            + (f", default community: {default_community.code}" if default_community else "")
            + ")."
        )
        self.stdout.write("Store it now: it is not shown again. The key is on the next line.")
        self.stdout.write(issued.key)
