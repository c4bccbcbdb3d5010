"""Evidence files: accept an upload into a slot, check and sanitise it in a task on
its own queue, and decide who may read it.

Uploads are written under a non-guessable name to the private storage (local media/
or S3-compatible object storage); nothing is served from a public URL. The task
decides the type from the content, strips EXIF/GPS/XMP, keeps capture time and
device as fields, makes a thumbnail, checks the slot's resolution, and either marks
the file ready or refuses it with the reason the shopper sees."""

import hashlib
import logging
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path, PurePath, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import media, states
from claims.actors import Actor
from claims.models import Claim, EvidenceFile
from claims.selectors import postage_reimbursed
from claims.services import ClaimError, TransitionNotAllowed, command_check
from claims.states import ClaimStatus
from policies.engine import SlotData
from policies.selectors import policy_data_for_version

logger = logging.getLogger(__name__)

SLOT_ACCEPTS = {
    "photo": {"photo"},
    "screenshot": {"photo"},
    "video": {"video"},
    "media": {"photo", "video"},
    "document": {"document", "photo"},
    "any": {"photo", "video", "document"},
}

# Not one of the rule's items: where the brand refunds the return postage, the shopper
# adds its receipt with the tracking number, once the return is approved.
POSTAGE_RECEIPT = SlotData(
    code=EvidenceFile.POSTAGE_RECEIPT_SLOT,
    kind="document",
    label=_("Receipt for the return postage"),
    min_count=1,
    max_count=2,
    requirement="optional",
    help_text=_("A photo or PDF of the receipt, so we can refund the postage you paid."),
)

# An appeal may bring anything that supports it, also where the rule asks for no evidence.
APPEAL_EVIDENCE = SlotData(
    code=EvidenceFile.APPEAL_SLOT,
    kind="any",
    label=_("Anything else that supports your appeal"),
    min_count=0,
    max_count=5,
    requirement="optional",
    help_text=_("Photos, videos or documents (PDF)."),
)
EXTRA_SLOTS = (POSTAGE_RECEIPT, APPEAL_EVIDENCE)

UNKNOWN_SLOT = _("This claim has no evidence item like that.")
SLOT_FULL = _("%(label)s already has the most files it takes (%(max)d). Remove one to add another.")
NOT_EDITABLE = _("Evidence can't be changed while the claim is “%(status)s”.")
TOO_LARGE = _("This file is larger than %(limit)s MB, the most we accept for %(kind)s.")
RESOLUTION_TOO_LOW = _("This photo is %(w)d × %(h)d pixels; this item needs HD (at least 1280 × 720).")
TEXT_SLOT = _("This item is typed in, not uploaded.")
ALREADY_THERE = _("This file is already in “%(label)s”: each file counts once.")
PROCESSING_FAILED = _("We couldn't check this file. Please try uploading it again.")


def slot_for_claim(*, claim: Claim, slot_code: str) -> SlotData | None:
    """The slot among the rules that cover the claim's reason (before submit the rule
    is not chosen yet), or of the chosen rule after."""
    if slot_code == POSTAGE_RECEIPT.code:
        return POSTAGE_RECEIPT if claim.rule_code and postage_reimbursed(claim=claim) else None
    if slot_code == APPEAL_EVIDENCE.code:
        return APPEAL_EVIDENCE if claim.status == ClaimStatus.APPEALED else None
    policy = policy_data_for_version(version=claim.policy_version)
    for rule in policy.rules:
        if claim.rule_code and rule.code != claim.rule_code:
            continue
        if claim.reason_code not in rule.reason_codes:
            continue
        for slot in rule.evidence_slots:
            if slot.code == slot_code:
                return slot
    return None


def _editable(claim: Claim, slot_code: str) -> bool:
    """The table allows evidence in EDITABLE_STATES and POSTAGE_RECEIPT_STATES; which of
    the two depends on the slot."""
    return claim.status in (states.POSTAGE_RECEIPT_STATES if slot_code == POSTAGE_RECEIPT.code else states.EDITABLE_STATES)


def size_limit(kind: str) -> int:
    return {
        "video": settings.EVIDENCE_MAX_VIDEO_BYTES,
        "media": settings.EVIDENCE_MAX_VIDEO_BYTES,
        "any": settings.EVIDENCE_MAX_VIDEO_BYTES,
        "document": settings.EVIDENCE_MAX_DOCUMENT_BYTES,
    }.get(kind, settings.EVIDENCE_MAX_PHOTO_BYTES)


