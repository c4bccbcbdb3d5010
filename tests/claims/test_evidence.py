"""Evidence through the services, a real Celery worker and real files: stored under
non-guessable names, sanitised (no GPS), refused with reasons, readable only by the
claim's owner and the store's staff; uploads over the cap are cut off while they
stream; S3-compatible storage (moto's server) works the same way."""

import os
import re
import socket
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from claims.actors import shopper_actor
from claims.evidence import RESOLUTION_TOO_LOW, evidence_add, evidence_process
from claims.models import EvidenceFile
from claims.services import claim_start, claim_submit, claim_update_draft
from orders.guest_access import SESSION_KEY
from orders.models import Order
from tests.claims.test_media import _write_camera_jpeg, _write_video
from tests.waiting import wait_until


def _draft(order_number="IM-80010", reason="not-satisfied"):
    order = Order.objects.get(number=order_number)
    line = order.lines.order_by("pk").first()
    return claim_start(store=order.store, actor=shopper_actor(email=order.customer_email), reason_code=reason, order=order, lines=[(line, 1)])


def _upload(path: Path, name: str | None = None, content_type="application/octet-stream"):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)


def _guest_client(order) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = [order.pk]
    session.save()
    return client


@pytest.mark.django_db(transaction=True)
def test_phone_photo_is_processed_by_the_worker_without_gps(demo, celery_worker, tmp_path):
    claim = _draft()
    photo = tmp_path / "IMG_0001.jpg"
    _write_camera_jpeg(photo)
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(photo))
    assert item.status == EvidenceFile.Status.PROCESSING
    assert re.fullmatch(r"incoming/[0-9a-f]{32}", item.incoming.name)  # not the shopper's file name
    assert wait_until(lambda: EvidenceFile.objects.get(pk=item.pk).status != EvidenceFile.Status.PROCESSING, timeout=60)
    item.refresh_from_db()
    assert item.status == EvidenceFile.Status.READY, item.refusal_reason
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.jpg", item.file.name)
    assert not item.incoming
    with item.file.open("rb") as stored:
        image = Image.open(stored)
        image.load()
        exif = image.getexif()
        assert 0x8825 not in exif and 274 not in exif  # no GPS, no orientation tag left
        assert image.size == (3000, 4000)  # turned upright
    assert (item.width, item.height) == (3000, 4000)
    assert item.captured_at is not None and item.device
    assert item.thumbnail


@pytest.mark.django_db
def test_pdf_named_jpg_in_a_photo_slot_is_refused_with_its_reason(demo, tmp_path):
    claim = _draft()
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(fake, content_type="image/jpeg"))
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.REFUSED
    item.refresh_from_db()
    assert item.refusal_reason.startswith("This file is a PDF document; this item needs a photo")
    assert not item.file and not item.incoming
    assert evidence_process(evidence_id=item.pk) == "skipped"  # idempotent


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["shell.php", "setup.exe", "logo.svg", "photo.jpg.php", "no-extension"])
def test_a_file_waits_for_its_check_under_a_random_name_without_the_clients_extension(demo, tmp_path, name):
    claim = _draft()
    script = tmp_path / "upload"
    script.write_bytes(b"<?php system($_GET['c']); ?>")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(script, name=name))
    assert re.fullmatch(r"incoming/[0-9a-f]{32}", item.incoming.name), item.incoming.name
    assert item.incoming.storage.exists(item.incoming.name)
    assert item.original_name == name  # kept as a field only
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.REFUSED
    item.refresh_from_db()
    assert item.refusal_reason.startswith("We can't accept this type of file.")


@pytest.mark.django_db
def test_a_photo_named_php_is_checked_from_its_content_and_stored_as_jpg(demo, tmp_path):
    claim = _draft()
    photo = tmp_path / "upload"
    Image.new("RGB", (800, 600), "navy").save(photo, "JPEG")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(photo, name="shell.php"))
    assert re.fullmatch(r"incoming/[0-9a-f]{32}", item.incoming.name)
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
    item.refresh_from_db()
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.jpg", item.file.name)
    assert re.fullmatch(r"evidence-thumbs/[0-9a-f]{32}\.jpg", item.thumbnail.name)
    assert item.content_type == "image/jpeg" and not item.incoming


