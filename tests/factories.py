from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from orders.models import Order, OrderLine, Product, ProductCategory, Store, normalise_email, normalise_order_number

PASSWORD = "correct-horse-battery-9"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    time_zone = "America/New_York"
    country = "US"
    currency = "USD"
    support_email = factory.LazyAttribute(lambda o: f"support@{o.slug}.example")
    sender_email = factory.LazyAttribute(lambda o: f"returns@{o.slug}.example")
    return_address = "1 Return Road\nSpringfield"
    accent_colour = "#1f4e8c"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    warranty_months = 12


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory, store=factory.SelfAttribute("..store"))
    price = Decimal("25.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    number = factory.Sequence(lambda n: f"A-{1000 + n}")
    customer_email = "pat@example.com"
    customer_name = "Pat Buyer"
    currency = "USD"
    shipping_country = "US"
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=12))
    delivered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=8))
    status = Order.Status.DELIVERED

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # As every write path stores them (Order.clean): the lookups match exactly.
        kwargs["number"] = normalise_order_number(kwargs["number"])
        kwargs["customer_email"] = normalise_email(kwargs["customer_email"])
        return kwargs


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory, store=factory.SelfAttribute("..order.store"))
    quantity = 1
    unit_price = Decimal("25.00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=extracted is not False, primary=True)
