# StoreMembership moves here from orders (orders 0005); the table keeps its name and
# its rows, so only Django's state changes.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_groups"),
        ("orders", "0005_storemembership_to_accounts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StoreMembership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "store",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="orders.store"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="store_memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "store membership",
                        "db_table": "orders_storemembership",
                    },
                ),
                migrations.AddConstraint(
                    model_name="storemembership",
                    constraint=models.UniqueConstraint(fields=("user", "store"), name="orders_membership_unique"),
                ),
            ],
            database_operations=[],
        ),
    ]
