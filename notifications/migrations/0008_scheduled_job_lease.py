from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0007_outbound_email_signed_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="scheduledjobrun",
            name="lease_owner",
            field=models.CharField(blank=True, max_length=120, verbose_name="running in"),
        ),
        migrations.AddField(
            model_name="scheduledjobrun",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lease held until"),
        ),
    ]
