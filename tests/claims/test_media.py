"""Evidence files: type from content, refusals with the shopper-facing reasons, and
sanitised copies without personal metadata. Every file is generated here, for real
(Pillow, pillow-heif, PyAV, hand-written PNG/PDF bytes); nothing binary is committed."""

import io
import os
import struct
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import av
import pytest
from PIL import Image, ImageCms, ImageDraw

from claims import media
from claims.media import EvidenceRejected, meets_resolution, process_file, sniff_type

PHOTO_ONLY = {"photo"}
VIDEO_ONLY = {"video"}
DOCUMENT_ONLY = {"document"}

GREY = (128, 128, 128)
RED = (220, 20, 20)


# --- Fixtures and file builders ------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path):
    """Outputs go to their own folder, so "nothing left behind" is easy to check."""
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "uploads"
    path.mkdir()
    return path


def _refused(path, workdir, accept, **kwargs) -> str:
    with pytest.raises(EvidenceRejected) as excinfo:
        process_file(path, workdir=workdir, accept=accept, **kwargs)
    assert list(workdir.iterdir()) == [], "a refusal must not leave output files behind"
    assert str(excinfo.value) == excinfo.value.reason
    return excinfo.value.reason


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _camera_exif(orientation=1) -> Image.Exif:
    exif = Image.Exif()
    exif[274] = orientation
    exif[271] = "Canon"
    exif[272] = "Canon EOS R6"
    exif[306] = "2024:06:01 08:00:00"
    exif[0x013B] = "Jane Shopper"  # Artist: personal, must not survive
    sub = exif.get_ifd(0x8769)
    sub[36867] = "2024:05:01 10:20:30"  # DateTimeOriginal
    sub[36881] = "+02:00"  # OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.6)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.2)
    return exif


def _write_camera_jpeg(path, size=(4000, 3000), orientation=6):
    """A 12 MP camera JPEG: red marker in the stored top-left corner, full EXIF with
    GPS, plus XMP, a comment and an ICC profile."""
    img = Image.new("RGB", size, GREY)
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 10, size[1] // 10), fill=RED)
    img.save(
        path,
        format="JPEG",
        quality=85,
        exif=_camera_exif(orientation),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="48,51.5N"/></x:xmpmeta>',
        comment=b"owner: Jane Shopper",
        icc_profile=_srgb_icc(),
    )
    return path


def _write_noisy_jpeg(path, size=(800, 600)):
    Image.effect_noise(size, 80).convert("RGB").save(path, format="JPEG", quality=90)
    return path


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _write_bilevel_png(path, width, height):
    """A one-colour 1-bit PNG written chunk by chunk: tiny on disk however many pixels
    it claims, without ever holding the picture in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + one row of black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    )
    return path


def _write_png(path):
    from PIL import PngImagePlugin

    img = Image.new("RGBA", (200, 100), (0, 128, 255, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Shopper")
    text.add_text("Comment", "taken at 12 Rue de Rivoli")
    img.save(path, format="PNG", pnginfo=text, exif=_camera_exif())
    return path


def _write_heic(path, size=(640, 480), orientation=6):
    """Like a phone's HEIC: the rotation is stored as an 'irot' box (pillow-heif writes
    one when given the EXIF as bytes) with the same orientation in the EXIF."""
    exif = _camera_exif(orientation).tobytes()
    Image.new("RGB", size, GREY).save(path, format="HEIF", quality=80, exif=exif)
    return path


def _write_video(
    path,
    fmt=None,
    codec="libx264",
    size=(320, 240),
    frames=10,
    rotation=None,
    audio=False,
    metadata=True,
    frame_pts=None,
):
    """A short real video. ``metadata`` writes the tags phones write (creation time,
    GPS location) on the container and the stream."""
    out = av.open(str(path), "w", format=fmt)
    if metadata:
        out.metadata["location"] = "+48.85+002.35/"
        out.metadata["creation_time"] = "2024-05-01T10:20:30.000000Z"
        out.metadata["comment"] = "Jane's phone"
    video = out.add_stream(codec, rate=30)
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    if metadata:
        video.metadata["creation_time"] = "2024-05-01T10:20:30.000000Z"
    if rotation is not None:
        video.set_display_rotation(rotation)
    sound = out.add_stream("aac" if fmt != "webm" else "libopus", rate=48000, layout="mono") if audio else None
    for i, pts in enumerate(frame_pts or range(frames)):
        frame = av.VideoFrame.from_image(Image.new("RGB", size, (i * 20 % 256, 60, 90)))
        frame.pts = pts
        for packet in video.encode(frame):
            out.mux(packet)
    if sound is not None:
        for i in range(20):
            samples = av.AudioFrame(format="fltp", layout="mono", samples=960)
            for plane in samples.planes:
                plane.update(bytes(plane.buffer_size))
            samples.sample_rate, samples.pts = 48000, i * 960
            for packet in sound.encode(samples):
                out.mux(packet)
    for stream in filter(None, (video, sound)):
        for packet in stream.encode():
            out.mux(packet)
    out.close()
    return path


def _pdf(objects: list[bytes], version=b"1.4") -> bytes:
    """A PDF with a correct cross-reference table; object n is objects[n - 1]."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra=b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def _one_page_pdf(catalog_extra=b"", extra_objects=()) -> bytes:
    text = b"BT /F1 18 Tf 72 720 Td (Receipt #1234 - total 49.00 EUR) Tj ET"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            *extra_objects,
        ]
    )


