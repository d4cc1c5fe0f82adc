"""Image bytes for upload tests, made with Pillow (valid) or by hand (hostile)."""

import functools
import io
import struct
import zlib

from PIL import Image


def png_bytes(size=(8, 6), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_bytes(width=100_000, height=100_000) -> bytes:
    """A tiny, valid-looking PNG header that claims 10 gigapixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


@functools.cache
def png_rgba_of_zeros(width: int, height: int) -> bytes:
    """A real, fully decodable RGBA PNG, tiny on disk and huge in memory (written row by row,
    so making it costs no more memory than the result: 9400×9400 is 336 KB for 353 MB)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 4)  # filter byte + transparent black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
