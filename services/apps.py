from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Services")

    def ready(self) -> None:
        # The Open311 package lives inside this app; its admin pages register here.
        from services.open311 import admin  # noqa: F401
