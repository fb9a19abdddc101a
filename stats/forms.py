from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_DAILY_GOAL


class DailyGoalForm(forms.Form):
    daily_goal = forms.IntegerField(label=_("Tasks a day"), min_value=1, max_value=MAX_DAILY_GOAL)
