from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_jobs_researcher_request"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="daily_goal",
            field=models.PositiveSmallIntegerField(default=10, verbose_name="daily goal"),
        ),
    ]
