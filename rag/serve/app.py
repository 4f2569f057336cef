"""The service's routes: the chat (ui.py, mounted at /) and the HTTP API, a
thin layer over one `Assistant` loaded once.

    POST /v1/chat/completions   OpenAI-compatible (stream or not); `rag` holds the answer's record
    GET  /v1/models             the one model: the assistant
    POST /v1/search             ranked passages with metadata, as `rag search --json`
    GET  /v1/calls              the calls the index holds
    GET  /health                model, LLM backends, index, queue

Errors are OpenAI-style JSON with a one-line message: a malformed request
400 (413 too large, 404/405 no such endpoint, 429 too many answers at
once), an LLM server or index that fails 503; never a traceback (a bug
gives 500 with "see the server log", where the traceback goes).
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Iterator

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..assistant import check_question
from ..config import Config
from ..errors import BadInput, IndexMissing, ModelError, ModelMissing, Unavailable, UserError
from ..library import select
from . import library
from .guard import ApiKeyAuth, BodyLimit
from .protocol import (MODEL_ID, ChatRequest, SearchRequest, completion, error_body, new_id, stream_chunks)

log = logging.getLogger("rag.serve")

API_ROUTES = {"/v1/chat/completions": ["POST"], "/v1/models": ["GET"], "/v1/search": ["POST"],
              "/v1/calls": ["GET"], "/health": ["GET"]}


class Busy(UserError):
    """More answers in progress or queued than `max_concurrent_answers`: 429."""


def status_of(e: UserError) -> int:
    if isinstance(e, Busy):
        return 429
    if isinstance(e, (Unavailable, IndexMissing, ModelMissing, ModelError)):  # LLM or Chroma server down
        return 503
    return 400


class Admission:
    """Counts answers in progress or queued; refuses one past the limit
    (each holds a worker thread while it waits for the model)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self.active >= self.limit:
                raise Busy(f"busy: {self.active} answers in progress or queued (the limit); retry later")
            self.active += 1

    def leave(self) -> None:
        with self._lock:
            self.active -= 1


def validation_message(exc: RequestValidationError) -> str:
    """The first problem of a request body, on one line."""
    errors = exc.errors()
    if not errors:
        return "invalid request"
    e = errors[0]
    loc = [str(x) for x in e.get("loc", ()) if x != "body"]
    if e.get("type") == "json_invalid":
        return "request body is not valid JSON"
    if not loc and e.get("type") == "missing":
        return "request body must be a JSON object"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{'.'.join(loc) or 'request body'}: {e.get('msg', 'invalid')}{more}"


def _guarded(events: Iterator[dict]) -> Iterator[dict]:
    """A stream's chunks; a failure after the first is sent as an error chunk."""
    try:
        yield from events
    except UserError as e:
        yield error_body(str(e), "server_error" if status_of(e) >= 500 else "invalid_request_error")
    except Exception:  # noqa: BLE001 (a bug: logged with its traceback, told in one line)
        log.exception("streamed answer failed")
        yield error_body("internal error; see the server log", "server_error")


async def _sse(events: Iterator[dict], done) -> Iterator[str]:
    """Server-sent events from a blocking iterator run in worker threads; a
    client that leaves closes it (its model use ends, the slot is freed)."""
    import json

    try:
        while True:
            item = await anyio.to_thread.run_sync(next, events, None)
            if item is None:
                break
            yield f"data: {json.dumps(item, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(events.close)
            done()


def _once(fn):
    lock, called = threading.Lock(), []

    def run() -> None:
        with lock:
            if called:
                return
            called.append(True)
        fn()

    return run


