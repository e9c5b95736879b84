#!/usr/bin/env python3
"""An independent Twilio signature peer for the Rust tests.

Reads {"auth_token", "url", "params": [[name, value], ...], "signature"} on stdin and writes
{"twilio": <RequestValidator.compute_signature>, "hmac": <hmac over the documented
recipe>, "valid": <RequestValidator.validate of the given signature>} on stdout.

Exit 3 when the twilio package is missing, with the pip command on stderr.
"""

import base64
import hashlib
import hmac
import json
import sys

TWILIO_VERSION = "9.13.0"

try:
    from twilio.request_validator import RequestValidator
except ImportError as error:  # pragma: no cover - exercised when CI lacks the package
    sys.stderr.write(
        f"twilio is not importable ({error}); install it with: pip install twilio=={TWILIO_VERSION}\n"
    )
    sys.exit(3)


def main():
    request = json.load(sys.stdin)
    params = {name: value for name, value in request["params"]}
    validator = RequestValidator(request["auth_token"])
    by_twilio = validator.compute_signature(request["url"], params)
    # The documented recipe, written out: URL, then name and value sorted by name.
    data = request["url"] + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(request["auth_token"].encode(), data.encode(), hashlib.sha1).digest()
    by_hmac = base64.b64encode(digest).decode()
    valid = validator.validate(request["url"], params, request.get("signature", ""))
    json.dump({"twilio": by_twilio, "hmac": by_hmac, "valid": bool(valid)}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
