"""The draft page without JavaScript: each slot's Upload button posts the whole answers
form (answers, preference, text and every slot's picker as file-<slot>), so answers and
typed text are saved with the files; an unusable answer still keeps the files and shows
the page again with what was typed; too many files at once get their own page."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.claims.test_draft_live import IM_ANSWERS
from tests.claims.test_evidence import _draft, _guest_client


def _jpeg(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", (1280, 960), (200, 90, 40))
    image.putpixel((0, 0), tuple(uuid.uuid4().bytes[:3]))  # distinct bytes: the same file counts once per slot
    image.save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_one_upload_button_saves_answers_text_and_every_slots_files(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = client.post(
        f"/claims/{claim.pk}/upload/",
        {
            **IM_ANSWERS,
            "t_reason": "Too large for our hallway.",
            "upload": "accessories",
            "file-all-sides": [_jpeg("front.jpg"), _jpeg("back.jpg")],
            "file-accessories": [_jpeg("set.jpg")],
            "file-packaging": [],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/draft/"
    claim.refresh_from_db()
    assert claim.texts["reason"] == "Too large for our hallway."
    assert claim.answers and all(claim.answers.values())
    files = {(item.slot_code, item.original_name) for item in claim.evidence.all()}
    assert files == {("all-sides", "front.jpg"), ("all-sides", "back.jpg"), ("accessories", "set.jpg")}
    page = client.get(response["Location"]).content.decode()
    assert "set.jpg uploaded; we’re checking it now." in page or "set.jpg uploaded; we&#x27;re checking it now." in page
    assert "Check again" in page  # still being checked: a way to look again without a script


@pytest.mark.django_db
def test_an_unusable_answer_keeps_the_files_and_what_was_typed(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = client.post(
        f"/claims/{claim.pk}/upload/",
        {**IM_ANSWERS, "q_original-box": "maybe", "t_reason": "Keep this text", "upload": "packaging", "file-packaging": [_jpeg("box.jpg")]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep this text" in page
    claim.refresh_from_db()
    assert claim.answers == {} and "reason" not in claim.texts
    assert list(claim.evidence.values_list("original_name", flat=True)) == ["box.jpg"]


@pytest.mark.django_db
def test_the_plain_upload_of_the_claim_page_still_takes_slot_and_file(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = client.post(f"/claims/{claim.pk}/upload/", {"slot": "packaging", "file": _jpeg("box.jpg")})
    assert response.status_code == 302
    assert list(claim.evidence.values_list("slot_code", flat=True)) == ["packaging"]
    claim.refresh_from_db()
    assert claim.answers == {}  # not the answers form: nothing else changes


@pytest.mark.django_db
def test_too_many_files_at_once_say_so_and_lead_back(demo, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    claim = _draft()
    client = _guest_client(claim.order)
    draft_url = f"http://testserver/claims/{claim.pk}/draft/"
    response = client.post(
        f"/claims/{claim.pk}/upload/",
        {"upload": "all-sides", "file-all-sides": [_jpeg(f"{n}.jpg") for n in range(3)]},
        headers={"Referer": draft_url},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Too many files at once" in page and "at most 2 files" in page
    assert f'href="{draft_url}"' in page
    assert not claim.evidence.exists()


@pytest.mark.django_db
def test_files_chosen_but_not_uploaded_come_with_save(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = client.post(f"/claims/{claim.pk}/draft/", {**IM_ANSWERS, "t_reason": "Too big.", "save": "1", "file-packaging": [_jpeg("box.jpg")]})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.texts["reason"] == "Too big."
    assert list(claim.evidence.values_list("slot_code", "original_name")) == [("packaging", "box.jpg")]


@pytest.mark.django_db
def test_a_too_large_draft_post_saves_nothing_and_says_why(demo, settings):
    """The post is refused before its fields are read: the answers saved before stay."""
    claim = _draft()
    client = _guest_client(claim.order)
    client.post(f"/claims/{claim.pk}/draft/", {**IM_ANSWERS, "t_reason": "Saved before.", "save": "1"})
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1000
    response = client.post(f"/claims/{claim.pk}/draft/", {"t_reason": "", "save": "1", "file-packaging": [_jpeg("big.jpg")]}, follow=True)
    assert "This upload is too large" in response.content.decode()
    claim.refresh_from_db()
    assert claim.texts["reason"] == "Saved before." and claim.answers
    assert not claim.evidence.exists()


@pytest.mark.django_db
def test_the_same_file_counts_once_per_slot(demo):
    """A double submit, or the same photo picked twice, must not meet "4 photos from
    different angles" with one photo; a copy in another slot, or after a refusal, is fine."""
    from claims.actors import shopper_actor
    from claims.evidence import evidence_add
    from claims.models import EvidenceFile
    from claims.services import ClaimError

    claim = _draft()
    actor = shopper_actor(email=claim.order.customer_email)
    photo = _jpeg("front.jpg")
    same = SimpleUploadedFile("front-again.jpg", photo.read(), content_type="image/jpeg")
    photo.seek(0)
    first = evidence_add(claim_id=claim.pk, actor=actor, slot_code="all-sides", upload=photo)
    with pytest.raises(ClaimError, match="already in “Photos that clearly show all sides of the product”"):
        evidence_add(claim_id=claim.pk, actor=actor, slot_code="all-sides", upload=same)
    same.seek(0)
    evidence_add(claim_id=claim.pk, actor=actor, slot_code="packaging", upload=same)
    EvidenceFile.objects.filter(pk=first.pk).update(status=EvidenceFile.Status.REFUSED)
    same.seek(0)
    evidence_add(claim_id=claim.pk, actor=actor, slot_code="all-sides", upload=same)
    assert claim.evidence.filter(slot_code="all-sides").count() == 2  # the refused one and its retry


@pytest.mark.django_db
def test_a_double_post_of_the_same_files_stores_them_once(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    photo = _jpeg("box.jpg")
    data = photo.read()
    for _ in range(2):
        client.post(f"/claims/{claim.pk}/upload/", {**IM_ANSWERS, "upload": "packaging", "file-packaging": [SimpleUploadedFile("box.jpg", data, content_type="image/jpeg")]})
    assert claim.evidence.filter(slot_code="packaging").count() == 1
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    assert "box.jpg: This file is already in “Photos of the original packaging”" in page
