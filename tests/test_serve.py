"""`rag serve` as a user meets it: a real process started here on a free
loopback port, with the real model and index, asked through the official
`openai` client (streaming and not), curl, `rag ask/search/batch --server`
and the chat, alone and at once."""

import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.conftest import RAG

pytestmark = pytest.mark.slow

CAINIAO = "菜鸟的收入是多少？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc, log, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    proc.kill()
    raise RuntimeError(f"{url} not up in {seconds} s: {log.read_text()[-2000:]}")


def start_serve(tmp, index_dir: str, extra_env: dict | None = None, args: list[str] = ()):
    """`rag serve` on a free loopback port; returns (process, base URL, log path, trace path)."""
    port = free_port()
    trace = tmp / "llm-trace.txt"
    env = dict(os.environ, RAG_INDEX_DIR=index_dir, RAG_LLM_TRACE=str(trace), GRADIO_TEMP_DIR=str(tmp / "gradio"),
               **(extra_env or {}))
    env.pop("RAG_SERVER", None)
    log = tmp / "serve.log"
    proc = subprocess.Popen([RAG, "serve", "--port", str(port), *args], env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/health", proc, log)
    return proc, url, log, trace


@pytest.fixture(scope="module")
def service(built_index, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    proc, url, log, trace = start_serve(tmp, built_index.index_dir)
    yield {"url": url, "log": log, "trace": trace, "index_dir": built_index.index_dir}
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def openai_client(service):
    openai = pytest.importorskip("openai")
    return openai.OpenAI(base_url=service["url"] + "/v1", api_key="unused", max_retries=0, timeout=600)


@pytest.fixture(scope="module")
def cainiao(openai_client):
    """One answer through the openai client, shared by the comparisons."""
    r = openai_client.chat.completions.create(model="earnings-rag", messages=[{"role": "user", "content": CAINIAO}])
    return r


def _cli(service, *args, env=None):
    e = {k: v for k, v in os.environ.items() if k != "RAG_SERVER"}  # only the test's own env names a service
    e.update(env or {})
    return subprocess.run([RAG, *args], capture_output=True, text=True, timeout=900, env=e)


def _citations(rag: dict) -> list[tuple]:
    return [(c["marker"], c["chunk_id"], c["speaker"], tuple(c["highlight"])) for c in rag["citations"]]


def test_openai_client_answers_with_citations(cainiao):
    text = cainiao.choices[0].message.content
    rag = cainiao.model_extra["rag"]
    assert "285" in text and "[1]" in text and cainiao.choices[0].finish_reason == "stop"
    c = rag["citations"][0]
    assert c["speaker"] == "徐宏" and c["doc"] and "285" in c["text"][slice(*c["highlight"])]
    assert rag["refused"] is False and rag["sources"] and "warning" in rag and "correction_note" in rag


def test_openai_client_streams_the_same_answer(openai_client, cainiao):
    stream = openai_client.chat.completions.create(model="earnings-rag", stream=True,
                                                   messages=[{"role": "user", "content": CAINIAO}])
    content, events, drafts = "", [], ""
    for chunk in stream:
        rag = chunk.model_extra.get("rag") or {}
        events.append(rag.get("event"))
        drafts += rag.get("text", "") if rag.get("event") == "draft" else ""
        if chunk.choices and chunk.choices[0].delta.content:
            content += chunk.choices[0].delta.content
    assert events[0] == "sources" and events[-1] == "answer" and "draft" in events
    assert "285" in drafts  # the model's text arrived as it was written
    assert content == cainiao.choices[0].message.content


def test_same_text_and_citations_through_openai_rag_ask_and_the_chat(service, cainiao):
    expected_text, expected = cainiao.choices[0].message.content, _citations(cainiao.model_extra["rag"])
    r = _cli(service, "ask", "--server", service["url"], CAINIAO, "--json")
    assert r.returncode == 0, r.stderr
    via_cli = json.loads(r.stdout)
    assert via_cli["text"] == expected_text and _citations(via_cli) == expected
    # RAG_SERVER does the same; the plain rendering is the in-process one
    r = _cli(service, "ask", CAINIAO, env={"RAG_SERVER": service["url"]})
    assert r.returncode == 0 and r.stdout.startswith(expected_text)
    assert re.search(r"^\[1\] .*徐宏", r.stdout, re.M), r.stdout  # the citation's call, then its speaker
    from gradio_client import Client

    _, chat, sources = Client(service["url"] + "/", verbose=False).predict(CAINIAO, [], "default", 5,
                                                                            api_name="/chat")
    content = chat[-1]["content"]
    shown = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == expected_text
    assert [int(m) for m in re.findall(r'id="src-(\d+)"', sources)] == [m for m, *_ in expected]


def test_a_follow_up_is_read_against_the_messages_before_it(openai_client):
    r = openai_client.chat.completions.create(model="earnings-rag", messages=[
        {"role": "user", "content": CAINIAO},
        {"role": "assistant", "content": "菜鸟的收入为 285 亿元人民币，同比增长 24%[1]。"},
        {"role": "user", "content": "那经调整 EBITA 呢？"}])
    rag = r.model_extra["rag"]
    assert rag["standalone_question"] and "菜鸟" in rag["standalone_question"]
    assert "9.61" in r.choices[0].message.content or "961" in r.choices[0].message.content


def test_curl(service):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    url = service["url"]

    def curl(*args):
        r = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=600)
        body, _, code = r.stdout.rpartition("\n")
        return int(code), body

    code, body = curl(url + "/health")
    assert code == 200 and json.loads(body)["status"] == "ok"
    code, body = curl(url + "/v1/models")
    assert code == 200 and json.loads(body)["data"][0]["id"] == "earnings-rag"
    code, body = curl(url + "/v1/calls")
    assert code == 200 and json.loads(body)["data"][0]["chunks"] > 0
    code, body = curl(url + "/v1/search", "-H", "Content-Type: application/json", "-d",
                      json.dumps({"query": "free cash flow", "top_k": 3}))
    results = json.loads(body)["results"]
    assert code == 200 and len(results) == 3 and {"score", "speaker", "text", "doc"} <= set(results[0])
    q = {"model": "earnings-rag", "messages": [{"role": "user", "content": CAINIAO}]}
    code, body = curl(url + "/v1/chat/completions", "-H", "Content-Type: application/json", "-d", json.dumps(q))
    assert code == 200 and "285" in json.loads(body)["choices"][0]["message"]["content"]
    code, body = curl("-N", url + "/v1/chat/completions", "-H", "Content-Type: application/json", "-d",
                      json.dumps({**q, "stream": True}))
    events = [ln[6:] for ln in body.splitlines() if ln.startswith("data: ")]
    assert code == 200 and events[-1] == "[DONE]"
    assert "285" in "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1])
    code, body = curl(url + "/v1/chat/completions", "-H", "Content-Type: application/json", "-d", "{bad")
    assert code == 400 and json.loads(body)["error"]["message"] == "request body is not valid JSON"


def test_search_through_the_service_prints_what_in_process_search_prints(service):
    args = ["search", "What was Cainiao's adjusted EBITA?", "--top-k", "3", "--index-dir", service["index_dir"]]
    for fmt in (["--json"], []):
        local = _cli(service, *args, *fmt)
        remote = _cli(service, *args, *fmt, "--server", service["url"])
        assert local.returncode == remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout


def test_batch_through_the_service(service, tmp_path):
    src = tmp_path / "q.jsonl"
    src.write_text(json.dumps({"question": CAINIAO, "id": "a"}, ensure_ascii=False) + "\n"
                   + json.dumps({"question": "  ", "id": "b"}) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    r = _cli(service, "batch", str(src), "--out", str(out), "--server", service["url"])
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["id"] == "a" and "285" in rows[0]["text"] and rows[0]["citations"]
    assert rows[1]["id"] == "b" and "question is empty" in rows[1]["error"]  # as in-process
    assert "invalid input" in rows[2]["error"]
    assert "answered 1 of 3" in r.stdout


def test_the_cli_without_a_service_says_so_in_one_line(service):
    r = _cli(service, "ask", CAINIAO, "--server", "http://127.0.0.1:9")
    assert r.returncode == 3 and r.stderr.count("\n") == 1 and "no rag service" in r.stderr


def test_api_clients_and_a_chat_user_at_once_all_answered_one_model_use_at_a_time(service, openai_client):
    questions = ["What was AIDC's revenue growth this quarter?", "大文娱集团的收入是多少？", "本地生活集团的收入是多少？"]
    expected = ["44%", "50", "152"]
    service["trace"].write_text("")
    results: dict = {}

    def api(i):
        r = openai_client.chat.completions.create(model="earnings-rag",
                                                  messages=[{"role": "user", "content": questions[i]}])
        results[i] = (r.choices[0].message.content, r.model_extra["rag"]["timings"]["queue_s"])

    def chat():
        from gradio_client import Client

        _, msgs, _ = Client(service["url"] + "/", verbose=False).predict("淘天集团的经调整 EBITA 是多少？", [], "default", 5,
                                                                        api_name="/chat")
        c = msgs[-1]["content"]
        results["chat"] = c if isinstance(c, str) else "".join(p.get("text", "") for p in c)

    threads = [threading.Thread(target=api, args=(i,)) for i in range(3)] + [threading.Thread(target=chat)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    for i, e in enumerate(expected):
        assert e in results[i][0], (results[i], e)
    assert "599" in results["chat"]
    assert sum(results[i][1] > 0.5 for i in range(3)) >= 2  # they queued for the model (timings.queue_s)
    spans = sorted(tuple(map(float, line.split()[:2])) for line in service["trace"].read_text().splitlines())
    assert len(spans) >= 4
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s2 >= e1, "two requests used the model at the same time"


def test_a_client_that_leaves_mid_answer_leaves_nothing_held(service):
    """Its answer slot and its model use are given back (the stream is closed
    when the connection goes; nothing waits for a reader that is gone)."""
    import http.client

    host, port = service["url"][len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=300)
    conn.request("POST", "/v1/chat/completions", headers={"Content-Type": "application/json"},
                 body=json.dumps({"stream": True, "messages": [
                     {"role": "user", "content": "What did management say about the Cainiao IPO and its revenue?"}]}))
    r = conn.getresponse()
    while b'"draft"' not in r.readline():  # the model is writing
        pass
    conn.close()
    deadline = time.time() + 60
    while True:
        queue = json.loads(urllib.request.urlopen(service["url"] + "/health", timeout=10).read())["queue"]
        if queue["busy"] == 0 and queue["answers"] == 0:
            break
        assert time.time() < deadline, queue
        time.sleep(0.5)


def test_health_reports_the_queue(service):
    health = json.loads(urllib.request.urlopen(service["url"] + "/health", timeout=10).read())
    assert health["queue"]["slots"] == 1 and sum(health["queue"]["uses"]) > 0 and health["queue"]["waiting"] == 0
    assert health["llm_backends"][0]["in_process"].endswith(".gguf")


def test_malformed_requests_on_the_real_server_get_one_line_4xx(service):
    def post(body: bytes, path="/v1/chat/completions"):
        req = urllib.request.Request(service["url"] + path, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        return 200, ""

    for body, code in [(b"{bad", 400), (b'{"messages": []}', 400), (b"x" * 300_000, 413),
                       (json.dumps({"messages": [{"role": "user", "content": ""}]}).encode(), 400)]:
        status, text = post(body)
        assert status == code and "Traceback" not in text and "\n" not in json.loads(text)["error"]["message"]
    assert "Traceback" not in service["log"].read_text()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
