"""The service's HTTP layer without the models: a stand-in assistant behind
the real app. Malformed requests get a 4xx with a one-line JSON reason,
never a traceback; the API key is checked on every endpoint (the chat
too); request sizes are capped; binding beyond loopback needs a key."""

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from rag.errors import LLMUnavailable, UserError
from tests.conftest import RAG

pytest.importorskip("fastapi")
from starlette.testclient import TestClient  # noqa: E402

from rag.serve.app import create_app  # noqa: E402
from rag.serve.guard import check_bind  # noqa: E402

KEY = "test-key-123"


class StandInRetriever:
    generation = Path("gen-test")
    manifest = {"docs": {"/data/call-a.txt": {"name": "call-a.txt", "sha256": "ab", "chunks": 2, "ids": ["x", "y"]}}}

    def __init__(self):
        from rag.chunking import Chunk
        from rag.library import Call

        self.chunks = [Chunk(id="x", doc="call-a.txt", text="菜鸟的收入为 285 亿元人民币。", start=0, end=16, tokens=10,
                             section="财务业绩", speaker="徐宏", title="首席财务官", call="call-a")]
        self.calls = {"call-a": Call(id="call-a", company="Example Group", period="2023年12月季度", language="zh",
                                     source="/data/call-a.txt", sha256="ab", chunks=2)}

    def search(self, question, top_k=None, calls=None):
        from rag.retrieve import Hit

        return [Hit(self.chunks[0], 0.5, 1, 1, 0.9)]


class StandInLLM:
    name = "stand-in.gguf"

    def __init__(self):
        from rag.fairqueue import FairQueue

        self.lock = FairQueue(1)


class StandIn:
    """Streams Sources, two draft pieces, then an Answer whose text differs
    from the draft (as the checks after generation make it)."""

    def __init__(self, fail: Exception | None = None):
        self.retriever = StandInRetriever()
        self.llm = StandInLLM()
        self.fail = fail
        self.asked = []

    def stream(self, question, history=None, top_k=None, calls=None):
        from rag.answer.records import Answer, Citation, Sources

        self.asked.append((question, history, top_k, calls))
        hits = self.retriever.search(question)
        yield Sources(question, question, hits, "zh")
        if self.fail:
            raise self.fail
        yield "菜鸟的收入"
        yield "为 285 亿元[2]。"
        c = self.retriever.chunks[0]
        yield Answer(question=question, text="菜鸟的收入为 285 亿元人民币[1]。", refused=False, language="zh",
                     citations=[Citation(1, c.id, c.speaker, c.title, c.firm, c.section, c.text, (0, 16), c.doc, 0, 16)],
                     sources=[h.to_dict() for h in hits], model=self.llm.name)

    def ask(self, question, history=None, top_k=None, calls=None):
        *_, answer = self.stream(question, history, top_k, calls)
        return answer


def _client(cfg, assistant=None, chat=False):
    return TestClient(create_app(assistant or StandIn(), cfg, chat=chat), raise_server_exceptions=False)


@pytest.fixture()
def cfg(base_config):
    return replace(base_config, api_key="", max_request_bytes=16384)


def _one_line_error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    message = body["error"]["message"]
    assert message and "\n" not in message and "Traceback" not in r.text
    return message


def _chat(client, body, **kw):
    return client.post("/v1/chat/completions", json=body, **kw)


Q = [{"role": "user", "content": "菜鸟的收入是多少？"}]


def test_chat_completion_carries_the_answer_and_its_record(cfg):
    a = StandIn()
    r = _chat(_client(cfg, a), {"model": "anything", "messages": Q, "top_k": 3, "calls": ["call-a"],
                                "temperature": 0.7})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["choices"][0]["message"]["content"] == "菜鸟的收入为 285 亿元人民币[1]。"
    assert body["rag"]["citations"][0]["speaker"] == "徐宏" and body["rag"]["citations"][0]["highlight"] == [0, 16]
    assert {"warning", "correction_note", "refused", "refusal_reason", "sources"} <= set(body["rag"])
    assert a.asked == [("菜鸟的收入是多少？", None, 3, ["call-a"])]


def test_history_is_the_messages_before_the_last_and_system_messages_are_ignored(cfg):
    a = StandIn()
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "菜鸟的收入是多少？"},
            {"role": "assistant", "content": [{"type": "text", "text": "285 亿元[1]。"}]},
            {"role": "user", "content": "那去年同期呢？"}]
    assert _chat(_client(cfg, a), {"messages": msgs}).status_code == 200
    assert a.asked[0][:2] == ("那去年同期呢？", [{"role": "user", "content": "菜鸟的收入是多少？"},
                                               {"role": "assistant", "content": "285 亿元[1]。"}])