def evidence_add(*, claim_id: int, actor: Actor, slot_code: str, upload) -> EvidenceFile:
    """Store an upload for a slot and queue its processing (after commit). The same
    bytes twice in one slot (a double submit, the same photo picked again) are refused:
    "4 photos from different angles" must not be met by one photo four times."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("policy_version__policy__store", "store").get(pk=claim_id)
        if not _editable(claim, slot_code):
            raise TransitionNotAllowed(NOT_EDITABLE % {"status": claim.get_status_display()})
        command_check(claim, "evidence_add", actor)
        slot = slot_for_claim(claim=claim, slot_code=slot_code)
        if slot is None:
            raise ClaimError(UNKNOWN_SLOT)
        if slot.kind == "text":
            raise ClaimError(TEXT_SLOT)
        taken = claim.evidence.filter(slot_code=slot_code, status__in=[EvidenceFile.Status.READY, EvidenceFile.Status.PROCESSING]).count()
        if taken >= slot.max_count:
            raise ClaimError(SLOT_FULL % {"label": slot.label, "max": slot.max_count})
        limit = size_limit(slot.kind)
        if upload.size > limit:
            raise ClaimError(TOO_LARGE % {"limit": limit // (1024 * 1024), "kind": slot.kind})
        # hashed only once the size is allowed (reading is cheap next to storing it below);
        # a refused copy does not count: its refusal may have been a passing failure
        digest = _sha256(upload)
        if claim.evidence.filter(slot_code=slot_code, sha256=digest).exclude(status__in=[EvidenceFile.Status.REFUSED, EvidenceFile.Status.DELETED]).exists():
            raise ClaimError(ALREADY_THERE % {"label": slot.label})
        evidence = EvidenceFile(
            claim=claim,
            slot_code=slot_code,
            accept=",".join(sorted(SLOT_ACCEPTS[slot.kind])),
            min_resolution=slot.min_resolution,
            original_name=PurePath(upload.name or "file").name[:200],
            size=upload.size,
            sha256=digest,
            uploaded_by_role=actor.primary_role,
        )
        evidence.incoming.save("upload", upload, save=False)  # the name is random (incoming_upload_to)
        evidence.save()
        transaction.on_commit(lambda: _dispatch(evidence.pk), robust=True)
    return evidence


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _dispatch(evidence_id: int) -> None:
    from claims.tasks import evidence_process_task

    evidence_process_task.delay(evidence_id)


# A file still "processing" this long after its upload (or its last re-queueing) lost its
# task: the broker was down when it was queued, or the message was lost. Checking a file
# twice is harmless (_finish keeps the first result), so queueing it again is safe.
REDISPATCH_AFTER = timedelta(minutes=3)
# ... and after this long the shopper is told to upload it again instead.
GIVE_UP_AFTER = timedelta(hours=24)


def evidence_redispatch_stuck(*, now: datetime | None = None) -> dict:
    """Queue again the files whose check never ran; refuse, with PROCESSING_FAILED, those
    stuck past GIVE_UP_AFTER. Run every minute (claims.tasks.sla_sweep_task)."""
    now = now or timezone.now()
    stuck = EvidenceFile.objects.filter(status=EvidenceFile.Status.PROCESSING)
    counts = {"requeued": 0, "given_up": 0}
    for evidence in stuck.filter(created_at__lt=now - GIVE_UP_AFTER):
        if _finish(evidence, refusal=PROCESSING_FAILED) == EvidenceFile.Status.REFUSED:
            counts["given_up"] += 1
    due = stuck.filter(created_at__lt=now - REDISPATCH_AFTER).filter(
        Q(redispatched_at__isnull=True) | Q(redispatched_at__lt=now - REDISPATCH_AFTER)
    )
    for evidence_id in due.order_by("created_at").values_list("pk", flat=True)[:500]:
        try:
            _dispatch(evidence_id)
        except Exception:  # the broker is down again: the next sweep tries again
            logger.exception("evidence %s could not be queued again", evidence_id)
            break
        EvidenceFile.objects.filter(pk=evidence_id).update(redispatched_at=now)
        counts["requeued"] += 1
    if any(counts.values()):
        logger.warning("evidence still being checked: %s", counts)
    return counts


def evidence_view_rendition_name(*, item: EvidenceFile) -> str:
    """Where a photo's viewer rendition is kept, beside the files in their private
    storage: named after the stored file's own random name (a changed file is stored
    under a new name, so it gets a new rendition) and the rendition's size."""
    return f"evidence-views/{PurePosixPath(item.file.name).stem}-{media.DISPLAY_SIZE}.jpg"


