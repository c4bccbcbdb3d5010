"""The shopper is offered the reasons of their order's state; a draft whose reason no
longer applies says so and keeps everything; "My orders and claims" opened from a
brand's page (signing in there) shows that brand first, with its drafts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.actors import shopper_actor
from claims.models import Claim
from claims.selectors import MY_OTHER_BRANDS_SIZE, MY_PAGE_SIZE
from claims.services import REASON_NOT_OFFERED, ClaimError, claim_start, claim_submit, claim_update_draft
from claims.states import ClaimStatus
from demo.brands import SHOPPER_EMAIL
from demo.services import DEMO_PASSWORD
from orders.models import Order
from tests.claims.conftest import IM_OK, satisfy_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    settings.PAGE_CACHE_SECONDS = 0


def _shopper() -> Client:
    client = Client()
    client.force_login(User.objects.get(email=SHOPPER_EMAIL))
    return client


def _reasons_offered(client: Client, order: Order) -> list[str]:
    response = client.get(reverse("claims:claim_start", args=[order.store.slug, order.number]))
    assert response.status_code == 200
    return [label for _code, label in response.context["form"].fields["reason"].choices]


def test_the_start_page_offers_the_reasons_of_the_orders_state(demo):
    client = _shopper()
    delivered = _reasons_offered(client, Order.objects.get(number="IM-80005"))
    assert delivered == ["I'm not satisfied (any reason)", "It has a manufacturing issue", "It was damaged on arrival"]
    assert _reasons_offered(client, Order.objects.get(number="IM-81003")) == ["Cancel my order", "Change the delivery address"]
    assert _reasons_offered(client, Order.objects.get(number="IM-81004")) == ["I refused the delivery"]
    # and a reason not offered cannot be posted either
    order = Order.objects.get(number="IM-80005")
    line = order.lines.get()
    response = client.post(reverse("claims:claim_start", args=["imirror", order.number]), {f"line_{line.pk}": 1, "reason": "cancel"})
    assert response.status_code == 200 and not Claim.objects.filter(order=order).exists()


def test_starting_a_claim_with_a_reason_of_another_state_is_refused_in_words(demo):
    order = Order.objects.get(number="IM-80005")
    line = order.lines.get()
    with pytest.raises(ClaimError) as refused:
        claim_start(store=order.store, actor=shopper_actor(email=order.customer_email), reason_code="cancel", order=order, lines=[(line, 1)])
    assert refused.value.message == REASON_NOT_OFFERED % {"reason": "Cancel my order", "state": "has been delivered"}


def test_a_draft_whose_order_moved_on_says_so_and_keeps_everything(demo):
    """"Cancel my order" begun before the parcel shipped; it ships meanwhile."""
    order = Order.objects.get(number="IM-81003")
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.get()
    claim = claim_start(store=order.store, actor=shopper, reason_code="cancel", order=order, lines=[(line, 1)])
    claim_update_draft(claim_id=claim.pk, actor=shopper, texts={"new-address": "kept text"})
    Order.objects.filter(pk=order.pk).update(shipped_at=timezone.now(), picked_up_at=timezone.now(), status=Order.Status.SHIPPED)

    client = _shopper()
    page = client.get(reverse("claims:claim_draft", args=[claim.pk])).content.decode()
    message = REASON_NOT_OFFERED % {"reason": "Cancel my order", "state": "is on its way"}
    assert 'id="reason-not-offered"' in page and message in page
    with pytest.raises(ClaimError) as refused:
        claim_submit(claim_id=claim.pk, actor=shopper)
    assert refused.value.message == message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.texts == {"new-address": "kept text"}


def test_a_draft_whose_reason_still_applies_shows_no_such_message(demo):
    order = Order.objects.get(number="IM-80005")
    shopper = shopper_actor(email=order.customer_email)
    claim = claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(order.lines.get(), 1)])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    assert 'id="reason-not-offered"' not in _shopper().get(reverse("claims:claim_draft", args=[claim.pk])).content.decode()


# --- "My orders and claims" of a brand ---------------------------------------------------


def _draft(number: str, reason: str) -> Claim:
    order = Order.objects.get(number=number)
    return claim_start(store=order.store, actor=shopper_actor(email=order.customer_email), reason_code=reason, order=order, lines=[(order.lines.first(), 1)])


def _get(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_my_orders_of_a_brand_lists_its_drafts_claims_and_orders_first_then_other_brands(demo):
    iwalk_draft = _draft("IW-10005", "changed-mind")
    kwoking_draft = _draft("KW-50005", "changed-mind")
    client = _shopper()
    url = reverse("claims:my_orders") + "?brand=iwalk"
    _n, page = _get(client, url)
    mine, others = page.split('data-testid="other-brands"')
    assert "My iWALK orders and claims" in mine
    assert reverse("claims:claim_draft", args=[iwalk_draft.pk]) in mine and "Continue" in mine
    assert "Order IW-10005" in mine and "KW-50005" not in mine and "IM-80005" not in mine
    assert reverse("claims:claim_draft", args=[kwoking_draft.pk]) in others
    assert "IW-10005" not in others
    assert "--brand: #0b5cab" in page  # in the brand's colours
    # unbranded: every brand, the drafts too
    _n, every = _get(client, reverse("claims:my_orders"))
    assert reverse("claims:claim_draft", args=[iwalk_draft.pk]) in every and reverse("claims:claim_draft", args=[kwoking_draft.pk]) in every
    assert 'data-testid="other-brands"' not in every and "--brand:" not in every
    # an unknown brand: the plain page
    assert "--brand:" not in _get(client, reverse("claims:my_orders") + "?brand=nope")[1]


def test_my_orders_of_a_brand_reads_a_fixed_number_of_queries_and_pages_in_the_brand(demo):
    client = _shopper()
    url = reverse("claims:my_orders") + "?brand=imirror"
    client.get(url)
    small, _page = _get(client, url)
    template = Order.objects.get(number="IM-80005")
    other = Order.objects.get(number="KW-50005")
    now = timezone.now()
    Order.objects.bulk_create(
        [
            Order(store=store_order.store, number=f"{prefix}-OLD{n:04d}", customer_email=SHOPPER_EMAIL, currency="USD", placed_at=now - timedelta(days=400 + n))
            for n in range(MY_PAGE_SIZE + 5)
            for prefix, store_order in (("IM", template), ("KW", other))
        ]
    )
    for number, reason in (("IM-80005", "not-satisfied"), ("KW-50005", "changed-mind"), ("IW-10005", "changed-mind")):
        _draft(number, reason)
    large, page = _get(client, url)
    assert large == small <= 10
    assert "IM-OLD0000" in page and "IM-OLD0024" not in page and "Older orders" in page
    assert page.count("KW-OLD") <= MY_OTHER_BRANDS_SIZE
    older = _get(client, url.replace("?", "?orders=2&"))[1]
    assert "My IMIRROR orders and claims" in older and "IM-OLD0024" in older
    assert "brand=imirror&amp;claims=1&amp;orders=1" in older  # "Newer orders" stays in the brand


def test_signing_in_from_a_brand_page_comes_back_to_that_brand_and_an_outside_next_is_refused(demo):
    store_page = Client().get(reverse("orders:store_home", args=["kwoking"])).content.decode()
    assert "/account/login/?next=/account/orders/%3Fbrand%3Dkwoking" in store_page
    login = reverse("account_login")
    page = Client().get(login + "?next=/account/orders/%3Fbrand%3Dkwoking").content.decode()
    assert "--brand: #b4232a" in page  # the sign-in page already wears the brand
    client = Client()
    response = client.post(login, {"login": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": "/account/orders/?brand=kwoking"})
    assert response.status_code == 302 and response["Location"] == "/account/orders/?brand=kwoking"
    outside = Client()
    response = outside.post(login, {"login": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": "https://evil.example/account/orders/?brand=kwoking"})
    assert response.status_code == 302 and response["Location"] == reverse("claims:my_orders")
    assert "--brand:" not in Client().get(login + "?next=https://evil.example/?brand=kwoking").content.decode()


def test_an_order_in_a_state_no_reason_fits_says_so_instead_of_an_empty_list(demo):
    """iWALK publishes no cancellation: its reasons apply once an order is delivered."""
    page = _shopper().get(reverse("claims:claim_start", args=["iwalk", "IW-10100"])).content.decode()
    assert 'id="no-reason-now"' in page
    assert "Nothing can be claimed for order IW-10100 while it has not shipped yet" in page
    assert "<strong>I changed my mind / no longer need it:</strong> When your order has been delivered (or you bought it in a shop)." in page
    assert "What happened?" not in page
