#!/usr/bin/env python3
"""Decodes every fixture e-mail with Python's standard `email` package.

The output, `expected.json` beside this script, is the independent cross-check that
`tests/email_table.rs` compares the Rust parse against. Run from the crate directory:

    python3 tests/email/expected.py > tests/email/expected.json
    python3 tests/email/expected.py --crafted > tests/email/expected-crafted.json

`--crafted` decodes the hand-made samples in `tests/email/crafted/` instead: each holds one
charset fault of real Chinese mail, and Python gets every one of them wrong.

For each file it records the subject and the body text exactly as
`email.message_from_bytes(raw, policy=email.policy.default)` decodes them: the subject is
`str(msg["subject"])` and the body is `msg.get_body(("plain", "html")).get_content()`, with
line endings normalized to LF. It also records the chosen body part's media type and declared
charset and the attachment file names, so a reader of a failed comparison sees what Python saw.
"""

import email
import email.policy
import json
import pathlib
import sys

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "email"
CRAFTED = pathlib.Path(__file__).resolve().parent / "crafted"


def decode(path: pathlib.Path) -> dict:
    raw = path.read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = msg["subject"]
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = None
    body_type = None
    body_charset = None
    if body_part is not None:
        body_type = body_part.get_content_type()
        body_charset = body_part.get_content_charset()
        body = body_part.get_content().replace("\r\n", "\n")
    attachments = []
    for part in msg.iter_attachments():
        attachments.append(part.get_filename())
    return {
        "subject": None if subject is None else str(subject),
        "body": body,
        "body_type": body_type,
        "body_charset": body_charset,
        "message_id": None if msg["message-id"] is None else str(msg["message-id"]).strip(),
        "attachments": attachments,
    }


def main() -> None:
    folder = CRAFTED if "--crafted" in sys.argv[1:] else FIXTURES
    out = {}
    for path in sorted(folder.glob("*.eml")):
        out[path.name] = decode(path)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
