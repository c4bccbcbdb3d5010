"""Staff roles are Django groups (created by migration accounts 0002). Which model
permissions each role holds is listed here and applied after every migrate, so a new
model's permissions reach the roles without a hand-written data migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    WAREHOUSE = "warehouse", _("Warehouse")
    MANAGER = "manager", _("Manager")


_READ_POLICIES = [
    "policies.view_policy",
    "policies.view_coveragerule",
    "policies.view_reason",
    "policies.view_policyversion",
    "policies.view_storeclosure",
    "policies.view_conditionquestion",
    "policies.view_evidenceslot",
    "policies.view_deduction",
    "policies.view_returncarrier",
    "policies.view_packingitem",
    "policies.view_storeworkingday",
    "policies.view_inspectionrejectionreason",
]
_EDIT_POLICIES = [
    f"policies.{action}_{model}"
    for model in ("policy", "coveragerule", "reason", "storeclosure", "conditionquestion", "evidenceslot", "deduction", "returncarrier", "packingitem", "storeworkingday", "inspectionrejectionreason")
    for action in ("add", "change", "delete")
    if not (model == "policy" and action == "delete")
]  # a manager sets up their store's policy (its store field lists only their stores)

_READ_CLAIMS = ["claims.view_claim", "claims.view_claimline", "claims.view_claimevent", "claims.view_claimmessage", "claims.view_evidencefile", "claims.view_refund", "claims.view_cannedreply"]
# the store's canned replies are written by the people who send them
_EDIT_CANNED_REPLIES = ["claims.add_cannedreply", "claims.change_cannedreply", "claims.delete_cannedreply"]

# the store credit ledger: read by every role; redemptions and adjustments are recorded
# by reviewers and managers through credits.services (credits.services.LEDGER_ROLES)
_READ_CREDITS = ["credits.view_storecredit", "credits.view_storecreditentry"]

_READ_ORDERS = [
    "orders.view_store",
    "orders.view_product",
    "orders.view_productcategory",
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_shipment",
    "orders.view_orderevent",
    "orders.view_ordereventtype",
    "orders.view_productpart",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    StaffRole.REVIEWER: [*_READ_ORDERS, *_READ_POLICIES, *_READ_CLAIMS, *_READ_CREDITS, *_EDIT_CANNED_REPLIES],
    # the receiving screen: the roles claims.states.HANDLERS lets receive and inspect
    StaffRole.WAREHOUSE: [*_READ_ORDERS, *_READ_POLICIES, *_READ_CLAIMS, *_READ_CREDITS, "claims.receive_parcel"],
    StaffRole.MANAGER: [
        *_READ_ORDERS,
        *_READ_CLAIMS,
        "claims.receive_parcel",
        *_READ_CREDITS,
        *_READ_POLICIES,
        *_EDIT_POLICIES,
        *_EDIT_CANNED_REPLIES,
        "orders.change_store",
        "orders.add_product",
        "orders.change_product",
        "orders.add_productpart",
        "orders.change_productpart",
        "orders.delete_productpart",
        "orders.add_productcategory",
        "orders.change_productcategory",
        "orders.add_order",
        "orders.change_order",
        "orders.add_orderline",
        "orders.change_orderline",
        "orders.add_shipment",
        "orders.change_shipment",
        "orders.view_webhookevent",
        "orders.add_orderevent",
        "orders.change_orderevent",
        "orders.delete_orderevent",
        "orders.add_ordereventtype",
        "orders.change_ordereventtype",
        "orders.delete_ordereventtype",
        "notifications.view_outboundemail",
        "notifications.resend_outboundemail",
    ],
}


def roles_sync_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)