def evidence_view_rendition(*, item: EvidenceFile):
    """The photo resized for the staff's evidence viewer (media.display_rendition),
    made on its first view and kept: later views read the stored JPEG. The caller has
    checked access; the storage is the files' own, never served by a public URL."""
    storage, name = item.file.storage, evidence_view_rendition_name(item=item)
    if not storage.exists(name):
        with item.file.open("rb") as source:
            rendition = media.display_rendition(source)
        saved = storage.save(name, ContentFile(rendition))
        if saved != name:  # a colleague's first view stored it at the same moment
            storage.delete(saved)
    return storage.open(name, "rb")


def evidence_stored_files(evidence: EvidenceFile) -> list[tuple]:
    """Every stored file of the row (the viewer's rendition too), to delete with it."""
    files = [(f.storage, f.name) for f in (evidence.incoming, evidence.file, evidence.thumbnail) if f]
    if evidence.file and evidence.kind == "photo":
        files.append((evidence.file.storage, evidence_view_rendition_name(item=evidence)))
    return files


def evidence_remove(*, evidence_id: int, actor: Actor) -> None:
    with transaction.atomic():
        evidence = EvidenceFile.objects.select_for_update().select_related("claim").get(pk=evidence_id)
        if not _editable(evidence.claim, evidence.slot_code):
            raise TransitionNotAllowed(NOT_EDITABLE % {"status": evidence.claim.get_status_display()})
        command_check(evidence.claim, "evidence_remove", actor)
        names = evidence_stored_files(evidence)
        evidence.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def evidence_process(*, evidence_id: int) -> str:
    """Check and sanitise one upload. Idempotent: only a file still processing is
    touched, so a redelivered task does nothing. Returns the resulting status."""
    evidence = EvidenceFile.objects.filter(pk=evidence_id, status=EvidenceFile.Status.PROCESSING).first()
    if evidence is None or not evidence.incoming:
        return "skipped"
    workdir = Path(tempfile.mkdtemp(prefix="evidence-", dir=settings.FILE_UPLOAD_TEMP_DIR))
    try:
        source = workdir / "incoming"
        with evidence.incoming.open("rb") as incoming, open(source, "wb") as local:
            shutil.copyfileobj(incoming, local, length=1024 * 1024)
        accept = set(evidence.accept.split(","))
        try:
            processed = media.process_file(source, workdir=workdir, accept=accept)
            if processed.kind == "photo" and not media.meets_resolution(processed.width, processed.height, evidence.min_resolution):
                raise media.EvidenceRejected(RESOLUTION_TOO_LOW % {"w": processed.width or 0, "h": processed.height or 0})
        except media.EvidenceRejected as refusal:
            return _finish(evidence, refusal=refusal.reason)
        return _finish(evidence, processed=processed)
    except Exception:
        logger.exception("evidence %s could not be processed", evidence_id)
        _finish(evidence, refusal=PROCESSING_FAILED)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _finish(evidence: EvidenceFile, *, processed: "media.ProcessedFile | None" = None, refusal: str = "") -> str:
    incoming_name = evidence.incoming.name
    storage = evidence.incoming.storage
    with transaction.atomic():
        locked = EvidenceFile.objects.select_for_update().filter(pk=evidence.pk, status=EvidenceFile.Status.PROCESSING).first()
        if locked is None:
            return "skipped"
        if processed is not None:
            stem = PurePath(locked.original_name).stem[:60] or "evidence"
            with open(processed.output_path, "rb") as output:
                locked.file.save(f"{stem}.{processed.extension}", File(output), save=False)
            if processed.thumbnail_path:
                with open(processed.thumbnail_path, "rb") as thumb:
                    locked.thumbnail.save(f"{stem}-thumb.jpg", File(thumb), save=False)
            locked.status = EvidenceFile.Status.READY
            locked.kind = processed.kind
            locked.content_type = processed.content_type
            locked.size = processed.size
            locked.width, locked.height = processed.width, processed.height
            locked.duration_seconds = processed.duration_seconds
            locked.codec = processed.codec
            locked.captured_at = processed.captured_at
            locked.device = processed.device[:120]
        else:
            locked.status = EvidenceFile.Status.REFUSED
            locked.refusal_reason = refusal[:300]
        locked.incoming = ""
        locked.processed_at = timezone.now()
        locked.save()
        # what the shopper's claim page shows changed (claims.page_cache keys on updated_at);
        # not a command of the claim: its row_version (the stale-form guard) stays
        Claim.objects.filter(pk=locked.claim_id).update(updated_at=locked.processed_at)
        if incoming_name:  # a row stuck without its upload (given up by the sweep) has none
            transaction.on_commit(lambda: storage.delete(incoming_name))
    return locked.status
