from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.languages import LANGUAGES
from accounts.services.roles import request_researcher_role


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("Shown on the leaderboard instead of your user name."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you write in"),
        choices=LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("You will be offered tasks in these languages."),
    )
    show_on_leaderboard = forms.BooleanField(label=_("Show me on the leaderboard"), required=False)


class TermsForm(forms.Form):
    accept = forms.BooleanField(label=_("I have read and accept the terms of service"))


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account will be deleted and that this cannot be undone"),
    )


class SignupForm(forms.Form):
    """What sign-up asks besides allauth's own fields (ACCOUNT_SIGNUP_FORM_CLASS)."""

    researcher = forms.BooleanField(
        label=_("I am a researcher and want to download datasets"),
        required=False,
        help_text=_("A moderator or an admin will look at your request and may give you access to the datasets."),
    )

    def signup(self, request, user) -> None:
        if self.cleaned_data.get("researcher"):
            request_researcher_role(user=user)