def _object_stream_pdf(inner: bytes, filters=b"/FlateDecode", encode=zlib.compress) -> bytes:
    """PDF 1.5 style: object 7 lives compressed inside object stream 6."""
    header = b"7 0 "
    data = encode(header + inner)
    objstm = _stream(data, b"/Type /ObjStm /N 1 /First %d /Filter %s " % (len(header), filters))
    return _one_page_pdf(catalog_extra=b"/Names 7 0 R ", extra_objects=[objstm])


# --- Photos ---------------------------------------------------------------------------------


def test_camera_jpeg_is_upright_and_stripped_of_all_metadata(src, workdir):
    path = _write_camera_jpeg(src / "IMG_0001.JPG")

    result = process_file(path, workdir=workdir, accept=PHOTO_ONLY)

    assert (result.kind, result.file_type, result.content_type, result.extension) == (
        "photo",
        "jpeg",
        "image/jpeg",
        "jpg",
    )
    assert (result.width, result.height) == (3000, 4000)  # orientation 6 applied
    assert result.captured_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=2)))
    assert result.device == "Canon EOS R6"
    assert result.codec == "" and result.duration_seconds is None
    assert os.path.dirname(result.output_path) == str(workdir)
    assert result.size == os.path.getsize(result.output_path)

    with Image.open(result.output_path) as out:
        assert out.format == "JPEG" and out.size == (3000, 4000)
        exif = out.getexif()
        assert 0x8825 not in exif and 274 not in exif and len(exif) == 0
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(out.info)
        # The stored top-left corner is the displayed top-right corner.
        assert out.convert("RGB").getpixel((2900, 100)) == pytest.approx(RED, abs=12)
        assert out.convert("RGB").getpixel((100, 100)) == pytest.approx(GREY, abs=12)
    raw = Path(result.output_path).read_bytes()
    assert b"Exif" not in raw and b"Canon" not in raw and b"Jane" not in raw and b"xmpmeta" not in raw

    with Image.open(result.thumbnail_path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (360, 480)
        assert len(thumb.getexif()) == 0


def test_heic_becomes_jpeg_without_metadata(src, workdir):
    path = _write_heic(src / "IMG_0002.HEIC")
    assert sniff_type(path) == "heic"

    result = process_file(path, workdir=workdir, accept={"photo", "video"})

    assert (result.file_type, result.content_type, result.extension) == ("heic", "image/jpeg", "jpg")
    assert (result.width, result.height) == (480, 640)  # rotation applied once, not twice
    assert result.device == "Canon EOS R6"
    assert result.captured_at == datetime(2024, 5, 1, 8, 20, 30, tzinfo=UTC)
    with Image.open(result.output_path) as out:
        assert out.format == "JPEG" and out.size == (480, 640)
        assert len(out.getexif()) == 0
    with Image.open(result.thumbnail_path) as thumb:
        assert max(thumb.size) == 480


def test_png_is_reencoded_as_png_without_text_or_exif(src, workdir):
    path = _write_png(src / "screenshot.png")

    result = process_file(path, workdir=workdir, accept=PHOTO_ONLY)

    assert (result.file_type, result.content_type, result.extension) == ("png", "image/png", "png")
    assert (result.width, result.height) == (200, 100)
    with Image.open(result.output_path) as out:
        assert out.format == "PNG" and out.mode == "RGBA"
        assert out.getpixel((10, 10)) == (0, 128, 255, 128)
        assert len(out.getexif()) == 0
        assert "Author" not in out.info and "Comment" not in out.info
    assert b"Jane" not in Path(result.output_path).read_bytes()
    with Image.open(result.thumbnail_path) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (200, 100)  # small pictures are not enlarged


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_is_reencoded_as_webp_without_exif(src, workdir, lossless):
    path = src / "photo.webp"
    Image.new("RGB", (300, 200), GREY).save(path, format="WEBP", exif=_camera_exif(), lossless=lossless)

    result = process_file(path, workdir=workdir, accept=PHOTO_ONLY)

    assert (result.file_type, result.content_type, result.extension) == ("webp", "image/webp", "webp")
    assert result.device == "Canon EOS R6"
    raw = Path(result.output_path).read_bytes()
    assert b"EXIF" not in raw and b"Canon" not in raw
    assert (b"VP8L" in raw) is lossless
    with Image.open(result.output_path) as out:
        assert out.format == "WEBP" and out.size == (300, 200)


def test_jpeg_without_exif_has_no_capture_details(src, workdir):
    path = _write_noisy_jpeg(src / "plain.jpg")
    result = process_file(path, workdir=workdir, accept=PHOTO_ONLY)
    assert result.captured_at is None and result.device == ""
    assert (result.width, result.height) == (800, 600)


def test_jpeg_with_zero_padding_or_a_second_picture_is_accepted(src, workdir):
    """Some firmware pads files; multi-picture JPEGs store extra frames after the first."""
    padded = _write_noisy_jpeg(src / "padded.jpg")
    padded.write_bytes(padded.read_bytes() + bytes(300))
    assert process_file(padded, workdir=workdir, accept=PHOTO_ONLY).kind == "photo"

    second = io.BytesIO()
    Image.new("RGB", (64, 48), GREY).save(second, format="JPEG")
    multi = _write_noisy_jpeg(src / "multi.jpg")
    multi.write_bytes(multi.read_bytes() + second.getvalue())
    assert process_file(multi, workdir=workdir, accept=PHOTO_ONLY).width == 800

    mpo = src / "stereo.jpg"  # a real multi-picture file, with its MPF index
    Image.effect_noise((300, 200), 50).convert("RGB").save(
        mpo, format="MPO", save_all=True, append_images=[Image.new("RGB", (100, 60), GREY)]
    )
    result = process_file(mpo, workdir=workdir, accept=PHOTO_ONLY)
    assert (result.file_type, result.width, result.height) == ("jpeg", 300, 200)


# --- Photo refusals -------------------------------------------------------------------------


def test_png_with_html_appended_is_refused(src, workdir):
    path = _write_png(src / "cat.png")
    path.write_bytes(path.read_bytes() + b"<html><script>alert(1)</script></html>")
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRAILING_DATA


@pytest.mark.parametrize(
    "appended",
    [b"PK\x03\x04" + bytes(26) + b"evil.html<script>alert(1)</script>", b"<html><script>alert(1)</script></html>"],
    ids=["zip", "html"],
)
def test_jpeg_with_data_after_the_picture_is_refused(src, workdir, appended):
    path = _write_noisy_jpeg(src / "photo.jpg")
    path.write_bytes(path.read_bytes() + appended)
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRAILING_DATA


def test_heic_with_data_appended_is_refused(src, workdir):
    path = _write_heic(src / "photo.heic", size=(64, 64))
    path.write_bytes(path.read_bytes() + b"<html><script>alert(1)</script></html>")
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRAILING_DATA


def test_webp_with_data_appended_is_refused(src, workdir):
    path = src / "photo.webp"
    Image.new("RGB", (64, 64), GREY).save(path, format="WEBP")
    path.write_bytes(path.read_bytes() + b"<html></html>")
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRAILING_DATA


def test_truncated_jpeg_is_refused(src, workdir):
    path = _write_noisy_jpeg(src / "half.jpg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRUNCATED_OR_CORRUPT


def _scan_middle(data: bytes) -> int:
    """The middle of the first scan's entropy-coded (Huffman) data, never on or right
    after a 0xFF (a stuffed FF 00 must stay one)."""
    sos = data.index(b"\xff\xda")
    start = end = sos + 2 + int.from_bytes(data[sos + 2 : sos + 4], "big")
    while True:  # in the scan 0xFF is stuffed (FF 00) or a restart marker; any other ends it
        end = data.index(b"\xff", end)
        if data[end + 1] == 0x00 or 0xD0 <= data[end + 1] <= 0xD7:
            end += 2
            continue
        break
    middle = (start + end) // 2
    while data[middle - 1] == 0xFF or data[middle] == 0xFF:
        middle += 1
    return middle


def _without_markers(garbage: bytes) -> bytes:
    """No 0xFF: the damage stays inside the scan instead of looking like a marker."""
    return garbage.replace(b"\xff", b"\x7e")


def _flip_bits(data: bytes) -> bytes:
    middle = _scan_middle(data)
    damaged = bytearray(data)
    for pos in range(middle, middle + 200, 7):
        if damaged[pos] != 0xFF and damaged[pos - 1] != 0xFF:
            damaged[pos] = (damaged[pos] ^ 0x55) if damaged[pos] ^ 0x55 != 0xFF else 0x00
    return bytes(damaged)


def _overwrite_with_garbage(data: bytes) -> bytes:
    middle = _scan_middle(data)
    return data[:middle] + _without_markers(os.urandom(64)) + data[middle + 64 :]


def _insert_garbage(data: bytes) -> bytes:
    middle = _scan_middle(data)
    return data[:middle] + _without_markers(os.urandom(500)) + data[middle:]


def _zero_a_few_bytes(data: bytes) -> bytes:
    middle = _scan_middle(data)
    return data[:middle] + bytes(8) + data[middle + 8 :]


def _scramble_huffman_tables(data: bytes) -> bytes:
    """The symbols of every Huffman table in reverse order: the segments stay well-formed,
    every code in the scan now means something else."""
    damaged = bytearray(data)
    pos = 0
    while (dht := damaged.find(b"\xff\xc4", pos)) != -1:
        end = dht + 2 + int.from_bytes(damaged[dht + 2 : dht + 4], "big")
        table = dht + 4
        while table < end:
            count = sum(damaged[table + 1 : table + 17])
            symbols = slice(table + 17, table + 17 + count)
            damaged[symbols] = bytes(reversed(damaged[symbols]))
            table += 17 + count
        pos = end
    return bytes(damaged)


@pytest.mark.parametrize(
    "damage", [_flip_bits, _overwrite_with_garbage, _insert_garbage, _zero_a_few_bytes, _scramble_huffman_tables]
)
@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_jpeg_with_damaged_picture_data_is_refused(src, workdir, damage, progressive):
    """libjpeg decodes these with warnings only (Pillow shows a garbled picture and says
    nothing); the shopper gets the same message as for a cut-off photo."""
    path = src / "damaged.jpg"
    Image.effect_noise((800, 600), 80).convert("RGB").save(path, format="JPEG", quality=90, progressive=progressive)
    path.write_bytes(damage(path.read_bytes()))
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRUNCATED_OR_CORRUPT


def test_damaged_camera_jpeg_is_refused(src, workdir):
    path = _write_camera_jpeg(src / "IMG_0002.jpg")
    path.write_bytes(_overwrite_with_garbage(path.read_bytes()))
    assert _refused(path, workdir, PHOTO_ONLY) == media.TRUNCATED_OR_CORRUPT


@pytest.mark.parametrize(
    "save_args",
    [{"progressive": True}, {"optimize": True}, {"subsampling": 0}, {"progressive": True, "exif": _camera_exif(8)}],
    ids=["progressive", "optimized", "4:4:4", "progressive-with-exif"],
)
def test_sound_jpeg_variants_are_accepted(src, workdir, save_args):
    path = src / "photo.jpg"
    Image.effect_noise((800, 600), 80).convert("RGB").save(path, format="JPEG", quality=90, **save_args)
    result = process_file(path, workdir=workdir, accept=PHOTO_ONLY)
    assert result.kind == "photo" and result.extension == "jpg"


def test_cmyk_and_greyscale_jpegs_are_accepted(src, workdir):
    for mode, colour in (("CMYK", (10, 200, 30, 40)), ("L", 90)):
        path = src / f"{mode}.jpg"
        Image.new(mode, (320, 240), colour).save(path, format="JPEG")
        assert process_file(path, workdir=workdir, accept=PHOTO_ONLY).width == 320


def test_truncated_png_and_heic_are_refused(src, workdir):
    png = src / "half.png"
    Image.effect_noise((300, 300), 80).save(png, format="PNG")
    png.write_bytes(png.read_bytes()[:-5000])
    assert _refused(png, workdir, PHOTO_ONLY) == media.TRUNCATED_OR_CORRUPT

    heic = _write_heic(src / "half.heic", size=(256, 256))
    heic.write_bytes(heic.read_bytes()[: heic.stat().st_size // 2])
    assert _refused(heic, workdir, PHOTO_ONLY) == media.TRUNCATED_OR_CORRUPT


def test_decompression_bomb_is_refused_before_decoding(src, workdir):
    """400 megapixels in a ~50 KB file: Pillow's own bomb guard fires while opening."""
    limit_before = Image.MAX_IMAGE_PIXELS
    path = _write_bilevel_png(src / "bomb.png", 20_000, 20_000)
    assert path.stat().st_size < 200_000
    assert _refused(path, workdir, PHOTO_ONLY) == media.TOO_MANY_PIXELS
    assert limit_before == Image.MAX_IMAGE_PIXELS  # the global limit is left alone


def test_pixel_cap_applies_below_pillows_own_limit(src, workdir):
    path = _write_bilevel_png(src / "big.png", 8_000, 7_000)  # 56 MP: over our 50 MP default only
    assert _refused(path, workdir, PHOTO_ONLY) == media.TOO_MANY_PIXELS

    small = _write_noisy_jpeg(src / "small.jpg")
    assert _refused(small, workdir, PHOTO_ONLY, max_image_pixels=100_000) == media.TOO_MANY_PIXELS


def test_svg_is_not_accepted(src, workdir):
    path = src / "photo.jpg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert sniff_type(path) is None
    assert _refused(path, workdir, PHOTO_ONLY) == media.UNSUPPORTED_TYPE.format(
        expected="a photo (JPEG, PNG, WebP or HEIC)"
    )


def test_pdf_in_a_photo_slot_says_what_it_is(src, workdir):
    path = src / "photo.jpg"
    path.write_bytes(_one_page_pdf())
    reason = _refused(path, workdir, PHOTO_ONLY)
    assert reason == media.WRONG_KIND.format(actual="a PDF document", expected="a photo (JPEG, PNG, WebP or HEIC)")
    assert reason == "This file is a PDF document; this item needs a photo (JPEG, PNG, WebP or HEIC)."


def test_video_in_a_photo_or_document_slot(src, workdir):
    path = _write_video(src / "clip.jpg", fmt="mp4", metadata=False, frames=2)  # named like a photo
    reason = _refused(path, workdir, {"document", "photo"})
    assert reason == "This file is an MP4 video; this item needs a photo (JPEG, PNG, WebP or HEIC) or a PDF document."


def test_empty_file_is_refused(src, workdir):
    path = src / "empty.jpg"
    path.write_bytes(b"")
    assert _refused(path, workdir, PHOTO_ONLY) == media.EMPTY_FILE


def test_failure_after_writing_removes_the_outputs(src, workdir, monkeypatch):
    def broken_thumbnail(img, path):
        Path(path).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(media, "_save_thumbnail", broken_thumbnail)
    with pytest.raises(OSError, match="disk full"):
        process_file(_write_noisy_jpeg(src / "a.jpg"), workdir=workdir, accept=PHOTO_ONLY)
    assert list(workdir.iterdir()) == []


def test_accept_must_name_known_kinds(src, workdir):
    path = _write_noisy_jpeg(src / "a.jpg")
    with pytest.raises(ValueError):
        process_file(path, workdir=workdir, accept={"image"})
    with pytest.raises(ValueError):
        process_file(path, workdir=workdir, accept=set())


# --- Videos ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "file_type", "content_type"),
    [("clip.mp4", None, "mp4", "video/mp4"), ("clip.mov", "mov", "mov", "video/quicktime")],
)
def test_h264_video_is_remuxed_without_metadata(src, workdir, name, fmt, file_type, content_type):
    path = _write_video(src / name, fmt=fmt, audio=True)
    assert sniff_type(path) == file_type

    result = process_file(path, workdir=workdir, accept={"photo", "video"})

    assert (result.kind, result.file_type, result.content_type, result.extension) == (
        "video",
        file_type,
        content_type,
        file_type,
    )
    assert result.codec == "h264"
    assert (result.width, result.height) == (320, 240)
    assert 0 < result.duration_seconds < 2
    assert result.captured_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert result.device == ""
    assert sniff_type(result.output_path) == file_type

    with av.open(result.output_path) as out:
        assert "creation_time" not in out.metadata
        assert not any(key.startswith(("location", "comment")) for key in out.metadata)
        assert [s.type for s in out.streams] == ["video", "audio"]
        assert "creation_time" not in out.streams.video[0].metadata
        assert out.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in out.decode(video=0)) == 10  # every frame copied
    raw = Path(result.output_path).read_bytes()
    assert b"+48.85" not in raw and b"Jane" not in raw

    with Image.open(result.thumbnail_path) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)


def test_portrait_phone_video_keeps_its_rotation(src, workdir):
    path = _write_video(src / "portrait.mp4", rotation=90, frames=3, metadata=False)

    result = process_file(path, workdir=workdir, accept=VIDEO_ONLY)

    assert (result.width, result.height) == (240, 320)
    assert result.captured_at is None
    with Image.open(result.thumbnail_path) as thumb:
        assert thumb.size == (240, 320)
    with av.open(result.output_path) as out:
        assert next(out.decode(video=0)).rotation == 90


def test_webm_is_accepted(src, workdir):
    path = _write_video(src / "recording.webm", fmt="webm", codec="libvpx-vp9", frames=3, audio=True)
    assert sniff_type(path) == "webm"

    result = process_file(path, workdir=workdir, accept=VIDEO_ONLY)

    assert (result.file_type, result.content_type, result.extension, result.codec) == (
        "webm",
        "video/webm",
        "webm",
        "vp9",
    )
    assert result.duration_seconds > 0
    with av.open(result.output_path) as out:
        assert "location" not in out.metadata and "creation_time" not in out.metadata


def test_hd_video_meets_the_hd_requirement(src, workdir):
    path = _write_video(src / "hd.mp4", size=(1280, 720), frames=2, metadata=False)
    result = process_file(path, workdir=workdir, accept=VIDEO_ONLY)
    assert meets_resolution(result.width, result.height, "hd")


def test_random_bytes_named_mp4_are_refused(src, workdir):
    path = src / "video.mp4"
    path.write_bytes(os.urandom(64 * 1024))
    assert _refused(path, workdir, VIDEO_ONLY) == media.UNSUPPORTED_TYPE.format(expected="a video (MP4, MOV or WebM)")


def test_garbage_behind_an_mp4_header_is_unreadable(src, workdir):
    path = src / "video.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + os.urandom(64 * 1024))
    assert sniff_type(path) == "mp4"
    assert _refused(path, workdir, VIDEO_ONLY) == media.VIDEO_UNREADABLE


def test_truncated_video_is_refused(src, workdir):
    path = _write_video(src / "cut.mp4", frames=30)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # faststart-less MP4: the index is at the end
    assert _refused(path, workdir, VIDEO_ONLY) == media.VIDEO_UNREADABLE


def test_sound_only_file_is_refused(src, workdir):
    path = src / "voice.mp4"
    out = av.open(str(path), "w")
    sound = out.add_stream("aac", rate=48000, layout="mono")
    for i in range(10):
        samples = av.AudioFrame(format="fltp", layout="mono", samples=960)
        for plane in samples.planes:
            plane.update(bytes(plane.buffer_size))
        samples.sample_rate, samples.pts = 48000, i * 960
        for packet in sound.encode(samples):
            out.mux(packet)
    for packet in sound.encode():
        out.mux(packet)
    out.close()
    assert _refused(path, workdir, VIDEO_ONLY) == media.VIDEO_NO_PICTURE


def test_video_over_ten_minutes_is_refused(src, workdir):
    path = _write_video(src / "long.mp4", size=(64, 64), frame_pts=[0, 30 * 660], metadata=False)
    assert _refused(path, workdir, VIDEO_ONLY) == media.VIDEO_TOO_LONG


def test_length_is_measured_while_copying_when_the_header_has_none(src, workdir, monkeypatch):
    """WebM recorded in browsers (MediaRecorder) carries no duration in its header."""
    real_probe = media._probe_video
    monkeypatch.setattr(media, "_probe_video", lambda container: replace(real_probe(container), duration=None))

    short = process_file(_write_video(src / "short.mp4", metadata=False), workdir=workdir, accept=VIDEO_ONLY)
    assert short.duration_seconds == pytest.approx(10 / 30, abs=0.05)
    for leftover in workdir.iterdir():
        leftover.unlink()

    long = _write_video(src / "long.mp4", size=(64, 64), frame_pts=[0, 30 * 660], metadata=False)
    assert _refused(long, workdir, VIDEO_ONLY) == media.VIDEO_TOO_LONG  # output was being written


def test_container_that_cannot_be_remuxed_is_refused_and_cleaned_up(src, workdir):
    """Matroska holding H.264 sniffs as WebM, but WebM cannot carry H.264: the remux
    fails after the output file was created, and it must not stay behind."""
    path = _write_video(src / "clip.mkv", fmt="matroska", frames=3, metadata=False)
    assert sniff_type(path) == "webm"
    assert _refused(path, workdir, VIDEO_ONLY) == media.VIDEO_REMUX_FAILED


# --- Documents ------------------------------------------------------------------------------


def test_plain_pdf_is_copied_byte_for_byte(src, workdir):
    data = _one_page_pdf()
    path = src / "receipt.pdf"
    path.write_bytes(data)

    result = process_file(path, workdir=workdir, accept={"document", "photo"})

    assert (result.kind, result.file_type, result.content_type, result.extension) == (
        "document",
        "pdf",
        "application/pdf",
        "pdf",
    )
    assert Path(result.output_path).read_bytes() == data
    assert result.size == len(data)
    assert result.thumbnail_path is None and result.width is None and result.captured_at is None


@pytest.mark.parametrize(
    "catalog_extra",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ",
        b"/AA << /WC << /S /Launch /F (cmd.exe) >> >> ",
        b"/Names << /EmbeddedFiles << /Names [(a.exe) 9 0 R] >> >> ",
        b"/OpenAction [3 0 R /Fit] ",
        b"/Names << /J#61va#53cript << /Names [(x) 9 0 R] >> >> ",  # "#xx"-escaped name
    ],
    ids=["javascript", "launch", "attachment", "open-action", "escaped-name"],
)
def test_pdf_with_active_content_is_refused(src, workdir, catalog_extra):
    path = src / "receipt.pdf"
    path.write_bytes(_one_page_pdf(catalog_extra=catalog_extra))
    assert _refused(path, workdir, DOCUMENT_ONLY) == media.PDF_ACTIVE_CONTENT


