"""Who uses a model next: a fair queue over the slots of the LLM backends
(one slot for the in-process model, one per configured LLM server).

Error it exists for: a plain lock grants no order. With 16 API clients and
a chat user at once, a request could wait behind ones that came after it,
without bound; and with several LLM servers, a lock per server leaves one
idle while requests queue at the other.

Order: the oldest request first, by when its question arrived (a `Request`
entered with `within()`: `Assistant.stream` does so around each step of an
answer), then by arrival at the queue. A request's later model uses (a
retry, the answer after a follow-up's rewrite) so go before newer requests'
first use: each request waits only for those that came before it, and
finishes as soon as it can.

Slot: among the free ones, the one whose model last read the same fixed
prompt part (`key`: its KV cache still holds it, ~4 s saved), else the one
idle longest (round robin under load).
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator


@dataclass
class Request:
    """One question's place in the queue: when it arrived, and how long its
    model uses have waited for a slot so far."""

    arrived: float = field(default_factory=time.monotonic)
    waited_s: float = 0.0


_current: contextvars.ContextVar[Request | None] = contextvars.ContextVar("rag_request", default=None)


@contextmanager
def within(request: Request) -> Iterator[Request]:
    """Model uses started inside this block queue as `request`'s."""
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)


class FairQueue:
    """`slots` model slots granted oldest request first (see the module
    docstring). Also usable as a lock (`with queue:`) holding any slot."""

    def __init__(self, slots: int = 1):
        if slots < 1:
            raise ValueError("a queue needs at least one slot")
        self._cond = threading.Condition()
        self._free = [True] * slots
        self._key: list[object] = [None] * slots
        self._idle_since = [0.0] * slots
        self._waiting: list[tuple[float, int]] = []  # heap of (request arrival, ticket)
        self._tickets = itertools.count()
        self._held = threading.local()
        self.uses = [0] * slots

    @property
    def slots(self) -> int:
        return len(self._free)

    def acquire(self, key: object = None) -> int:
        """Wait for this request's turn and a free slot; return the slot."""
        request = _current.get()
        t0 = time.monotonic()
        ticket = (request.arrived if request else t0, next(self._tickets))
        with self._cond:
            heapq.heappush(self._waiting, ticket)
            try:
                while self._waiting[0] != ticket or not any(self._free):
                    self._cond.wait()
            except BaseException:  # interrupted while waiting: leave the queue
                self._waiting.remove(ticket)
                heapq.heapify(self._waiting)
                self._cond.notify_all()
                raise
            heapq.heappop(self._waiting)
            slot = self._pick(key)
            self._free[slot] = False
            self._key[slot] = key
            self.uses[slot] += 1
            self._cond.notify_all()  # the next in line may take another free slot
        if request is not None:
            request.waited_s += time.monotonic() - t0
        return slot

    def _pick(self, key: object) -> int:
        free = [i for i, f in enumerate(self._free) if f]
        same = [i for i in free if key is not None and self._key[i] == key]
        return min(same or free, key=lambda i: self._idle_since[i])

    def release(self, slot: int) -> None:
        with self._cond:
            self._free[slot] = True
            self._idle_since[slot] = time.monotonic()
            self._cond.notify_all()

    @contextmanager
    def slot(self, key: object = None) -> Iterator[int]:
        s = self.acquire(key)
        try:
            yield s
        finally:
            self.release(s)

    def __enter__(self) -> int:
        s = self.acquire()
        self._held.__dict__.setdefault("slots", []).append(s)
        return s

    def __exit__(self, *exc) -> None:
        self.release(self._held.slots.pop())

    def status(self) -> dict:
        """For the health endpoint: slots in use, requests waiting, uses so far."""
        with self._cond:
            return {"slots": self.slots, "busy": self._free.count(False), "waiting": len(self._waiting),
                    "uses": list(self.uses)}
