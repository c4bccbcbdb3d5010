"""Evidence-file checking and sanitising for claims.

Shoppers upload photos, videos and documents as evidence. Everything here is pure
file handling (no models, no database, no settings), so it can run in a web
request, a Celery task or a management command alike.

The rules, in short:

* A file's type comes from its *content* (magic bytes), never from its name or
  the browser's content type. Decoders are then restricted to that one format,
  so a file cannot talk its way into a different parser.
* Anything we cannot fully decode (a JPEG also when libjpeg merely warns about
  damaged picture data), anything with hidden extra data, and anything
  unreasonably large is refused with :class:`EvidenceRejected`, whose ``reason``
  is a plain-English message for the shopper (the constants below).
* What we keep is a *sanitised copy*, never the upload itself:
  - photos are decoded and re-encoded (HEIC becomes JPEG) with no metadata at
    all: no EXIF (so no GPS, serial numbers or owner names), no XMP, no comments,
    no embedded thumbnails. Colour profiles are dropped too; when a photo carries
    one (e.g. Display P3 on iPhones) the pixels are first converted to sRGB, the
    web's default, so colours still look right without the profile;
  - videos are remuxed (packets copied, not transcoded) into the same container
    with no container/stream metadata, keeping only the main picture track and
    the first sound track. Data tracks are dropped on purpose: they carry GPS
    telemetry (GoPro, dashcams) and Apple's location/timed-metadata tracks;
  - PDFs are not rewritten (we cannot do that faithfully); they are refused if
    they contain active content and otherwise copied byte for byte.
* Capture time and device are read from the original before stripping, so the
  claim can still show "taken on ... with ...".
* Files are handled by path; videos and PDFs are streamed, never read whole.
"""

from __future__ import annotations

import io
import mmap
import os
import re
import secrets
import shutil
import struct
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
import pillow_heif
import simplejpeg
from PIL import Image, ImageCms, ImageOps

# Lets Pillow open HEIC/HEIF. pillow-heif applies the stored rotation itself when
# decoding (and resets the EXIF orientation to 1), so the later exif_transpose is
# a no-op for HEIC but still needed for JPEG/PNG/WebP.
pillow_heif.register_heif_opener()

__all__ = [
    "DOCUMENT_TYPES",
    "EMPTY_FILE",
    "IMAGE_TYPES",
    "PDF_ACTIVE_CONTENT",
    "PDF_CORRUPT",
    "PDF_UNCHECKABLE",
    "TOO_MANY_PIXELS",
    "TRAILING_DATA",
    "TRUNCATED_OR_CORRUPT",
    "UNSUPPORTED_TYPE",
    "VIDEO_NO_PICTURE",
    "VIDEO_REMUX_FAILED",
    "VIDEO_RESOLUTION_TOO_HIGH",
    "VIDEO_TOO_LONG",
    "VIDEO_TYPES",
    "VIDEO_UNREADABLE",
    "WRONG_KIND",
    "EvidenceRejected",
    "ProcessedFile",
    "meets_resolution",
    "process_file",
    "sniff_type",
]


