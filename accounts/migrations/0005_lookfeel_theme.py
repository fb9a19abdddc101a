from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_mywork_daily_goal"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="theme",
            field=models.CharField(
                blank=True,
                choices=[("", "Automatic"), ("light", "Light"), ("dark", "Dark")],
                default="",
                max_length=8,
                verbose_name="colour scheme",
            ),
        ),
    ]
