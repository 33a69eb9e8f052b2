"""Decompression cost: pixel budget before decoding, JPEG draft decoding, bounded conversions,
and the platform's peak memory while hostile and budget-sized images arrive at once."""
import contextlib
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from backend.services.instagram.preflight.uploads import (ConversionGate, UploadBusy,
                                                          UploadRejected, store_upload)
from backend.services.instagram.settings import InstagramSettings
from tests.hostile.big_png import write_png
from tests.hostile.conftest import PREFIX, assert_envelope
from tests.preflight.builders import image_bytes

ROOT = Path(__file__).resolve().parents[2]
# docs/operations.md: each conversion holds at most about 12 bytes per pixel of the budget.
BYTES_PER_PIXEL = 12


def documented_bound_mb():
    defaults = InstagramSettings()
    return (defaults.INSTAGRAM_IMAGE_CONVERSIONS * defaults.INSTAGRAM_IMAGE_MAX_PIXELS
            * BYTES_PER_PIXEL / 2**20)


def test_peak_memory_stays_within_the_documented_bound(tmp_path):
    progressive = tmp_path / "progressive_budget.jpg"
    Image.new("RGB", (4000, 4000), "grey").save(progressive, progressive=True, quality=90)
    photo_444 = tmp_path / "progressive_444_12mp.jpg"  # as Photoshop saves for the web
    Image.new("RGB", (4032, 3024), "teal").save(photo_444, progressive=True, quality=95,
                                                subsampling=0)
    webp = tmp_path / "webp_budget.webp"  # libwebp's buffers counted: 2 x 7.84 MP, accepted
    Image.new("RGB", (2800, 2800), "olive").save(webp, lossless=True)
    big_webp = tmp_path / "webp_4000.webp"  # 2 x 16 MP: refused from the header
    Image.new("RGB", (4000, 4000), "olive").save(big_webp, lossless=True)
    files = [write_png(tmp_path / "small.png", 1080, 1350),
             write_png(tmp_path / "bomb_9400.png", 9400, 9400),  # the 354 KB file
             # 16 MP less the decoder's two rows of 16,001 bytes: the budget, 4 bytes a pixel
             write_png(tmp_path / "budget_rgba.png", 4000, 3990, "RGBA"),
             # 4:2:0, 4000 x 4000: 48 MB of DCT coefficients (4 million budget pixels of
             # 12 bytes) and 2000 x 2000 decoded at draft scale
             progressive, photo_444, webp, big_webp,
             write_png(tmp_path / "tall.png", 1, 16_000_000),  # no JPEG is that tall
             write_png(tmp_path / "wide.png", 16_000_000, 1),  # two rows of 48 MB to decode
             write_png(tmp_path / "tall_budget.png", 245, 65_000),  # stored unscaled
             write_png(tmp_path / "wide_budget.png", 1_000_000, 12)]  # 12 MP and 6 MB rows
    report = _probe(files)
    answers = report["answers"]
    for refused in ("bomb_9400.png", "tall.png", "wide.png", "webp_4000.webp"):
        assert answers[refused] == [[422, "image_too_many_pixels"]] * 3, refused
    for accepted in ("budget_rgba.png", "progressive_budget.jpg", "tall_budget.png",
                     "wide_budget.png", "progressive_444_12mp.jpg", "webp_budget.webp"):
        assert answers[accepted] == [[201, None]] * 3, accepted
    rise = report["peak_mb"] - report["baseline_mb"]
    print(f"peak memory rise: {rise:.0f} MB (bound {documented_bound_mb():.0f} MB)")
    assert rise < documented_bound_mb()


