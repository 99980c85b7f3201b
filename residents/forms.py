"""Web forms for accounts and resident profiles. They validate and shape input for the
actions in ``residents/actions.py``; they never write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat, Trim
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import ChoicesWithoutEcho, Form, ModelForm
from core.localisation import with_code
from residents import pii
from residents.actions import PROFILE_FIELDS, SIGNUP_NAME_MAX_LENGTH, PortraitAnswers
from residents.community_tree import use_community_tree
from residents.consent import PORTRAIT_PURPOSE
from residents.login_protection import password_confirmed
from residents.models import PORTRAIT_FIELDS, Community, PersonalDataAccess, Resident

# Identifiers are handled apart from the profile facts (see below); the portrait facts
# only on their own form, with consent (``PortraitForm``).
PROFILE_FIELDS = list(PROFILE_FIELDS)
IDENTIFIER_FIELDS = ["name", "phone", "national_id"]


class LoginForm(ChoicesWithoutEcho, AuthenticationForm):
    """Django's login form, with autocomplete hints for phones and password managers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Community) -> str:
        """The name with its district and city in brackets, as each language writes them:
        "Name (district, city)" in English, "名称（区县、城市）" in Chinese."""
        place = gettext(", ").join(part for part in (obj.district, obj.city.name) if part)
        return with_code(obj.name, place)


