"""A loopback HTTP server that plays the LINE platform for the tests.

It signs webhook deliveries exactly as LINE does (base64 HMAC-SHA256 of the body with the channel
secret, in X-Line-Signature) and posts them to tsunagu over real HTTP, and it answers the Messaging
API's push and reply endpoints, keeping what it was sent. Nothing of tsunagu's own code is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHANNEL_SECRET = "loopback-channel-secret-0123456789"
ACCESS_TOKEN = "loopback-access-token"


def sign(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def text_event(user_id: str, text: str, *, event_id: str | None = None, redelivery: bool = False) -> dict[str, Any]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": str(int(time.time() * 1e6)), "type": "text", "text": text, "quoteToken": "q"},
    }


def sticker_event(user_id: str) -> dict[str, Any]:
    event = text_event(user_id, "")
    event["message"] = {
        "id": "1",
        "type": "sticker",
        "packageId": "1",
        "stickerId": "1",
        "stickerResourceType": "STATIC",
        "quoteToken": "q",
    }
    return event


@dataclass
class Platform:
    """What the fake platform received from tsunagu (push and reply requests)."""

    pushed: list[dict[str, Any]] = field(default_factory=list)
    replied: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    refuse_push: bool = False
    push_delay: float = 0.0  # seconds before answering a push (a slow platform)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def deliver(self, webhook_url: str, events: list[dict[str, Any]], *, signature: str | None = None) -> int:
        """POST a webhook delivery to tsunagu, signed like the real platform (or with ``signature``)."""
        body = json.dumps({"destination": "Uloopback", "events": events}).encode()
        return self.post_raw(webhook_url, body, signature=sign(body) if signature is None else signature)

    @staticmethod
    def post_raw(webhook_url: str, body: bytes, *, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Line-Signature"] = signature
        request = urllib.request.Request(webhook_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def start() -> Platform:
    platform = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            platform.tokens.append(self.headers.get("Authorization", ""))
            if self.path == "/v2/bot/message/push":
                time.sleep(platform.push_delay)
                if platform.refuse_push:
                    self._answer(400, {"message": "The request body has 1 error(s)"})
                    return
                platform.pushed.append(payload)
                self._answer(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
            elif self.path == "/v2/bot/message/reply":
                platform.replied.append(payload)
                self._answer(200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]})
            else:
                self._answer(404, {"message": "Not found"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform.server = server
    return platform
