"""Every ModelAdmin of the portal × every staff role: staff of one store see, pick,
filter, search and export nothing of another store. The admins are taken from the
registry, so a new admin is covered without editing this file."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from accounts import access
from accounts.models import User
from accounts.scoped_admin import StoreScopedAdmin, StoreScopedMixin
from orders.models import Store

OUR_APPS = {"accounts", "orders", "policies", "claims", "credits", "notifications"}
ROLES = ["reviewer", "warehouse", "manager"]
MINE = "iwalk"


def _our_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in OUR_APPS]


def _others(model, mine: Store) -> set:
    """Primary keys of the model's rows of every other store."""
    if access.store_path(model) is None:
        return set()
    others = set(Store.objects.exclude(pk=mine.pk).values_list("pk", flat=True))
    return set(access.in_stores(model._default_manager.all(), others).values_list("pk", flat=True))


def _field_leaks(fields, mine: Store, where: str) -> list[str]:
    leaks = []
    for name, field in fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        foreign = _others(queryset.model, mine) & set(queryset.values_list("pk", flat=True))
        if foreign:
            leaks.append(f"{where}: field {name!r} offers {queryset.model.__name__} of other stores {sorted(foreign)[:5]}")
    return leaks


def _form_leaks(response, mine: Store, where: str) -> list[str]:
    leaks = []
    context = response.context
    if context is None or "adminform" not in context:
        return leaks
    leaks += _field_leaks(context["adminform"].form.fields, mine, where)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        for form in [*formset.forms, formset.empty_form]:
            leaks += _field_leaks(form.fields, mine, f"{where} inline {formset.model.__name__}")
    return leaks


@pytest.fixture
def demo(db):
    call_command("demo_load")  # four stores with staff, orders, policies and claims
    return Store.objects.get(slug=MINE)


def test_every_admin_of_ours_is_store_scoped():
    """By construction: each admin and each of its inlines inherits the scoping base."""
    unscoped = []
    for _model, model_admin in _our_admins():
        if not isinstance(model_admin, StoreScopedAdmin):
            unscoped.append(type(model_admin).__name__)
        unscoped += [inline.__name__ for inline in model_admin.inlines if not issubclass(inline, StoreScopedMixin)]
    assert unscoped == []


def test_every_model_with_a_path_to_a_store_declares_it():
    """A model pointing at a store's thing declares its own path to the store, so
    the admin scopes it (and every foreign key to it)."""
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or access.store_path(model) is not None:
            continue
        if any(f.many_to_one or f.one_to_one for f in model._meta.fields if f.related_model and access.store_path(f.related_model) is not None):
            missing.append(model.__name__)
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_staff_see_nothing_of_another_store(client, demo, role):
    mine = demo
    user = User.objects.get(email=f"{role}@{MINE}.demo.example")
    client.force_login(user)
    leaks: list[str] = []
    checked_changelists = 0
    for model, _model_admin in _our_admins():
        opts = model._meta
        label = f"{opts.app_label}.{opts.model_name}"
        foreign = _others(model, mine)

        # the changelist, with its list filters
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if response.status_code == 200:
            checked_changelists += 1
            changelist = response.context["cl"]
            shown = {obj.pk for obj in changelist.result_list}
            if shown & foreign:
                leaks.append(f"{label}: changelist shows other stores' rows")
            if set(changelist.queryset.values_list("pk", flat=True)) & foreign:
                leaks.append(f"{label}: changelist queryset holds other stores' rows")
            for spec in changelist.filter_specs:
                field = getattr(spec, "field", None)
                if field is None or not field.is_relation or not hasattr(spec, "lookup_choices"):
                    continue
                offered = {str(pk) for pk, _label in spec.lookup_choices}
                if offered & {str(pk) for pk in _others(field.related_model, mine)}:
                    leaks.append(f"{label}: list filter {spec.field_path!r} offers other stores' {field.related_model.__name__}")
        else:
            assert response.status_code in (302, 403), (label, response.status_code)

        # add and change forms, with their inlines
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        if add.status_code == 200:
            leaks += _form_leaks(add, mine, f"{label} add form")
        own = access.in_stores(model._default_manager.all(), {mine.pk}).first()
        if own is not None:
            change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[own.pk]))
            if change.status_code == 200:
                leaks += _form_leaks(change, mine, f"{label} change form")
        another = model._default_manager.filter(pk__in=foreign).first()
        if another is not None:
            page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[another.pk]))
            if page.status_code == 200:
                leaks.append(f"{label}: another store's object opens")

        # autocomplete of every relation of the model
        for field in opts.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            answer = client.get(
                reverse("admin:autocomplete"),
                {"app_label": opts.app_label, "model_name": opts.model_name, "field_name": field.name, "term": ""},
            )
            if answer.status_code != 200:
                continue
            ids = {str(result["id"]) for result in answer.json()["results"]}
            if ids & {str(pk) for pk in _others(field.related_model, mine)}:
                leaks.append(f"{label}: autocomplete of {field.name!r} offers other stores' {field.related_model.__name__}")

        # exports
        try:
            export_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
        except NoReverseMatch:
            export_url = None
        if export_url:
            exported = client.get(export_url)
            if exported.status_code == 200:
                text = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode()
                for store in Store.objects.exclude(pk=mine.pk):
                    if store.name in text:
                        leaks.append(f"{label}: export holds {store.name}'s rows")

    assert checked_changelists >= 5  # the staff role does open admin pages
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("bad", ["abc", "999999", "other"])
def test_add_form_with_a_foreign_or_bad_initial_is_404(client, demo, bad):
    client.force_login(User.objects.get(email=f"manager@{MINE}.demo.example"))
    if bad == "other":
        bad = str(Store.objects.get(slug="kwoking").policy.pk)
    response = client.get(reverse("admin:policies_coveragerule_add"), {"policy": bad})
    assert response.status_code == 404


