"""Evidence endpoints: upload into a slot (JSON, for the claim pages' uploader and
plain forms) and the one place evidence files are read from. Thin: access checks,
one service call, a response."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from claims import evidence as evidence_services
from claims.actors import Actor, shopper_actor, staff_actor
from claims.models import Claim, EvidenceFile
from claims.services import ClaimError, NotPermitted
from orders import guest_access
from orders.selectors import user_verified_emails

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