class EvidenceRejected(Exception):
    """The upload is refused; ``reason`` is a message meant for the shopper."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Messages for the shopper --------------------------------------------------------
# {expected} is e.g. "a photo (JPEG, PNG, WebP or HEIC)"; {actual} e.g. "a PDF document".
UNSUPPORTED_TYPE = "We can't accept this type of file. Please upload {expected}."
WRONG_KIND = "This file is {actual}; this item needs {expected}."
EMPTY_FILE = "This file is empty. Please choose the file again and re-upload it."
TRUNCATED_OR_CORRUPT = (
    "This photo is damaged or incomplete, so we can't open it. Please upload the original photo again."
)
TOO_MANY_PIXELS = (
    "This photo's dimensions are too large for us to process. Please resize it (for example to 12 megapixels) "
    "or upload a screenshot instead."
)
TRAILING_DATA = (
    "This photo has extra hidden data attached after the picture, so we can't accept it. "
    "Please re-save or export it as a normal photo (or take a screenshot) and upload that instead."
)
VIDEO_UNREADABLE = (
    "We couldn't read this video. It may be damaged or in a format we don't support; "
    "please upload an MP4, MOV or WebM video."
)
VIDEO_NO_PICTURE = "This video has no picture, only sound or data. Please upload a video that shows the item."
VIDEO_TOO_LONG = (
    "This video is longer than 10 minutes. Please trim it to the part that shows the problem and upload it again."
)
VIDEO_RESOLUTION_TOO_HIGH = (
    "This video's resolution is too high for us to process. Please export it at 4K or lower and upload it again."
)
VIDEO_REMUX_FAILED = "We couldn't prepare this video for viewing. Please convert it to MP4 (H.264) and upload it again."
PDF_CORRUPT = "This PDF is damaged or incomplete. Please download or export it again and upload the new copy."
PDF_ACTIVE_CONTENT = (
    "This PDF contains scripts, attachments or automatic actions, which we don't accept. "
    'Please save a plain copy (for example with "Print" then "Save as PDF") or upload a screenshot instead.'
)
PDF_UNCHECKABLE = (
    "This PDF is encrypted or compressed in a way we can't check. Please upload an unprotected copy "
    '(for example with "Print" then "Save as PDF") or a screenshot instead.'
)

# --- Types and kinds ----------------------------------------------------------------
IMAGE_TYPES = {"jpeg", "png", "webp", "heic"}
VIDEO_TYPES = {"mp4", "mov", "webm"}
DOCUMENT_TYPES = {"pdf"}

_KIND_TYPES = {"photo": IMAGE_TYPES, "video": VIDEO_TYPES, "document": DOCUMENT_TYPES}
_KIND_ORDER = ("photo", "video", "document")
_KIND_LABELS = {
    "photo": "a photo (JPEG, PNG, WebP or HEIC)",
    "video": "a video (MP4, MOV or WebM)",
    "document": "a PDF document",
}
_TYPE_LABELS = {
    "jpeg": "a JPEG photo",
    "png": "a PNG image",
    "webp": "a WebP image",
    "heic": "a HEIC photo",
    "mp4": "an MP4 video",
    "mov": "a MOV (QuickTime) video",
    "webm": "a WebM video",
    "pdf": "a PDF document",
}

# --- Limits -------------------------------------------------------------------------
MAX_VIDEO_SECONDS = 10 * 60
# Container durations of a clip trimmed to exactly 10:00 can overshoot by a few
# milliseconds (audio priming, rounding); do not refuse those.
_VIDEO_DURATION_GRACE = 1.0
MAX_VIDEO_PIXELS = 7680 * 4320  # 8K UHD; protects the poster-frame decode
THUMBNAIL_SIZE = 480
JPEG_QUALITY = 90
_THUMBNAIL_QUALITY = 82
# Bytes after a JPEG's end-of-image marker that are tolerated when they are pure
# padding (0x00/0xFF): some firmware pads files to a block boundary.
_JPEG_MAX_PADDING = 4096
_JPEG_MAX_IMAGES = 16  # primary picture plus multi-picture (MPF) extras
_JPEG_SOI = b"\xff\xd8\xff"


def _kind_of(file_type: str) -> str:
    return next(kind for kind, types in _KIND_TYPES.items() if file_type in types)


def _describe_accept(accept: set[str]) -> str:
    labels = [_KIND_LABELS[kind] for kind in _KIND_ORDER if kind in accept]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


# =====================================================================================
# Sniffing
# =====================================================================================

# ISO-BMFF ("ftyp") brands. HEIF still images vs. MP4/MOV movies are told apart by
# the major brand first, then by the compatible brands.
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}  # HEIF family, but not a format we accept
_MOV_BRANDS = {b"qt  "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"hvc1", b"hev1", b"av01", b"M4V ", b"M4VH", b"M4VP",
    b"dash", b"mmp4", b"MSNV", b"XAVC", b"f4v ", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a",
}  # fmt: skip
# QuickTime files written before the 'ftyp' box existed start straight with one of these.
_LEGACY_MOV_BOXES = {b"moov", b"mdat", b"wide", b"pnot"}


def sniff_type(path: str | os.PathLike[str]) -> str | None:
    """Return 'jpeg' | 'png' | 'webp' | 'heic' | 'mp4' | 'mov' | 'webm' | 'pdf' | None,
    judged from the file's first bytes only (never its name)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska and WebM share it
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if len(head) >= 8 and head[4:8] in _LEGACY_MOV_BOXES:
        return "mov"
    return None


