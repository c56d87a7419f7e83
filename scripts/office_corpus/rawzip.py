"""A minimal zip writer for the hostile spreadsheets: parts given as chunks (streamed through deflate), or as one
chunk repeated many times, deflated once and its compressed bytes repeated — how a 200 MB sheet fits in a small
file and takes a fraction of a second to make. Fixed dates; no zip64 (every part stays below 4 GiB)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

DOS_TIME, DOS_DATE = (9 << 11) | (30 << 5), ((2024 - 1980) << 9) | (5 << 5) | 31  # 2024-05-31 09:30


@dataclass
class Part:
    name: str
    chunks: Iterable[bytes] = ()
    head: bytes = b""  # for a repeated part: head + body × repeat + tail
    body: bytes = b""
    repeat: int = 0
    tail: bytes = b""


def _deflate(part: Part, level: int) -> tuple[bytes, int, int]:
    """(compressed bytes, CRC-32, uncompressed size)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    if part.repeat:
        out.append(comp.compress(part.head) + comp.flush(zlib.Z_FULL_FLUSH))
        block = comp.compress(part.body) + comp.flush(zlib.Z_FULL_FLUSH)
        # a full flush resets the dictionary: the next copy of the body compresses to the same bytes
        again = comp.compress(part.body) + comp.flush(zlib.Z_FULL_FLUSH)
        assert again == block and part.repeat >= 2
        out.append(block * part.repeat)
        out.append(comp.compress(part.tail) + comp.flush())
        crc = zlib.crc32(part.head)
        for _ in range(part.repeat):
            crc = zlib.crc32(part.body, crc)
        crc = zlib.crc32(part.tail, crc)
        size = len(part.head) + len(part.body) * part.repeat + len(part.tail)
    else:
        for chunk in part.chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            out.append(comp.compress(chunk))
        out.append(comp.flush())
    return b"".join(out), crc, size


def zip_bytes(parts: list[Part], *, level: int = 6) -> bytes:
    body, central = bytearray(), bytearray()
    for part in parts:
        data, crc, size = _deflate(part, level)
        name = part.name.encode()
        if size >= 1 << 32 or len(data) >= 1 << 32:
            raise ValueError(f"{part.name}: over 4 GiB needs zip64")
        offset = len(body)
        fields = (20, 0, 8, DOS_TIME, DOS_DATE, crc, len(data), size, len(name))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(body), 0)
    return bytes(body + central + end)
