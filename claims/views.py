"""Evidence endpoints: upload into a slot (JSON, for the claim pages' uploader and
plain forms) and the one place evidence files are read from. Thin: access checks,
one service call, a response."""

from datetime import datetime, time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import clocks, page_cache, selectors, services, states, tracker
from claims import evidence as evidence_services
from claims import outcomes as outcome_selectors
from claims.actors import Actor, shopper_actor, staff_actor
from claims.forms import AnswersForm, MessageForm, OfflinePurchaseForm, OutcomeChoiceForm, StartClaimForm, TrackingForm
from claims.models import MIXED_OUTCOME, Claim, EvidenceFile
from claims.refund_explained import claim_money_explained
from claims.services import ClaimError, NotPermitted
from claims.states import ClaimStatus
from credits.selectors import store_credit_for_claim
from orders import guest_access
from orders import selectors as order_selectors
from orders.models import Store
from orders.selectors import user_verified_emails
from policies.engine import (
    ORDER_DELIVERED,
    ORDER_STATE_NOW,
    STORE_CREDIT,
    carriers_words,
    turnaround_covers,
    turnaround_sentence,
)
from policies.selectors import order_state_for_order, policy_data_for_version, policy_version_current

# What the file picker offers per slot kind (the server still decides from the content).
ACCEPT_ATTR = {
    "photo": "image/*",
    "screenshot": "image/*",
    "video": "video/*",
    "media": "image/*,video/*",
    "document": "application/pdf,image/*",
    "any": "image/*,video/*,application/pdf",
}
UPLOAD_TOO_LARGE = gettext_lazy("This upload is too large. Photos can be up to 25 MB and videos up to 500 MB; please trim or compress it.")
NO_FILE = gettext_lazy("Choose a file to upload.")


def _upload_too_large(request: HttpRequest) -> bool:
    """Whether claims.uploads stopped this post for its size. The body is parsed on first
    use (CSRF middleware does it before a view, a test client may not): parse it now."""
    request.POST  # noqa: B018 - parsing sets the flag
    return getattr(request, "upload_too_large", False)


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
    if _upload_too_large(request):
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
    """An evidence file for its claim's owner or the store's staff: the file, its
    thumbnail, or ("view") a photo resized for the staff's evidence viewer."""
    if variant not in ("file", "thumb", "view"):
        raise Http404
    item = get_object_or_404(EvidenceFile.objects.select_related("claim__store"), pk=evidence_id, status=EvidenceFile.Status.READY)
    if claim_actor_for_request(request, item.claim) is None:
        raise Http404
    field = item.thumbnail if variant == "thumb" else item.file
    if not field or (variant == "view" and item.kind != "photo"):
        raise Http404
    if variant == "view":
        response = FileResponse(evidence_services.evidence_view_rendition(item=item), content_type="image/jpeg")
    else:
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
        return redirect("claims:order_detail", slug=store.slug, number=order.number)
    # only the reasons that fit the order now: no "Cancel my order" once it is delivered
    policy = policy_data_for_version(version=version)
    state = order_state_for_order(order=order)
    reasons = policy.reasons_for(state)
    if not reasons:
        context = {"store": store, "order": order, "reasons": policy.reasons, "state_words": _(ORDER_STATE_NOW[state])}
        return render(request, "claims/start_no_reasons.html", context)
    form = StartClaimForm(request.POST or None, order=order, reasons=reasons, claimable=selectors.order_lines_claimable(order=order))
    if request.method == "POST" and form.is_valid():
        actor = shopper_actor(email=order.customer_email, user=request.user if request.user.is_authenticated else None)
        try:
            claim = services.claim_start(
                store=store,
                actor=actor,
                reason_code=form.cleaned_data["reason"],
                order=order,
                lines=form.cleaned_data["lines"],
                shopper_zone=getattr(request, "shopper_zone", ""),
            )
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("claims:claim_draft", claim_id=claim.pk)
    return render(request, "claims/start.html", {"store": store, "order": order, "form": form, "steps": _start_steps()})


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
    form = OfflinePurchaseForm(request.POST or None, store=store, reasons=policy_data_for_version(version=version).reasons_for(ORDER_DELIVERED))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        purchased_at = datetime.combine(data["purchased_on"], time(12, 0), tzinfo=ZoneInfo(str(store.time_zone)))
        try:
            claim = services.claim_start(
                store=store,
                actor=shopper_actor(email=emails[0], user=request.user),
                reason_code=data["reason"],
                offline={"product": data["product"], "purchased_at": purchased_at, "channel": data["channel"], "price": data["price"], "country": data["country"]},
                shopper_zone=getattr(request, "shopper_zone", ""),
            )
        except services.ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("claims:claim_draft", claim_id=claim.pk)
    return render(request, "claims/start_offline.html", {"store": store, "form": form})