def _sniff_ftyp(head: bytes) -> str | None:
    box_size = int.from_bytes(head[:4], "big")
    box = head[8 : min(max(box_size, 16), len(head))]
    major = box[:4]
    # box[4:8] is the minor version; compatible brands follow, 4 bytes each.
    compatible = {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    if major in _AVIF_BRANDS:
        return None
    if major in _HEIC_BRANDS:
        return None if compatible & _AVIF_BRANDS and major in {b"mif1", b"msf1"} else "heic"
    if major in _MOV_BRANDS:
        return "mov"
    if major in _MP4_BRANDS:
        return "mp4"
    # Unknown major brand (vendor-specific): fall back on the compatible list.
    if compatible & _AVIF_BRANDS:
        return None
    if compatible & (_HEIC_BRANDS - {b"mif1", b"msf1"}):
        return "heic"
    if compatible & _MOV_BRANDS:
        return "mov"
    if compatible & _MP4_BRANDS:
        return "mp4"
    return None


# =====================================================================================
# Public entry points
# =====================================================================================


@dataclass(frozen=True)
class ProcessedFile:
    kind: str  # "photo" | "video" | "document"
    file_type: str  # sniffed type of the ORIGINAL ('jpeg', 'heic', 'mp4', ...)
    content_type: str  # of the sanitised output
    extension: str  # of the sanitised output, without a dot
    output_path: str
    size: int  # bytes of the sanitised output
    width: int | None  # as displayed, i.e. after orientation/rotation
    height: int | None
    duration_seconds: float | None
    codec: str  # video codec name, "" otherwise
    captured_at: datetime | None  # aware
    device: str  # "Make Model" for photos, "" otherwise
    thumbnail_path: str | None  # JPEG, longest side at most 480 px; None for PDFs


def process_file(
    path: str | os.PathLike[str],
    *,
    workdir: str | os.PathLike[str],
    accept: set[str],
    max_image_pixels: int = 50_000_000,
) -> ProcessedFile:
    """Check the upload at ``path`` and write its sanitised copy (and thumbnail) into
    ``workdir``, which must exist. ``accept`` is the set of kinds this evidence item
    takes ("photo", "video", "document").

    Raises EvidenceRejected for anything refused; no output file is left behind
    when any exception escapes.
    """
    accept = set(accept)
    if not accept or not accept <= set(_KIND_TYPES):
        raise ValueError(f"accept must be a non-empty subset of {sorted(_KIND_TYPES)}, got {sorted(accept)!r}")
    path = os.fspath(path)
    expected = _describe_accept(accept)

    if os.path.getsize(path) == 0:
        raise EvidenceRejected(EMPTY_FILE)
    file_type = sniff_type(path)
    if file_type is None:
        raise EvidenceRejected(UNSUPPORTED_TYPE.format(expected=expected))
    kind = _kind_of(file_type)
    if kind not in accept:
        raise EvidenceRejected(WRONG_KIND.format(actual=_TYPE_LABELS[file_type], expected=expected))

    outputs = _Outputs(workdir)
    try:
        if kind == "photo":
            return _process_image(path, file_type, outputs, max_image_pixels)
        if kind == "video":
            return _process_video(path, file_type, outputs)
        return _process_pdf(path, outputs)
    except BaseException:
        outputs.discard()
        raise


def meets_resolution(width: int | None, height: int | None, requirement: str) -> bool:
    """'any' is always met; 'hd' needs at least 1280x720 in either orientation
    (short side >= 720 and long side >= 1280; sizes are already as displayed)."""
    if requirement == "any":
        return True
    if requirement != "hd":
        raise ValueError(f"unknown resolution requirement {requirement!r}")
    if not width or not height:
        return False
    return min(width, height) >= 720 and max(width, height) >= 1280


class _Outputs:
    """Hands out fresh, unguessable file names in workdir and remembers them, so a
    refusal half-way through can remove whatever was already written."""

    def __init__(self, workdir: str | os.PathLike[str]):
        self.workdir = Path(workdir)
        self.stem = f"evidence-{secrets.token_hex(8)}"
        self.paths: list[Path] = []

    def new(self, suffix: str) -> str:
        path = self.workdir / f"{self.stem}{suffix}"
        self.paths.append(path)
        return str(path)

    def discard(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


# =====================================================================================
# Photos
# =====================================================================================

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
# (Pillow format, extension, content type) of the sanitised output per input type.
_IMAGE_OUTPUT = {
    "jpeg": ("JPEG", "jpg", "image/jpeg"),
    "heic": ("JPEG", "jpg", "image/jpeg"),  # browsers other than Safari can't show HEIC
    "png": ("PNG", "png", "image/png"),
    "webp": ("WEBP", "webp", "image/webp"),
}
# What Pillow and its plugins raise for files they cannot parse or decode.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)
_EXIF_IFD = 0x8769
_TAG_MAKE, _TAG_MODEL, _TAG_DATETIME = 271, 272, 306
_TAG_DATETIME_ORIGINAL, _TAG_OFFSET_TIME, _TAG_OFFSET_TIME_ORIGINAL = 36867, 36880, 36881


def _process_image(path: str, file_type: str, outputs: _Outputs, max_pixels: int) -> ProcessedFile:
    # Pillow itself warns above Image.MAX_IMAGE_PIXELS and raises above twice that,
    # during open() (before any pixel is decoded). Make the warning an error for this
    # call only instead of changing the global limit other code relies on.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(path, formats=[_PIL_FORMATS[file_type]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise EvidenceRejected(TOO_MANY_PIXELS) from None
        except _DECODE_ERRORS:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT) from None

    with img:
        width, height = img.size
        if width < 1 or height < 1:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        if width * height > max_pixels:  # checked before decoding a single pixel
            raise EvidenceRejected(TOO_MANY_PIXELS)
        try:
            img.load()  # full decode: truncated or corrupt data fails here
        except Image.DecompressionBombError:
            raise EvidenceRejected(TOO_MANY_PIXELS) from None
        except _DECODE_ERRORS:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT) from None
        if file_type == "jpeg":
            _check_jpeg_decodes_cleanly(path)

        lossless = _check_image_structure(path, file_type)
        exif = _read_exif(img)
        captured_at = _exif_captured_at(exif)
        device = _exif_device(exif)

        out_format, extension, content_type = _IMAGE_OUTPUT[file_type]
        clean = _sanitised_pixels(img, out_format)

    out_path = outputs.new(f".{extension}")
    if out_format == "JPEG":
        clean.save(out_path, format="JPEG", quality=JPEG_QUALITY, exif=b"")
    elif out_format == "PNG":
        clean.save(out_path, format="PNG", exif=b"")
    else:
        save_args = {"lossless": True} if lossless else {"quality": JPEG_QUALITY}
        clean.save(out_path, format="WEBP", exif=b"", xmp=b"", **save_args)

    thumb_path = outputs.new("-thumb.jpg")
    _save_thumbnail(clean, thumb_path)

    return ProcessedFile(
        kind="photo",
        file_type=file_type,
        content_type=content_type,
        extension=extension,
        output_path=out_path,
        size=os.path.getsize(out_path),
        width=clean.width,
        height=clean.height,
        duration_seconds=None,
        codec="",
        captured_at=captured_at,
        device=device,
        thumbnail_path=thumb_path,
    )


