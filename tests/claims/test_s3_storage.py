"""Evidence on S3-compatible object storage (django-storages), against moto's
standalone server on a local port: stored privately under non-guessable keys,
processed the same way, and streamed only through the access-checked view."""

import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from moto.server import ThreadedMotoServer
from PIL import Image

from claims.actors import shopper_actor
from claims.evidence import evidence_add, evidence_process
from claims.models import EvidenceFile
from tests.claims.test_evidence import _draft, _guest_client

BUCKET = "portal-evidence"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "test-key",
                "secret_key": "test-secret",
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


@pytest.mark.django_db
def test_evidence_on_s3_is_private_sanitised_and_streamed_through_the_portal(demo, s3, tmp_path):
    claim = _draft()
    photo = tmp_path / "IMG_2001.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    Image.new("RGB", (1600, 1200), "teal").save(photo, "JPEG", exif=exif)
    upload = SimpleUploadedFile(photo.name, photo.read_bytes(), content_type="image/jpeg")
    item = evidence_add(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="all-sides", upload=upload)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [item.incoming.name] and keys[0].startswith("incoming/")

    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
    item.refresh_from_db()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert item.file.name in keys and item.thumbnail.name in keys
    grants = s3.get_object_acl(Bucket=BUCKET, Key=item.file.name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)
    stored = s3.get_object(Bucket=BUCKET, Key=item.file.name)["Body"].read()
    assert b"GPS" not in stored and b"Exif" not in stored

    response = _guest_client(claim.order).get(f"/evidence/{item.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert Client().get(f"/evidence/{item.pk}/file/").status_code == 404