def _answers_form(claim: Claim, rules, data=None) -> AnswersForm:
    """The questions of every rule covering the reason, and the preference and text
    fields of `rules`: the rule the draft follows, or, to read a post, every covering
    rule (these very answers may change which one the draft follows)."""
    outcomes = dict.fromkeys(o for rule in rules if rule.shopper_states_preference for o in rule.outcomes)
    texts = {s.code: s for rule in rules for s in rule.evidence_slots if s.kind == "text"}
    return AnswersForm(
        data,
        questions=selectors.claim_questions(claim=claim),
        outcomes=tuple(outcomes),
        same_model=any(rule.replacement_same_model for rule in rules if rule.shopper_states_preference),
        answers=claim.answers,
        preferred=claim.preferred_outcome,
        texts=claim.texts,
        text_slots=list(texts.values()),
    )


def _draft_context(request: HttpRequest, claim: Claim, posted=None, problems=None) -> dict:
    """The draft page. `posted`: a post that could not be saved, shown again as typed
    with its errors on the fields of the rule the page follows."""
    zone = shopper_zone_for(request, claim)
    decisions = selectors.claim_evaluate(claim=claim, display_zone=zone)
    decision = selectors.claim_decision_shown(line_decisions=decisions)
    chosen = selectors.draft_rule(decision=decision)
    slots = chosen.evidence_slots if chosen else ()
    form = _answers_form(claim, [chosen] if chosen else [], posted)
    if posted is not None:
        form.is_valid()
    show_questions = bool(form.question_names) and (chosen is not None or bool(claim.answers))
    checklist = _slot_rows(claim, slots)
    outcome_form = _outcome_form(claim, chosen, decisions, posted)
    return {
        "store": claim.store,
        "claim": claim,
        "claim_lines": list(claim.lines.select_related("order_line__product")) if claim.order_id else [],
        "decision": decision,
        "outcome_form": outcome_form,
        "line_decisions": decisions,
        "chosen": chosen,
        "form": form,
        # once answered, the questions stay even when an answer closed every rule, so a
        # wrong click can be undone; unanswered, they would only ask about a closed claim
        "show_questions": show_questions,
        "checklist": checklist,
        "problems": problems or [],
        "reason_not_offered": _reason_not_offered(claim),
        "steps": _draft_steps(claim, form, chosen, show_questions, checklist, outcome_form),
        "shopper_zone": zone,
    }


def _reason_not_offered(claim: Claim) -> str:
    """The draft's reason no longer fits the order (it shipped after "Cancel my order")."""
    not_offered = selectors.claim_reason_not_offered(claim=claim)
    return services.REASON_NOT_OFFERED % not_offered if not_offered else ""


def _outcome_form(claim: Claim, chosen, decisions, data=None) -> OutcomeChoiceForm | None:
    """The outcome per item the shopper chooses under the rule the draft follows."""
    rule = next((r for r in selectors.claim_covering_rules(claim=claim) if chosen and r.code == chosen.rule_code), None)
    if rule is None:
        return None
    refunds = {}
    for line, line_decision in decisions:
        same = next((r for r in line_decision.rules if r.rule_code == rule.code), None)
        refunds[line.pk] = same.refund if same is not None else None
    facts = dict((line.pk, f) for line, f in selectors.claim_purchases(claim=claim))
    purchases = [(line, facts[line.pk]) for line, _decision in decisions if line.pk in facts]
    rows = outcome_selectors.line_outcome_choices(claim=claim, rule=rule, purchases=purchases, refunds=refunds)
    if not any(row.options for row in rows):
        return None
    return OutcomeChoiceForm(data, rows=rows)


DRAFT_STEPS = (
    ("items", gettext_lazy("Items")),
    ("reason", gettext_lazy("Reason")),
    ("questions", gettext_lazy("Questions")),
    ("evidence", gettext_lazy("Evidence")),
    ("review", gettext_lazy("Review")),
)