def test_stream_sends_sources_drafts_then_the_verified_answer(cfg):
    with _client(cfg).stream("POST", "/v1/chat/completions", json={"messages": Q, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in r.iter_lines() if ln.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
    events = [c.get("rag", {}).get("event") for c in chunks]
    assert events == ["sources", "draft", "draft", None, "answer"]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert content == "菜鸟的收入为 285 亿元人民币[1]。"  # the verified text, not the draft
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["rag"]["citations"]


@pytest.mark.parametrize("body, status, says", [
    (b"{not json", 400, "not valid JSON"),
    (b"[]", 400, "request body"),
    (b"{}", 400, "messages"),
    (json.dumps({"messages": []}).encode(), 400, "messages"),
    (json.dumps({"messages": [{"role": "wizard", "content": "hi"}]}).encode(), 400, "role"),
    (json.dumps({"messages": [{"role": "assistant", "content": "hi"}]}).encode(), 400, "last message"),
    (json.dumps({"messages": [{"role": "user", "content": "   "}]}).encode(), 400, "question is empty"),
    (json.dumps({"messages": [{"role": "user", "content": "收入" * 600}]}).encode(), 400, "上限是 1000"),
    (json.dumps({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}).encode(),
     400, "only text"),
    (json.dumps({"messages": Q, "top_k": 0}).encode(), 400, "top_k"),
    (json.dumps({"messages": Q, "calls": "call-a.txt"}).encode(), 400, "calls"),
    (json.dumps({"messages": Q, "calls": ["call-b.txt"]}).encode(), 400, "unknown call 'call-b.txt'"),
    (json.dumps({"messages": Q, "stream": "maybe"}).encode(), 400, "stream"),
])
def test_malformed_chat_requests_get_a_one_line_4xx(cfg, body, status, says):
    r = _client(cfg).post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert says in _one_line_error(r, status)


def test_other_malformed_requests(cfg):
    c = _client(cfg)
    assert "query" in _one_line_error(c.post("/v1/search", json={"q": "x"}), 400)
    assert "question is empty" in _one_line_error(c.post("/v1/search", json={"query": " "}), 400)
    assert "no endpoint" in _one_line_error(c.get("/v1/nothing"), 404)
    assert "POST" in _one_line_error(c.get("/v1/chat/completions"), 405)
    assert "no model" in _one_line_error(c.get("/v1/models/gpt-4"), 404)


def test_request_bodies_over_the_limit_get_413(cfg):
    c = _client(cfg)
    big = {"messages": Q, "padding": "x" * 20000}
    assert "over 16384 bytes" in _one_line_error(_chat(c, big), 413)

    def chunked():  # no Content-Length: counted as it arrives
        data = json.dumps(big).encode()
        for i in range(0, len(data), 4000):
            yield data[i:i + 4000]

    assert "over 16384 bytes" in _one_line_error(c.post("/v1/chat/completions", content=chunked(),
                                                       headers={"Content-Type": "application/json"}), 413)


def test_backend_failures_are_503_and_bugs_500_without_a_traceback(cfg):
    down = StandIn(fail=LLMUnavailable("LLM server http://127.0.0.1:9 failed: connection refused"))
    assert "connection refused" in _one_line_error(_chat(_client(cfg, down), {"messages": Q}), 503)
    bug = StandIn(fail=RuntimeError("secret internals"))
    r = _chat(_client(cfg, bug), {"messages": Q})
    assert "see the server log" in _one_line_error(r, 500) and "secret internals" not in r.text
    # in a stream, after the first chunk: an error chunk, then the end
    with _client(cfg, down).stream("POST", "/v1/chat/completions", json={"messages": Q, "stream": True}) as r:
        lines = [ln for ln in r.iter_lines() if ln.startswith("data: ")]
    assert "connection refused" in json.loads(lines[-2][6:])["error"]["message"]


def test_too_many_answers_at_once_get_429(cfg):
    assert "busy" in _one_line_error(_chat(_client(replace(cfg, max_concurrent_answers=0)), {"messages": Q}), 429)


def test_models_search_calls_and_health(cfg):
    c = _client(cfg)
    assert c.get("/v1/models").json()["data"][0]["id"] == "earnings-rag"
    found = c.post("/v1/search", json={"query": "菜鸟的收入", "top_k": 1}).json()
    assert found["question"] == "菜鸟的收入" and found["results"][0]["speaker"] == "徐宏"
    calls = c.get("/v1/calls").json()["data"]
    assert [(x["id"], x["company"], x["chunks"]) for x in calls] == [("call-a", "Example Group", 2)]
    health = c.get("/health").json()
    assert health["status"] == "ok" and health["queue"]["slots"] == 1 and health["index"]["chunks"] == 1


def test_the_api_key_is_checked_on_every_endpoint_and_the_chat(cfg):
    c = _client(replace(cfg, api_key=KEY), chat=True)
    for method, path in [("GET", "/health"), ("GET", "/v1/models"), ("GET", "/v1/calls"), ("POST", "/v1/search"),
                         ("POST", "/v1/chat/completions"), ("GET", "/"), ("GET", "/config"), ("GET", "/v1/nothing")]:
        r = c.request(method, path, json={"messages": Q}, follow_redirects=False)
        assert "API key" in _one_line_error(r, 401), path
        r = c.request(method, path, json={"messages": Q}, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401, path
    ok = {"Authorization": f"Bearer {KEY}"}
    assert c.get("/health", headers=ok).status_code == 200
    assert c.post("/v1/chat/completions", json={"messages": Q}, headers=ok).status_code == 200
    assert c.get("/", headers=ok).status_code == 200
    # a browser: /?key= once sets a session cookie and leaves the key out of the address
    r = c.get(f"/?key={KEY}&lang=zh", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?lang=zh" and KEY not in r.headers["set-cookie"]
    assert c.get("/").status_code == 200 and c.get("/v1/models").status_code == 200
    c.cookies.clear()
    assert c.get(f"/?key=wrong", follow_redirects=False).status_code == 401


def test_binding_beyond_loopback_needs_a_key_or_insecure():
    assert check_bind("127.0.0.1", "", False) is None and check_bind("::1", "", False) is None
    assert check_bind("localhost", "", False) is None
    assert check_bind("0.0.0.0", KEY, False) is None
    assert "without an API key" in check_bind("0.0.0.0", "", True)
    for host in ("0.0.0.0", "192.168.1.5", "myhost"):
        with pytest.raises(UserError, match="RAG_API_KEY"):
            check_bind(host, "", False)
    r = subprocess.run([RAG, "serve", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if k != "RAG_API_KEY"})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "RAG_API_KEY" in r.stderr
