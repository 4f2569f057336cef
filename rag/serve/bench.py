"""`rag bench --serve`: many users through one `rag serve`, timed.

For each setup of the LLM behind the service (`--setups`: `inproc`, the
in-process model; `llm1`, one llama-cpp-python server; `llm2`, two servers
sharing this machine's cores), the bench starts the LLM servers and a
`rag serve` on free loopback ports, warms them with untimed questions, then:

- `rag ask --server` as a new process: its wall time less the answer's own
  time (`timings.total_s`) is the client's overhead (target < 1 s), next to
  `rag ask` in-process (model and index loaded by the command);
- rounds of 1, 4 and 16 concurrent API clients (`--clients`) plus one chat
  user (gradio_client on the chat's endpoint), all started at once, each
  with a question no other request asked: wait (time queued for the model,
  `timings.queue_s`) and total (the client's wall time), p50 and p95, and
  how many failed.

Figures, never assertions: the machine is shared (its load average is
printed), and an answer takes ~5-15 s of CPU here.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from .client import ServiceClient

ROOT = Path(__file__).resolve().parent.parent.parent
SETUPS = {"inproc": 0, "llm1": 1, "llm2": 2}


@dataclass
class Round:
    setup: str
    clients: int
    waits: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    chat_total: float | None = None
    chat_failure: str | None = None


def _questions() -> tuple[list[str], list[str], list[str]]:
    """Untimed warm-up questions, questions for the API clients (unseen set,
    no follow-ups), and questions for the chat user."""
    from ..bench import _questions as bench_questions
    from ..evaluation import load_gold

    timed, warm = bench_questions()
    api = [i["question"] for i in load_gold(ROOT / "eval" / "test.jsonl") if not i.get("history")]
    return warm, api, timed


def _q(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, log: Path, seconds: float = 600) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: exited: {log.read_text()[-1500:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"{url} not up in {seconds:.0f} s")


@contextmanager
def _process(cmd: list[str], url: str, log: Path, env: dict | None = None):
    proc = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
    try:
        _wait_up(url, proc, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def _service(cfg: Config, servers: int, tmp: Path):
    """LLM servers (if any) and a `rag serve` in front of them; yields its URL."""
    from ..remote_llm import server_command

    with ExitStack() as stack:
        urls = []
        threads = max(1, cfg.threads // max(1, servers))  # the servers share this machine's cores
        for _ in range(servers):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            stack.enter_context(_process(server_command(cfg, port, threads=threads), url + "/v1/models",
                                         tmp / f"llm-{port}.log"))
            urls.append(url)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("RAG_SERVER", "RAG_API_KEY", "RAG_LLM_URL")}
        env.update(RAG_INDEX_DIR=cfg.index_dir, RAG_CHROMA_URL=cfg.chroma_url, RAG_LLM_MODEL=cfg.llm_model,
                   RAG_CACHE_DIR=cfg.cache_dir, GRADIO_TEMP_DIR=str(tmp / "gradio"))
        if urls:
            env["RAG_LLM_URL"] = ",".join(urls)
        url = f"http://127.0.0.1:{port}"
        stack.enter_context(_process([_rag(), "serve", "--port", str(port)], url + "/health",
                                     tmp / f"serve-{port}.log", env))
        yield url


def _rag() -> str:
    return str(Path(sys.executable).with_name("rag"))


def _cli_ask(url: str | None, question: str, cfg: Config) -> tuple[float, float]:
    """Wall time of `rag ask --json` as a new process, and the answer's own total."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_SERVER", "RAG_LLM_URL")}
    env.update(RAG_INDEX_DIR=cfg.index_dir, RAG_CHROMA_URL=cfg.chroma_url, RAG_LLM_MODEL=cfg.llm_model,
               RAG_CACHE_DIR=cfg.cache_dir)
    cmd = [_rag(), "ask", question, "--json"] + (["--server", url] if url else [])
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip()[-300:])
    return wall, json.loads(r.stdout)["timings"]["total_s"]


