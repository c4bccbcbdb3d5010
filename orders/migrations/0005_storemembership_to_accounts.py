# StoreMembership now belongs to the accounts app (accounts 0003). Only Django's
# state changes: the table orders_storemembership and its rows stay as they are.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_store_close_claims_after_days"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StoreMembership")],
            database_operations=[],
        ),
    ]
