"""The demo stores' canned replies: one per form and a second request for information,
written with the placeholders staff would use. Looked up by title: re-running keeps
whatever staff changed."""

from claims.models import CannedReply
from orders.models import Store

DEMO_CANNED_REPLIES = [
    {
        "title": "Photos of the fault",
        "body": (
            "Hello {shopper_name},\n\nthank you for your claim {reference}. To decide it we need clear photos of the fault "
            "and of the serial number label. Please add them on your claim page.\n\n{store_name} customer care"
        ),
        "for_request_info": True,
        "position": 10,
    },
    {
        "title": "Proof of purchase",
        "body": (
            "Hello {shopper_name},\n\nwe could not match claim {reference} to a purchase. Please add your receipt or "
            "invoice on your claim page.\n\n{store_name} customer care"
        ),
        "for_request_info": True,
        "position": 20,
    },
    {
        "title": "Outside the return window",
        "body": (
            "Hello {shopper_name},\n\nwe are sorry: claim {reference} reached us after the return window of this "
            "product had closed, so we cannot accept it. If you think this is wrong you can appeal once from your "
            "claim page.\n\n{store_name} customer care"
        ),
        "for_reject": True,
        "position": 10,
    },
    {
        "title": "Ship-by reminder",
        "body": (
            "Hello {shopper_name},\n\na reminder that the return for claim {reference} (RMA {rma_number}) must be "
            "shipped by {deadline}. Write the RMA number on the parcel.\n\n{store_name} customer care"
        ),
        "for_message": True,
        "position": 10,
    },
]


def demo_canned_replies_load(store: Store) -> None:
    for spec in DEMO_CANNED_REPLIES:
        if CannedReply.objects.filter(store=store, title=spec["title"]).exists():
            continue
        reply = CannedReply(store=store, **spec)
        reply.full_clean()
        reply.save()