def test_add_form_with_own_policy_offers_its_reasons_and_categories(client, demo):
    client.force_login(User.objects.get(email=f"manager@{MINE}.demo.example"))
    response = client.get(reverse("admin:policies_coveragerule_add"), {"policy": demo.policy.pk})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {r.store_id for r in form.fields["reasons"].queryset} == {demo.pk}
    assert {c.store_id for c in form.fields["categories"].queryset} <= {demo.pk}


# --- CSV import per role ------------------------------------------------------------


def _import_row(store_slug: str, sku: str) -> str:
    from tests.orders.test_import import HEADER

    return f"{HEADER}\n{store_slug},X-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,{sku},1,1.00,0,,\n"


@pytest.mark.parametrize("role", ["reviewer", "warehouse"])
def test_reviewer_and_warehouse_cannot_import_orders(client, demo, role):
    client.force_login(User.objects.get(email=f"{role}@{MINE}.demo.example"))
    assert client.get(reverse("admin:orders_order_import")).status_code == 403
    changelist = client.get(reverse("admin:orders_order_changelist"))
    assert reverse("admin:orders_order_import") not in changelist.content.decode()


def test_a_manager_imports_for_their_store_and_is_refused_for_another(demo):
    import tablib

    from orders.models import Order
    from orders.resources import OrderLineImportResource

    manager = User.objects.get(email=f"manager@{MINE}.demo.example")
    other = Store.objects.get(slug="kwoking")

    def run(store):
        dataset = tablib.Dataset().load(_import_row(store.slug, store.products.first().sku), format="csv")
        return OrderLineImportResource(user=manager).import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)

    refused = run(other)
    assert refused.has_validation_errors()
    assert "not one you manage" in " ".join(refused.invalid_rows[0].error_dict["store"])
    assert not Order.objects.filter(number="X-1").exists()
    done = run(demo)
    assert not done.has_validation_errors() and not done.has_errors()
    assert Order.objects.get(number="X-1").store == demo


def test_manager_and_superuser_see_the_import(client, demo):
    for email in (f"manager@{MINE}.demo.example", "admin@demo.example"):
        client.force_login(User.objects.get(email=email))
        assert client.get(reverse("admin:orders_order_import")).status_code == 200


# --- crafted posts and foreign choices ---------------------------------------------------


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_an_order_line_cannot_take_another_stores_product(demo):
    """A crafted order-change post putting store B's product on store A's order."""
    from orders.admin import OrderLineInline
    from orders.models import Order, OrderLine

    request = _request(User.objects.get(email=f"manager@{MINE}.demo.example"))
    order = Order.objects.filter(store=demo).first()
    line = order.lines.first()
    foreign = Store.objects.get(slug="kwoking").products.first()
    inline = OrderLineInline(Order, admin.site)
    formset_class = inline.get_formset(request, order)
    data = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000"}
    data |= {"lines-0-id": line.pk, "lines-0-order": order.pk, "lines-0-product": foreign.pk, "lines-0-quantity": 1, "lines-0-unit_price": "1.00", "lines-0-discount": "0"}
    formset = formset_class(data, instance=order, prefix="lines")
    assert not formset.is_valid()
    assert "product" in formset.forms[0].errors
    assert OrderLine.objects.get(pk=line.pk).product_id == line.product_id


def test_an_order_line_of_a_multi_store_user_keeps_to_the_orders_store(demo):
    from django.core.exceptions import ValidationError

    from orders.models import PRODUCT_OF_ANOTHER_STORE, Order

    line = Order.objects.filter(store=demo).first().lines.first()
    line.product = Store.objects.get(slug="kwoking").products.first()
    with pytest.raises(ValidationError) as caught:
        line.full_clean()
    assert str(PRODUCT_OF_ANOTHER_STORE) in caught.value.message_dict["product"]


@pytest.mark.parametrize("email", [f"manager@{MINE}.demo.example", "admin@demo.example"])
def test_a_rule_cannot_take_another_stores_reasons_or_categories(demo, email):
    from policies.admin import CoverageRuleAdmin
    from policies.models import CoverageRule

    other = Store.objects.get(slug="kwoking")
    request = _request(User.objects.get(email=email))
    form_class = CoverageRuleAdmin(CoverageRule, admin.site).get_form(request)
    form = form_class(
        data={
            "policy": demo.policy.pk,
            "reasons": [other.claim_reasons.first().pk],
            "categories": [other.categories.first().pk],
        }
    )
    assert not form.is_valid()
    assert "reasons" in form.errors and "categories" in form.errors


def test_category_choices_and_filter_are_the_stores_own(client, demo):
    """Issue 6: the product's category select and the "By category" filter."""
    from orders.models import ProductCategory

    client.force_login(User.objects.get(email=f"manager@{MINE}.demo.example"))
    own = set(ProductCategory.objects.filter(store=demo).values_list("pk", flat=True))
    form = client.get(reverse("admin:orders_product_add")).context["adminform"].form
    assert set(form.fields["category"].queryset.values_list("pk", flat=True)) == own
    changelist = client.get(reverse("admin:orders_product_changelist")).context["cl"]
    (category_filter,) = [spec for spec in changelist.filter_specs if getattr(spec, "field_path", "") == "category"]
    assert {pk for pk, _label in category_filter.lookup_choices} <= own
