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
        from django.contrib.admin import options as admin_options
        from django.contrib.admin.templatetags import admin_list
        from django.core import checks

        from core.admin import deleted_objects_labelled, readable_boolean_icon
        from core.forms import ModelForm
        from core.replacements import check_replacements, replace

        replace(admin_list, "_boolean_icon", readable_boolean_icon)
        # What a delete page lists, "Analysis run: …" in every language: every model admin's
        # ``get_deleted_objects`` (its page and the bulk delete's) calls this module's name.
        replace(admin_options, "get_deleted_objects", deleted_objects_labelled)
        # The form every model admin makes its own from, unless it names one: ours, so a
        # choice the admin did not offer is refused without repeating it (``core.forms``).
        replace(admin_options.BaseModelAdmin, "form", ModelForm)
        # Every app's replacements (``core.replacements``) are checked here, once.
        checks.register(check_replacements)