def _draft_steps(claim: Claim, form: AnswersForm, chosen, show_questions: bool, checklist, outcome_form=None) -> list[dict]:
    """The step indicator: items and reason are chosen before the draft exists; the
    questions are done once each is answered, the evidence once no slot misses a file;
    the current step is the first not done (static/portal/draft-steps.js follows the page)."""
    answered = all(name.removeprefix("q_") in claim.answers for name in form.question_names) and all(
        str(claim.texts.get(name.removeprefix("t_"), "")).strip() for name in form.text_names
    )
    # the step also holds the outcome per item (claims/_outcome_choice.html): open until
    # every item with a choice to make has one
    choosing = outcome_form is not None and any(not row.single for row in outcome_form.rows)
    outcomes_chosen = outcome_form is None or all(row.chosen for row in outcome_form.rows)
    has_questions = show_questions or (chosen is not None and bool(form.text_names or choosing))
    done = {
        "items": True,
        "reason": True,
        "questions": not has_questions or (answered and outcomes_chosen),
        # nothing missing, nothing being checked, and something given (draft-steps.js counts alike)
        "evidence": chosen is not None
        and all(status.complete and not status.processing for status, _files, _accept in checklist)
        and any(status.provided for status, _files, _accept in checklist),
        "review": False,
    }
    current = next(code for code, _label in DRAFT_STEPS if not done[code])
    return [
        {"code": code, "label": label, "done": done[code], "current": code == current, "number": n, "anchor": True}
        for n, (code, label) in enumerate(DRAFT_STEPS, 1)
    ]


def _start_steps() -> list[dict]:
    """The start page is steps 1 and 2 (items and reason) of the draft's five."""
    return [
        {"code": code, "label": label, "done": False, "current": code == "items", "number": n, "anchor": False}
        for n, (code, label) in enumerate(DRAFT_STEPS, 1)
    ]


def shopper_zone_for(request: HttpRequest, claim: Claim) -> str:
    """The zone the shopper sees the claim's times in: their browser's, else the one
    kept on the claim (another device, before its script ran), else "" (the store's)."""
    return getattr(request, "shopper_zone", "") or claim.shopper_timezone


LIVE_NOT_DRAFT = gettext_lazy("This claim has been submitted already.")
LIVE_UNUSABLE = gettext_lazy("We couldn't use these answers; use the Update button.")


def _wants_fragment(request: HttpRequest) -> bool:
    """The draft page's script (static/portal/live-decision.js) saving as the shopper answers."""
    return request.headers.get("X-Requested-With") == "fetch" or request.headers.get("Accept", "").startswith("application/json")


def _decision_fragment(request: HttpRequest, claim: Claim) -> JsonResponse:
    """The decision panel as it is now, and the rule the page's evidence and text fields follow."""
    context = _draft_context(request, claim)
    chosen = context["chosen"]
    return JsonResponse(
        {
            "html": render_to_string("policies/_decision.html", context, request=request),
            "rule": chosen.rule_code if chosen else None,
            "summary": context["decision"].summary,
            "version": claim.row_version,
        }
    )


@require_http_methods(["GET", "POST"])
def claim_draft(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("store", "order", "policy_version"), pk=claim_id)
    actor = _owner(request, claim)
    live = request.method == "POST" and _wants_fragment(request) and "submit" not in request.POST
    if claim.status != ClaimStatus.DRAFT:
        detail = reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])
        if live:
            # submitted from another tab: the script leaves for the claim page instead of a panel
            return JsonResponse({"error": LIVE_NOT_DRAFT, "redirect": detail}, status=409)
        return redirect(detail)
    if request.method == "POST":
        if _upload_too_large(request):
            # the post was refused unread: its answers never arrived, so nothing is saved
            messages.error(request, UPLOAD_TOO_LARGE)
            return redirect("claims:claim_draft", claim_id=claim.pk)
        try:
            saved = _draft_save(request, claim, actor)
        except services.ClaimError as exc:  # submitted meanwhile (a double click, another tab)
            if live:
                return JsonResponse({"error": exc.message}, status=409)
            claim.refresh_from_db()
            if claim.status == ClaimStatus.DRAFT:
                messages.error(request, exc.message)
            return redirect("claims:claim_draft", claim_id=claim.pk)
        if not saved:
            if live:
                return JsonResponse({"error": LIVE_UNUSABLE}, status=400)
            # an answer we cannot use: the files still go in, the form comes back as typed
            _add_posted_files(request, claim, actor)
            claim.refresh_from_db()
            return render(request, "claims/draft.html", _draft_context(request, claim, posted=request.POST), status=400)
        if live:
            claim.refresh_from_db()
            return _decision_fragment(request, claim)
        # without JavaScript, files chosen but not uploaded come with Save or Submit
        _add_posted_files(request, claim, actor)
        if "submit" in request.POST:
            try:
                claim = services.claim_submit(claim_id=claim.pk, actor=actor, shopper_zone=getattr(request, "shopper_zone", ""))
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
    return render(request, "claims/draft.html", _draft_context(request, claim))


