from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """No models: installed so that its template tags (``localised``) are found."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Django's admin gives its yes/no icons the alt text "True"/"False" in every language
        # (the value itself). Its list, its read-only fields and its forms all import the icon
        # from this module when they draw one, so replacing it here covers every page.
        from django.contrib.admin.templatetags import admin_list
        from django.core import checks

        from core.admin import readable_boolean_icon
        from core.replacements import check_replacements, replace

        replace(admin_list, "_boolean_icon", readable_boolean_icon)
        # Every app's replacements (``core.replacements``) are checked here, once.
        checks.register(check_replacements)
