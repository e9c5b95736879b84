#!/usr/bin/env python3
"""An independent WeChat peer for the Rust tests, built on wechatpy.

Reads one JSON request on stdin and writes one JSON answer on stdout.

  encrypt: {"token", "encoding_aes_key", "app_id", "xml", "nonce", "timestamp"}
           -> {"encrypt", "msg_signature", "signature"}: what the platform would push
  decrypt: {"token", "encoding_aes_key", "app_id", "reply"}
           -> {"xml"}: the passive reply decrypted, after wechatpy checked its signature

Exit 3 when wechatpy (or its crypto backend) is missing, with the pip command on stderr.
"""

import hashlib
import json
import sys
import xml.etree.ElementTree as ElementTree

WECHATPY_VERSION = "1.8.18"

try:
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.utils import check_signature
except ImportError as error:  # pragma: no cover - exercised when CI lacks the package
    sys.stderr.write(
        f"wechatpy is not importable ({error}); install it with: "
        f"pip install wechatpy=={WECHATPY_VERSION} cryptography\n"
    )
    sys.exit(3)


def encrypt(request):
    crypto = WeChatCrypto(request["token"], request["encoding_aes_key"], request["app_id"])
    envelope = crypto.encrypt_message(request["xml"], request["nonce"], request["timestamp"])
    root = ElementTree.fromstring(envelope)
    encrypted = root.findtext("Encrypt")
    msg_signature = root.findtext("MsgSignature")
    # The plain `signature` of every push signs token, timestamp and nonce only.
    parts = sorted([request["token"], str(request["timestamp"]), request["nonce"]])
    signature = hashlib.sha1("".join(parts).encode()).hexdigest()
    check_signature(request["token"], signature, str(request["timestamp"]), request["nonce"])
    return {"encrypt": encrypted, "msg_signature": msg_signature, "signature": signature}


def decrypt(request):
    crypto = WeChatCrypto(request["token"], request["encoding_aes_key"], request["app_id"])
    reply = request["reply"]
    root = ElementTree.fromstring(reply)
    xml = crypto.decrypt_message(
        reply, root.findtext("MsgSignature"), root.findtext("TimeStamp"), root.findtext("Nonce")
    )
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8")
    return {"xml": xml}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    request = json.load(sys.stdin)
    handlers = {"encrypt": encrypt, "decrypt": decrypt}
    if mode not in handlers:
        sys.stderr.write("usage: wechat_peer.py encrypt|decrypt < request.json\n")
        return 2
    try:
        answer = handlers[mode](request)
    except Exception as error:  # the Rust side reads the reason
        sys.stderr.write(f"wechatpy refused: {type(error).__name__}: {error}\n")
        return 1
    json.dump(answer, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