@pytest.mark.django_db
def test_hd_slot_refuses_a_small_photo(demo, tmp_path):
    claim = _draft("VC-70020", "defect")
    small = tmp_path / "small.jpg"
    Image.new("RGB", (1024, 768), "gray").save(small, "JPEG")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="photos", upload=_upload(small))
    evidence_process(evidence_id=item.pk)
    item.refresh_from_db()
    assert item.refusal_reason == RESOLUTION_TOO_LOW % {"w": 1024, "h": 768}
    hd = tmp_path / "hd.jpg"
    Image.new("RGB", (1280, 720), "gray").save(hd, "JPEG")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="photos", upload=_upload(hd))
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY


@pytest.mark.django_db
def test_video_is_probed_and_remuxed(demo, tmp_path):
    claim = _draft("VC-70020", "defect")
    video = tmp_path / "clip.mp4"
    _write_video(video)
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="videos", upload=_upload(video))
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
    item.refresh_from_db()
    assert item.kind == "video" and item.codec == "h264" and item.duration_seconds > 0 and item.thumbnail


@pytest.mark.django_db
def test_only_the_owner_and_the_stores_staff_can_read_evidence(demo, tmp_path):
    claim = _draft()
    photo = tmp_path / "side.jpg"
    Image.new("RGB", (800, 600), "navy").save(photo, "JPEG")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(photo))
    evidence_process(evidence_id=item.pk)
    url = f"/evidence/{item.pk}/file/"

    owner = _guest_client(claim.order)
    response = owner.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert owner.get(f"/evidence/{item.pk}/thumb/").status_code == 200

    from accounts.models import User

    staff_client = Client()
    staff_client.force_login(User.objects.get(email="reviewer@imirror.demo.example"))
    assert staff_client.get(url).status_code == 200
    other_staff = Client()
    other_staff.force_login(User.objects.get(email="manager@iwalk.demo.example"))
    assert other_staff.get(url).status_code == 404
    stranger = _guest_client(Order.objects.get(number="IM-80045"))
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 404
    # the storage name is not a URL anybody can open
    item.refresh_from_db()
    assert "private-media.invalid" in item.file.url


@pytest.mark.django_db
def test_upload_endpoint_refuses_too_many_files(demo, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    claim = _draft()
    client = _guest_client(claim.order)
    files = [SimpleUploadedFile(f"p{n}.jpg", b"x" * 10, content_type="image/jpeg") for n in range(4)]
    response = client.post(f"/claims/{claim.pk}/evidence/", {"slot": "all-sides", "file": files})
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()


@pytest.mark.django_db
def test_upload_endpoint_accepts_for_the_owner_only(demo, tmp_path):
    claim = _draft()
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (64, 64), "red").save(photo, "JPEG")
    stranger = _guest_client(Order.objects.get(number="IM-80045"))
    assert stranger.post(f"/claims/{claim.pk}/evidence/", {"slot": "all-sides", "file": _upload(photo)}).status_code == 404
    owner = _guest_client(claim.order)
    response = owner.post(f"/claims/{claim.pk}/evidence/", {"slot": "all-sides", "file": _upload(photo)})
    assert response.status_code == 201
    assert response.json()["files"][0]["status"] == "processing"
    wrong_slot = owner.post(f"/claims/{claim.pk}/evidence/", {"slot": "nope", "file": _upload(photo)})
    assert wrong_slot.status_code == 400 and wrong_slot.json()["errors"][0]["error"] == "This claim has no evidence item like that."


def _temp_files(directory: str) -> set[str]:
    return {name for name in os.listdir(directory)} if os.path.isdir(directory) else set()


