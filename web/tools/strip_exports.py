#!/usr/bin/env python3
"""Removes exports from a Wasm module: strip_exports.py IN OUT NAME...

The policy crates depend on wapc-guest, whose `__guest_call` is a
`#[no_mangle] pub extern "C"` function: rustc exports it from any cdylib
that links the crate, and it imports the waPC host functions (module
"wapc"), which a browser does not have. Dropping the export before
wasm-bindgen runs lets wasm-bindgen's dead-code pass remove the function
and its imports, so the module instantiates with wasm-bindgen's imports
only. Everything else is copied byte for byte. Standard library only.
"""

import sys


def leb128(data, pos):
    """Decodes an unsigned LEB128 at pos: (value, next position)."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def encode_leb128(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def strip(module, names):
    if module[:8] != b"\0asm\x01\0\0\0":
        raise SystemExit("not a Wasm module (version 1)")
    out = bytearray(module[:8])
    pos = 8
    removed = set()
    while pos < len(module):
        section_id = module[pos]
        size, body = leb128(module, pos + 1)
        end = body + size
        if section_id != 7:
            out += module[pos:end]
            pos = end
            continue
        count, cursor = leb128(module, body)
        kept = []
        for _ in range(count):
            start = cursor
            name_len, cursor = leb128(module, cursor)
            name = module[cursor:cursor + name_len].decode("utf-8")
            cursor += name_len + 1  # the export kind byte
            _, cursor = leb128(module, cursor)  # the index
            if name in names:
                removed.add(name)
            else:
                kept.append(module[start:cursor])
        section = encode_leb128(len(kept)) + b"".join(kept)
        out.append(7)
        out += encode_leb128(len(section)) + section
        pos = end
    missing = set(names) - removed
    if missing:
        raise SystemExit(f"no such export: {', '.join(sorted(missing))}")
    return bytes(out)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__.splitlines()[0])
    with open(sys.argv[1], "rb") as f:
        module = f.read()
    stripped = strip(module, set(sys.argv[3:]))
    with open(sys.argv[2], "wb") as f:
        f.write(stripped)


if __name__ == "__main__":
    main()