def _check_jpeg_decodes_cleanly(path: str) -> None:
    """Refuse a JPEG whose compressed picture data is damaged. libjpeg only *warns*
    about bad Huffman codes and garbage in a scan, and carries on with grey or smeared
    blocks; Pillow never shows those warnings, so a damaged photo would be kept as a
    garbled picture. simplejpeg's strict decode (libjpeg-turbo, as in Pillow) turns
    them into errors. Decoding at 1/8 scale still reads every Huffman code of every
    scan, at a fraction of the time and memory of a full decode."""
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            simplejpeg.decode_jpeg(data, colorspace="RGB", min_height=1, min_width=1, strict=True)
        except ValueError:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT) from None


def _sanitised_pixels(img: Image.Image, out_format: str) -> Image.Image:
    """The decoded picture, upright, in sRGB, in a mode the output format can store,
    with ``info`` emptied so that no metadata can ride along into the saved file
    (some Pillow savers fall back on ``im.info`` for ICC profiles and comments)."""
    try:
        upright = ImageOps.exif_transpose(img)
    except _DECODE_ERRORS:
        upright = img  # unreadable EXIF: nothing trustworthy to rotate by
    upright = _to_srgb(upright)

    # Transparency can also be a palette entry or a colour key ("transparency" in
    # info), which would be lost with the info dict: turn it into an alpha channel.
    keyed = "transparency" in upright.info and upright.mode in ("1", "L", "P", "RGB")
    has_alpha = keyed or upright.mode in ("RGBA", "LA", "PA", "RGBa", "La")
    if out_format == "JPEG":
        if has_alpha:
            clean = _flatten(upright)  # JPEG has no transparency: lay it on white
        elif upright.mode in ("L", "RGB"):
            clean = upright
        else:
            clean = upright.convert("RGB")
    elif out_format == "PNG":
        if keyed or upright.mode not in ("1", "L", "LA", "I", "I;16", "RGB", "RGBA"):
            clean = upright.convert("RGBA" if has_alpha else "RGB")
        else:
            clean = upright
    else:  # WebP stores RGB or RGBA only
        target = "RGBA" if has_alpha else "RGB"
        clean = upright if upright.mode == target else upright.convert(target)
    if clean is img:
        clean = img.copy()  # the opened image is closed (and its pixels freed) after this
    clean.info = {}
    return clean


