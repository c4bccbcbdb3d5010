"""The warehouse's receiving screen in the admin (/admin/claims/claim/receive/): a field
that takes a scanned RMA number (or a claim reference), then, on the same screen, the
claim's packing checklist with the receive and inspect forms of claims.admin_forms
(each calls its one claims.services function with the row version the screen showed),
then back to the scan field for the next parcel.

Only claims of the staff member's stores are found (ClaimAdmin's scoped queryset): a
code of another store gets the same answer as an unknown one. Which step is offered
comes from the command table (services.allowed_commands); a step posted again (a double
click, a colleague) says when and by whom it was taken instead of taking it again. The
scan field keeps the focus: a scanner's input never lands on a step's button."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import date as date_filter
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from claims import admin_forms, services, states
from claims.actors import staff_actor
from claims.models import Claim, ClaimEvent
from claims.selectors import claim_for_scan, claim_receiving_checklist, claims_parcel_expected
from claims.states import ClaimStatus

RECEIVE_PERMISSION = "claims.receive_parcel"
EXPECTED_PER_PAGE = 25

# Messages of the screen; tests match them.
NOT_FOUND = _(
    "No claim in your stores has the RMA number or reference “%(code)s”. Check the label, or put the parcel aside for a manager."
)
NOT_RECEIVABLE = _("Claim %(claim)s is “%(status)s”: there is nothing to receive or inspect. %(advice)s")
ALREADY_DONE = _("%(step)s was already recorded for claim %(claim)s: %(when)s by %(who)s. Nothing was recorded twice.")
CHANGED_NOW = _("It is now “%(status)s” (last change: %(when)s by %(who)s).")
RECEIVED_NEXT = _("Now record the inspection below.")
SCAN_NEXT = _("Scan the next parcel.")

# What the warehouse does with a parcel whose claim is in a state that takes none: said
# per state (the command table decides which states take "receive" and "inspect").
ADVICE = {
    ClaimStatus.DRAFT: _("The shopper has not submitted it: put the parcel aside and tell a reviewer."),
    ClaimStatus.SUBMITTED: _(
        "It has not been approved yet, so no parcel is expected: put the parcel aside and tell a reviewer."
    ),
    ClaimStatus.NEEDS_INFO: _(
        "It waits for the shopper's answer and was not approved: put the parcel aside and tell a reviewer."
    ),
    ClaimStatus.APPEALED: _(
        "Its appeal is being reviewed and no return was approved: put the parcel aside and tell a reviewer."
    ),
    ClaimStatus.APPROVED_NO_RETURN: _(
        "It was approved without a return, so no parcel is expected: put the parcel aside and tell a reviewer."
    ),
    ClaimStatus.INSPECTED: _("The parcel was already received and inspected: nothing more to record here."),
    ClaimStatus.RESOLVED: _("It is settled already: put the parcel aside and tell a manager."),
    ClaimStatus.REJECTED: _("It was rejected, so no return is accepted: put the parcel aside and tell a manager."),
    ClaimStatus.EXPIRED: _(
        "The parcel was not shipped before the ship-by date and the right to return lapsed: put it aside and tell a manager."
    ),
    ClaimStatus.WITHDRAWN: _("The shopper withdrew it: put the parcel aside and tell a manager."),
    ClaimStatus.CLOSED: _("It is closed: put the parcel aside and tell a manager."),
}

# the steps of the screen: the admin form, the commands that take it, the claim's time stamp it sets
STEPS = {
    "receive": (admin_forms.ReceiveForm, ("receive",), "received_at"),
    "inspect": (admin_forms.InspectForm, ("inspect", "reject_after_inspection"), "inspected_at"),
}
STEP_LABELS = {"receive": _("The receipt"), "inspect": _("The inspection")}


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("RMA number or claim reference"),
        max_length=40,
        help_text=_("Scan the label's barcode or QR code, or type the number and press Enter."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "enterkeyhint": "go"}
        ),
    )


class ReceivingScreen:
    """The views of the screen, bound to ClaimAdmin (its scoped queryset and its site)."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self) -> list:
        site = self.model_admin.admin_site
        return [
            path("receive/", site.admin_view(self.scan_view), name="claims_claim_receive"),
            path(
                "receive/<int:object_id>/<slug:step>/",
                site.admin_view(require_POST(self.step_view)),
                name="claims_claim_receive_step",
            ),
        ]

    def _check(self, request) -> None:
        if not request.user.has_perm(RECEIVE_PERMISSION):
            raise PermissionDenied

    def _claims(self, request):
        return self.model_admin.get_queryset(request)

    def scan_view(self, request):
        """GET: the scan field; with ?code=, the claim it names on the same screen."""
        self._check(request)
        code = request.GET.get("code", "")
        if not code.strip():
            return self._render(request, scan_form=ScanForm(), claim=None)
        scan_form = ScanForm(request.GET)
        claim = claim_for_scan(claims=self._claims(request), code=code) if scan_form.is_valid() else None
        if claim is None:
            if scan_form.is_valid():
                scan_form.add_error("code", NOT_FOUND % {"code": " ".join(code.split())})
            return self._render(request, scan_form=scan_form, claim=None)
        return self._render(request, scan_form=ScanForm(), claim=claim, scanned=code)

    def step_view(self, request, object_id, step):
        """POST: one step (receive or inspect) through its admin form and service; then
        the screen again (after the receipt: the inspection) or the scan field."""
        self._check(request)
        if step not in STEPS:
            raise Http404
        form_class, commands, stamp = STEPS[step]
        claim = get_object_or_404(
            self._claims(request).select_related("store", "policy_version", "assignee"), pk=object_id
        )
        actor = staff_actor(user=request.user, store=claim.store)
        form = form_class(request.POST, claim=claim)
        if form.is_valid():
            try:
                result = form.perform(actor=actor)
            except services.ClaimError as exc:
                fresh = Claim.objects.get(pk=claim.pk)
                done = self._already_done(fresh, step, commands, stamp, form.version)
                if done:
                    messages.info(request, done)
                    return redirect(self._screen_url(fresh))
                for problem in exc.problems or [exc.message]:
                    form.add_error(None, problem)
                if fresh.row_version != claim.row_version or isinstance(exc, services.ClaimChanged):
                    form.add_error(None, self._changed_now(fresh))
            else:
                messages.success(
                    request, f"{form.success_message(result)} {RECEIVED_NEXT if step == 'receive' else SCAN_NEXT}"
                )
                if step == "receive":
                    return redirect(self._screen_url(result))
                return redirect(reverse("admin:claims_claim_receive"))
        forms_by_step = {step: form}
        return self._render(request, scan_form=ScanForm(), claim=claim, forms_by_step=forms_by_step)

    # --- helpers ---------------------------------------------------------------------

    @staticmethod
    def _screen_url(claim: Claim) -> str:
        return f"{reverse('admin:claims_claim_receive')}?{urlencode({'code': claim.rma_number or claim.reference})}"

    @staticmethod
    def _last_event(claim: Claim, actions) -> ClaimEvent | None:
        return claim.events.filter(action__in=actions).order_by("-created_at", "-pk").first()

    def _already_done(self, claim: Claim, step: str, commands, stamp: str, version: int) -> str | None:
        """The step was taken since the screen was shown (a second Enter, a colleague):
        who took it and when, instead of an error."""
        if getattr(claim, stamp) is None or claim.row_version == version:
            return None
        event = self._last_event(claim, commands)
        if event is None:
            return None
        return ALREADY_DONE % {
            "step": STEP_LABELS[step],
            "claim": claim,
            "when": _when(event.created_at, claim),
            "who": event.actor_label,
        }

    def _changed_now(self, claim: Claim) -> str:
        event = claim.events.order_by("-created_at", "-pk").first()
        return CHANGED_NOW % {
            "status": claim.get_status_display(),
            "when": _when(event.created_at, claim) if event else "—",
            "who": event.actor_label if event else "—",
        }

    def _render(
        self, request, *, scan_form: ScanForm, claim: Claim | None, scanned: str = "", forms_by_step: dict | None = None
    ):
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": Claim._meta,
            "title": _("Receive parcels"),
            "subtitle": None,
            "scan_form": scan_form,
            "claim": claim,
        }
        if claim is not None:
            context.update(self._claim_context(request, claim, scanned, forms_by_step or {}))
        else:
            context.update(self._expected_context(request))
        # whatever is scanned goes to the scan field: a label scanned while a claim is
        # shown opens that parcel's claim, never a step of the one on screen
        scan_form.fields["code"].widget.attrs["autofocus"] = True
        request.current_app = self.model_admin.admin_site.name
        return TemplateResponse(request, "admin/claims/claim/receive.html", context)

    def _expected_context(self, request) -> dict:
        """The parcels expected, a page of the oldest approvals first; each row opens its
        claim on this screen as scanning its RMA does."""
        parcels = claims_parcel_expected(claims=self._claims(request))
        paginator = self.model_admin.get_paginator(request, parcels, EXPECTED_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        today = timezone.now()
        rows = []
        for claim in page.object_list:
            approved = timezone.localtime(claim.decided_at, claim.store.time_zone) if claim.decided_at else None
            rows.append(
                {
                    "claim": claim,
                    "open_url": self._screen_url(claim),
                    "shopper": (claim.order.customer_name if claim.order else "").strip() or claim.shopper_email,
                    "approved": approved,
                    "days_waiting": (timezone.localtime(today, claim.store.time_zone).date() - approved.date()).days
                    if approved
                    else None,
                }
            )
        return {"expected_page": page, "expected_rows": rows}

    def _claim_context(self, request, claim: Claim, scanned: str, forms_by_step: dict) -> dict:
        actor = staff_actor(user=request.user, store=claim.store)
        allowed = {command.name for command in services.allowed_commands(claim, actor)}
        step = next((name for name, (_form, commands, _stamp) in STEPS.items() if allowed & set(commands)), None)
        context = {
            "checklist": claim_receiving_checklist(claim=claim),
            "step": step,
            "change_url": reverse("admin:claims_claim_change", args=[claim.pk]),
            "blocked": None,
        }
        if step is None:
            context["blocked"] = _blocked(claim, actor)
            return context
        form = forms_by_step.get(step)
        if form is None:
            form_class = STEPS[step][0]
            initial = {"expected_version": claim.row_version}
            if step == "receive" and claim.rma_number and "".join(scanned.split()).upper() == claim.rma_number:
                initial["rma_number"] = claim.rma_number  # the label was scanned: it matches
            form = form_class(claim=claim, initial=initial)
        if step == "receive":
            form.fields["rma_number"].widget.attrs["autofocus"] = False  # the scan field keeps the focus
        else:
            context["refund_breakdown"] = services.claim_refund_breakdown(claim=claim)
        context.update(
            form=form,
            form_errors=[*form.non_field_errors(), *(e for field in form.hidden_fields() for e in field.errors)],
            action_url=reverse("admin:claims_claim_receive_step", args=[claim.pk, step]),
        )
        return context


def receive_refusal(claim: Claim, actor) -> str | None:
    """Why this parcel cannot be received now, in the screen's words: the receipt taken
    already (when, by whom), another role's step, or the claim's state; None when the
    command table lets this actor receive it."""
    if any(command.name == "receive" for command in services.allowed_commands(claim, actor)):
        return None
    if claim.received_at is not None:
        event = ReceivingScreen._last_event(claim, STEPS["receive"][1])
        if event is not None:
            return ALREADY_DONE % {
                "step": STEP_LABELS["receive"],
                "claim": claim,
                "when": _when(event.created_at, claim),
                "who": event.actor_label,
            }
    return _blocked(claim, actor)


def claims_receive(*, claims, user) -> tuple[list[Claim], list[str]]:
    """The queue's bulk "Mark received": each claim as the screen receives a scanned
    parcel (the RMA on it is the claim's: the staff member checked the parcels in hand),
    through the same command-table check and claims.services.claim_receive, one
    transaction per claim; a claim it cannot take is left untouched and said why, as the
    screen says it."""
    done: list[Claim] = []
    refused: list[str] = []
    for claim in claims:
        actor = staff_actor(user=user, store=claim.store)
        refusal = receive_refusal(claim, actor)
        if refusal is None:
            try:
                done.append(
                    services.claim_receive(
                        claim_id=claim.pk,
                        actor=actor,
                        rma_number=claim.rma_number or "",
                        expected_version=claim.row_version,
                    )
                )
                continue
            except services.ClaimError as exc:
                refusal = " ".join(str(problem) for problem in (exc.problems or [exc.message]))
        refused.append(refusal if str(claim) in refusal else f"{claim}: {refusal}")
    return done, refused


def _blocked(claim: Claim, actor) -> str:
    """Why neither step is offered: another role's step (not this user's), or the state."""
    if any(states.command_allowed(name, claim.status) for name in ("receive", "inspect")):
        return str(services.NOT_PERMITTED)
    return NOT_RECEIVABLE % {
        "claim": claim,
        "status": claim.get_status_display(),
        "advice": ADVICE.get(claim.status, ""),
    }


def _when(moment, claim: Claim) -> str:
    return date_filter(timezone.localtime(moment, claim.store.time_zone), "j M Y, H:i T")