def _round(url: str, setup: str, questions: list[str], chat_question: str) -> Round:
    out = Round(setup, len(questions))
    client = ServiceClient(url)
    start = threading.Barrier(len(questions) + 1)

    def api(q: str) -> None:
        start.wait()
        t = time.perf_counter()
        try:
            answer = client.ask(q)
            out.totals.append(time.perf_counter() - t)
            out.waits.append(answer["timings"].get("queue_s", 0.0))
        except Exception as e:  # noqa: BLE001 (counted and shown)
            out.failures.append(f"{q[:30]}: {e}")

    def chat() -> None:
        from gradio_client import Client

        c = Client(url + "/", verbose=False)
        start.wait()
        t = time.perf_counter()
        try:
            _, msgs, _ = c.predict(chat_question, [], "default", 5, api_name="/chat")
            content = msgs[-1]["content"]
            text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
            if text.startswith("⚠"):
                raise RuntimeError(text)
            out.chat_total = time.perf_counter() - t
        except Exception as e:  # noqa: BLE001
            out.chat_failure = str(e)[:200]

    threads = [threading.Thread(target=api, args=(q,)) for q in questions] + [threading.Thread(target=chat)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def cmd_bench_serve(cfg: Config, args) -> int:
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = [s for s in setups if s not in SETUPS]
    if unknown:
        from ..errors import UserError

        raise UserError(f"--setups: unknown {unknown}; choose from {sorted(SETUPS)}")
    sizes = [int(n) for n in args.clients.split(",") if n.strip()]
    warm, api_questions, chat_questions = _questions()
    if sum(sizes) > len(api_questions):
        from ..errors import UserError

        raise UserError(f"--clients: {sum(sizes)} questions needed, eval/test.jsonl has {len(api_questions)}")
    print(f"bench --serve: setups {setups}, clients {sizes} + 1 chat user; {os.cpu_count()} cores, "
          f"load average {_load()}", flush=True)
    wall, own = _cli_ask(None, chat_questions[0], cfg)
    print(f"rag ask in-process (new process): {wall:.2f} s wall, of which the answer {own:.2f} s", flush=True)
    rounds: list[Round] = []
    overheads: dict[str, list[float]] = {}
    for setup in setups:
        with tempfile.TemporaryDirectory() as d, _service(cfg, SETUPS[setup], Path(d)) as url:
            client = ServiceClient(url)
            for q in warm:  # the fixed prompt parts read, as a running service has them
                client.ask(q)
            overheads[setup] = []
            for q in chat_questions[:3]:
                wall, own = _cli_ask(url, q, cfg)
                overheads[setup].append(wall - own)
            print(f"[{setup}] rag ask --server overhead (wall - answer), 3 runs: "
                  + ", ".join(f"{x:.2f}" for x in overheads[setup]) + " s", flush=True)
            used = 0
            for i, n in enumerate(sizes):
                r = _round(url, setup, api_questions[used:used + n], chat_questions[3 + i % (len(chat_questions) - 3)])
                used += n
                rounds.append(r)
                print(f"[{setup}] {n:>2} API clients + chat: " + _row(r) + f"  (load {_load()})", flush=True)
    print("\nsetup   clients  ok      wait p50/p95 s   total p50/p95 s   chat user s   cli overhead s")
    for r in rounds:
        print(f"{r.setup:<7} {r.clients:>4}+1  {len(r.totals):>2}/{r.clients:<2}  "
              f"{_q(r.waits, .5):7.1f} /{_q(r.waits, .95):6.1f}   {_q(r.totals, .5):7.1f} /{_q(r.totals, .95):6.1f}   "
              f"{(f'{r.chat_total:9.1f}' if r.chat_total is not None else '   failed'):>11}   "
              f"{statistics.median(overheads[r.setup]):.2f}")
    failed = sum(len(r.failures) + (r.chat_failure is not None) for r in rounds)
    for r in rounds:
        for f in r.failures + ([f"chat: {r.chat_failure}"] if r.chat_failure else []):
            print(f"  failed [{r.setup} x{r.clients}] {f}")
    print(f"failures: {failed}; load average now {_load()}")
    return 1 if failed else 0


def _row(r: Round) -> str:
    chat = f"{r.chat_total:.1f} s" if r.chat_total is not None else f"failed ({r.chat_failure})"
    return (f"ok {len(r.totals)}/{r.clients}, wait p50 {_q(r.waits, .5):.1f} s p95 {_q(r.waits, .95):.1f} s, "
            f"total p50 {_q(r.totals, .5):.1f} s p95 {_q(r.totals, .95):.1f} s; chat user {chat}")