def _flatten(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _to_srgb(img: Image.Image) -> Image.Image:
    """Convert pixels described by an embedded ICC profile to sRGB, so the profile can
    be dropped without colours shifting. A profile LittleCMS cannot use is dropped as is."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            img, source, ImageCms.createProfile("sRGB"), outputMode="RGBA" if img.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img


def _save_thumbnail(img: Image.Image, path: str) -> None:
    """A JPEG whose longest side is at most THUMBNAIL_SIZE (small pictures are not enlarged)."""
    if img.mode.startswith("I"):  # 16/32-bit greyscale: scale down to 8 bits first
        img = img.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    scale = min(1.0, THUMBNAIL_SIZE / max(img.size))
    if scale < 1:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if img.mode in ("RGBA", "LA"):
        img = _flatten(img)
    elif img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.save(path, format="JPEG", quality=_THUMBNAIL_QUALITY, exif=b"")


DISPLAY_SIZE = 1600
_DISPLAY_QUALITY = 85


def display_rendition(source: IO[bytes], *, longest: int = DISPLAY_SIZE) -> bytes:
    """A JPEG of a stored (already sanitised) photo whose longest side is at most
    ``longest``: what the staff's evidence viewer shows large, instead of the full
    12 MP file. JPEGs are decoded at a reduced scale (libjpeg's DCT scaling)."""
    with Image.open(source) as img:
        if img.format == "JPEG":
            img.draft("RGB", (longest, longest))
        img.load()
        if img.mode.startswith("I"):  # 16/32-bit greyscale PNGs, as for the thumbnail
            img = img.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        img.thumbnail((longest, longest), Image.Resampling.LANCZOS, reducing_gap=3.0)
        if img.mode in ("RGBA", "LA"):
            img = _flatten(img)
        elif img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=_DISPLAY_QUALITY, exif=b"")
    return out.getvalue()


# --- Photo metadata (read from the original before it is stripped) --------------------

_EXIF_DATETIME_RE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


def _read_exif(img: Image.Image) -> Image.Exif | None:
    try:
        return img.getexif()
    except _DECODE_ERRORS:
        return None  # broken EXIF is simply ignored; it is stripped anyway


def _exif_captured_at(exif: Image.Exif | None) -> datetime | None:
    if exif is None:
        return None
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except _DECODE_ERRORS:
        sub = {}
    candidates = (
        (sub.get(_TAG_DATETIME_ORIGINAL), sub.get(_TAG_OFFSET_TIME_ORIGINAL)),
        (exif.get(_TAG_DATETIME_ORIGINAL), exif.get(_TAG_OFFSET_TIME_ORIGINAL)),  # misplaced by some writers
        (exif.get(_TAG_DATETIME), sub.get(_TAG_OFFSET_TIME)),
    )
    for value, offset in candidates:
        if parsed := _parse_exif_datetime(value, offset):
            return parsed
    return None


def _parse_exif_datetime(value: object, offset: object) -> datetime | None:
    """'2024:05:01 10:20:30' (+ optional '+02:00' offset tag) -> aware datetime; a
    missing offset means UTC. Placeholders like '0000:00:00 00:00:00' give None."""
    match = _EXIF_DATETIME_RE.search(_exif_text(value))
    if not match:
        return None
    tz = UTC
    if off := _EXIF_OFFSET_RE.fullmatch(_exif_text(offset)):
        sign = -1 if off.group(1) == "-" else 1
        delta = timedelta(hours=int(off.group(2)), minutes=int(off.group(3)))
        if delta < timedelta(hours=24):
            tz = timezone(sign * delta)
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=tz)
    except ValueError:
        return None


def _exif_device(exif: Image.Exif | None) -> str:
    if exif is None:
        return ""
    make = _exif_text(exif.get(_TAG_MAKE))
    model = _exif_text(exif.get(_TAG_MODEL))
    # Many cameras repeat the make in the model ("Canon" / "Canon EOS R6").
    device = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    return device[:120].strip()


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    printable = "".join(ch if ch.isprintable() else " " for ch in value.replace("\x00", ""))
    return " ".join(printable.split())


# --- Structure checks: hidden data around the picture ---------------------------------
# The pixels have already decoded fine at this point; these walks make sure nothing
# else (an HTML page, a ZIP archive, ...) is glued to the file, which is how
# "polyglot" files pass as images in one program and as something else in another.


