from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.utils.translation import get_language

        from analytics import wording
        from residents.signals import portrait_withdrawn

        # The engine's codes are worded in the language of the request (or of the command).
        wording.use_language_source(get_language)
        # A resident who withdraws consent (or is erased) leaves the stored portrait runs.
        portrait_withdrawn.connect(
            _forget_segments_of, dispatch_uid="analytics.resident_segments_forget"
        )


def _forget_segments_of(sender, *, resident, **kwargs) -> None:
    from analytics.actions import resident_segments_forget

    resident_segments_forget(resident_id=resident.pk)
