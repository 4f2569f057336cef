"""How `rag ask`, `rag search` and `rag batch` use a running `rag serve`
(`--server URL` or RAG_SERVER): plain HTTP with the standard library.

Error it exists for: every command started from nothing, ~13 s of it
importing torch and building the retriever, plus the model load for an
answer. Through the service a command imports nothing heavy and adds well
under a second to the answer (`rag bench --serve` prints the figure).

The answer comes back as the service's `rag` record, `Answer.to_dict()`,
so the commands print exactly what they print in-process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from ..errors import BadInput, Unavailable, UserError

# An answer may wait behind many others in the service's queue.
TIMEOUT_S = 1800


class ServiceError(Unavailable):
    """The service is unreachable or failed; the message says which and why."""


class ServiceClient:
    def __init__(self, url: str, api_key: str = "", timeout: float = TIMEOUT_S):
        if not url.startswith(("http://", "https://")):
            raise UserError(f"--server {url!r} is not an http(s) URL (e.g. http://127.0.0.1:7860)")
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_config(cls, cfg) -> "ServiceClient":
        return cls(cfg.server, cfg.api_key)

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None,
            calls: list[str] | None = None) -> dict:
        """The answer's record, as `Answer.to_dict()` gives it in-process."""
        body: dict = {"model": "earnings-rag", "messages": [*(history or []), {"role": "user", "content": question}]}
        if top_k:
            body["top_k"] = top_k
        if calls:
            body["calls"] = calls
        return self._request("POST", "/v1/chat/completions", body)["rag"]

    def search(self, question: str, top_k: int | None = None, calls: list[str] | None = None) -> dict:
        body: dict = {"query": question}
        if top_k:
            body["top_k"] = top_k
        if calls:
            body["calls"] = calls
        return self._request("POST", "/v1/search", body)

    def health(self) -> dict:
        return self._request("GET", "/health")

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.api_key:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            message = _message(e.read())
            if e.code == 400:
                raise BadInput(message) from None  # the question's fault, as in-process
            raise ServiceError(f"{self.url} answered HTTP {e.code}: {message}") from None
        except urllib.error.URLError as e:
            raise ServiceError(f"no rag service at {self.url} ({e.reason}); start one with `rag serve` "
                               f"or leave out --server / RAG_SERVER") from None
        except (TimeoutError, ConnectionError) as e:
            raise ServiceError(f"{self.url} did not answer: {e}") from None
        except json.JSONDecodeError:
            raise ServiceError(f"{self.url} is not a rag service (the answer is not JSON)") from None


def _message(raw: bytes) -> str:
    try:
        err = json.loads(raw.decode("utf-8")).get("error", {})
        return " ".join(str(err.get("message", "")).split()) or "no reason given"
    except (ValueError, AttributeError):
        return " ".join(raw.decode("utf-8", "replace").split())[:200] or "no reason given"
