"""A loopback SMTP server for the tests: every message received is written as
one JSON file (envelope recipients, decoded subject, text and HTML parts) into
a folder. Prints "ready" once listening; runs until killed."""

import argparse
import itertools
import json
import os
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

counter = itertools.count(1)


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg["subject"]),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
        }
        name = os.path.join(self.folder, f"{next(counter):06d}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(name + ".tmp", name)
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    c = Controller(Sink(a.dir), hostname="127.0.0.1", port=a.port)
    c.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        c.stop()


if __name__ == "__main__":
    main()
