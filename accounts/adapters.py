"""django-allauth hooks: banned and placeholder accounts cannot log in; sign-ups are limited per address and
their user names follow the display-name rule."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.client_ip import client_ip
from accounts.display_names import check_username
from accounts.errors import SignupLimitReached
from accounts.models import User
from accounts.policies import can_log_in
from accounts.signup_limits import check_signup_allowed
from core.errors import DomainError

SIGNUP_LIMITED_TEMPLATE = "account/signup_limited.html"


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse | None:
        if not can_log_in(user):
            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Asked by the sign-up page and by a social login that would make a new account."""
        try:
            check_signup_allowed(ip=client_ip(request))
        except SignupLimitReached as error:
            response = render(request, SIGNUP_LIMITED_TEMPLATE, {"message": error.message}, status=error.http_status)
            raise ImmediateHttpResponse(response) from error
        return super().is_open_for_signup(request)

    def new_user(self, request: HttpRequest) -> User:
        user = super().new_user(request)
        user.signup_ip = client_ip(request)
        return user

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        try:
            check_username(username)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from error
        return username
