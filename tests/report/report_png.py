"""A minimal PNG reader (8-bit RGB/RGBA, non-interlaced, as Chromium writes screenshots) on zlib and NumPy.

Enough to count non-white pixels in a screenshot without an imaging library.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numba import njit

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}


def read_png(data: bytes) -> np.ndarray:
    """Pixels as a (height, width, channels) uint8 array."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, header = len(_SIGNATURE), [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without a header")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = _CHANNELS[colour]
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(height, stride + 1)
    return _unfilter(np.ascontiguousarray(raw), channels).reshape(height, width, channels)


@njit(cache=False)
def _unfilter(raw: np.ndarray, bpp: int) -> np.ndarray:  # pragma: no cover - compiled
    """Undo the five PNG row filters (None, Sub, Up, Average, Paeth); ``raw`` rows start with the filter byte."""
    height, stride = raw.shape[0], raw.shape[1] - 1
    out = np.zeros((height, stride), dtype=np.uint8)
    for y in range(height):
        kind = raw[y, 0]
        for i in range(stride):
            x = np.int32(raw[y, i + 1])
            a = np.int32(out[y, i - bpp]) if i >= bpp else 0
            b = np.int32(out[y - 1, i]) if y > 0 else 0
            c = np.int32(out[y - 1, i - bpp]) if (y > 0 and i >= bpp) else 0
            if kind == 1:
                x += a
            elif kind == 2:
                x += b
            elif kind == 3:
                x += (a + b) >> 1
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                x += a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
            out[y, i] = x & 0xFF
    return out


def write_png(pixels: np.ndarray) -> bytes:
    """Encode a (height, width, 3|4) uint8 array (filter 0 on every row)."""
    height, width, channels = pixels.shape
    colour = {3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return _SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
