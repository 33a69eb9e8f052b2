"""Large, highly compressible PNGs written row by row, never held decoded in memory."""
import struct
import zlib

CHANNELS = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def write_png(path, width, height, mode="RGB", bits=8, exif_after_data=None):
    """A uniform PNG of width x height with `bits` (8 or 16) a sample: 9400 x 9400 RGB is
    about 350 KB on disk. `exif_after_data` (raw EXIF bytes) goes in an eXIf chunk after the
    image data, where a reader of the header alone does not see it."""
    color_type, channels = CHANNELS[mode]
    row = b"\x00" + b"\x7f" * (width * channels * bits // 8)  # filter "none", one grey
    packer = zlib.compressobj(9)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, color_type,
                                              0, 0, 0)))
        data = [packer.compress(row) for _ in range(height)]
        data.append(packer.flush())
        out.write(_chunk(b"IDAT", b"".join(data)))
        if exif_after_data:
            out.write(_chunk(b"eXIf", exif_after_data))
        out.write(_chunk(b"IEND", b""))
    return path