def create_app(assistant, cfg: Config, chat: bool = True) -> FastAPI:
    app = FastAPI(title="Earnings-call assistant", docs_url=None, redoc_url=None, openapi_url=None)
    admission = Admission(cfg.max_concurrent_answers)
    threads_set = []

    def ensure_threads() -> None:
        # every waiting answer holds a worker thread: room for all of them and the rest
        if not threads_set:
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = max(limiter.total_tokens, cfg.max_concurrent_answers + 16)
            threads_set.append(True)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse(error_body(validation_message(exc)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(UserError)
    async def _user(request: Request, exc: UserError):
        status = status_of(exc)
        return JSONResponse(error_body(str(exc), "server_error" if status >= 500 else "invalid_request_error"),
                            status_code=status)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("internal error; see the server log", "server_error"), status_code=500)

    @app.get("/health")
    async def health():
        llm = assistant.llm
        backends = await run_in_threadpool(llm.status) if hasattr(llm, "status") else [{"in_process": llm.name}]
        ok = [b.get("ok", True) for b in backends]
        state = "ok" if all(ok) else "degraded" if any(ok) else "unavailable"
        r = assistant.retriever
        body = {"status": state, "model": MODEL_ID, "llm": llm.name, "llm_backends": backends,
                "index": {"generation": r.generation.name, "documents": len(library.calls(r)), "chunks": len(r.chunks)},
                "queue": {**llm.lock.status(), "answers": admission.active}}
        return JSONResponse(body, status_code=200 if state != "unavailable" else 503)

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [_model(assistant)]}

    @app.get("/v1/models/{model_id}")
    async def model(model_id: str):
        if model_id != MODEL_ID:
            raise StarletteHTTPException(404, f"no model '{model_id}'; the one model is '{MODEL_ID}'")
        return _model(assistant)

    @app.get("/v1/calls")
    async def calls():
        return {"object": "list", "data": library.calls(assistant.retriever)}

    def _known(wanted: list[str]) -> None:
        unknown = library.unknown_calls(assistant.retriever, wanted)
        if unknown:
            raise BadInput(f"unknown call {unknown[0]!r}; GET /v1/calls lists the calls")

    @app.post("/v1/search")
    async def search(body: SearchRequest):
        check_question(body.query)
        calls = None
        if body.calls:
            _known(body.calls)
            calls = [c.id for c in select(list(assistant.retriever.calls.values()), body.calls)]
        hits = await run_in_threadpool(assistant.retriever.search, body.query, body.top_k, calls)
        return {"question": body.query, "results": [h.to_dict() for h in hits]}

    @app.post("/v1/chat/completions")
    async def chat_completions(body: ChatRequest):
        question, history = body.question_and_history()
        question = check_question(question)
        if body.calls:
            _known(body.calls)
        ensure_threads()
        admission.enter()
        cid, created = new_id()
        if not body.stream:
            try:
                answer = await run_in_threadpool(assistant.ask, question, history or None, body.top_k, body.calls)
            finally:
                admission.leave()
            return completion(answer, cid, created)
        events = _guarded(stream_chunks(assistant.stream(question, history or None, body.top_k, body.calls),
                                        cid, created))
        # left once: when the stream ends, or when a response never started is dropped
        leave = _once(admission.leave)
        weakref.finalize(events, leave)
        return StreamingResponse(_sse(events, leave), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    async def no_such(rest: str, request: Request):
        path = "/v1/" + rest
        if path in API_ROUTES:
            allowed = ", ".join(API_ROUTES[path])
            return JSONResponse(error_body(f"{request.method} {path} is not allowed (use {allowed})"),
                                status_code=405, headers={"Allow": allowed})
        return JSONResponse(error_body(f"no endpoint {request.method} {path}; the API is "
                                       + ", ".join(sorted(API_ROUTES))), status_code=404)

    if chat:
        app = _mount_chat(app, assistant, cfg)
    app.add_middleware(BodyLimit, max_bytes=cfg.max_request_bytes)
    if cfg.api_key:
        app.add_middleware(ApiKeyAuth, api_key=cfg.api_key)  # outermost: nothing runs before the key is checked
    return app


def _model(assistant) -> dict:
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "earnings-rag", "llm": assistant.llm.name}


def _mount_chat(app: FastAPI, assistant, cfg: Config) -> FastAPI:
    """The chat of ui.py at /, answering with the same Assistant."""
    import gradio as gr

    from ..commands import load_ui

    ui = load_ui()
    ui._assistants[cfg.llm_model] = assistant
    demo = ui.build(cfg)
    demo.queue(max_size=64)
    return gr.mount_gradio_app(app, demo, path="/", server_name=cfg.host, server_port=cfg.port, theme=ui.theme(),
                               css=ui.CSS, footer_links=[])
