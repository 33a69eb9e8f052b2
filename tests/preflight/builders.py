"""Tiny media fixtures built in code: Pillow images and hand-made ISO-BMFF (MP4/MOV/HEIC) bytes."""
import io
import struct

from PIL import ExifTags, Image

IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
ROTATE_90 = (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)


def image_bytes(width, height, fmt="JPEG", *, mode="RGB", orientation=None, gps=False,
                **save_options):
    """An image whose left half is red and right half blue, so a rotation can be seen."""
    img = Image.new(mode, (width, height), "red")
    img.paste("blue", (width // 2, 0, width, height))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    if orientation or gps:
        save_options["exif"] = exif
    out = io.BytesIO()
    img.save(out, fmt, **save_options)
    return out.getvalue()


def box(kind, payload=b""):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind, version, payload, flags=0):
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def ftyp(major=b"isom", compatible=(b"isom", b"mp42")):
    return box(b"ftyp", major + struct.pack(">I", 0x200) + b"".join(compatible))


def mvhd(timescale, duration, version=0):
    times = struct.pack(">QQIQ" if version else ">IIII", 0, 0, timescale, duration)
    return full_box(b"mvhd", version, times + bytes(80))


def tkhd(width, height, version=0, matrix=IDENTITY):
    head = (struct.pack(">QQIIQ", 0, 0, 1, 0, 0) if version
            else struct.pack(">IIIII", 0, 0, 1, 0, 0))
    return full_box(b"tkhd", version, head + bytes(16) + struct.pack(">9i", *matrix)
                    + struct.pack(">II", width << 16, height << 16), flags=3)


def trak(handler, width=0, height=0, codec=b"avc1", **tkhd_options):
    hdlr = full_box(b"hdlr", 0, bytes(4) + handler + bytes(12) + b"\0")
    stsd = full_box(b"stsd", 0, struct.pack(">I", 1) + box(codec, bytes(8)))
    minf = box(b"minf", box(b"stbl", stsd))
    return box(b"trak", tkhd(width, height, **tkhd_options) + box(b"mdia", hdlr + minf))


def moov(seconds=10.0, width=1080, height=1920, *, timescale=600, mvhd_version=0, **trak_options):
    return box(b"moov", mvhd(timescale, int(seconds * timescale), mvhd_version)
               + trak(b"soun", codec=b"mp4a")
               + trak(b"vide", width, height, **trak_options))


def mp4(seconds=10.0, width=1080, height=1920, *, moov_first=True, mdat_bytes=1024,
        major=b"isom", **moov_options):
    """A minimal MP4 (or MOV with major=b"qt  "): ftyp, then moov and mdat in either order."""
    header = moov(seconds, width, height, **moov_options)
    data = box(b"mdat", bytes(mdat_bytes))
    return ftyp(major) + (header + data if moov_first else data + header)


def heic(tiles=((512, 512), (4032, 3024), (320, 240)), major=b"heic"):
    ispe = b"".join(full_box(b"ispe", 0, struct.pack(">II", w, h)) for w, h in tiles)
    meta = full_box(b"meta", 0, full_box(b"hdlr", 0, bytes(4) + b"pict" + bytes(13))
                    + box(b"iprp", box(b"ipco", ispe)))
    return ftyp(major, (b"mif1", major)) + meta + box(b"mdat", bytes(64))
