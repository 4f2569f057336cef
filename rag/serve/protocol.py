"""The wire format of the HTTP API: OpenAI's chat completions (requests,
responses, stream chunks, errors), with the assistant's own record of the
answer in an extra field, `rag`.

Error it exists for: clients written for OpenAI's API (the official
`openai` package, chat front-ends) must work unchanged, and the citations,
warnings and refusal flag must not be lost on the way: the `rag` field
carries `Answer.to_dict()` whole (citations with call, speaker, passage and
highlighted span; warning; correction note; refused and why; sources).

The streamed content is the verified answer. The model's draft streams
first in `rag.draft` pieces (the chat shows them the same way, then
replaces them): the checks after generation re-attribute markers, rescale
or drop figures and may refuse, so the draft is not the answer, and
OpenAI's deltas cannot take text back.
"""

from __future__ import annotations

import time
import uuid
from typing import Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import BadInput

# The model id the API lists and answers as (any `model` a client sends is accepted).
MODEL_ID = "earnings-rag"
MAX_MESSAGES = 64
MAX_CALLS = 100
MAX_TOP_K = 20


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        if any(p.type != "text" for p in self.content):
            raise BadInput("only text content is supported (a message holds a part that is not of type 'text')")
        return "".join(p.text or "" for p in self.content)


class ChatRequest(BaseModel):
    """OpenAI's chat completion request. Its sampling fields (temperature,
    max_tokens, ...) are accepted and ignored: the assistant answers greedily
    under its own limits. `top_k` (passages retrieved) and `calls` (the calls
    to answer from) are this API's own."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    top_k: int | None = Field(default=None, ge=1, le=MAX_TOP_K)
    calls: list[str] | None = Field(default=None, max_length=MAX_CALLS)

    def question_and_history(self) -> tuple[str, list[dict]]:
        """The last message is the question; earlier user and assistant
        messages are the history a follow-up is read against. System
        messages are ignored: the assistant's instructions are its own."""
        last = self.messages[-1]
        if last.role != "user":
            raise BadInput(f"the last message must be the user's question (role 'user'), not '{last.role}'")
        history = [{"role": m.role, "content": m.text()} for m in self.messages[:-1]
                   if m.role in ("user", "assistant")]
        return last.text(), history


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str
    top_k: int | None = Field(default=None, ge=1, le=MAX_TOP_K)
    calls: list[str] | None = Field(default=None, max_length=MAX_CALLS)


def error_body(message: str, kind: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict:
    """OpenAI's error object; the message is one line."""
    return {"error": {"message": " ".join(str(message).split()), "type": kind, "param": param, "code": code}}


def new_id() -> tuple[str, int]:
    return f"chatcmpl-{uuid.uuid4().hex}", int(time.time())


def completion(answer, cid: str, created: int) -> dict:
    """A whole (non-streamed) chat completion."""
    t = answer.timings
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop",
                     "logprobs": None}],
        "usage": {"prompt_tokens": t.prompt_tokens, "completion_tokens": t.completion_tokens,
                  "total_tokens": t.prompt_tokens + t.completion_tokens},
        "rag": answer.to_dict(),
    }


def chunk(cid: str, created: int, delta: dict, finish: str | None = None, rag: dict | None = None) -> dict:
    out = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
    if rag is not None:
        out["rag"] = rag
    return out


def stream_chunks(events: Iterator, cid: str, created: int) -> Iterator[dict]:
    """`Assistant.stream` events as chat completion chunks: the sources
    (`rag.event = "sources"`, with the role), the model's draft pieces
    (`"draft"`, empty delta), then the verified answer as the content, and
    a last chunk with `finish_reason` and the whole answer (`"answer"`)."""
    from ..assistant import Answer, Sources

    for event in events:
        if isinstance(event, Sources):
            yield chunk(cid, created, {"role": "assistant", "content": ""},
                        rag={"event": "sources", "standalone_question": event.standalone_question,
                             "language": event.language, "sources": [h.to_dict() for h in event.hits]})
        elif isinstance(event, str):
            yield chunk(cid, created, {}, rag={"event": "draft", "text": event})
        elif isinstance(event, Answer):
            yield chunk(cid, created, {"content": event.text})
            yield chunk(cid, created, {}, finish="stop", rag={"event": "answer", **event.to_dict()})