def _slot_rows(claim: Claim, slots, evidence: list[EvidenceFile] | None = None) -> list[tuple]:
    """(checklist status, the slot's files, what the file picker offers) per upload slot.
    `evidence`: the claim's files when the page has them already."""
    if evidence is None:
        evidence = selectors.claim_evidence_files(claim=claim)
    checklist = selectors.claim_checklist(claim=claim, slots=tuple(s for s in slots if s.kind != "text"), evidence=evidence)
    files: dict[str, list[EvidenceFile]] = {}
    for item in evidence:
        files.setdefault(item.slot_code, []).append(item)
    return [(status, files.get(status.slot.code, []), ACCEPT_ATTR[status.slot.kind]) for status in checklist]


def _requested_rows(claim: Claim, slots, request, evidence: list[EvidenceFile]) -> list[tuple]:
    """_slot_rows for the slots staff asked about: each needs a file added since they asked."""
    checklist = selectors.claim_info_request_checklist(claim=claim, slots=slots, request=request, evidence=evidence)
    files: dict[str, list[EvidenceFile]] = {}
    for item in evidence:
        files.setdefault(item.slot_code, []).append(item)
    return [(status, files.get(status.slot.code, []), ACCEPT_ATTR[status.slot.kind]) for status in checklist]


@require_POST
def claim_discard(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("store", "order"), pk=claim_id)
    actor = _owner(request, claim)
    try:
        services.claim_discard_draft(claim_id=claim.pk, actor=actor)
    except services.ClaimError:  # submitted meanwhile, or discarded already (a double click)
        claim.refresh_from_db()
        if claim.status != ClaimStatus.WITHDRAWN:
            return redirect("claims:claim_draft", claim_id=claim.pk)
    messages.success(request, _("The draft is discarded."))
    if claim.order_id:
        return redirect("claims:order_detail", slug=claim.store.slug, number=claim.order.number)
    return redirect("orders:store_home", slug=claim.store.slug)