def _check_image_structure(path: str, file_type: str) -> bool:
    """Raise EvidenceRejected for trailing data or a broken container. Returns whether
    a WebP is lossless (so it can be re-encoded losslessly); False otherwise."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if file_type == "png":
            _check_png(fh, size)
        elif file_type == "webp":
            return _check_webp(fh, size)
        elif file_type == "heic":
            _check_bmff(fh, size)
        else:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _check_jpeg(data)
    return False


def _check_png(fh: io.BufferedReader, size: int) -> None:
    pos = 8  # after the signature
    while True:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)  # no IEND chunk
        length = int.from_bytes(header[:4], "big")
        pos += 12 + length  # length, type, data, CRC
        if pos > size:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        if header[4:8] == b"IEND":
            break
    if pos != size:
        raise EvidenceRejected(TRAILING_DATA)


def _check_webp(fh: io.BufferedReader, size: int) -> bool:
    fh.seek(0)
    header = fh.read(12)
    end = 8 + int.from_bytes(header[4:8], "little")
    if end > size:
        raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
    if size - end > end % 2:  # RIFF pads to an even length; anything more is extra
        raise EvidenceRejected(TRAILING_DATA)
    lossless = False
    pos = 12
    while pos + 8 <= end:
        fh.seek(pos)
        chunk = fh.read(8)
        lossless = lossless or chunk[:4] == b"VP8L"
        pos += 8 + int.from_bytes(chunk[4:8], "little")
        pos += pos % 2
    return lossless


def _check_bmff(fh: io.BufferedReader, size: int) -> None:
    """HEIC is a sequence of ISO-BMFF boxes that must cover the file exactly."""
    pos = 0
    while pos < size:
        fh.seek(pos)
        header = fh.read(16)
        if len(header) < 8:
            raise EvidenceRejected(TRAILING_DATA)
        box_size = int.from_bytes(header[:4], "big")
        if box_size == 1 and len(header) == 16:
            box_size = int.from_bytes(header[8:16], "big")
        elif box_size == 0:  # "extends to the end of the file"
            return
        if box_size < 8 or pos + box_size > size:
            # The picture decoded, so this is not a cut-off file but bytes that are
            # not a box: something appended.
            raise EvidenceRejected(TRAILING_DATA)
        pos += box_size


def _check_jpeg(data: mmap.mmap) -> None:
    """Walk the JPEG marker segments to the end-of-image marker. Only zero/0xFF
    padding or further complete JPEG images (the extra frames of multi-picture
    files, which many cameras write) may follow it."""
    size = len(data)
    pos = 0
    for _image in range(_JPEG_MAX_IMAGES):
        pos = _jpeg_image_end(data, pos)
        padding_limit = min(size, pos + _JPEG_MAX_PADDING)
        while pos < padding_limit and data[pos] in (0x00, 0xFF) and data[pos : pos + 3] != _JPEG_SOI:
            pos += 1
        if pos == size:
            return
        if data[pos : pos + 3] != _JPEG_SOI:
            raise EvidenceRejected(TRAILING_DATA)
    raise EvidenceRejected(TRAILING_DATA)


def _jpeg_image_end(data: mmap.mmap, pos: int) -> int:
    """Offset just after the EOI marker of the JPEG image starting at ``pos``."""
    size = len(data)
    if data[pos : pos + 2] != b"\xff\xd8":
        raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
    pos += 2
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length field
            continue
        if pos + 2 > size:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows until the next real marker
            pos = _jpeg_scan_end(data, pos)


def _jpeg_scan_end(data: mmap.mmap, pos: int) -> int:
    # In entropy-coded data 0xFF is either stuffed (FF 00), a restart marker (FF D0-D7)
    # or fill before the next marker.
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            raise EvidenceRejected(TRUNCATED_OR_CORRUPT)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


# =====================================================================================
# Videos
# =====================================================================================

# Demuxer forced per sniffed type, so ffmpeg never probes its way into another format
# (playlists, image sequences, ...); muxer, extension and content type of the output.
_VIDEO_FORMATS = {
    "mp4": ("mov", "mp4", "mp4", "video/mp4"),
    "mov": ("mov", "mov", "mov", "video/quicktime"),
    "webm": ("matroska", "webm", "webm", "video/webm"),
}
_PYAV_ERRORS = (av.FFmpegError, ValueError, UnicodeError)


@dataclass
class _VideoProbe:
    codec: str
    width: int
    height: int
    duration: float | None
    captured_at: datetime | None
    poster: Image.Image


def _process_video(path: str, file_type: str, outputs: _Outputs) -> ProcessedFile:
    demuxer, muxer, extension, content_type = _VIDEO_FORMATS[file_type]
    try:
        with av.open(path, format=demuxer, metadata_errors="replace") as container:
            probe = _probe_video(container)
    except _PYAV_ERRORS:
        raise EvidenceRejected(VIDEO_UNREADABLE) from None

    if probe.duration is not None and probe.duration > MAX_VIDEO_SECONDS + _VIDEO_DURATION_GRACE:
        raise EvidenceRejected(VIDEO_TOO_LONG)

    out_path = outputs.new(f".{extension}")
    measured = _remux(path, demuxer, out_path, muxer)
    duration = probe.duration if probe.duration is not None else measured

    thumb_path = outputs.new("-thumb.jpg")
    _save_thumbnail(probe.poster, thumb_path)

    return ProcessedFile(
        kind="video",
        file_type=file_type,
        content_type=content_type,
        extension=extension,
        output_path=out_path,
        size=os.path.getsize(out_path),
        width=probe.width,
        height=probe.height,
        duration_seconds=duration,
        codec=probe.codec,
        captured_at=probe.captured_at,
        device="",
        thumbnail_path=thumb_path,
    )


def _main_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    # Cover art in audio files shows up as a one-picture "video" stream; it is not a video.
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise EvidenceRejected(VIDEO_NO_PICTURE)


def _probe_video(container: av.container.InputContainer) -> _VideoProbe:
    stream = _main_video_stream(container)
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        raise EvidenceRejected(VIDEO_UNREADABLE)
    if width * height > MAX_VIDEO_PIXELS:
        raise EvidenceRejected(VIDEO_RESOLUTION_TOO_HIGH)

    duration = None
    if container.duration is not None and container.duration > 0:
        duration = container.duration / av.time_base
    elif stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        duration = float(stream.duration * stream.time_base)

    try:
        frame = next(container.decode(stream))
    except StopIteration:
        raise EvidenceRejected(VIDEO_UNREADABLE) from None
    poster = frame.to_image()
    # Phones record portrait video as landscape frames plus a display rotation
    # (counter-clockwise degrees, as PIL's rotate() takes them).
    rotation = round((frame.rotation or 0) / 90) * 90 % 360
    if rotation:
        poster = poster.rotate(rotation, expand=True)
    if rotation in (90, 270):
        width, height = height, width

    metadata = container.metadata
    captured_at = _parse_iso_datetime(metadata.get("creation_time")) or _parse_iso_datetime(
        metadata.get("com.apple.quicktime.creationdate")
    )
    return _VideoProbe(
        codec=stream.codec_context.name,
        width=width,
        height=height,
        duration=duration,
        captured_at=captured_at,
        poster=poster,
    )


def _remux(src: str, demuxer: str, dst: str, muxer: str) -> float | None:
    """Copy the main video track (and first audio track) into a fresh container with
    no metadata. Returns the duration measured from the packets, and refuses the
    file if that exceeds the limit (headers can lie or be missing, e.g. WebM from
    browsers' MediaRecorder has no duration)."""
    # faststart moves the index to the front so browsers can start playing at once.
    container_options = {"movflags": "+faststart"} if muxer in ("mp4", "mov") else {}
    first = last = None
    try:
        with (
            av.open(src, format=demuxer, metadata_errors="replace") as source,
            av.open(dst, "w", format=muxer, container_options=container_options) as target,
        ):
            video_in = _main_video_stream(source)
            inputs = [video_in, *source.streams.audio[:1]]
            mapping = {}
            for stream in inputs:
                copy = target.add_stream_from_template(stream)
                copy.metadata.clear()  # no creation_time, handler or vendor names
                mapping[stream.index] = copy
            target.metadata.clear()

            for packet in source.demux(inputs):
                if packet.dts is None:  # demuxer flush packets
                    continue
                if packet.stream.index == video_in.index and packet.pts is not None and video_in.time_base:
                    start = packet.pts * video_in.time_base
                    end = (packet.pts + (packet.duration or 0)) * video_in.time_base
                    first = start if first is None else min(first, start)
                    last = end if last is None else max(last, end)
                    if last - first > MAX_VIDEO_SECONDS + _VIDEO_DURATION_GRACE:
                        raise EvidenceRejected(VIDEO_TOO_LONG)
                packet.stream = mapping[packet.stream.index]
                target.mux(packet)
    except _PYAV_ERRORS:
        raise EvidenceRejected(VIDEO_REMUX_FAILED) from None
    if first is None or last is None:
        return None
    return float(Fraction(last) - Fraction(first))


def _parse_iso_datetime(value: object) -> datetime | None:
    """ffmpeg's creation_time ('2024-05-01T10:20:30.000000Z') or Apple's creationdate
    ('2024-05-01T12:20:30+0200') -> aware datetime (UTC when no offset is given)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# =====================================================================================
# PDFs
# =====================================================================================

# PDF name delimiters; a name ends at the first of these (or at whitespace).
_PDF_DELIMS = rb"\s()<>\[\]{}/%"
# Keys/values that make a PDF do something on its own: run scripts, launch programs,
# carry attachments, act when opened, embed Flash/XFA forms (which carry scripts).
_PDF_ACTIVE_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"OpenAction", b"RichMedia"}
_PDF_ACTIVE_RE = re.compile(
    rb"/(?:" + b"|".join(sorted(_PDF_ACTIVE_NAMES, key=len, reverse=True)) + rb")(?![^" + _PDF_DELIMS + rb"])"
)
# Names may spell characters as #xx ("/J#61vaScript"), a classic way to dodge scanners.
_PDF_ESCAPED_NAME_RE = re.compile(rb"/([^" + _PDF_DELIMS + rb"]*#[0-9A-Fa-f]{2}[^" + _PDF_DELIMS + rb"]*)")
_PDF_HEX_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_CHUNK = 1 << 20
_PDF_OVERLAP = 256  # longer than any name we look for (PDF names are at most 127 bytes)
_PDF_EOF_WINDOW = 1024  # readers accept %%EOF within the last 1 KiB
_PDF_MAX_INFLATED = 64 << 20  # decompression-bomb guard for object streams


def _process_pdf(path: str, outputs: _Outputs) -> ProcessedFile:
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise EvidenceRejected(PDF_CORRUPT)
        fh.seek(max(0, size - _PDF_EOF_WINDOW))
        if b"%%EOF" not in fh.read():
            raise EvidenceRejected(PDF_CORRUPT)
        fh.seek(0)
        if _has_active_content(_read_chunks(fh)):
            raise EvidenceRejected(PDF_ACTIVE_CONTENT)
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            # PDF 1.5+ keeps most objects, including the catalog's /OpenAction,
            # inside compressed object streams that the raw scan cannot see.
            if _object_streams_active(data):
                raise EvidenceRejected(PDF_ACTIVE_CONTENT)

    out_path = outputs.new(".pdf")
    shutil.copyfile(path, out_path)  # documents are kept byte for byte
    return ProcessedFile(
        kind="document",
        file_type="pdf",
        content_type="application/pdf",
        extension="pdf",
        output_path=out_path,
        size=os.path.getsize(out_path),
        width=None,
        height=None,
        duration_seconds=None,
        codec="",
        captured_at=None,
        device="",
        thumbnail_path=None,
    )


def _read_chunks(fh: io.BufferedReader) -> Iterator[bytes]:
    while chunk := fh.read(_PDF_CHUNK):
        yield chunk


def _has_active_content(chunks: Iterable[bytes]) -> bool:
    """Scan a byte stream chunk by chunk. Each pass carries the last _PDF_OVERLAP bytes
    over; matches starting inside that tail are left for the next pass, which sees
    them with what follows (a name cut at a chunk boundary is not judged early)."""
    carry = b""
    iterator = iter(chunks)
    chunk = next(iterator, None)
    while chunk is not None:
        following = next(iterator, None)
        buffer = carry + chunk
        final = following is None
        limit = len(buffer) if final else max(0, len(buffer) - _PDF_OVERLAP)
        if _find_active_name(buffer, limit):
            return True
        carry = buffer[limit:]
        chunk = following
    return False


def _find_active_name(buffer: bytes, limit: int) -> bool:
    """Whether an active-content name starts before ``limit`` in ``buffer``."""
    match = _PDF_ACTIVE_RE.search(buffer)  # leftmost match
    if match is not None and match.start() < limit:
        return True
    if b"#" in buffer:
        for match in _PDF_ESCAPED_NAME_RE.finditer(buffer):
            if match.start() >= limit:
                break
            name = _PDF_HEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            if name in _PDF_ACTIVE_NAMES:
                return True
    return False


def _object_streams_active(data: mmap.mmap) -> bool:
    """Whether any /Type /ObjStm stream holds active content once decompressed.
    Refuses the PDF as uncheckable when one cannot be decompressed (encrypted PDFs,
    unusual filters): we cannot vouch for what we cannot read."""
    budget = [_PDF_MAX_INFLATED]
    pos = 0
    while (found := data.find(b"/ObjStm", pos)) != -1:
        pos = found + 7
        dict_start = data.rfind(b"obj", max(0, found - 4096), found)
        stream_kw = data.find(b"stream", found)
        if dict_start == -1 or stream_kw == -1:
            continue  # a mention outside an object dictionary
        dictionary = data[dict_start:stream_kw]
        start = stream_kw + 6
        if data[start : start + 2] == b"\r\n":
            start += 2
        elif data[start : start + 1] in (b"\n", b"\r"):
            start += 1
        filter_match = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^" + _PDF_DELIMS + rb"]+)", dictionary)
        if filter_match is None:
            continue  # stored uncompressed: the raw scan has already read it
        if re.findall(rb"/([^" + _PDF_DELIMS + rb"]+)", filter_match.group(1)) not in ([b"FlateDecode"], [b"Fl"]):
            raise EvidenceRejected(PDF_UNCHECKABLE)
        # Inflate from the stream start until the zlib stream ends, rather than up to
        # the next "endstream", which compressed bytes could contain on purpose.
        if _has_active_content(_inflate(data, start, budget)):
            return True
    return False


def _inflate(data: mmap.mmap, start: int, budget: list[int]) -> Iterator[bytes]:
    """Decompress the zlib stream at ``start`` piece by piece; ``budget`` (shared by
    all streams of one file) caps the total output against decompression bombs."""
    inflater = zlib.decompressobj()
    pos = start
    while not inflater.eof:
        if inflater.unconsumed_tail:
            source = inflater.unconsumed_tail
        elif pos < len(data):
            source = data[pos : pos + _PDF_CHUNK]
            pos += len(source)
        else:
            return  # ran to the end of the file: everything there was scanned
        try:
            piece = inflater.decompress(source, _PDF_CHUNK)
        except zlib.error:
            raise EvidenceRejected(PDF_UNCHECKABLE) from None
        budget[0] -= len(piece)
        if budget[0] < 0:
            raise EvidenceRejected(PDF_UNCHECKABLE)
        if piece:
            yield piece
