"""Evidence whose check never ran (the broker was down when the upload queued it): the
upload itself is kept, the minute sweep queues the check again once the broker is back,
a real worker checks the file, and a file stuck for a day is refused with a clear
reason rather than left "being checked" for ever."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from claims.actors import shopper_actor
from claims.evidence import GIVE_UP_AFTER, PROCESSING_FAILED, REDISPATCH_AFTER, evidence_add, evidence_redispatch_stuck
from claims.models import EvidenceFile
from tests.claims.test_evidence import _draft, _upload
from tests.claims.test_media import _write_camera_jpeg
from tests.waiting import wait_until


def _upload_while_the_broker_is_down(claim, tmp_path) -> EvidenceFile:
    photo = tmp_path / "IMG_0002.jpg"
    _write_camera_jpeg(photo)
    # the outage at the Celery boundary: what .delay raises when Redis refuses connections
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch("claims.tasks.evidence_process_task.delay", side_effect=down):
        return evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=_upload(photo))


@pytest.mark.django_db(transaction=True)
def test_a_file_queued_while_the_broker_was_down_is_checked_once_it_is_back(demo, celery_worker, tmp_path):
    claim = _draft()
    item = _upload_while_the_broker_is_down(claim, tmp_path)
    item.refresh_from_db()
    assert item.status == EvidenceFile.Status.PROCESSING and item.incoming  # the upload is kept

    assert evidence_redispatch_stuck() == {"requeued": 0, "given_up": 0}  # a fresh upload may just be slow
    later = timezone.now() + REDISPATCH_AFTER + timedelta(seconds=5)
    assert evidence_redispatch_stuck(now=later) == {"requeued": 1, "given_up": 0}
    assert wait_until(lambda: EvidenceFile.objects.get(pk=item.pk).status != EvidenceFile.Status.PROCESSING, timeout=60)
    item.refresh_from_db()
    assert item.status == EvidenceFile.Status.READY, item.refusal_reason
    assert evidence_redispatch_stuck(now=later + REDISPATCH_AFTER * 2) == {"requeued": 0, "given_up": 0}


@pytest.mark.django_db
def test_queued_again_at_most_every_few_minutes_then_given_up_after_a_day(demo, tmp_path):
    claim = _draft()
    item = _upload_while_the_broker_is_down(claim, tmp_path)
    start = timezone.now()
    # the broker accepts (no worker here: the message must not outlive this test's rows)
    with mock.patch("claims.tasks.evidence_process_task.delay") as dispatch:
        evidence_redispatch_stuck(now=start + REDISPATCH_AFTER * 2)
        evidence_redispatch_stuck(now=start + REDISPATCH_AFTER * 2 + timedelta(minutes=1))  # too soon again
        evidence_redispatch_stuck(now=start + REDISPATCH_AFTER * 4)
        assert dispatch.call_count == 2
        assert evidence_redispatch_stuck(now=start + GIVE_UP_AFTER + timedelta(minutes=1)) == {"requeued": 0, "given_up": 1}
    item.refresh_from_db()
    assert item.status == EvidenceFile.Status.REFUSED and item.refusal_reason == PROCESSING_FAILED
    assert not item.incoming