def _probe(files):
    """Each file uploaded three times at once to a fresh platform process: its answers, its
    peak memory (MB) and its baseline after a warm-up upload of files[0]."""
    run = subprocess.run([sys.executable, "-m", "tests.hostile.memory_probe",
                          str(Path(files[0]).parent / "app"), *map(str, files)],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name, width, height, mode, bits", [
    ("wide_16bit_rgba.png", 16_000_000, 1, "RGBA", 16),  # 256 MB of rows, 64 MB decoded
    ("tall_budget.png", 245, 65_000, "RGB", 8),
    ("wide_budget.png", 1_000_000, 12, "RGB", 8)])
def test_each_costly_shape_alone_stays_within_one_conversion(tmp_path, name, width, height,
                                                             mode, bits):
    files = [write_png(tmp_path / "small.png", 1080, 1350),
             write_png(tmp_path / name, width, height, mode, bits)]
    report = _probe(files)
    rise = report["peak_mb"] - report["baseline_mb"]
    print(f"{name}: {report['answers'][name]}, peak memory rise {rise:.0f} MB")
    assert report["answers"][name][0][0] in (201, 422)
    assert rise < documented_bound_mb()


def test_a_progressive_jpeg_counts_its_coefficients(tmp_path):
    # The same 4000 x 4000 photo: baseline passes a 5 MP budget (decoded at 1/2 scale, 4 MP),
    # progressive does not (12 MP of coefficients besides), whatever the draft scale.
    photo = Image.new("RGB", (4000, 4000), "grey")
    for progressive, expected in ((False, None), (True, "image_too_many_pixels")):
        data = io.BytesIO()
        photo.save(data, "JPEG", progressive=progressive, quality=80)
        data.seek(0)
        try:
            store_upload(data, "p.jpg", upload_dir=tmp_path, max_bytes=10**8,
                         max_width=1440, max_pixels=5_000_000)
            code = None
        except UploadRejected as exc:
            code = exc.code
            assert "progressive" in exc.message
        assert code == expected, progressive


def _stored(tmp_path, path):
    with open(path, "rb") as data:
        return store_upload(data, path.name, upload_dir=tmp_path / "uploads", max_bytes=10**9,
                            max_width=1440, max_pixels=16_000_000)


@pytest.mark.parametrize("width, height", [(244, 65_520), (65_520, 244)])
def test_a_side_pillow_cannot_write_as_jpeg_is_refused_not_a_500(tmp_path, width, height):
    # 65,501 to 65,535: a JPEG header could say it, libjpeg refuses to write it.
    with pytest.raises(UploadRejected) as refused:
        _stored(tmp_path, write_png(tmp_path / "long.png", width, height))
    assert refused.value.code == "image_too_many_pixels"
    assert not list((tmp_path / "uploads").glob("*"))  # nothing half-written is kept


def test_an_orientation_found_only_after_the_image_data_is_checked_too(tmp_path):
    # A PNG's eXIf chunk after its IDAT: the header says 69,000 x 228 (scaled to 1440 wide:
    # fine), decoding finds orientation 6 and turns it 228 x 69,000.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = write_png(tmp_path / "turned.png", 69_000, 228, exif_after_data=exif.tobytes())
    with pytest.raises(UploadRejected) as refused:
        _stored(tmp_path, path)
    assert refused.value.code == "image_too_many_pixels"
    assert not list((tmp_path / "uploads").glob("*"))


@pytest.mark.parametrize("save", [{"progressive": True, "quality": 95, "subsampling": 0},
                                  {"progressive": True, "quality": 90}])
def test_ordinary_12_mp_progressive_photos_are_converted(tmp_path, save):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (4032, 3024), "teal").save(path, **save)
    stored = _stored(tmp_path, path)
    assert stored.width == 1440


def test_the_budget_is_checked_before_any_decoding(tmp_path, monkeypatch):
    def never(self):
        raise AssertionError("decoded before the pixel budget was checked")
    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    for mode in ("L", "RGB", "RGBA"):
        path = write_png(tmp_path / f"{mode}.png", 5000, 4000, mode)
        with open(path, "rb") as fh, pytest.raises(UploadRejected) as info:
            store_upload(fh, "big.png", upload_dir=tmp_path / "up", max_bytes=10**8)
        assert info.value.code == "image_too_many_pixels"
        assert "5000 x 4000" in info.value.message and "16,000,000" in info.value.message


