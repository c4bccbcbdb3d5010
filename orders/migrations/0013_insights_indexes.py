from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0012_product_image")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["store", "placed_at"], name="orders_order_placed_idx"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["store", "updated_at"], name="orders_order_updated_idx"),
        ),
    ]