@pytest.mark.django_db(transaction=True)
def test_a_500_mb_upload_over_the_cap_is_answered_early_and_leaves_no_temp_file(demo, live_server, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    claim = _draft()
    before = _temp_files(settings.FILE_UPLOAD_TEMP_DIR)
    client = _guest_client(claim.order)
    csrf = "k" * 32
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    boundary = "----portal-test-boundary"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"slot\"\r\n\r\nall-sides\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.mp4\"\r\n"
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    total = 500 * 1024 * 1024
    host, port = live_server.thread.host, live_server.thread.port
    chunk = b"\0" * (256 * 1024)
    progress = {"sent": 0, "at_answer": None}

    def send(sock):
        try:
            while progress["sent"] < total and progress["at_answer"] is None:
                sock.sendall(chunk)
                progress["sent"] += len(chunk)
        except OSError:
            pass

    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /claims/{claim.pk}/evidence/ HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
                f"X-CSRFToken: {csrf}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total + len(head)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + head
        )
        sender = threading.Thread(target=send, args=(sock,))
        sender.start()
        reply = sock.recv(4096)
        progress["at_answer"] = progress["sent"]
        while b"}" not in reply and len(reply) < 16384:
            more = sock.recv(4096)
            if not more:
                break
            reply += more
        sender.join(timeout=60)
    assert b" 413 " in reply.split(b"\r\n", 1)[0]
    assert b"This upload is too large" in reply
    # answered long before the 500 MB were sent (the body is never stored)
    assert progress["at_answer"] < 50 * 1024 * 1024, progress
    assert wait_until(lambda: _temp_files(settings.FILE_UPLOAD_TEMP_DIR) <= before, timeout=10)
    assert not EvidenceFile.objects.exists()
    print(f"413 after {progress['at_answer'] / 1024 / 1024:.1f} MB of 500 MB sent")


def test_the_handler_stops_counting_past_the_cap_and_deletes_its_temp_file(settings, tmp_path):
    """Without a Content-Length (chunked behind a proxy) the bytes are counted as they arrive."""
    from django.core.files.uploadhandler import StopUpload
    from django.test import RequestFactory

    from claims.uploads import CappedTemporaryFileUploadHandler

    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    request = RequestFactory().post("/")
    handler = CappedTemporaryFileUploadHandler(request)
    assert handler.handle_raw_input(None, {}, None, "b") is None
    handler.new_file("file", "huge.mp4", "video/mp4", None)
    chunk = b"x" * (64 * 1024)
    with pytest.raises(StopUpload):
        for start in range(0, 500 * 1024 * 1024, len(chunk)):
            handler.receive_data_chunk(chunk, start)
    assert handler.received <= 1024 * 1024 + len(chunk)
    assert request.upload_too_large is True
    assert os.listdir(tmp_path) == []


@pytest.mark.django_db
def test_the_claim_link_in_an_email_opens_the_claim_for_a_guest(demo):
    from claims.notifications import claim_shopper_link
    from claims.services import claim_submit, claim_update_draft
    from tests.claims.conftest import IM_OK, satisfy_evidence

    claim = _draft()
    shopper = shopper_actor(email=claim.shopper_email)
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    claim = claim_submit(claim_id=claim.pk, actor=shopper)
    link = claim_shopper_link(claim).replace("http://127.0.0.1:8000", "")
    client = Client()
    # without the link: no claim, and no hint whether it exists
    assert client.get(f"/s/{claim.store.slug}/claims/{claim.reference}/").status_code == 302
    assert client.get(f"/s/{claim.store.slug}/claims/CLM-NOPE99/").status_code == 302
    page = client.get(link)
    assert page.status_code == 200 and "Open my claim" in page.content.decode()
    opened = client.post(link)
    assert opened.status_code == 302 and opened.url == f"/s/{claim.store.slug}/claims/{claim.reference}/"
    assert claim.reference in client.get(opened.url).content.decode()
    # the next URL cannot point elsewhere
    evil = client.post(link.split("?")[0] + "?next=https://evil.example/")
    assert evil.url == f"/s/{claim.store.slug}/orders/{claim.order.number}/"


