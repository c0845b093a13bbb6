#!/usr/bin/env python3
"""Stand-alone verifier of a case bundle (``ledger export-case``): no database,
no project code, only the Python standard library.

    python3 verify_bundle.py bundle.json [--head-digest HEX]

It recomputes the chain from the bundle's start digest over every entry (the
case's own events in full, everybody else's as link hashes) and checks that it
arrives at the head digest — which you compare with a digest you obtained
independently (GET /ledger/digest, kept outside the system). Exit status 0:
intact; 1: the bundle does not verify; 2: unreadable input.

Canonical form of an event's link (integers big-endian, unsigned):
    u64(notification_id) || originator_id (16 bytes) || u64(originator_version)
    || u32(len(topic)) || topic (UTF-8) || u32(len(state)) || state
digest(n) = SHA-256(digest(n-1) || SHA-256(link(n)))
"""

import argparse
import base64
import hashlib
import json
import struct
import sys
import uuid


def link(entry):
    topic = entry["topic"].encode("utf-8")
    state = base64.b64decode(entry["state_base64"])
    return b"".join((
        struct.pack(">Q", entry["notification_id"]),
        uuid.UUID(entry["originator_id"]).bytes,
        struct.pack(">Q", entry["originator_version"]),
        struct.pack(">I", len(topic)), topic,
        struct.pack(">I", len(state)), state,
    ))


def verify(bundle, head_digest=None):
    digest = bytes.fromhex(bundle["start"]["digest"])
    previous = bundle["start"]["notification_id"]
    own = 0
    for entry in bundle["entries"]:
        nid = entry["notification_id"]
        if nid <= previous:
            return False, f"entries out of order at notification {nid}"
        if "state_base64" in entry:
            if entry["originator_id"] != bundle["case_id"]:
                return False, f"notification {nid} is not an event of case {bundle['case_id']}"
            h = hashlib.sha256(link(entry)).digest()
            own += 1
        else:
            h = bytes.fromhex(entry["link_sha256"])
        digest = hashlib.sha256(digest + h).digest()
        previous = nid
    if previous != bundle["head"]["notification_id"]:
        return False, "the entries do not reach the head"
    if digest.hex() != bundle["head"]["digest"]:
        return False, f"chain does not arrive at the head digest (got {digest.hex()})"
    if head_digest and head_digest.lower() != digest.hex():
        return False, f"head digest {digest.hex()} differs from the one you hold"
    return True, f"intact: {own} event(s) of case {bundle['case_id']} are in the chain up to notification {previous}, digest {digest.hex()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--head-digest", help="a digest you obtained independently")
    args = parser.parse_args()
    try:
        with open(args.bundle, encoding="utf-8") as f:
            bundle = json.load(f)
        ok, message = verify(bundle, args.head_digest)
    except (OSError, ValueError, KeyError) as e:
        print(f"unreadable bundle: {e}", file=sys.stderr)
        return 2
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
