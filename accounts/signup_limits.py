"""At most SIGNUP_LIMIT_PER_IP_PER_HOUR new accounts an hour from one address, whatever the way in (the sign-up
form, a social login's first visit): counted in the database, from the address each sign-up recorded."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.errors import SignupLimitReached
from accounts.models import User

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=1)


def check_signup_allowed(*, ip: str | None, now: datetime | None = None) -> None:
    """Raises SignupLimitReached when the address has had its sign-ups for the hour."""
    limit = settings.SIGNUP_LIMIT_PER_IP_PER_HOUR
    if not ip or limit <= 0:
        return
    since = (now or timezone.now()) - WINDOW
    recent = User.objects.filter(signup_ip=ip, date_joined__gte=since).count()
    if recent >= limit:
        logger.warning("Sign-up refused: %d accounts from %s in the last hour", recent, ip)
        raise SignupLimitReached()
