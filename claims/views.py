"""Evidence endpoints: upload into a slot (JSON, for the claim pages' uploader and
plain forms) and the one place evidence files are read from. Thin: access checks,
one service call, a response."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import evidence as evidence_services
from claims import selectors, services, states
from claims.actors import Actor, shopper_actor, staff_actor
from claims.forms import AnswersForm, MessageForm, OfflinePurchaseForm, StartClaimForm, TrackingForm
from claims.models import Claim, EvidenceFile, Refund
from claims.services import ClaimError, NotPermitted
from claims.states import ClaimStatus
from orders import guest_access
from orders import selectors as order_selectors
from orders.models import Store
from orders.selectors import user_verified_emails
from policies.selectors import policy_data_for_version, policy_version_current

# What the file picker offers per slot kind (the server still decides from the content).
ACCEPT_ATTR = {"photo": "image/*", "screenshot": "image/*", "video": "video/*", "media": "image/*,video/*", "document": "application/pdf,image/*"}
UPLOAD_TOO_LARGE = _("This upload is too large. Photos can be up to 25 MB and videos up to 500 MB; please trim or compress it.")
NO_FILE = _("Choose a file to upload.")


def claim_actor_for_request(request: HttpRequest, claim: Claim) -> Actor | None:
    """The shopper who owns the claim (verified e-mail or this order's guest session),
    or a staff member of its store; None for anyone else."""
    user = request.user
    if user.is_authenticated and user.is_staff:
        actor = staff_actor(user=user, store=claim.store)
        if actor.roles:
            return actor
    if user.is_authenticated and claim.shopper_email.lower() in {e.lower() for e in user_verified_emails(user=user)}:
        return shopper_actor(email=claim.shopper_email, user=user)
    if claim.order_id and claim.order_id in guest_access.session_order_ids(session=request.session):
        return shopper_actor(email=claim.shopper_email)
    return None


def _evidence_json(item: EvidenceFile) -> dict:
    return {
        "id": item.pk,
        "slot": item.slot_code,
        "name": item.original_name,
        "status": item.status,
        "reason": item.refusal_reason,
    }


@require_POST
def evidence_upload(request: HttpRequest, claim_id: int) -> JsonResponse:
    if getattr(request, "upload_too_large", False):
        return JsonResponse({"error": UPLOAD_TOO_LARGE}, status=413)
    claim = get_object_or_404(Claim.objects.select_related("store"), pk=claim_id)
    actor = claim_actor_for_request(request, claim)
    if actor is None:
        raise Http404
    files = request.FILES.getlist("file")
    if not files:
        return JsonResponse({"error": NO_FILE}, status=400)
    created, errors = [], []
    for upload in files:
        try:
            created.append(evidence_services.evidence_add(claim_id=claim.pk, actor=actor, slot_code=request.POST.get("slot", ""), upload=upload))
        except (ClaimError, NotPermitted) as exc:
            errors.append({"name": upload.name, "error": exc.message})
    status = 201 if created else 400
    return JsonResponse({"files": [_evidence_json(item) for item in created], "errors": errors}, status=status)


@require_GET
def evidence_status(request: HttpRequest, evidence_id: int) -> JsonResponse:
    item = get_object_or_404(EvidenceFile.objects.select_related("claim__store"), pk=evidence_id)
    if claim_actor_for_request(request, item.claim) is None:
        raise Http404
    return JsonResponse(_evidence_json(item))


# Evidence only for the claim's owner and the store's staff; never cached publicly,
# never sniffed, documents always as attachments. Anyone else gets a 404, so the URL
# does not even confirm that the file exists.
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int, variant: str) -> HttpResponse:
    if variant not in ("file", "thumb"):
        raise Http404
    item = get_object_or_404(EvidenceFile.objects.select_related("claim__store"), pk=evidence_id, status=EvidenceFile.Status.READY)
    if claim_actor_for_request(request, item.claim) is None:
        raise Http404
    field = item.thumbnail if variant == "thumb" else item.file
    if not field:
        raise Http404
    content_type = "image/jpeg" if variant == "thumb" else item.content_type
    as_attachment = item.kind == "document" and variant != "thumb"
    response = FileResponse(field.open("rb"), content_type=content_type, as_attachment=as_attachment, filename=_download_name(item, variant))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
    return response


def _download_name(item: EvidenceFile, variant: str) -> str:
    stem = item.original_name.rsplit(".", 1)[0][:60] or "evidence"
    extension = "jpg" if variant == "thumb" else item.file.name.rsplit(".", 1)[-1]
    return f"{stem}{'-thumb' if variant == 'thumb' else ''}.{extension}"


# --- the shopper's claim pages ----------------------------------------------------------


def _owner(request: HttpRequest, claim: Claim) -> Actor:
    actor = claim_actor_for_request(request, claim)
    if actor is None or not actor.is_shopper:
        raise Http404
    return actor


def _covering_rules(claim: Claim):
    policy = selectors.claim_policy_data(claim=claim)
    return policy, [rule for rule in policy.rules if claim.reason_code in rule.reason_codes]


@require_http_methods(["GET", "POST"])
def claim_start(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    store = get_object_or_404(Store, slug=slug, is_active=True)
    order = order_selectors.order_for_viewer(
        store=store, number=number, user=request.user, guest_order_ids=guest_access.session_order_ids(session=request.session)
    )
    if order is None:
        return redirect("orders:store_home", slug=store.slug)
    version = policy_version_current(store=store)
    if version is None:
        messages.error(request, services.NO_POLICY)
        return redirect("orders:order_detail", slug=store.slug, number=order.number)
    reasons = policy_data_for_version(version=version).reasons
    form = StartClaimForm(request.POST or None, order=order, reasons=reasons)
    if request.method == "POST" and form.is_valid():
        actor = shopper_actor(email=order.customer_email, user=request.user if request.user.is_authenticated else None)
        try:
            claim = services.claim_start(
                store=store, actor=actor, reason_code=form.cleaned_data["reason"], order=order, lines=form.cleaned_data["lines"]
            )
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("claims:claim_draft", claim_id=claim.pk)
    return render(request, "claims/start.html", {"store": store, "order": order, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def claim_start_offline(request: HttpRequest, slug: str) -> HttpResponse:
    """For signed-in shoppers with a verified e-mail: a purchase without an order here."""
    store = get_object_or_404(Store, slug=slug, is_active=True)
    emails = user_verified_emails(user=request.user)
    if not emails:
        messages.error(request, _("Verify your e-mail address first; we send the claim's updates there."))
        return redirect("account_email")
    version = policy_version_current(store=store)
    if version is None:
        messages.error(request, services.NO_POLICY)
        return redirect("orders:store_home", slug=store.slug)
    form = OfflinePurchaseForm(request.POST or None, store=store, reasons=policy_data_for_version(version=version).reasons)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        purchased_at = datetime.combine(data["purchased_on"], time(12, 0), tzinfo=ZoneInfo(str(store.time_zone)))
        try:
            claim = services.claim_start(
                store=store,
                actor=shopper_actor(email=emails[0], user=request.user),
                reason_code=data["reason"],
                offline={"product": data["product"], "purchased_at": purchased_at, "channel": data["channel"], "price": data["price"], "country": data["country"]},
            )
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("claims:claim_draft", claim_id=claim.pk)
    return render(request, "claims/start_offline.html", {"store": store, "form": form})


def _draft_context(request: HttpRequest, claim: Claim, form: AnswersForm | None = None, problems=None) -> dict:
    decisions = selectors.claim_evaluate(claim=claim)
    decision = decisions[0][1]
    questions = _all_questions(claim)
    open_rules = [r for r in decision.rules if r.open]
    chosen = open_rules[0] if open_rules else None
    slots = chosen.evidence_slots if chosen else ()
    outcomes = chosen.outcomes if chosen and chosen.shopper_states_preference else ()
    text_slots = [s for s in slots if s.kind == "text"]
    if form is None:
        form = AnswersForm(
            questions=questions, outcomes=outcomes, answers=claim.answers, preferred=claim.preferred_outcome, texts=claim.texts, text_slots=text_slots
        )
    return {
        "store": claim.store,
        "claim": claim,
        "decision": decision,
        "line_decisions": decisions,
        "chosen": chosen,
        "form": form,
        "checklist": _slot_rows(claim, slots),
        "problems": problems or [],
    }


@require_http_methods(["GET", "POST"])
def claim_draft(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("store", "order", "policy_version"), pk=claim_id)
    actor = _owner(request, claim)
    if claim.status != ClaimStatus.DRAFT:
        return redirect("claims:claim_detail", slug=claim.store.slug, reference=claim.reference)
    if request.method == "POST":
        context = _draft_context(request, claim)
        form = AnswersForm(
            request.POST,
            questions=_all_questions(claim),
            outcomes=context["chosen"].outcomes if context["chosen"] and context["chosen"].shopper_states_preference else (),
            answers=claim.answers,
            preferred=claim.preferred_outcome,
            texts=claim.texts,
            text_slots=[s for s in (context["chosen"].evidence_slots if context["chosen"] else ()) if s.kind == "text"],
        )
        if form.is_valid():
            services.claim_update_draft(
                claim_id=claim.pk,
                actor=actor,
                answers=form.answers(),
                texts=form.texts(),
                preferred_outcome=form.cleaned_data.get("preferred_outcome") or claim.preferred_outcome,
            )
            if "submit" in request.POST:
                try:
                    claim = services.claim_submit(claim_id=claim.pk, actor=actor)
                except services.ClaimChanged as exc:
                    # a second submit (double click, re-posted form): show the claim made by the first
                    claim.refresh_from_db()
                    if claim.reference:
                        return redirect("claims:claim_detail", slug=claim.store.slug, reference=claim.reference)
                    messages.error(request, exc.message)
                    return redirect("claims:claim_draft", claim_id=claim.pk)
                except services.ClaimError as exc:
                    claim.refresh_from_db()
                    return render(request, "claims/draft.html", _draft_context(request, claim, problems=exc.problems or [exc.message]), status=400)
                return redirect(reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]) + "?submitted=1")
            messages.success(request, _("Saved. You can come back to this claim later from your order link."))
            return redirect("claims:claim_draft", claim_id=claim.pk)
        # an answer we cannot use: show the form again with what was typed
        return render(request, "claims/draft.html", _draft_context(request, claim, form=form), status=400)
    return render(request, "claims/draft.html", _draft_context(request, claim))


def _slot_rows(claim: Claim, slots) -> list[tuple]:
    """(checklist status, the slot's files, what the file picker offers) per upload slot."""
    checklist = selectors.claim_checklist(claim=claim, slots=tuple(s for s in slots if s.kind != "text"))
    files: dict[str, list[EvidenceFile]] = {}
    for item in claim.evidence.exclude(status=EvidenceFile.Status.DELETED).order_by("created_at"):
        files.setdefault(item.slot_code, []).append(item)
    return [(status, files.get(status.slot.code, []), ACCEPT_ATTR[status.slot.kind]) for status in checklist]


def _all_questions(claim: Claim):
    """The condition questions of every rule that covers the claim's reason, once each."""
    _policy, covering = _covering_rules(claim)
    questions, seen = [], set()
    for rule in covering:
        for condition in rule.conditions:
            if condition.code not in seen:
                seen.add(condition.code)
                questions.append(condition)
    return questions


@require_POST
def claim_upload(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The plain-form (no JavaScript) upload: then back to the page the shopper was on."""
    claim = get_object_or_404(Claim.objects.select_related("store"), pk=claim_id)
    actor = _owner(request, claim)
    back = reverse("claims:claim_draft", args=[claim.pk]) if claim.status == ClaimStatus.DRAFT else reverse(
        "claims:claim_detail", args=[claim.store.slug, claim.reference]
    )
    if getattr(request, "upload_too_large", False):
        messages.error(request, UPLOAD_TOO_LARGE)
        return redirect(back)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, NO_FILE)
    for upload in files:
        try:
            evidence_services.evidence_add(claim_id=claim.pk, actor=actor, slot_code=request.POST.get("slot", ""), upload=upload)
        except (services.ClaimError, NotPermitted) as exc:
            messages.error(request, f"{upload.name}: {exc.message}")
        else:
            messages.info(request, _("%(name)s uploaded; we're checking it now.") % {"name": upload.name})
    return redirect(back)


@require_POST
def evidence_remove(request: HttpRequest, evidence_id: int) -> HttpResponse:
    item = get_object_or_404(EvidenceFile.objects.select_related("claim__store"), pk=evidence_id)
    actor = _owner(request, item.claim)
    try:
        evidence_services.evidence_remove(evidence_id=item.pk, actor=actor)
    except services.ClaimError as exc:
        messages.error(request, exc.message)
    claim = item.claim
    if claim.status == ClaimStatus.DRAFT:
        return redirect("claims:claim_draft", claim_id=claim.pk)
    return redirect("claims:claim_detail", slug=claim.store.slug, reference=claim.reference)


@require_GET
def claim_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    claim = Claim.objects.select_related("store", "order", "policy_version").filter(store__slug=slug, reference=reference).first()
    actor = claim_actor_for_request(request, claim) if claim is not None else None
    if actor is None or not actor.is_shopper:
        # not (yet) the owner in this browser: say how to open it, never whether it exists
        if claim is not None and claim.order_id is None and not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        messages.info(request, _("To open a claim, use the link in our e-mail or look up your order below."))
        store = get_object_or_404(Store, slug=slug, is_active=True)
        return redirect("orders:store_home", slug=store.slug)
    return render(request, "claims/detail.html", _detail_context(claim))


def _detail_context(claim: Claim, tracking_form=None, message_form=None) -> dict:
    snapshot_rule = next((r for r in (claim.decision or {}).get("rules", []) if r["rule_code"] == claim.rule_code), {})
    policy = selectors.claim_policy_data(claim=claim)
    rule = selectors.claim_rule(claim=claim, policy=policy)
    requested = []
    if claim.status in (ClaimStatus.NEEDS_INFO, ClaimStatus.APPEALED):
        if claim.status == ClaimStatus.NEEDS_INFO:
            last = claim.messages.exclude(requested_slots=[]).order_by("-created_at").first()
            wanted = set(last.requested_slots) if last else set()
        else:  # an appeal may bring more evidence for any item
            wanted = {s.code for s in (rule.evidence_slots if rule else ())}
        requested = _slot_rows(claim, [s for s in (rule.evidence_slots if rule else ()) if s.code in wanted])
    reimbursed = bool(rule and rule.shipping_reimbursement_cap is not None and snapshot_rule.get("shipping_payer") == "brand")
    return {
        "store": claim.store,
        "claim": claim,
        "rule": rule,
        "snapshot_rule": snapshot_rule,
        "events": claim.events.exclude(action__in=["internal_note", "assign", "line_accepted", "line_rejected", "mark_complex"]),
        "messages_list": claim.messages.filter(internal=False),
        "evidence": claim.evidence.filter(status=EvidenceFile.Status.READY),
        "requested": requested,
        "tracking_form": tracking_form or (TrackingForm(carriers=policy.carriers, reimbursed=reimbursed) if claim.status == ClaimStatus.APPROVED_AWAITING_RETURN else None),
        "message_form": message_form or MessageForm(),
        "can_withdraw": states.transition_for("withdraw", claim.status) is not None,
        "can_appeal": claim.status == ClaimStatus.REJECTED and not claim.appeal_used,
        "refund": Refund.objects.filter(claim=claim).first(),
    }


@require_POST
def claim_act(request: HttpRequest, slug: str, reference: str, action: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("store", "policy_version"), store__slug=slug, reference=reference)
    actor = _owner(request, claim)
    expected = _int(request.POST.get("expected_version"))
    try:
        if action == "withdraw":
            services.claim_withdraw(claim_id=claim.pk, actor=actor, note=request.POST.get("note", "")[:500], expected_version=expected)
            messages.success(request, _("Your claim is withdrawn."))
        elif action == "appeal":
            form = MessageForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Tell us why you disagree with the decision."))
            else:
                services.claim_appeal(claim_id=claim.pk, actor=actor, message=form.cleaned_data["body"], expected_version=expected)
                messages.success(request, _("Your appeal is in. A colleague will look at the claim again."))
        elif action == "provide_info":
            services.claim_provide_info(claim_id=claim.pk, actor=actor, message=request.POST.get("body", "")[:4000], expected_version=expected)
            messages.success(request, _("Thanks, we'll continue the review."))
        elif action == "ship":
            policy = selectors.claim_policy_data(claim=claim)
            rule = selectors.claim_rule(claim=claim, policy=policy)
            reimbursed = bool(rule and rule.shipping_reimbursement_cap is not None)
            form = TrackingForm(request.POST, carriers=policy.carriers, reimbursed=reimbursed)
            if not form.is_valid():
                return render(request, "claims/detail.html", _detail_context(claim, tracking_form=form), status=400)
            try:
                services.claim_ship(
                    claim_id=claim.pk,
                    actor=actor,
                    carrier=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                    postage_paid=form.cleaned_data.get("postage_paid"),
                    expected_version=expected,
                )
            except services.ClaimChanged:
                raise
            except services.ClaimError as exc:
                form.add_error("tracking_number", exc.message)
                return render(request, "claims/detail.html", _detail_context(claim, tracking_form=form), status=400)
            messages.success(request, _("Thanks! We'll tell you when your return arrives."))
        elif action == "message":
            form = MessageForm(request.POST)
            if form.is_valid():
                services.claim_message(claim_id=claim.pk, actor=actor, body=form.cleaned_data["body"])
                messages.success(request, _("Message sent."))
            else:
                return render(request, "claims/detail.html", _detail_context(claim, message_form=form), status=400)
        else:
            raise Http404
    except services.ClaimError as exc:
        messages.error(request, exc.message)
    return redirect("claims:claim_detail", slug=claim.store.slug, reference=claim.reference)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def rma_slip(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("store", "policy_version"), store__slug=slug, reference=reference)
    _owner(request, claim)
    if not claim.rma_number:
        raise Http404
    policy = selectors.claim_policy_data(claim=claim)
    qr_svg = segno.make(claim.rma_number, error="m").svg_inline(scale=4, title=f"QR code: {claim.rma_number}")
    return render(request, "claims/slip.html", {"store": claim.store, "claim": claim, "policy": policy, "qr_svg": qr_svg})