@require_POST
def claim_upload(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The plain-form (no JavaScript) upload: then back to the page the shopper was on.

    On the draft page the Upload buttons send the whole answers form (answers, text and
    every slot's picker as file-<slot>), so what was typed is saved with the files."""
    claim = get_object_or_404(Claim.objects.select_related("store", "order", "policy_version"), pk=claim_id)
    actor = _owner(request, claim)
    in_draft = claim.status == ClaimStatus.DRAFT
    back = reverse("claims:claim_draft", args=[claim.pk]) if in_draft else reverse(
        "claims:claim_detail", args=[claim.store.slug, claim.reference]
    )
    if _upload_too_large(request):
        messages.error(request, UPLOAD_TOO_LARGE)
        return redirect(back)
    saved = True
    if in_draft and "upload" in request.POST:
        try:
            saved = _draft_save(request, claim, actor)
        except services.ClaimError as exc:  # submitted meanwhile: the files' own answer follows
            messages.error(request, exc.message)
    if not _add_posted_files(request, claim, actor):
        messages.error(request, NO_FILE)
    if not saved:  # the files are in; the answers come back with what was typed
        claim.refresh_from_db()
        return render(request, "claims/draft.html", _draft_context(request, claim, posted=request.POST), status=400)
    return redirect(back)


def _add_posted_files(request: HttpRequest, claim: Claim, actor: Actor) -> int:
    """The files of a plain post: `file` for the slot named by `slot` (the claim page's
    upload forms), `file-<slot>` for each picker of the draft page. How many were sent."""
    uploads = [(request.POST.get("slot", ""), upload) for upload in request.FILES.getlist("file")]
    uploads += [(key.removeprefix("file-"), upload) for key in request.FILES if key.startswith("file-") for upload in request.FILES.getlist(key)]
    for slot_code, upload in uploads:
        try:
            evidence_services.evidence_add(claim_id=claim.pk, actor=actor, slot_code=slot_code, upload=upload)
        except (services.ClaimError, NotPermitted) as exc:
            messages.error(request, f"{upload.name}: {exc.message}")
        else:
            messages.info(request, _("%(name)s uploaded; we're checking it now.") % {"name": upload.name})
    return len(uploads)


def _draft_save(request: HttpRequest, claim: Claim, actor: Actor) -> bool:
    """Save the draft's answers, preference and text from a post of the answers form;
    False when an answer cannot be used (nothing saved). ClaimError when it is no draft
    any more."""
    # every covering rule's fields: these very answers may change which rule the draft follows
    form = _answers_form(claim, selectors.claim_covering_rules(claim=claim), request.POST)
    if not form.is_valid():
        return False
    services.claim_update_draft(
        claim_id=claim.pk,
        actor=actor,
        answers=form.answers(),
        texts=form.texts(),
        preferred_outcome=form.cleaned_data.get("preferred_outcome") or claim.preferred_outcome,
    )
    # the outcome per item, under the rule these answers lead to
    claim.refresh_from_db()
    decisions = selectors.claim_evaluate(claim=claim)
    outcome_form = _outcome_form(claim, selectors.draft_rule(decision=selectors.claim_decision_shown(line_decisions=decisions)), decisions, request.POST)
    choices = outcome_form.choices() if outcome_form is not None else {}
    if choices:
        services.claim_choose_outcomes(claim_id=claim.pk, actor=actor, choices=choices)
    return True


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


CLAIM_SIGN_IN = gettext_lazy(
    "To open a claim, sign in, or use the link in our e-mail (a guest can also look up the order on the brand's page)."
)
CLAIM_NOT_YOURS = gettext_lazy("To open a claim, use the link in our e-mail or look up your order below.")


@require_GET
def claim_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    claim = selectors.claim_page_head(store_slug=slug, reference=reference)
    actor = claim_actor_for_request(request, claim) if claim is not None else None
    if actor is None or not actor.is_shopper:
        # Not (yet) the owner in this browser: the same answer whether or not the claim
        # exists and whatever its kind, so a reference can't be probed.
        store = get_object_or_404(Store, slug=slug, is_active=True)
        if not request.user.is_authenticated:
            messages.info(request, CLAIM_SIGN_IN)
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        messages.info(request, CLAIM_NOT_YOURS)
        return redirect("orders:store_home", slug=store.slug)
    cacheable = page_cache.page_cacheable(request)
    key = page_cache.page_key(request, "claim", claim.pk, claim.row_version, claim.updated_at.isoformat())
    if cacheable and (response := page_cache.page_from_cache(request, key)) is not None:
        return response
    claim = selectors.claim_for_page(pk=claim.pk)
    context = _detail_context(claim)
    context["shopper_zone"] = zone = shopper_zone_for(request, claim)
    context["turnaround_due"] = clocks.turnaround_due_words(claim, viewer_zone=zone)
    context["snapshot_rule"] = selectors.claim_decided_rule_for_viewer(claim=claim, viewer_zone=zone)
    if cacheable and not context["checking"]:
        return page_cache.page_render_and_cache(request, key, "claims/detail.html", context)
    return render(request, "claims/detail.html", context)




def _next_step(claim: Claim, can_appeal: bool) -> str:
    """One sentence on where the claim stands and what the shopper does now."""
    if claim.status == ClaimStatus.REJECTED:
        if can_appeal:
            return _("We can't accept this claim. If you disagree, you can appeal once, below.")
        return _("We can't accept this claim.")
    return str(states.NEXT_STEPS.get(claim.status, ""))


def _tracker_context(claim: Claim, policy, rule) -> dict:
    """The tracker at the top of the claim page and the return's shipping details."""
    to_ship = claim.status == ClaimStatus.APPROVED_AWAITING_RETURN
    return {
        "progress": tracker.claim_progress(claim=claim, rule=rule),
        "next_dues": tracker.claim_next_dues(claim=claim),
        "return_tracking": tracker.claim_return_tracking(claim=claim, policy=policy),
        # while the item is to be sent back: where to, with whom, how to hand it over
        "return_shipping": _return_shipping(claim, policy) if to_ship else None,
    }


def _return_shipping(claim: Claim, policy) -> dict:
    return {
        "address": policy.return_address or claim.store.return_address,
        "carriers": carriers_words(policy.carriers),
        "drop_off": policy.drop_off_instructions,
    }


def _detail_context(claim: Claim, tracking_form=None, message_form=None, info_problems=None) -> dict:
    """Everything the claim page shows, read here (the template runs no queries): one
    query each for the timeline, the messages and the evidence."""
    snapshot_rule = selectors.claim_decided_rule(claim=claim)
    policy = selectors.claim_policy_data(claim=claim)
    rule = selectors.claim_rule(claim=claim, policy=policy)
    evidence = selectors.claim_evidence_files(claim=claim)
    conversation = selectors.claim_messages_for_shopper(claim=claim)
    requested = []
    request_at = None
    if claim.status in (ClaimStatus.NEEDS_INFO, ClaimStatus.APPEALED):
        offered = [*(rule.evidence_slots if rule else ()), evidence_services.APPEAL_EVIDENCE]
        last = conversation.last_request
        if claim.status == ClaimStatus.NEEDS_INFO and last is not None:
            # each slot counts what the send button's check counts: files added since we asked
            request_at = last.created_at
            requested = _requested_rows(claim, offered, last, evidence)
        elif claim.status == ClaimStatus.APPEALED:  # an appeal may bring more evidence for any item, and anything else
            wanted = {s.code for s in (rule.evidence_slots if rule else ())} | {evidence_services.APPEAL_EVIDENCE.code}
            requested = _slot_rows(claim, [s for s in offered if s.code in wanted], evidence)
    reimbursed = selectors.postage_reimbursed(claim=claim, rule=rule)
    receipt_open = reimbursed and claim.status in states.POSTAGE_RECEIPT_STATES
    can_appeal = claim.status == ClaimStatus.REJECTED and not claim.appeal_used
    answers, texts = tracker.claim_own_words(claim=claim, policy=policy)
    return {
        **_tracker_context(claim, policy, rule),
        "own_answers": answers,
        "own_texts": texts,
        "store": claim.store,
        "claim": claim,
        "rule": rule,
        "snapshot_rule": snapshot_rule,
        "events": [(event, tracker.timeline_label(event)) for event in selectors.claim_timeline(claim=claim)],
        "messages_list": conversation.shown,
        "evidence": sorted((item for item in evidence if item.status == EvidenceFile.Status.READY), key=lambda item: (item.slot_code, item.created_at)),
        "requested": requested,
        "request_at": request_at,
        "info_problems": info_problems or [],
        "postage_receipt": _slot_rows(claim, [evidence_services.POSTAGE_RECEIPT], evidence) if receipt_open else [],
        "tracking_form": tracking_form or (TrackingForm(carriers=policy.carriers, reimbursed=reimbursed, currency=claim.store.currency) if claim.status == ClaimStatus.APPROVED_AWAITING_RETURN else None),
        "message_form": message_form or MessageForm(),
        "can_withdraw": states.transition_for("withdraw", claim.status) is not None,
        "can_appeal": can_appeal,
        # the slip while the parcel is still to pack or on its way; the RMA number stays shown after
        "can_print_slip": bool(claim.rma_number) and claim.status in states.PARCEL_EXPECTED_STATES,
        "Status": ClaimStatus,
        "turnaround_due": clocks.turnaround_due_words(claim),
        # the rule's turnaround promise before its clock starts (a repair counted from receipt)
        "turnaround_promise": turnaround_sentence(rule)
        if rule and claim.turnaround_due_at is None and claim.status in states.TURNAROUND_CLOCK_STATES and turnaround_covers(rule, claim.outcome)
        else "",
        "next_step": _next_step(claim, can_appeal),
        "outcome_lines": outcome_selectors.claim_outcome_lines(claim=claim),
        "refund": selectors.claim_refund(claim=claim),
        "store_credit": store_credit_for_claim(claim_id=claim.pk)
        if claim.outcome in (STORE_CREDIT, MIXED_OUTCOME)
        else None,
        "inspection_result": selectors.claim_inspection_result(claim=claim),
        "money": claim_money_explained(claim=claim),
        # a file still being checked: the page polls, so it is not kept (claims.page_cache)
        "checking": any(item.status == EvidenceFile.Status.PROCESSING for item in evidence),
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
            try:
                services.claim_provide_info(claim_id=claim.pk, actor=actor, message=request.POST.get("body", "")[:4000], expected_version=expected)
            except services.ClaimChanged:
                raise
            except services.ClaimError as exc:
                if not exc.problems:
                    raise
                # what is still missing, each linked to its slot; the message typed stays
                claim = selectors.claim_for_page(pk=claim.pk)
                context = _detail_context(claim, info_problems=exc.problems)
                context["info_body"] = request.POST.get("body", "")[:4000]
                return render(request, "claims/detail.html", context, status=400)
            messages.success(request, _("Thanks, we'll continue the review."))
        elif action == "ship":
            policy = selectors.claim_policy_data(claim=claim)
            reimbursed = selectors.postage_reimbursed(claim=claim, rule=selectors.claim_rule(claim=claim, policy=policy))
            form = TrackingForm(request.POST, carriers=policy.carriers, reimbursed=reimbursed, currency=claim.store.currency)
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
                    carrier_name=form.cleaned_data.get("carrier_name", ""),
                )
            except services.ClaimChanged:
                raise
            except services.ClaimError as exc:
                field = "tracking_number"
                if isinstance(exc, services.PostageReceiptMissing):
                    field = "postage_paid"
                elif isinstance(exc, services.CarrierNameMissing):
                    field = "carrier_name"
                form.add_error(field, exc.message)
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
    context = {
        "store": claim.store,
        "claim": claim,
        "policy": policy,
        "qr_svg": qr_svg,
        "return_shipping": _return_shipping(claim, policy),
        "shopper_zone": shopper_zone_for(request, claim),
    }
    return render(request, "claims/slip.html", context)


# --- pages that combine orders and claims -------------------------------------------------


@require_GET
def order_detail(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    """One order as its shopper sees it: its lines, its claims, and whether a claim can
    still be started."""
    guest_order_ids = guest_access.session_order_ids(session=request.session)
    head = selectors.order_page_head(store_slug=slug, number=number)
    if head is None or not order_selectors.order_viewable(order=head, user=request.user, guest_order_ids=guest_order_ids):
        store = get_object_or_404(Store, slug=slug, is_active=True)
        messages.info(request, _("To open an order, enter its number and e-mail below; we'll e-mail you a link."))
        return redirect("orders:store_home", slug=store.slug)
    cacheable = page_cache.page_cacheable(request)
    changed = head.claims_changed.isoformat() if head.claims_changed else ""
    key = page_cache.page_key(request, "order", head.pk, head.updated_at.isoformat(), head.claims_count, changed)
    if cacheable and (response := page_cache.page_from_cache(request, key)) is not None:
        return response
    order = order_selectors.order_with_lines(order_id=head.pk)
    store = order.store
    claims = selectors.claims_of_order(order=order)
    can_start = any(free for _line, free in selectors.order_lines_claimable(order=order))
    context = {"store": store, "order": order, "claims": claims, "can_start": can_start}
    if cacheable:
        return page_cache.page_render_and_cache(request, key, "orders/order_detail.html", context)
    return render(request, "orders/order_detail.html", context)


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    """My orders and claims: the newest orders and claims of the shopper's verified
    e-mails, a page at a time (?claims=2, ?orders=2 for older ones), and their drafts.
    ?brand=<slug> (signing in from a brand's page comes back here): in that brand's look,
    its drafts, claims and orders first, then a few of every other brand's."""
    emails = user_verified_emails(user=request.user)
    claims_page = _int(request.GET.get("claims")) or 1
    orders_page = _int(request.GET.get("orders")) or 1
    store = order_selectors.store_for_slug(slug=request.GET.get("brand", ""))
    drafts = selectors.drafts_for_user(emails=emails)
    context = {
        "store": store,
        "show_store": store is None,  # a brand's own lists don't repeat its name on every row
        "emails": emails,
        "orders": selectors.orders_for_user(emails=emails, page=orders_page, store=store),
        "claims": selectors.claims_for_user(user=request.user, emails=emails, page=claims_page, store=store),
        "drafts": [draft for draft in drafts if store is None or draft.store_id == store.pk],
        # the rows' dates are the shopper's days (their browser's zone), else each store's
        "shopper_zone": getattr(request, "shopper_zone", ""),
    }
    if store is not None:
        context["other_drafts"] = [draft for draft in drafts if draft.store_id != store.pk]
        size = selectors.MY_OTHER_BRANDS_SIZE
        context["other_claims"] = selectors.claims_for_user(user=request.user, emails=emails, store=store, others=True, size=size)
        context["other_orders"] = selectors.orders_for_user(emails=emails, store=store, others=True, size=size)
    return render(request, "claims/my_orders.html", context)
