"""Many e-mails at once (the SLA sweep): the templates are rendered once and each
message's values put in; the rows are the rows email_enqueue_template writes one by one."""

import pytest

import notifications.services
from notifications.models import OutboundEmail
from notifications.services import (
    EmailSlot,
    SignedLink,
    email_as_sent,
    email_enqueue_template,
    email_enqueue_template_many,
)
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

FIELDS = ("to", "kind", "store_id", "from_email", "reply_to", "subject", "body_text", "body_html", "signed_links")


def _row(email: OutboundEmail) -> tuple:
    return tuple(getattr(email, field) for field in FIELDS)


def test_rendered_once_the_rows_are_those_rendered_one_by_one():
    store = StoreFactory()
    messages = [
        ("a@example.com", {"headline": "Claim CLM-AAAAAA expired", "body": "Tom & Jerry <b>said</b> \"no\"", "link": SignedLink("https://portal.example/s/x/access/tok1/?next=%2Fa")}),
        ("b@example.com", {"headline": "Claim CLM-BBBBBB expired", "body": "slotdeadbeef is not a marker", "link": "https://portal.example/s/x/claims/CLM-BBBBBB/"}),
    ]
    shared = {"note": "Closed automatically", "details": ["Needed: a photo"], "link_days": 30}
    one_by_one = [
        email_enqueue_template(to=to, template="claim_update", context={**shared, **values}, kind="claim:expire", store=store)
        for to, values in messages
    ]
    many = email_enqueue_template_many(
        template="claim_update",
        context={**shared, "headline": EmailSlot("headline"), "body": EmailSlot("body"), "link": EmailSlot("link")},
        messages=messages,
        kind="claim:expire",
        store=store,
    )
    assert [_row(email) for email in OutboundEmail.objects.filter(pk__in=[e.pk for e in many]).order_by("pk")] == [
        _row(email) for email in one_by_one
    ]
    first = OutboundEmail.objects.get(pk=many[0].pk)
    assert "Tom &amp; Jerry &lt;b&gt;said&lt;/b&gt; &quot;no&quot;" in first.body_html  # escaped in HTML
    assert 'Tom & Jerry <b>said</b> "no"' in first.body_text  # as it is in text
    assert "tok1" not in first.body_text and "tok1" in email_as_sent(email=first).body  # the link kept apart
    assert len({email.message_id for email in many}) == 2


def test_a_template_that_changes_a_slot_is_refused(settings, tmp_path):
    (tmp_path / "emails").mkdir()
    for part, text in {"subject.txt": "{{ headline|upper }}", "txt": "{{ headline }}", "html": "{{ headline }}"}.items():
        (tmp_path / "emails" / f"shouting.{part}").write_text(text)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with pytest.raises(ValueError, match="changes a slot"):
        email_enqueue_template_many(
            template="shouting", context={"headline": EmailSlot("headline")}, messages=[("a@example.com", {"headline": "hi"})], kind="t"
        )


def test_the_rows_are_dispatched_after_commit_in_one_message(monkeypatch, django_capture_on_commit_callbacks):
    batches = []
    monkeypatch.setattr(notifications.services, "_dispatch_batch", batches.append)
    store = StoreFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails = email_enqueue_template_many(
            template="claim_update",
            context={"headline": EmailSlot("headline"), "body": "b", "link": "https://x/"},
            messages=[(f"{n}@example.com", {"headline": f"h{n}"}) for n in range(3)],
            kind="t",
            store=store,
        )
        assert batches == []  # not before the commit
    assert batches == [[email.pk for email in emails]]