def test_javascript_hidden_in_a_compressed_object_stream_is_found(src, workdir):
    path = src / "receipt.pdf"
    path.write_bytes(
        _object_stream_pdf(b"<< /JavaScript << /Names [(x) << /S /JavaScript /JS (app.alert(1)) >>] >> >>")
    )
    assert b"JavaScript" not in path.read_bytes()
    assert _refused(path, workdir, DOCUMENT_ONLY) == media.PDF_ACTIVE_CONTENT


def test_harmless_object_stream_is_accepted(src, workdir):
    path = src / "receipt.pdf"
    path.write_bytes(_object_stream_pdf(b"<< /Dests << /Names [(intro) [3 0 R /Fit]] >> >>"))
    assert process_file(path, workdir=workdir, accept=DOCUMENT_ONLY).kind == "document"


def test_object_stream_we_cannot_decode_is_refused(src, workdir):
    path = src / "receipt.pdf"
    path.write_bytes(
        _object_stream_pdf(
            b"<< /Dests 3 0 R >>",
            filters=b"[/ASCIIHexDecode /FlateDecode]",
            encode=lambda data: zlib.compress(data).hex().encode() + b">",
        )
    )
    assert _refused(path, workdir, DOCUMENT_ONLY) == media.PDF_UNCHECKABLE


