from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services")

    def ready(self) -> None:
        # The Open311 package lives inside this app; its admin pages register here.
        from notifications import sources
        from residents.signals import resident_erased
        from services.notify_source import SOURCE
        from services.open311 import admin  # noqa: F401

        # What notifications may know of requests (the app sits below this one).
        sources.register(SOURCE)

        resident_erased.connect(_erase_requests_of, dispatch_uid="services.resident_requests_erase")


def _erase_requests_of(sender, *, resident, **kwargs) -> None:
    from services.actions import resident_requests_erase

    resident_requests_erase(resident=resident)
