from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.utils.translation import get_language

        from analytics import wording

        # The engine's codes are worded in the language of the request (or of the command).
        wording.use_language_source(get_language)
