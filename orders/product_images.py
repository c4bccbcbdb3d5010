"""Product images: the thumbnail shoppers see beside an item, made by the worker.

Product photos are the brand's catalogue pictures, not personal data: they are public
like the store logo, served by a view (orders:product_thumbnail) because uploaded files
have no public URL here (local media is never served, S3 buckets are private)."""

import io
import logging
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps

from orders.models import LOGO_FORMATS, Product

logger = logging.getLogger(__name__)

THUMBNAIL_SIDE = 192  # shown 64 px wide: sharp at 3x
THUMBNAIL_BACKGROUND = (255, 255, 255)

MADE = "made"
CURRENT = "current"
NO_IMAGE = "no_image"
REJECTED = "rejected"


def product_image_changed(*, product_id: int) -> None:
    """After a product's image was set, replaced or cleared: its thumbnail is made (or
    dropped) by the worker once the change is committed."""
    transaction.on_commit(lambda: _dispatch(product_id), robust=True)


def _dispatch(product_id: int) -> None:
    from orders.tasks import product_thumbnail_task

    product_thumbnail_task.delay(product_id)


def product_thumbnail_make(*, product_id: int) -> str:
    """The thumbnail of the product's current image. Idempotent: a thumbnail already
    made from this very image is kept; a product without an image loses its thumbnail;
    an image Pillow cannot decode as PNG/JPEG/WebP gets none (and the reason is logged)."""
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            return NO_IMAGE
        old = product.thumbnail.name if product.thumbnail else ""
        if not product.image:
            if not old and not product.thumbnail_of:
                return NO_IMAGE
            product.thumbnail = ""
            product.thumbnail_of = ""
            result = NO_IMAGE
        elif product.thumbnail_of == product.image.name and old:
            return CURRENT
        else:
            try:
                content = _thumbnail_bytes(product.image)
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                logger.warning("product %s: no thumbnail for %s: %s", product.pk, product.image.name, exc)
                product.thumbnail = ""
                product.thumbnail_of = ""
                result = REJECTED
            else:
                product.thumbnail.save(f"{secrets.token_hex(12)}.jpg", ContentFile(content), save=False)
                product.thumbnail_of = product.image.name
                result = MADE
        product.save(update_fields=["thumbnail", "thumbnail_of"])
        if old and old != (product.thumbnail.name if product.thumbnail else ""):
            storage = product.thumbnail.storage
            transaction.on_commit(lambda: storage.delete(old))
    return result


def _thumbnail_bytes(field) -> bytes:
    """A square JPEG: the picture upright, whole (padded, never cropped), no metadata."""
    with field.open("rb") as handle, Image.open(handle, formats=LOGO_FORMATS) as image:
        image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, THUMBNAIL_BACKGROUND)
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
        image = ImageOps.pad(image, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), color=THUMBNAIL_BACKGROUND, method=Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue()
