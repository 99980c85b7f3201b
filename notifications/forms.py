"""The preferences form: which channels, which one preferred, which language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from notifications.models import Channel


class PreferenceForm(Form):
    in_app = forms.BooleanField(label=_("In the notification centre"), required=False)
    email = forms.BooleanField(label=_("By email"), required=False)
    sms = forms.BooleanField(label=_("By text message (SMS)"), required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Also send each notification"),
        help_text=_("The notification centre shows every notification you have not turned off."),
    )
    language = forms.ChoiceField(label=_("Language of email and text messages"), choices=())

    def __init__(self, *args, offered: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            Channel.IN_APP: _("Only in the notification centre"),
            Channel.EMAIL: _("By email"),
            Channel.SMS: _("By text message (SMS)"),
        }
        self.fields["preferred_channel"].choices = [(c, labels[c]) for c in offered]
        self.fields["language"].choices = settings.LANGUAGES
        if Channel.SMS not in offered:
            del self.fields["sms"]
