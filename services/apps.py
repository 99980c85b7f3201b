from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services")

    def ready(self) -> None:
        # The Open311 package lives inside this app; its admin pages register here.
        from notifications import sources
        from residents.signals import password_replaced, resident_erased
        from services.notify_source import SOURCE
        from services.open311 import admin  # noqa: F401

        # What notifications may know of requests (the app sits below this one).
        sources.register(SOURCE)

        resident_erased.connect(_erase_requests_of, dispatch_uid="services.resident_requests_erase")
        # A reset or changed password ends the login's Open311 keys with its tokens.
        password_replaced.connect(
            _end_open311_keys_of, dispatch_uid="services.open311_api_keys_revoke"
        )
        connection_created.connect(
            _sqlite_functions_add, dispatch_uid="services.sqlite_functions_add"
        )


def _erase_requests_of(sender, *, resident, **kwargs) -> None:
    from services.actions import resident_requests_erase

    resident_requests_erase(resident=resident)


def _end_open311_keys_of(sender, *, account, **kwargs):
    from services.open311.actions import open311_api_keys_revoke

    # What was ended goes back to the password's actions, whose pages tell the person.
    return open311_api_keys_revoke(owner=account)


def _sqlite_functions_add(sender, *, connection, **kwargs) -> None:
    # The Open311 feed's local day start, which SQLite has no way to compute in UTC itself.
    if connection.vendor != "sqlite":
        return
    from services.open311.queries import SQLITE_LOCAL_DAY_START, sqlite_local_day_start

    connection.connection.create_function(
        SQLITE_LOCAL_DAY_START, 2, sqlite_local_day_start, deterministic=True
    )
