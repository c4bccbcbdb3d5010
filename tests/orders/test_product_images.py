"""Product images: checked when uploaded (like the store logo), thumbnails made by the
worker once the change is committed (idempotent), bad images get none, served publicly."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from orders import product_images
from orders.models import PRODUCT_IMAGE_TOO_SMALL, PRODUCT_IMAGE_WRONG_FORMAT, Product, validate_product_image
from tests.factories import ProductFactory
from tests.waiting import wait_until


def _png(size=(640, 480), colour=(200, 30, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_product_image_is_checked_like_the_logo():
    validate_product_image(SimpleUploadedFile("ok.png", _png()))
    with pytest.raises(ValidationError) as wrong:
        validate_product_image(SimpleUploadedFile("photo.png", b"%PDF-1.4 not a picture"))
    assert wrong.value.messages == [str(PRODUCT_IMAGE_WRONG_FORMAT)]
    with pytest.raises(ValidationError) as small:
        validate_product_image(SimpleUploadedFile("tiny.png", _png(size=(300, 100))))
    assert small.value.messages == [str(PRODUCT_IMAGE_TOO_SMALL % {"w": 300, "h": 100})]


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_thumbnail_after_commit_and_a_second_run_keeps_it(media, celery_worker):
    product = ProductFactory()
    with transaction.atomic():
        product.image.save("mirror.png", ContentFile(_png(mode="RGBA", colour=(0, 0, 0, 0))), save=True)
        product_images.product_image_changed(product_id=product.pk)
        assert not Product.objects.get(pk=product.pk).thumbnail  # nothing before the commit
    assert wait_until(lambda: bool(Product.objects.get(pk=product.pk).thumbnail), timeout=60)
    product.refresh_from_db()
    assert product.thumbnail_of == product.image.name
    with product.thumbnail.open("rb") as stored, Image.open(stored) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (192, 192))
        assert thumb.getpixel((96, 96)) == (255, 255, 255)  # transparent becomes white, not black
    first = product.thumbnail.name

    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.CURRENT
    product.refresh_from_db()
    assert product.thumbnail.name == first  # idempotent: the same file, not a new one

    # a new image: a new thumbnail, the old file deleted
    product.image.save("mirror-2.png", ContentFile(_png(colour=(10, 120, 10))), save=True)
    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.MADE
    product.refresh_from_db()
    assert product.thumbnail.name != first
    assert not product.thumbnail.storage.exists(first)


@pytest.mark.django_db
def test_an_image_that_does_not_decode_gets_no_thumbnail(media):
    product = ProductFactory()
    # past the admin's check (e.g. a file damaged in storage): the worker refuses it
    product.image.save("broken.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), save=True)
    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.REJECTED
    product.refresh_from_db()
    assert not product.thumbnail and not product.thumbnail_of
    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.REJECTED


@pytest.mark.django_db
def test_cleared_image_drops_the_thumbnail(media):
    product = ProductFactory()
    product.image.save("a.png", ContentFile(_png()), save=True)
    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.MADE
    product.image = ""
    product.save(update_fields=["image"])
    assert product_images.product_thumbnail_make(product_id=product.pk) == product_images.NO_IMAGE
    product.refresh_from_db()
    assert not product.thumbnail


@pytest.mark.django_db
def test_the_thumbnail_is_public_and_cached(client, media):
    product = ProductFactory()
    url = reverse("orders:product_thumbnail", args=[product.store.slug, product.pk])
    assert client.get(url).status_code == 404  # none yet
    product.image.save("a.png", ContentFile(_png()), save=True)
    product_images.product_thumbnail_make(product_id=product.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=60"  # no version: whatever is current, briefly
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    product.refresh_from_db()
    # the URL the pages use names this thumbnail's bytes: cached for good
    versioned = client.get(url, {"v": product.thumbnail_version})
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(versioned.streaming_content)[:2] == b"\xff\xd8"
    # a new image makes a new version: the old URL is no longer cached for good
    old_version = product.thumbnail_version
    product.image.save("b.png", ContentFile(_png()), save=True)
    product_images.product_thumbnail_make(product_id=product.pk)
    product.refresh_from_db()
    assert product.thumbnail_version != old_version
    assert client.get(url, {"v": old_version})["Cache-Control"] == "public, max-age=60"
    assert client.get(url, {"v": product.thumbnail_version})["Cache-Control"].endswith("immutable")
    other_store = ProductFactory()
    assert client.get(reverse("orders:product_thumbnail", args=[other_store.store.slug, product.pk])).status_code == 404


def _change_form_data(response) -> dict:
    """What the admin's change form posts back unchanged: its fields and each inline's management form."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "image":
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, 0)
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)  # no blank extra form
        for number, inline_form in enumerate(formset.initial_forms):  # the blank extra form stays blank
            for name in inline_form.fields:
                value = inline_form.initial.get(name, getattr(inline_form.instance, f"{name}_id", None) if name != "id" else inline_form.instance.pk)
                if value is not None:
                    data[f"{formset.prefix}-{number}-{name}"] = value.pk if hasattr(value, "pk") else value
    return data


@pytest.mark.django_db
def test_a_manager_uploads_a_product_image_in_the_admin(client, media, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from accounts.models import User

    call_command("demo_load", no_claims=True)
    product = Product.objects.filter(store__slug="iwalk", parts__isnull=True).first()  # no parts inline to post back
    client.force_login(User.objects.get(email="manager@iwalk.demo.example"))
    url = reverse("admin:orders_product_change", args=[product.pk])
    data = _change_form_data(client.get(url))

    refused = client.post(url, {**data, "image": SimpleUploadedFile("photo.png", b"not a picture at all")})
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["image"]
    small = client.post(url, {**data, "image": SimpleUploadedFile("icon.png", _png(size=(120, 120)))})
    assert small.context["adminform"].form.errors["image"] == [str(PRODUCT_IMAGE_TOO_SMALL % {"w": 120, "h": 120})]
    assert Product.objects.get(pk=product.pk).image.name == product.image.name  # the demo's picture stays

    with django_capture_on_commit_callbacks() as callbacks:
        saved = client.post(url, {**data, "image": SimpleUploadedFile("lp5.png", _png(size=(800, 800)))})
    assert saved.status_code == 302, [f.formset.errors for f in saved.context["inline_admin_formsets"]] if saved.context else ""
    before = product.image.name
    product.refresh_from_db()
    assert product.image.name != before and product.image.name.startswith("product-images/") and product.image.name.endswith(".png")
    # the thumbnail is the worker's: one dispatch, after the commit
    assert [c.__qualname__ for c in callbacks].count("product_image_changed.<locals>.<lambda>") == 1
