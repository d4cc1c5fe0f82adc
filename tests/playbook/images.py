"""Image bytes for upload tests, made with Pillow (valid) or by hand (hostile)."""

import functools
import io
import struct
import zlib

from PIL import Image, ImageCms, PngImagePlugin


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


SECRET = "SECRET-METADATA-7f3a"  # in every metadata field below; must not survive re-encoding


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET + " ImageDescription"
    exif[0x013B] = SECRET + " Artist"
    exif[0x0112] = orientation
    return exif


def _xmp() -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"<rdf:Description>{SECRET} xmp</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def _icc() -> bytes:
    """An sRGB profile with a trailing note (profiles are copied as bytes, never parsed)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return profile.tobytes() + (SECRET + " icc").encode()


def with_every_metadata(image_format: str) -> bytes:
    """A small image carrying every kind of metadata Pillow writes for the format:
    EXIF, XMP, an ICC profile, comments, PNG text chunks (plain, compressed, international)."""
    image = Image.new("RGB", (20, 10), (120, 30, 30))
    out = io.BytesIO()
    if image_format == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SECRET + " tEXt")
        text.add_text("Author", SECRET + " zTXt", zip=True)
        text.add_itxt("Description", SECRET + " iTXt")
        text.add_itxt("XML:com.adobe.xmp", _xmp().decode())
        image.save(out, "PNG", pnginfo=text, exif=_exif(), icc_profile=_icc())
    elif image_format == "JPEG":
        image.save(
            out, "JPEG", exif=_exif(), icc_profile=_icc(), xmp=_xmp(), comment=SECRET + " COM"
        )
    elif image_format == "GIF":
        image.save(out, "GIF", comment=SECRET + " comment")
    elif image_format == "WEBP":
        image.save(out, "WEBP", exif=_exif(), icc_profile=_icc(), xmp=_xmp())
    return out.getvalue()


def jpeg_rotated_by_exif(size=(40, 20)) -> bytes:
    """A photo as phones write it: pixels landscape, EXIF orientation 6 (show turned 90° right)."""
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG", exif=_exif(orientation=6))
    return out.getvalue()


def webp_with_a_canvas_of(width: int, height: int) -> bytes:
    """An animated WEBP of two 16×16 frames on a canvas claimed to be width×height: under
    200 bytes, yet libwebp allocates and clears canvases of that size to decode it."""
    frames = [Image.new("RGB", (16, 16), (80 * i, 0, 0)) for i in range(2)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    data = bytearray(out.getvalue())
    assert data[12:16] == b"VP8X"  # the extended header holds the canvas size, minus one
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)
