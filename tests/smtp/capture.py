"""A real SMTP server (aiosmtpd) that keeps what it receives.

Usage: capture.py PORT OUT.jsonl

Listens on 127.0.0.1:PORT and appends one JSON line per message to OUT:
the envelope (from, to), the Subject and Content-Type headers decoded,
the plain-text body decoded, and the raw message. Prints "ready" once it
listens. Used by the end-to-end tests of password reset.
"""

import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        line = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg.get("Subject", "")),
            "content_type": str(msg.get("Content-Type", "")),
            "body": body.get_content() if body is not None else "",
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Keep(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # Runs until the test closes stdin (or kills it).
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
