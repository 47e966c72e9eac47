from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.models import Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role
from tsunagu.audit import actions as audit_actions
from tsunagu.core.validators import validate_local_government_code


def _no_control_characters(value: str) -> None:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_("Remove control characters from this field."), code="control_character")


class CleanCharField(forms.CharField):
    """A CharField that NFKC-normalises nothing but refuses NUL and other control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.append(_no_control_characters)


class PasswordField(CleanCharField):
    """A password input: never stripped, long passphrases welcome (the validators cap length at 256)."""

    def __init__(self, *, autocomplete: str, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1024)
        super().__init__(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}), **kwargs)


class LoginForm(forms.Form):
    username = CleanCharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = PasswordField(
        label=_("Password"),
        autocomplete="current-password",
    )


class TokenForm(forms.Form):
    token = CleanCharField(
        label=_("One-time code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}),
    )

    def clean_token(self) -> str:
        token: str = unicodedata.normalize("NFKC", self.cleaned_data["token"]).replace(" ", "")
        return token


class SetupTokenForm(TokenForm):
    token = CleanCharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    password = PasswordField(
        label=_("Password"),
        autocomplete="current-password",
    )
    token = CleanCharField(
        label=_("One-time code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = PasswordField(
        label=_("Current password"),
        autocomplete="current-password",
    )
    new_password = PasswordField(
        label=_("New password"),
        help_text=_("At least 12 characters. A long phrase is easy to remember and hard to guess."),
        autocomplete="new-password",
    )
    new_password_again = PasswordField(
        label=_("New password (again)"),
        autocomplete="new-password",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords do not match."))
        return data


class OrganisationSelectForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [(str(o.code), o.name) for o in organisations]


class OrganisationForm(forms.Form):
    name = CleanCharField(label=pgettext_lazy("organisation", "Name"), max_length=200)
    name_kana = CleanCharField(label=pgettext_lazy("organisation", "Name (kana)"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=OrganisationType.choices)
    municipality_code = CleanCharField(
        label=_("Local government code"),
        max_length=12,
        required=False,
        help_text=_("6 digits with check digit, e.g. 312011. Blank for national organisations."),
    )
    contact_phone = CleanCharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=254, required=False)
    website = forms.URLField(label=_("Web site"), max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the organisation does, shown in the public directory."),
    )

    def clean_municipality_code(self) -> str:
        value: str = unicodedata.normalize("NFKC", self.cleaned_data["municipality_code"]).strip()
        if value:
            validate_local_government_code(value)
        return value


class UserContactForm(forms.Form):
    display_name = CleanCharField(label=pgettext_lazy("person", "Name"), max_length=100, required=False)
    email = CleanCharField(label=_("E-mail"), max_length=254, required=False)
    phone = CleanCharField(label=_("Phone"), max_length=32, required=False)

    def clean_email(self) -> str:
        value: str = self.cleaned_data["email"].strip()
        if value:
            validate_email(value)
        return value

    def clean_phone(self) -> str:
        value: str = unicodedata.normalize("NFKC", self.cleaned_data["phone"]).strip()
        if value and not all(ch.isdigit() or ch in "+-() " for ch in value):
            raise ValidationError(_("Enter a phone number using digits, hyphens, spaces, brackets or +."), code="phone")
        # NFKC can lengthen the text ("⑴" becomes "(1)"); what is stored must still fit max_length.
        MaxLengthValidator(User._meta.get_field("phone").max_length)(value)
        return value


class UserCreateForm(UserContactForm):
    username = CleanCharField(label=_("Username"), max_length=64, help_text=_("Letters, digits and @/./+/-/_ only."))
    password = PasswordField(
        label=_("Initial password"),
        help_text=_("At least 12 characters. Tell it to the person by a separate channel."),
        autocomplete="new-password",
    )

    field_order = ["username", "password", "display_name", "email", "phone"]


class PasswordResetByAdminForm(forms.Form):
    password = PasswordField(
        label=_("New password"),
        autocomplete="new-password",
    )


class MembershipForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"), widget=forms.RadioSelect)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [(str(o.code), o.name) for o in organisations]


class ListFilterForm(forms.Form):
    q = CleanCharField(label=_("Search"), max_length=100, required=False)


class ActionChoiceField(forms.ChoiceField):
    """An audit action: a value of the vocabulary, or a stored string no app's vocabulary knows.
    An old spelling (a bookmark from before a rename) stands for its current action."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        member = audit_actions.of(text) if text else None
        return member.value if member is not None else text


def _action_choices(unlisted: list[str]) -> list[Any]:
    """Every action by label (sorted as the reader reads them), then stored actions without one."""
    members = audit_actions.members()
    labels = [str(member.label) for member in members]
    repeated = {text for text in labels if labels.count(text) > 1}
    listed = sorted(
        (
            (member.value, f"{text} ({member.value})" if text in repeated else text)
            for member, text in zip(members, labels, strict=True)
        ),
        key=lambda choice: (choice[1], choice[0]),
    )
    choices: list[Any] = [("", _("All")), *listed]
    if unlisted:
        choices.append((_("Other recorded actions"), [(action, action) for action in unlisted]))
    return choices


class AuditFilterForm(forms.Form):
    """The auditor's filters. Every value is checked, so a crafted query answers 400, never 500."""

    actor = CleanCharField(label=_("Who (username)"), max_length=150, required=False)
    organisation = forms.TypedChoiceField(
        label=_("Acting organisation"), required=False, coerce=uuid.UUID, empty_value=None
    )
    action = ActionChoiceField(label=_("Action"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All")), ("allowed", _("Allowed")), ("denied", _("Denied"))]
    )
    target = CleanCharField(label=_("Target code"), max_length=64, required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, organisations: list[Organisation], unlisted_actions: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("All")), *((str(o.code), o.name) for o in organisations)]
        cast(forms.TypedChoiceField, self.fields["organisation"]).choices = choices
        cast(forms.ChoiceField, self.fields["action"]).choices = _action_choices(unlisted_actions or [])

    def clean_target(self) -> str:
        # A pasted code in capitals still finds the row (codes are stored in lower case).
        value: str = self.cleaned_data.get("target", "")
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def used(self) -> dict[str, str]:
        """The filters in force, by name, as text (for the audit row of a read or an export)."""
        data: dict[str, Any] = self.cleaned_data if self.is_bound and self.is_valid() else {}
        used: dict[str, str] = {}
        for name in self.fields:
            value = data.get(name)
            if isinstance(value, date):
                used[name] = value.isoformat()
            elif value is not None and value != "":
                used[name] = str(value)
        return used