class ResidentProfileForm(ModelForm):
    """A resident profile, for the worker's create/edit pages and the resident's own.

    Identifiers (name, phone, national ID) are never pre-filled on an edit: showing them
    would be an unmasked display. Left blank on an edit, they keep their stored value.
    """

    class Meta:
        model = Resident
        fields = [*IDENTIFIER_FIELDS, *PROFILE_FIELDS]
        field_classes = {"community": CommunityChoiceField}
        # A person's name (the model's "name" reads as a thing's name in Chinese, 名称).
        labels = {"name": _("Name")}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "national_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        use_community_tree(
            self.fields["community"],
            communities if communities is not None else self.fields["community"].queryset,
        )
        self.editing = bool(self.instance and self.instance.pk)
        masked = {
            "name": self.instance.masked_name if self.editing else "",
            "phone": self.instance.masked_phone if self.editing else "",
            "national_id": self.instance.masked_national_id if self.editing else "",
        }
        for name in IDENTIFIER_FIELDS:
            field = self.fields[name]
            field.required = False
            self.initial[name] = ""
            if self.editing and masked[name]:
                field.widget.attrs["placeholder"] = masked[name]
                field.help_text = _("Stored as %(masked)s. Leave blank to keep it.") % {
                    "masked": masked[name]
                }

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return pii.validate_phone(value) if value else ""

    def clean_national_id(self) -> str:
        value = self.cleaned_data.get("national_id", "")
        return pii.validate_national_id(value) if value else ""

    def _post_clean(self) -> None:
        # The model's own checks would see blank identifiers on an edit; validate the rest
        # only, since identifiers were validated above and blanks mean "unchanged".
        identifiers = {name: self.cleaned_data.get(name, "") for name in IDENTIFIER_FIELDS}
        for name in IDENTIFIER_FIELDS:
            self.cleaned_data.pop(name, None)
        super()._post_clean()
        self.cleaned_data.update(identifiers)

    def action_kwargs(self) -> dict:
        """Changed fields only for identifiers (blank = keep), every profile field."""
        data = {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
        for name in IDENTIFIER_FIELDS:
            if self.cleaned_data.get(name) or not self.editing:
                data[name] = self.cleaned_data.get(name, "")
        return data


class SignupForm(Form):
    """A resident's own sign-up: what reporting a need takes and nothing more. An account,
    the community the need is in, and (optionally) a name and phone for a call back. The
    portrait facts are asked afterwards, apart, with their purpose (``PortraitForm``)."""

    username = forms.CharField(
        label=_("User name"),
        max_length=SIGNUP_NAME_MAX_LENGTH,
        help_text=_(
            "Letters, digits and @/./+/-/_ only. We add six digits to it (for example "
            "alice-402817), so that no two people share one, and show you the whole name "
            "when your account is ready: you sign in with it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    community = CommunityChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        help_text=_("The community where you live: your requests go to its workers."),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("Optional: how a community worker should address you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        help_text=_("Optional: so a community worker can call you back about a request."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    ACCOUNT_FIELDS = ("username", "password1", "password2")

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            use_community_tree(self.fields["community"], communities)

    def account_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ACCOUNT_FIELDS]

    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.ACCOUNT_FIELDS]

    def clean_username(self) -> str:
        # Never "taken" (residents.actions.resident_signup adds a code that makes any name
        # free): a refusal here would tell anyone which user names exist.
        username = self.cleaned_data["username"]
        get_user_model().username_validator(username)
        return username

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return pii.validate_phone(value) if value else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            user = get_user_model()(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(password1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def account_kwargs(self) -> dict:
        return {
            "username": self.cleaned_data["username"],
            "password": self.cleaned_data["password1"],
        }

    def action_kwargs(self) -> dict:
        return {
            "community": self.cleaned_data["community"],
            "name": self.cleaned_data.get("name", "").strip(),
            "phone": self.cleaned_data.get("phone", ""),
        }


class PortraitForm(ModelForm):
    """The portrait facts, asked apart from everything else, with their purpose stated and
    consent asked for: every fact is needed once someone chooses to share them."""

    YES_NO = [("true", _("Yes")), ("false", _("No"))]

    elderly_living_alone = forms.TypedChoiceField(
        label=_("Elderly, living alone"),
        choices=YES_NO,
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_("I agree that these facts are used for the purpose stated above."),
    )

    class Meta:
        model = Resident
        fields = list(PORTRAIT_FIELDS)

    purpose = PORTRAIT_PURPOSE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PORTRAIT_FIELDS:
            field = self.fields[name]
            field.required = True
            # A choice not made yet shows the site's dash, not Django's "---------".
            choices = getattr(field, "choices", None)
            if choices and choices[0][0] == "":
                field.choices = [("", "—"), *choices[1:]]
        if self.instance.elderly_living_alone is not None:
            self.initial["elderly_living_alone"] = (
                "true" if self.instance.elderly_living_alone else "false"
            )
        self.order_fields([*PORTRAIT_FIELDS, "consent"])

    def portrait(self) -> PortraitAnswers:
        return PortraitAnswers(**{name: self.cleaned_data[name] for name in PORTRAIT_FIELDS})


class NoEchoTextInput(forms.TextInput):
    """A text box that never writes a submitted value back into the page (identifiers are
    not echoed, not even in an error response)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class IdentifierLookupForm(Form):
    """Find a resident by national ID or phone. Posted, never put in a URL."""

    NATIONAL_ID = "national_id"
    PHONE = "phone"

    kind = forms.ChoiceField(
        label=_("Search by"),
        choices=[(NATIONAL_ID, _("National ID number")), (PHONE, _("Phone number"))],
        initial=NATIONAL_ID,
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label=_("Number"),
        max_length=32,
        widget=NoEchoTextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Matched exactly through a keyed hash; identifiers are never listed."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            validate = pii.validate_national_id if kind == self.NATIONAL_ID else pii.validate_phone
            try:
                cleaned["value"] = validate(value)
            except ValidationError as exc:
                self.add_error("value", exc)
        return cleaned


class EraseAccountForm(Form):
    """Confirmation that a resident wants their account and personal data deleted."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account, name, phone and ID number will be deleted and "
            "cannot be recovered."
        ),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        # Asked as a login asks it: a stolen session guesses no faster than the login page.
        password = self.cleaned_data["password"]
        if not password_confirmed(self.request, user=self.request.user, password=password):
            raise ValidationError(_("The password is not correct."))
        return password


class PasswordChangeForm(Form):
    """A signed-in person's own password change: the current one (asked as a login asks it,
    so wrong ones count towards the login's lock), then the new one twice. The site's
    password rules are the action's (``residents.actions.account_password_change``)."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not password_confirmed(self.request, user=self.request.user, password=password):
            raise ValidationError(_("The password is not correct."))
        return password

    def clean(self) -> dict:
        cleaned = super().clean()
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two passwords differ."))
        return cleaned


class AuditLogFilterForm(Form):
    """Filters of the administrators' audit log page (all optional, sent in the address:
    nothing here identifies a person beyond an account name and a profile number)."""

    action = forms.ChoiceField(
        label=_("What was done"),
        required=False,
        choices=[("", _("Any")), *PersonalDataAccess.Action.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any")), *PersonalDataAccess.Channel.choices],
    )
    # Who acted, by the name the log shows (``User.display_name``) or the user name.
    accessor = forms.CharField(label=_("Who"), required=False, max_length=150)
    resident = forms.IntegerField(label=_("Resident #"), required=False, min_value=1)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def filter(self, entries):
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("channel"):
            entries = entries.filter(channel=data["channel"])
        if data.get("accessor"):
            # The log names people by ``User.display_name``: the name read there finds them,
            # and so does the user name.
            who = data["accessor"].strip()
            entries = entries.alias(
                accessor_full_name=Trim(
                    Concat("accessor__first_name", Value(" "), "accessor__last_name")
                )
            ).filter(Q(accessor__username__iexact=who) | Q(accessor_full_name__iexact=who))
        if data.get("resident"):
            entries = entries.filter(resident_id=data["resident"])
        if data.get("since"):
            entries = entries.filter(accessed_at__date__gte=data["since"])
        if data.get("until"):
            entries = entries.filter(accessed_at__date__lte=data["until"])
        return entries
