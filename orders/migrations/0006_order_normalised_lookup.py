"""Order numbers and customer e-mails stored normalised (orders.models.normalise_order_number
and normalise_email), so the guest lookup, "My orders" and staff search match them exactly
on an index instead of comparing UPPER(column) row by row.

Set-based: one UPDATE for the e-mails, one for the numbers (PostgreSQL and SQLite). Two
orders of one store whose numbers would become the same ("ab-1" and "AB-1") are left as
they are and logged: which one a shopper means cannot be decided here; staff rename one
in the admin (the form stores it normalised) and the lookup finds both again."""

import logging

from django.db import migrations, models

logger = logging.getLogger("orders.migrations")

# What Python's str.strip() removes, as far as ASCII goes.
WHITESPACE = " \t\n\r\x0b\x0c"

NORMALISED_NUMBER = "upper(trim(ltrim(trim(number, %s), '#'), %s))"

NORMALISE_EMAILS = """
    UPDATE orders_order SET customer_email = lower(trim(customer_email, %s))
    WHERE customer_email <> lower(trim(customer_email, %s))
"""

NORMALISE_NUMBERS = f"""
    WITH normalised AS (
        SELECT id, store_id, number, {NORMALISED_NUMBER} AS new_number FROM orders_order
    ), clashing AS (
        SELECT store_id, new_number FROM normalised GROUP BY store_id, new_number HAVING count(*) > 1
    )
    UPDATE orders_order SET number = n.new_number
    FROM normalised n
    WHERE orders_order.id = n.id AND n.new_number <> n.number AND n.new_number <> ''
      AND NOT EXISTS (SELECT 1 FROM clashing c WHERE c.store_id = n.store_id AND c.new_number = n.new_number)
"""

LEFT_AS_THEY_ARE = f"""
    SELECT id, store_id, number FROM orders_order o
    WHERE number <> {NORMALISED_NUMBER}
    ORDER BY store_id, upper(number), id
"""


def normalise_orders(apps, schema_editor) -> list[tuple[int, int, str]]:
    """Returns (and logs) the orders whose number was left as it was."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(NORMALISE_EMAILS, [WHITESPACE, WHITESPACE])
        cursor.execute(NORMALISE_NUMBERS, [WHITESPACE, WHITESPACE])
        cursor.execute(LEFT_AS_THEY_ARE, [WHITESPACE, WHITESPACE])
        left = [tuple(row) for row in cursor.fetchall()]
        if schema_editor.connection.vendor == "postgresql":
            # The updated rows queued the deferred checks of the foreign keys pointing at
            # orders; run them now, or the index below cannot be built in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if left:
        logger.warning(
            "%d order number(s) not normalised: another order of the same store has the same number in other "
            "letter case, spaces or '#'. Guests cannot look these up until staff rename one order of each pair. "
            "(order id, store id, number): %s",
            len(left),
            ", ".join(f"({pk}, {store_id}, {number!r})" for pk, store_id, number in left[:200]),
        )
    return left


def normalise_orders_forwards(apps, schema_editor) -> None:
    normalise_orders(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_storemembership_to_accounts'),
    ]

    operations = [
        # The old values are not kept: going back leaves the normalised ones, which match as before.
        migrations.RunPython(normalise_orders_forwards, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['number', 'store'], name='orders_order_number_prefix_idx', opclasses=['varchar_pattern_ops', 'int8_ops']),
        ),
    ]