@pytest.mark.django_db
def test_a_double_submit_shows_the_one_claim(demo):
    from claims.services import claim_update_draft
    from tests.claims.conftest import IM_OK, satisfy_evidence

    claim = _draft()
    claim_update_draft(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), answers=IM_OK)
    satisfy_evidence(claim)
    client = _guest_client(claim.order)
    form = {f"q_{code}": "yes" for code in IM_OK} | {"t_reason": "Too big.", "submit": "1"}
    first = client.post(f"/claims/{claim.pk}/draft/", form)
    second = client.post(f"/claims/{claim.pk}/draft/", form)
    claim.refresh_from_db()
    assert first.status_code == 302 and second.status_code == 302
    assert first.url.startswith(f"/s/{claim.store.slug}/claims/{claim.reference}/")
    assert second.url == f"/s/{claim.store.slug}/claims/{claim.reference}/"
    assert claim.events.filter(action="submit").count() == 1


@pytest.mark.django_db
def test_an_unusable_answer_keeps_what_was_typed(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = client.post(f"/claims/{claim.pk}/draft/", {"q_original-box": "maybe", "t_reason": "Keep this text", "save": "1"})
    assert response.status_code == 400
    assert "Keep this text" in response.content.decode()


@pytest.mark.django_db
def test_an_appeal_can_bring_more_evidence(demo, tmp_path):
    from claims.services import claim_appeal, claim_reject
    from tests.claims.conftest import staff, submitted_claim

    claim = submitted_claim()  # IMIRROR 30-day return: its rule has photo slots
    claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Evidence insufficient")
    claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="Here are better photos.")
    client = _guest_client(claim.order)
    page = client.get(f"/s/{claim.store.slug}/claims/{claim.reference}/").content.decode()
    assert "Add evidence for your appeal" in page
    photo = tmp_path / "closer.jpg"
    Image.new("RGB", (800, 600), "white").save(photo, "JPEG")
    response = client.post(f"/claims/{claim.pk}/upload/", {"slot": "all-sides", "file": _upload(photo)})
    assert response.status_code == 302 and response.url == f"/s/{claim.store.slug}/claims/{claim.reference}/"
    assert claim.evidence.filter(slot_code="all-sides", original_name="closer.jpg").exists()


@pytest.mark.django_db
def test_an_appeal_on_a_rule_without_evidence_items_can_still_bring_files(demo, tmp_path):
    from claims.evidence import APPEAL_EVIDENCE, NOT_EDITABLE
    from claims.services import ClaimError, claim_appeal, claim_reject
    from tests.claims.conftest import staff

    order = Order.objects.get(number="KW-50001")  # KWOKING's 60-day return asks for no evidence
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.get()
    claim = claim_start(store=order.store, actor=shopper, reason_code="changed-mind", order=order, lines=[(line, 1)])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers={"mint": True, "unused": True})
    claim = claim_submit(claim_id=claim.pk, actor=shopper)
    assert claim.rule_code == "conditional-60"
    photo = tmp_path / "unused.jpg"
    Image.new("RGB", (800, 600), "white").save(photo, "JPEG")
    claim_reject(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), reason="Condition not met")
    with pytest.raises(ClaimError, match=re.escape(NOT_EDITABLE.split("“")[0])):
        evidence_add(claim_id=claim.pk, actor=shopper, slot_code=APPEAL_EVIDENCE.code, upload=_upload(photo))
    claim_appeal(claim_id=claim.pk, actor=shopper, message="It is unused: see the sealed box.")

    client = _guest_client(order)
    page = client.get(f"/s/{claim.store.slug}/claims/{claim.reference}/").content.decode()
    assert "Anything else that supports your appeal" in page and "Up to 5 files" in page
    response = client.post(f"/claims/{claim.pk}/upload/", {"slot": APPEAL_EVIDENCE.code, "file": _upload(photo)})
    assert response.status_code == 302
    item = claim.evidence.get(slot_code=APPEAL_EVIDENCE.code)
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
