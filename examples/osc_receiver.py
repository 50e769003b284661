#!/usr/bin/env python3
"""Prints what Dreamloom tells over OSC: threads woven, dissolved, preserved, restored and
withdrawn, the show's segment, and the diversity meter. Python 3 alone (socket + struct), no
packages to install.

How to:

    python3 examples/osc_receiver.py              # listens on 127.0.0.1:9001
    python3 examples/osc_receiver.py 0.0.0.0:9001 # from another machine on the network

and start the piece sending there (any of view, tune, kiosk):

    dreamloom view --show --osc-send 127.0.0.1:9001

Cues go the other way (`--osc-listen 0.0.0.0:9000`); the README's "Show control (OSC)" lists
every address. Ctrl+C stops the receiver.
"""

import socket
import struct
import sys


def read_string(data, at):
    """An OSC string (NUL-terminated, padded to 4 bytes) and where the next field starts."""
    end = data.index(b"\0", at)
    text = data[at:end].decode("utf-8", errors="replace")
    return text, (end + 4) & ~3


def read_blob(data, at):
    (size,) = struct.unpack_from(">i", data, at)
    start = at + 4
    return data[start:start + size], (start + size + 3) & ~3


def read_arguments(data, tags, at):
    """Arguments for the type tags (without the leading comma); arrays become lists."""
    stack = [[]]
    for tag in tags:
        if tag == "i":
            (value,) = struct.unpack_from(">i", data, at)
            at += 4
        elif tag == "f":
            (value,) = struct.unpack_from(">f", data, at)
            at += 4
        elif tag == "h":
            (value,) = struct.unpack_from(">q", data, at)
            at += 8
        elif tag == "d":
            (value,) = struct.unpack_from(">d", data, at)
            at += 8
        elif tag == "t":
            value = struct.unpack_from(">II", data, at)
            at += 8
        elif tag in "sS":
            value, at = read_string(data, at)
        elif tag == "b":
            value, at = read_blob(data, at)
        elif tag == "c":
            (code,) = struct.unpack_from(">I", data, at)
            value = chr(code)
            at += 4
        elif tag in "rm":
            value = data[at:at + 4]
            at += 4
        elif tag == "T":
            value = True
        elif tag == "F":
            value = False
        elif tag == "N":
            value = None
        elif tag == "I":
            value = float("inf")
        elif tag == "[":
            stack.append([])
            continue
        elif tag == "]":
            inner = stack.pop()
            stack[-1].append(inner)
            continue
        else:
            raise ValueError(f"unknown type tag {tag!r}")
        stack[-1].append(value)
    return stack[0]


def decode(data):
    """Every message in a packet as (address, arguments); bundles are opened (time tags are not
    waited for: this only prints)."""
    if data.startswith(b"#bundle\0"):
        at = 16  # "#bundle\0" and the 8-byte time tag
        messages = []
        while at + 4 <= len(data):
            (size,) = struct.unpack_from(">i", data, at)
            at += 4
            messages.extend(decode(data[at:at + size]))
            at += size
        return messages
    address, at = read_string(data, 0)
    if at >= len(data):
        return [(address, [])]  # no type tag string: no arguments (old senders)
    tags, at = read_string(data, at)
    return [(address, read_arguments(data, tags.lstrip(","), at))]


def describe(address, args):
    """One line a person can read."""
    kind = address.rsplit("/", 1)[-1]
    if address.startswith("/dreamloom/thread/") and len(args) == 4:
        hue, length, sanctuary, narrative = args
        held = ", in the Sanctuary" if sanctuary else ""
        return (f"thread {narrative} {kind}: origin hue {hue:.0f} degrees, "
                f"{length} characters{held}")
    if address == "/dreamloom/show/segment" and args:
        return f"show: {args[0]}"
    if address == "/dreamloom/meter" and len(args) == 5:
        origins, hues, sameness, visible, dissolved = args
        return (f"meter: origin entropy {origins:.3f}, hue entropy {hues:.3f}, "
                f"homogenisation {sameness:.3f}, {visible} visible, {dissolved} dissolved")
    return f"{address} {args}"


def main():
    where = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9001"
    host, _, port = where.rpartition(":")
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind((host or "0.0.0.0", int(port)))
    print(f"listening for Dreamloom on {where} (Ctrl+C stops)", flush=True)
    try:
        while True:
            data, sender = receiver.recvfrom(65536)
            try:
                for address, args in decode(data):
                    print(describe(address, args), flush=True)
            except (ValueError, struct.error, IndexError) as error:
                print(f"(a packet from {sender[0]} that is not OSC: {error})", flush=True)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
