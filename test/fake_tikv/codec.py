"""Memcomparable byte encoding of region boundaries (API v1 transactional).

PD and TiKV keep region start/end keys in this encoded form; KV request keys
stay raw. Groups of 8 bytes, the last one zero-padded, each followed by a
marker byte 0xFF - pad (see the facts sheet, section 4.1).
"""

GROUP = 8
MARKER = 0xFF


def encode_bytes(key: bytes) -> bytes:
    """Encode a raw user key; (len//8 + 1) * 9 bytes."""
    out = bytearray()
    i = 0
    while True:
        chunk = key[i:i + GROUP]
        pad = GROUP - len(chunk)
        out += chunk + b"\x00" * pad
        out.append(MARKER - pad)
        if pad:
            return bytes(out)
        i += GROUP


def decode_bytes(enc: bytes) -> bytes:
    """Decode an encoded key; bytes after the terminating group are ignored.

    Raises ValueError on a malformed encoding."""
    out = bytearray()
    i = 0
    while True:
        group = enc[i:i + GROUP + 1]
        if len(group) < GROUP + 1:
            raise ValueError("truncated memcomparable key")
        pad = MARKER - group[GROUP]
        if pad > GROUP:
            raise ValueError("bad memcomparable marker")
        if any(group[GROUP - pad:GROUP]):
            raise ValueError("non-zero padding in memcomparable key")
        out += group[:GROUP - pad]
        if pad:
            return bytes(out)
        i += GROUP + 1


def in_range(enc_key: bytes, start: bytes, end: bytes) -> bool:
    """Is an encoded key inside [start, end) (empty end = +inf)?"""
    return enc_key >= start and (end == b"" or enc_key < end)
