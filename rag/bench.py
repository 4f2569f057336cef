"""`rag bench`: speed figures, printed as medians, with ratios measured in
the same run. Timed tests would be flaky on shared 2-core machines; this
prints numbers instead.

- index build: `rag index` into a fresh folder, a new process each time
  (includes interpreter start and embedder load);
- Assistant() ready: a new process each time;
- retrieval: warm, per question; with `chroma_url`, also on an embedded
  index of the same corpus built here (p50 of each, the same questions);
- answers: time to the first answer character, total, decode tokens/s
  through the Assistant, warm (one untimed question per language first, as
  a running chat has answered before);
- the answer path on an unseen set (eval/test.jsonl): total time per
  question with the configured retries, against the same questions answered
  with no retry (one generation each); the p50 ratio is the cost of the
  second looks (target <= 1.3);
- bare llama.cpp: the same model file, the same messages and JSON schema,
  called directly as one schema-constrained chat completion (its first
  token is the JSON's `{`, so the first answer character is shown too);
  ratio = Assistant decode speed / bare decode speed, both over the answer
  text's tokens.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .config import Config

# The timed questions and, first, the untimed ones that warm the model up
# (not among the timed, so no timed prompt is already in the model's cache):
# data about the default call, in eval/bench.txt ("warm:" marks a warm-up).
BENCH_FILE = Path(__file__).resolve().parent.parent / "eval" / "bench.txt"


def _questions() -> tuple[list[str], list[str]]:
    lines = [ln.strip() for ln in BENCH_FILE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    warm = [ln.removeprefix("warm:").strip() for ln in lines if ln.startswith("warm:")]
    return [ln for ln in lines if not ln.startswith("warm:")], warm


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def _rag_cmd() -> str:
    return str(Path(sys.executable).with_name("rag"))


def bench_index(cfg: Config, repeats: int) -> list[float]:
    from .store import delete_generation

    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            r = subprocess.run([_rag_cmd(), "index", "--quiet", "--index-dir", d, "--cache-dir", cfg.cache_dir,
                                "--chroma-url", cfg.chroma_url, *cfg.corpus], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(r.stderr.strip())
            times.append(time.perf_counter() - t)
            for gen in Path(d).glob("gen-*"):  # a Chroma server's collections too
                delete_generation(cfg, gen)
    return times


def bench_retrieval(retriever, questions: list[str], reps: int) -> list[float]:
    for q in questions:  # warm-up
        retriever.search(q)
    rt = []
    for _ in range(reps):
        for q in questions:
            t = time.perf_counter()
            retriever.search(q)
            rt.append(time.perf_counter() - t)
    return rt


def bench_embedded_retrieval(cfg: Config, questions: list[str], reps: int) -> list[float]:
    """Retrieval on an embedded index of the same corpus, built here."""
    from dataclasses import replace

    from .index import build
    from .retrieve import Retriever

    with tempfile.TemporaryDirectory() as d:
        local = replace(cfg, chroma_url="", index_dir=d)
        build(local, list(cfg.corpus), progress=False)
        return bench_retrieval(Retriever(local), questions, reps)


def bench_ready(cfg: Config, repeats: int) -> list[float]:
    code = ("import time; t=time.perf_counter(); from rag import Assistant; from rag.config import load_config; "
            f"Assistant(load_config({{'index_dir': {cfg.index_dir!r}, 'llm_model': {cfg.llm_model!r}}})); "
            "print(time.perf_counter()-t)")
    out = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip().splitlines()[-1])
        out.append(float(r.stdout.strip().splitlines()[-1]))
    return out


def bare_llama(path: str, cfg: Config, messages: list[dict], schema: dict, max_tokens: int, llm=None):
    """First-token and first-answer-character times, total and decode tokens/s
    of llama.cpp called directly with a schema-constrained chat completion."""
    from llama_cpp import Llama

    from .generate import AnswerFieldStreamer

    llm = llm or Llama(model_path=path, n_ctx=cfg.n_ctx, n_threads=cfg.threads, n_threads_batch=cfg.threads,
                       n_batch=512, verbose=False)
    t0 = time.perf_counter()
    first = first_char = None
    n = 0
    answer = AnswerFieldStreamer()
    for chunk in llm.create_chat_completion(messages=messages, temperature=cfg.temperature, max_tokens=max_tokens,
                                            stream=True, response_format={"type": "json_object", "schema": schema}):
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            if first is None:
                first = time.perf_counter() - t0
            if answer.feed(piece) and first_char is None:
                first_char = time.perf_counter() - t0
            if first_char is not None:
                n += 1
    total = time.perf_counter() - t0
    # decode speed of the answer text, as for the Assistant (the JSON's fixed
    # tokens sample faster under the grammar and would flatter the ratio)
    tps = (n - 1) / (total - first_char) if first_char is not None and n > 1 and total > first_char else 0.0
    return llm, first, first_char, total, tps


def cmd_bench(cfg: Config, args) -> int:
    if getattr(args, "library", 0):
        from .bench_library import cmd_bench_library

        return cmd_bench_library(cfg, args.library, max(1, args.repeats))
    if getattr(args, "serve", False):
        from .serve.bench import cmd_bench_serve

        return cmd_bench_serve(cfg, args)
    from .assistant import Assistant
    from .generate import ANSWER_SCHEMA
    from .language import detect
    from .prompting import answer_messages, select_passages

    questions, warm_up = _questions()
    reps = max(1, args.repeats)
    print(f"bench: {reps} repeats, {len(questions)} questions; figures are medians")
    idx = bench_index(cfg, min(reps, 3))
    where = " (vectors on the Chroma server)" if cfg.chroma_url else ""
    print(f"index build (new process, incl. model load): {_median(idx):.2f} s{where}")
    if not args.retrieval_only:
        ready = bench_ready(cfg, min(reps, 3))
        print(f"Assistant() ready (new process):            {_median(ready):.2f} s")
    a = Assistant(cfg) if not args.retrieval_only else None
    if a is None:
        from .retrieve import Retriever

        retriever = Retriever(cfg)
    else:
        retriever = a.retriever
    rt = bench_retrieval(retriever, questions, reps)
    if cfg.chroma_url:
        local = bench_embedded_retrieval(cfg, questions, reps)
        print(f"retrieval (warm), p50: embedded {_median(local) * 1000:.1f} ms | "
              f"Chroma server {_median(rt) * 1000:.1f} ms ({cfg.chroma_url})")
    else:
        print(f"retrieval (warm):                            {_median(rt) * 1000:.1f} ms")
    if a is None:
        return 0
    ours_ft, ours_tot, ours_tps, bare_ft, bare_fc, bare_tot, bare_tps = [], [], [], [], [], [], []
    bare = None
    for q in warm_up:
        a.ask(q)
    for q in questions:
        ans = a.ask(q)
        if ans.refused:
            print(f"  note: refused {q!r} ({ans.refusal_reason})")
        ours_ft.append(ans.timings.first_token_s)
        ours_tot.append(ans.timings.total_s)
        ours_tps.append(ans.timings.tokens_per_s or None)
        lang = detect(q)
        hits = a.retriever.search(q, cfg.top_k)
        msgs = answer_messages(cfg.prompts_dir, q, select_passages([h.chunk for h in hits], lang, cfg.context_tokens,
                                                                    a.glossary), lang, a.glossary)
        bare, ft, fc, tot, tps = bare_llama(str(a.llm.path), cfg, msgs, ANSWER_SCHEMA, cfg.max_answer_tokens, bare)
        bare_ft.append(ft)
        bare_fc.append(fc)
        bare_tot.append(tot)
        bare_tps.append(tps)
    print(f"first answer character: assistant {_median(ours_ft):.2f} s | bare llama.cpp {_median(bare_fc):.2f} s "
          f"(its first JSON token {_median(bare_ft):.2f} s) | ratio {_median(ours_ft) / _median(bare_fc):.2f}")
    print(f"total answer time:    assistant {_median(ours_tot):.2f} s | bare llama.cpp {_median(bare_tot):.2f} s")
    print(f"decode tokens/s:      assistant {_median(ours_tps):.1f} | bare llama.cpp {_median(bare_tps):.1f} | "
          f"ratio {_median(ours_tps) / _median(bare_tps):.2f}")
    if args.path_questions:
        bench_path(a, cfg, args.path_questions)
    return 0


def _quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def bench_path(a, cfg: Config, n: int) -> None:
    """Total time over unseen questions with the configured retries, against
    the same questions answered with one generation each (no retry)."""
    from dataclasses import replace

    from .answer.pipeline import Context, Pipeline
    from .evaluation import PROJECT_ROOT, load_gold

    items = [i for i in load_gold(PROJECT_ROOT / "eval" / "test.jsonl") if not i.get("history")][:n]
    single = Pipeline(Context(replace(cfg, max_retries=0), a.retriever, a.llm, a.context.knowledge, a.context.invented))
    path = a.pipeline
    times: dict[str, list[float]] = {"one generation": [], "configured": []}
    generations = []
    for label, pipe in (("one generation", single), ("configured", path)):
        a.pipeline = pipe
        for item in items:
            ans = a.ask(item["question"])
            times[label].append(ans.timings.total_s)
            if label == "configured":
                generations.append(ans.generations)
    a.pipeline = path
    one, conf = times["one generation"], times["configured"]
    print(f"answer path, {len(items)} unseen questions (eval/test.jsonl), total time p50 / p95:")
    print(f"  one generation each:   {_quantile(one, 0.5):.2f} s / {_quantile(one, 0.95):.2f} s")
    print(f"  max_retries={cfg.max_retries}:        {_quantile(conf, 0.5):.2f} s / {_quantile(conf, 0.95):.2f} s | "
          f"p50 ratio {_quantile(conf, 0.5) / _quantile(one, 0.5):.2f} (target <= 1.3) | "
          f"answers with a retry {sum(g > 1 for g in generations)}/{len(items)}")
