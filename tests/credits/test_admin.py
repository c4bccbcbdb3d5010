"""The ledger in the admin: staff of a store see, search and open their store's credits
only, record a redemption or an adjustment through the service's form (its message on
bad input, nothing lost), and never edit or delete the history."""

import html
from decimal import Decimal

import pytest
from django.test import Client

from credits.models import StoreCredit
from credits.services import CREDIT_BEYOND_BALANCE
from tests.credits.conftest import credit_of, staff_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _found(client, term: str) -> list:
    return list(client.get("/admin/credits/storecredit/", {"q": term}).context["cl"].result_list)


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("role", ["reviewer", "warehouse", "manager"])
def test_staff_of_one_store_never_see_another_stores_credits(stores, role):
    alpha, beta = stores
    mine = credit_of(alpha, email="ann@example.com")
    theirs = credit_of(beta, email="ann@example.com")
    client = _client(staff_of(alpha, role))
    listing = _text(client.get("/admin/credits/storecredit/"))
    assert mine.code in listing and theirs.code not in listing
    for term in (theirs.code, theirs.code[3:7], "ann@"):
        assert theirs not in _found(client, term)
    assert _found(client, "ANN@example") == [mine]
    assert _found(client, mine.code[3:7].lower()) == [mine]
    assert _found(client, mine.code.replace("-", "")[2:]) == [mine]  # typed without dashes
    assert client.get(f"/admin/credits/storecredit/{theirs.pk}/change/").status_code in (302, 404)
    for action in ("redeem", "adjust"):
        assert client.get(f"/admin/credits/storecredit/{theirs.pk}/ledger/{action}/").status_code in (403, 404)
        assert client.post(f"/admin/credits/storecredit/{theirs.pk}/ledger/{action}/", {"amount": "1", "note": "x"}).status_code in (403, 404)
    assert StoreCredit.objects.get(pk=theirs.pk).entries.count() == 1
    page = _text(client.get(f"/admin/credits/storecredit/{mine.pk}/change/"))
    assert mine.code in page and "Issued" in page


def test_a_reviewer_records_a_redemption_and_an_adjustment(stores):
    alpha, _beta = stores
    credit = credit_of(alpha, amount="30.00", months=None)
    client = _client(staff_of(alpha, "reviewer"))
    page = _text(client.get(f"/admin/credits/storecredit/{credit.pk}/change/"))
    assert "Record a redemption" in page and "Adjust the balance" in page
    url = f"/admin/credits/storecredit/{credit.pk}/ledger/redeem/"
    too_much = client.post(url, {"amount": "30.01", "reference": "A-77"})
    assert too_much.status_code == 200
    assert CREDIT_BEYOND_BALANCE % {"balance": Decimal("30.00"), "currency": "USD"} in _text(too_much)
    assert 'value="A-77"' in _text(too_much)  # what was typed is kept
    done = client.post(url, {"amount": "12.50", "reference": "A-77"}, follow=True)
    assert "Redemption of 12.50 USD recorded; 17.50 USD left." in _text(done)
    adjusted = client.post(f"/admin/credits/storecredit/{credit.pk}/ledger/adjust/", {"amount": "2.50", "note": "Goodwill"}, follow=True)
    assert "Adjustment of 2.50 USD recorded; 20.00 USD left." in _text(adjusted)
    credit.refresh_from_db()
    assert credit.balance == Decimal("20.00")
    assert list(credit.entries.order_by("pk").values_list("kind", flat=True)) == ["issued", "redeemed", "adjusted"]


def test_a_warehouse_member_reads_but_does_not_record_and_nobody_edits_history(stores):
    alpha, _beta = stores
    credit = credit_of(alpha)
    client = _client(staff_of(alpha, "warehouse"))
    page = _text(client.get(f"/admin/credits/storecredit/{credit.pk}/change/"))
    assert credit.code in page and "Record a redemption" not in page
    assert client.get(f"/admin/credits/storecredit/{credit.pk}/ledger/redeem/").status_code == 403
    manager = _client(staff_of(alpha, "manager"))
    assert manager.get("/admin/credits/storecredit/add/").status_code == 403
    assert manager.get(f"/admin/credits/storecredit/{credit.pk}/delete/").status_code == 403
    manager.post(f"/admin/credits/storecredit/{credit.pk}/change/", {"balance": "9999"})
    assert StoreCredit.objects.get(pk=credit.pk).balance == Decimal("55.00")
    assert manager.get("/admin/credits/storecreditentry/").status_code == 404  # entries only inside their credit
