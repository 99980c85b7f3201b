from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The SYNTHETIC demo city: its generator, the ``seed_demo`` command and the page notice."""

    name = "demo"
    verbose_name = _("Demo city")
