"""django-allauth hooks: banned and placeholder accounts cannot log in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.policies import can_log_in


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse | None:
        if not can_log_in(user):
            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)
