"""What keeps the service safe by default: where it may listen, who may ask,
and how much a request may send.

- `check_bind`: loopback unless told otherwise. Error it exists for: a
  service bound to 0.0.0.0 with no key answers anyone on the network.
- `ApiKeyAuth`: with `api_key` set, every request (API, chat, health)
  needs `Authorization: Bearer <key>`. A browser cannot send that header:
  opening `/?key=<key>` once sets a session cookie (an HMAC of the key, not
  the key) and redirects to the same page without it.
- `BodyLimit`: a request body over `max_request_bytes` gets 413 before it
  is read whole. Error it exists for: one client filling the memory.

Refusals are OpenAI-style JSON errors with a one-line message.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from ..errors import UserError
from .protocol import error_body

COOKIE = "rag_session"


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def check_bind(host: str, api_key: str, insecure: bool) -> str | None:
    """A one-line error when binding `host` is not allowed; else None or a warning."""
    if is_loopback(host) or api_key:
        return None
    if insecure:
        return f"warning: serving on {host} without an API key (--insecure): anyone who can reach it can use it"
    raise UserError(f"--host {host} serves beyond this machine: set RAG_API_KEY (clients send "
                    f"'Authorization: Bearer <key>') or pass --insecure to serve without a key")


async def send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": data})


class ApiKeyAuth:
    def __init__(self, app, api_key: str):
        self.app = app
        self.key = api_key.encode("utf-8")
        self.session = hmac.new(self.key, b"rag chat session", hashlib.sha256).hexdigest().encode()

    def _allowed(self, headers: dict[bytes, bytes]) -> bool:
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer " and hmac.compare_digest(auth[7:].strip(), self.key):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 (a malformed cookie header is no session)
            return False
        got = cookie.get(COOKIE)
        return got is not None and hmac.compare_digest(got.value.encode(), self.session)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if self._allowed(headers):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query).get("key")
        if scope["method"] == "GET" and given is not None and hmac.compare_digest(given.encode(), self.key):
            rest = urlencode([(k, v) for k, v in query if k != "key"])
            location = (scope.get("root_path", "") + scope["path"]) + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE}={self.session.decode()}; Path=/; HttpOnly; SameSite=Strict"
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode()),
                                    (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})
        await send_json(send, 401, error_body(
            "missing or wrong API key: send 'Authorization: Bearer <RAG_API_KEY>' (in a browser, open /?key=<key> once)",
            "authentication_error", code="invalid_api_key"), [(b"www-authenticate", b"Bearer")])


class BodyLimit:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"request body over {self.max_bytes} bytes"
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                return await send_json(send, 400, error_body("Content-Length is not a number"))
            if n > self.max_bytes:
                return await send_json(send, 413, error_body(message, code="request_too_large"))
        # no length given (chunked): count, and past the limit tell the app the
        # client left; whatever it answers then is replaced by the 413
        seen, over, started = 0, False, False

        async def limited_receive():
            nonlocal seen, over
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg):
            nonlocal started
            if over:
                return
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await send_json(send, 413, error_body(message, code="request_too_large"))
