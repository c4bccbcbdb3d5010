# The receiving screen's expected parcels: a store's claims approved with a return and
# not received yet, oldest approval first (claims.selectors.claims_parcel_expected).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0024_insights_days_task"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status__in", ["approved_awaiting_return", "in_transit"])),
                fields=["store", "decided_at", "id"],
                name="claims_parcel_expected_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status__in", ["approved_awaiting_return", "in_transit"])),
                fields=["decided_at", "id"],
                name="claims_parcel_expected_all_idx",
            ),
        ),
    ]
