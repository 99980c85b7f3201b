"""Web forms for accounts and resident profiles. They validate and shape input for the
actions in ``residents/actions.py``; they never write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents import pii
from residents.models import Community, Resident

# Profile facts a resident or worker fills in; identifiers are handled apart (see below).
PROFILE_FIELDS = [
    "community",
    "birth_year",
    "gender",
    "household_size",
    "children_in_household",
    "elderly_living_alone",
    "employment_status",
    "income_band",
    "education",
    "health_needs",
    "hukou_type",
    "preferred_channel",
]
IDENTIFIER_FIELDS = ["name", "phone", "national_id"]


class LoginForm(AuthenticationForm):
    """Django's login form, with autocomplete hints for phones and password managers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="username")


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Community) -> str:
        district = f"{obj.district}, " if obj.district else ""
        return f"{obj.name} ({district}{obj.city.name})"


class ResidentProfileForm(forms.ModelForm):
    """A resident profile, for the worker's create/edit pages and the resident's own.

    Identifiers (name, phone, national ID) are never pre-filled on an edit: showing them
    would be an unmasked display. Left blank on an edit, they keep their stored value.
    """

    class Meta:
        model = Resident
        fields = [*IDENTIFIER_FIELDS, *PROFILE_FIELDS]
        field_classes = {"community": CommunityChoiceField}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "national_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities
        self.fields["community"].queryset = self.fields["community"].queryset.select_related("city")
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


class SignupForm(ResidentProfileForm):
    """A resident's own sign-up: an account plus their profile in a chosen community."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
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

    ACCOUNT_FIELDS = ("username", "password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Order: account first, then profile.
        self.order_fields([*self.ACCOUNT_FIELDS, *IDENTIFIER_FIELDS, *PROFILE_FIELDS])
        self.fields["community"].help_text = _("The community where you live.")

    def account_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ACCOUNT_FIELDS]

    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.ACCOUNT_FIELDS]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        user_model = get_user_model()
        user_model.username_validator(username)
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken; choose another."))
        return username

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


class NoEchoTextInput(forms.TextInput):
    """A text box that never writes a submitted value back into the page (identifiers are
    not echoed, not even in an error response)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class IdentifierLookupForm(forms.Form):
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


class EraseAccountForm(forms.Form):
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."))
        return password
