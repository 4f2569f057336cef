"""The model's queue: the oldest request first, several slots, the slot
that last read the same prompt preferred, waiting time counted."""

import threading
import time

import pytest

from rag.fairqueue import FairQueue, Request, within


def _wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.005)


def _queue_waiting(q: FairQueue) -> int:
    return q.status()["waiting"]


def test_the_oldest_request_goes_first_not_the_first_to_ask():
    q = FairQueue(1)
    order = []
    holder = q.acquire()
    base = time.monotonic()
    # requests that arrived in the order 0, 1, 2 reach the queue in the order 2, 0, 1
    requests = {i: Request(arrived=base + i) for i in range(3)}

    def use(i):
        with within(requests[i]):
            with q.slot():
                order.append(i)

    threads = []
    for i in (2, 0, 1):
        t = threading.Thread(target=use, args=(i,))
        t.start()
        threads.append(t)
        _wait_for(lambda n=len(threads): _queue_waiting(q) == n)
    q.release(holder)
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2]
    assert all(r.waited_s > 0 for r in requests.values())


def test_without_a_request_uses_queue_in_arrival_order():
    q = FairQueue(1)
    order = []
    holder = q.acquire()
    threads = []
    for i in range(4):
        t = threading.Thread(target=lambda i=i: (q.acquire(), order.append(i), q.release(0)))
        t.start()
        threads.append(t)
        _wait_for(lambda n=i + 1: _queue_waiting(q) == n)
    q.release(holder)
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3]


def test_two_slots_serve_two_at_once_and_a_third_waits():
    q = FairQueue(2)
    a, b = q.acquire(), q.acquire()
    assert {a, b} == {0, 1}
    got = []
    t = threading.Thread(target=lambda: got.append(q.acquire()))
    t.start()
    _wait_for(lambda: _queue_waiting(q) == 1)
    assert got == []
    q.release(b)
    t.join(5)
    assert got == [b] and q.status()["busy"] == 2


def test_a_free_slot_that_read_the_same_prompt_is_preferred_else_the_longest_idle():
    q = FairQueue(2)
    with q.slot("zh") as s:
        assert s == 0
    with q.slot("en") as s:
        assert s == 1  # slot 0 was used last: slot 1 has been idle longer
    assert [q.acquire("zh"), q.acquire("en")] == [0, 1]
    q.release(0)
    q.release(1)
    with q.slot("zh") as s:
        assert s == 0


def test_usable_as_a_lock():
    q = FairQueue(1)
    with q:
        assert q.status()["busy"] == 1
    assert q.status() == {"slots": 1, "busy": 0, "waiting": 0, "uses": [1]}
    with pytest.raises(ValueError):
        FairQueue(0)
