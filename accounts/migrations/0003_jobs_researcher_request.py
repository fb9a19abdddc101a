from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="researcher_requested_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="researcher role requested"),
        ),
    ]