def test_large_jpegs_are_decoded_scaled_down(tmp_path):
    # 12 MP in the header; decoded at half scale (2000 x 1500) within a 4 MP budget. A PNG of
    # the same size cannot be decoded scaled, so it is refused.
    jpeg = image_bytes(4000, 3000, quality=70)
    stored = store_upload(io.BytesIO(jpeg), "photo.jpg", upload_dir=tmp_path,
                          max_bytes=10**8, max_width=1440, max_pixels=4_000_000)
    assert (stored.width, stored.height) == (1440, 1080)
    png = write_png(tmp_path / "same.png", 4000, 3000)
    with open(png, "rb") as fh, pytest.raises(UploadRejected):
        store_upload(fh, "same.png", upload_dir=tmp_path, max_bytes=10**8, max_width=1440,
                     max_pixels=4_000_000)


def test_rotated_jpegs_are_scaled_to_their_final_width(tmp_path):
    # Stored 4000 x 3000 with orientation 6: shown 3000 wide and 4000 tall, so the width
    # limit applies to the 3000 (and draft decoding must not shrink it below 1440).
    jpeg = image_bytes(4000, 3000, orientation=6, quality=70)
    stored = store_upload(io.BytesIO(jpeg), "turned.jpg", upload_dir=tmp_path,
                          max_bytes=10**8, max_width=1440)
    assert (stored.width, stored.height) == (1440, 1920)


def test_conversions_wait_for_a_slot_then_give_up(tmp_path):
    gate = ConversionGate(1)
    small = image_bytes(50, 50)
    with gate.slot(0):
        with pytest.raises(UploadBusy):
            store_upload(io.BytesIO(small), "a.jpg", upload_dir=tmp_path,
                         max_bytes=10**6, gate=gate, wait=0.05)
    assert store_upload(io.BytesIO(small), "a.jpg", upload_dir=tmp_path,
                        max_bytes=10**6, gate=gate, wait=0).format == "jpeg"


def test_busy_uploads_answer_503_with_retry_after(app, client, auth_headers, monkeypatch):
    from backend.services.instagram.core.runtime import runtime
    from backend.services.instagram.publishing import routes
    monkeypatch.setattr(routes, "CONVERSION_WAIT_SECONDS", 0.05)
    headers = auth_headers()
    with app.app_context():
        gate = runtime().conversions
    held = [gate.slot(0) for _ in range(2)]  # the default: two conversions at once
    for slot in held:
        slot.__enter__()
    try:
        response = client.post(f"{PREFIX}/uploads", headers=headers,
                               data={"file": (io.BytesIO(image_bytes(50, 50)),
                                              "a.jpg")}, content_type="multipart/form-data")
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert assert_envelope(response, 503)["code"] == "uploads_busy"
    # Flask-Limiter raises Retry-After to its own window's reset on every answer.
    assert int(response.headers["Retry-After"]) >= 5


def test_the_gate_is_shared_by_concurrent_uploads(tmp_path):
    gate, inside, most = ConversionGate(2), [0], [0]
    lock = threading.Lock()
    original = ConversionGate.slot

    def counting(self, wait):
        with original(self, wait):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            try:
                yield
            finally:
                with lock:
                    inside[0] -= 1
    gate.slot = contextlib.contextmanager(counting).__get__(gate)
    data = image_bytes(2000, 2000, "PNG")
    threads = [threading.Thread(target=store_upload, args=(io.BytesIO(data),
                                                           "p.png"),
                                kwargs={"upload_dir": tmp_path, "max_bytes": 10**8,
                                        "gate": gate, "wait": 30}) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= most[0] <= 2