def test_pdf_without_end_marker_is_refused(src, workdir):
    path = src / "receipt.pdf"
    path.write_bytes(_one_page_pdf()[:-200])
    assert _refused(path, workdir, DOCUMENT_ONLY) == media.PDF_CORRUPT


def test_active_names_are_found_across_chunk_boundaries():
    scan = media._has_active_content
    assert scan([b"x" * 10, b"<< /OpenAc", b"tion 3 0 R >>"])
    assert scan([b"<< /S /JS", b" (app.alert(1)) >>"])
    assert scan([b"/J#61vaScr", b"ipt"])  # a name ending the file counts
    assert not scan([b"<< /S /JS", b"Font >>"])  # a longer, harmless name
    assert not scan([b"/Type /Font /BaseFont /JSans", b"Mono"])
    big = b"q " * 600_000 + b"/JavaScript" + b" Q" * 10
    assert scan([big[i : i + (1 << 20)] for i in range(0, len(big), 1 << 20)])


# --- Sniffing and resolution ----------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"%PDF-1.7\n", "pdf"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x82\x88matroska", "webm"),
        (_ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (_ftyp(b"mif1", b"mif1", b"heic", b"miaf"), "heic"),
        (_ftyp(b"heix", b"mif1"), "heic"),
        (_ftyp(b"msf1", b"msf1", b"hevc"), "heic"),
        (_ftyp(b"qt  ", b"qt  "), "mov"),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "mp4"),
        (_ftyp(b"mp42", b"isom", b"mp42"), "mp4"),
        (_ftyp(b"XYZ1", b"isom"), "mp4"),  # unknown vendor brand, MP4-compatible
        (_ftyp(b"avif", b"mif1", b"avif"), None),
        (_ftyp(b"mif1", b"avif", b"mif1"), None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"PK\x03\x04\x14\x00\x00\x00", None),
        (b"<!DOCTYPE html><html>", None),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', None),
        (b"BM\x36\x00\x00\x00", None),
        (b"#EXTM3U\n#EXT-X-VERSION:3\n", None),
    ],
)
def test_sniff_type_reads_magic_bytes_only(tmp_path, head, expected):
    path = tmp_path / "upload.jpg"  # the name must not matter
    path.write_bytes(head + bytes(64))
    assert sniff_type(path) == expected


@pytest.mark.parametrize(
    ("width", "height", "requirement", "expected"),
    [
        (1280, 720, "hd", True),
        (720, 1280, "hd", True),
        (3840, 2160, "hd", True),
        (1279, 720, "hd", False),
        (1280, 719, "hd", False),
        (None, None, "hd", False),
        (1, 1, "any", True),
        (None, None, "any", True),
    ],
)
def test_meets_resolution(width, height, requirement, expected):
    assert meets_resolution(width, height, requirement) is expected


def test_meets_resolution_rejects_unknown_requirements():
    with pytest.raises(ValueError):
        meets_resolution(1920, 1080, "4k")
