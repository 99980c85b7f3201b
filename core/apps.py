from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """No models: installed so that its template tags (``localised``) are found."""

    name = "core"
    verbose_name = _("Core")
