"""``manage.py changepassword``: Django's command of that name, through the password action.

Django's own sets the password alone, so a login's API tokens (and the credentials other apps
hold for it) kept acting as it after an operator replaced a stolen password. This one
(``residents`` is listed before ``django.contrib.auth``, so its command is the one ``manage.py``
runs) takes the same command line, prompts the same way, and sets the password with
``account_password_replace``: the site's password rules, then everything the old password
opened ends. It speaks the operator's language (``DJANGO_LANGUAGE_CODE``).

Its own lines name only what this app ends (sessions, API tokens): the other apps' credentials
are told by the lines their ``CredentialsEnded`` words, and only when some ended, so a login
without any is not told they ended, and this app names no credential it does not know.
"""

from __future__ import annotations

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from residents import actions
from residents.models import User

# As Django's command: three tries, each a password typed twice.
MAX_TRIES = 3


class Command(LocalisedCommand):
    help = gettext_noop(
        "Change a login's password. The site's password rules apply, and the login's other "
        "sessions and API tokens end, with any credentials other parts of the site hold for it."
    )
    requires_migrations_checks = True
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "username",
            nargs="?",
            help=gettext_noop("the login's user name (default: your user name on this server)"),
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            choices=tuple(connections),
            help=gettext_noop(
                'the database to find the login in (default: "default"); the password is '
                "written where every write goes"
            ),
        )

    def _get_pass(self, prompt: str) -> str:
        password = getpass.getpass(prompt=prompt)
        if not password:
            raise CommandError(gettext("Aborted: no password given."))
        return password

    def handle(self, *args, **options):
        username = options["username"] or getpass.getuser()
        try:
            account = User._default_manager.db_manager(options["database"]).get_by_natural_key(
                username
            )
        except User.DoesNotExist:
            raise CommandError(
                gettext("There is no login named %(username)s.") % {"username": repr(username)}
            ) from None
        self.stdout.write(
            gettext("Changing the password of %(username)s.") % {"username": repr(username)}
        )
        for _try in range(MAX_TRIES):
            first = self._get_pass(gettext("Password: "))
            second = self._get_pass(gettext("Password (again): "))
            if first != second:
                self.stdout.write(gettext("The passwords do not match. Please try again."))
                continue
            try:
                # The action checks the site's password rules before it writes anything.
                replaced = actions.account_password_replace(account=account, password=first)
            except ValidationError as refused:
                self.stderr.write("\n".join(refused.messages))
                continue
            self.stdout.write(
                gettext(
                    "The password of %(username)s is changed; its other sessions and API "
                    "tokens have ended."
                )
                % {"username": repr(username)}
            )
            # What the other apps ended, told as to the administrator who resets a password.
            for ended in replaced.ended:
                self.stdout.write(ended.to_administrator(account_name=account.display_name))
            return
        raise CommandError(
            gettext("The password of %(username)s is unchanged after %(count)d tries.")
            % {"username": repr(username), "count": MAX_TRIES}
        )
