"""Generation on OpenAI-compatible completions servers (`llm_url`), instead
of the in-process model: llama-cpp-python's own server is the tested one,

    python -m llama_cpp.server --model <the GGUF> --host 127.0.0.1 --port 8001 \\
        --n_ctx 2048 --n_batch 512 --n_threads 2 --n_threads_batch 2 --interrupt_requests False

(`--interrupt_requests False`: by default that server cuts a streaming
answer short when another request arrives; such an answer is refused here.)

Error it exists for: one process, one model. A team outgrows a laptop's
llama.cpp; the answers must then come from engines built for serving, by
configuration, with every check of the answer unchanged.

What is sent: `POST {url}/v1/completions` with the raw prompt built here
with the GGUF's chat template (rag/generate.py: the same text the
in-process model reads), the same GBNF grammar in the `grammar` field,
`stream: true` read as server-sent events, and every sampling setting
spelled out (the server's defaults differ: repeat_penalty 1.1). Stopping
early (the sentence cap, a loop) closes the stream; the server stops on
the disconnect. The tokenizer and the chat template come from the same GGUF
read here vocabulary only (~0.5 s, no weights), so prompt budgets count
the tokens the server reads.

Several URLs: each server takes one request at a time, the oldest request
first, preferring the server that last read the same fixed prompt part
(rag/fairqueue.py).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterator

from .config import Config
from .errors import LLMUnavailable, UserError
from .fairqueue import FairQueue
from .generate import AnswerModel, chat_formatter
from .models import resolve_llm

# Sampling settings as llama-cpp-python's in-process create_completion has
# them (only temperature matters at 0: greedy decoding).
SAMPLING = {"top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.0, "presence_penalty": 0.0,
            "frequency_penalty": 0.0}
CONNECT_TIMEOUT_S = 5.0
# llama-cpp-python's server ends a stream early, with no finish reason, when
# another request arrives (its interrupt_requests setting, on by default):
# an answer cut short must not pass for a whole one.
INTERRUPTED = ("LLM server {url} ended an answer early (another request interrupted it: start "
               "llama_cpp.server with --interrupt_requests False)")

_instances: dict[tuple, "RemoteLLM"] = {}
_instances_lock = threading.Lock()


def check_urls(urls: list[str]) -> list[str]:
    """The server URLs without a trailing slash or /v1, or a one-line error."""
    out = []
    for u in urls:
        if not u.startswith(("http://", "https://")):
            raise UserError(f"llm_url: {u!r} is not an http(s) URL (e.g. http://127.0.0.1:8001)")
        u = u.rstrip("/")
        out.append(u[: -len("/v1")] if u.endswith("/v1") else u)
    return out


class RemoteLLM(AnswerModel):
    def __init__(self, cfg: Config):
        import httpx
        from llama_cpp import Llama

        self.cfg = cfg
        self.urls = check_urls(cfg.llm_url)
        self.path: Path = resolve_llm(cfg)
        self._vocab = Llama(model_path=str(self.path), vocab_only=True, verbose=False)
        self.chat_format = chat_formatter(self._vocab, self.path)
        self.lock = FairQueue(len(self.urls))
        headers = {"Authorization": f"Bearer {cfg.llm_api_key}"} if cfg.llm_api_key else {}
        self.http = httpx.Client(headers=headers, timeout=httpx.Timeout(cfg.llm_timeout, connect=CONNECT_TIMEOUT_S),
                                 limits=httpx.Limits(max_connections=4 * len(self.urls)))

    @classmethod
    def shared(cls, cfg: Config) -> "RemoteLLM":
        key = (str(resolve_llm(cfg)), tuple(check_urls(cfg.llm_url)), cfg.llm_timeout)
        with _instances_lock:
            if key not in _instances:
                _instances[key] = cls(cfg)
            return _instances[key]

    def _complete(self, slot: int, prompt: str, *, max_tokens: int, temperature: float, grammar: str | None,
                  stream: bool, stop: list[str] | None = None) -> Iterator[str]:
        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature, "stream": stream,
                "stop": stop or [], **SAMPLING}
        if grammar:
            body["grammar"] = grammar
        url = self.urls[slot] + "/v1/completions"
        if not stream:
            return iter([self._post(url, body)["choices"][0]["text"]])
        return self._stream(url, body)

    def _post(self, url: str, body: dict) -> dict:
        import httpx

        try:
            r = self.http.post(url, json=body)
        except httpx.HTTPError as e:
            raise LLMUnavailable(f"LLM server {url} failed: {_reason(e)}") from None
        _check(r, url)
        return r.json()

    def _stream(self, url: str, body: dict) -> Iterator[str]:
        """The text pieces of a streamed completion; leaving early closes the
        connection, which stops the server's generation."""
        import httpx

        try:
            with self.http.stream("POST", url, json=body) as r:
                if r.status_code >= 400:
                    r.read()
                    _check(r, url)
                finished = False
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": ping" comments
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    if "error" in chunk:
                        raise LLMUnavailable(f"LLM server {url} failed: {_one_line(chunk['error'])}")
                    choice = chunk["choices"][0]
                    finished = finished or choice.get("finish_reason") is not None
                    yield choice.get("text") or ""
                if not finished:
                    raise LLMUnavailable(INTERRUPTED.format(url=url))
        except httpx.HTTPError as e:
            raise LLMUnavailable(f"LLM server {url} failed: {_reason(e)}") from None

    def _warm(self, slot: int, messages: list[dict]) -> None:
        """The server reads the fixed turns now (one token decoded): the next
        prompt that starts with them reuses its KV cache."""
        if len(messages) > 1:
            prompt = self.chat_format(messages=messages[:-1]).prompt
            "".join(self._complete(slot, prompt, max_tokens=1, temperature=0.0, grammar=None, stream=False))

    def status(self) -> list[dict]:
        """Each server: reachable or not (GET /v1/models), for the health endpoint."""
        out = []
        for url in self.urls:
            try:
                r = self.http.get(url + "/v1/models", timeout=CONNECT_TIMEOUT_S)
                out.append({"url": url, "ok": r.status_code == 200})
            except Exception as e:  # noqa: BLE001 (reported, not raised)
                out.append({"url": url, "ok": False, "error": _reason(e)})
        return out


def server_command(cfg: Config, port: int, host: str = "127.0.0.1", threads: int | None = None) -> list[str]:
    """llama-cpp-python's server on the configured GGUF, sized as the
    in-process model is (context, batch, threads): the tested LLM server."""
    import sys

    from .generate import N_BATCH

    threads = threads or cfg.threads
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_llm(cfg)), "--host", host,
            "--port", str(port), "--n_ctx", str(cfg.n_ctx), "--n_batch", str(N_BATCH),
            "--n_threads", str(threads), "--n_threads_batch", str(threads), "--interrupt_requests", "False"]


def _check(r, url: str) -> None:
    if r.status_code >= 400:
        try:
            detail = r.json()
            detail = detail.get("error") or detail.get("detail") or detail
        except ValueError:
            detail = r.text
        raise LLMUnavailable(f"LLM server {url} answered HTTP {r.status_code}: {_one_line(detail)}")


def _one_line(detail) -> str:
    if isinstance(detail, dict):
        detail = detail.get("message") or json.dumps(detail, ensure_ascii=False)
    text = " ".join(str(detail).split())
    return text[:300]


def _reason(e: Exception) -> str:
    return _one_line(str(e) or type(e).__name__)
