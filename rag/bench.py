"""`rag bench`: speed figures, printed as medians, with ratios measured in
the same run. Timed tests would be flaky on shared 2-core machines; this
prints numbers instead.

- index build: `rag index` into a fresh folder, a new process each time
  (includes interpreter start and embedder load);
- Assistant() ready: a new process each time;
- retrieval: warm, per question;
- answers: time to the first answer character, total, decode tokens/s
  through the Assistant, warm (one untimed question per language first, as
  a running chat has answered before);
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

QUESTIONS = [
    "云智能集团本季度的收入是多少？",
    "What was Cainiao's adjusted EBITA this quarter?",
    "本季度自由现金流是多少？",
    "How much did Alibaba increase its share buyback program?",
    "淘天集团的经调整 EBITA 是多少？",
    "What was AIDC's revenue growth this quarter?",
]


# Untimed, before the answers are timed; not among QUESTIONS, so no timed
# prompt is already in the model's cache.
WARM_UP = ["本季度集团收入是多少？", "What was Taotian's revenue this quarter?"]


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def _rag_cmd() -> str:
    return str(Path(sys.executable).with_name("rag"))


def bench_index(cfg: Config, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            r = subprocess.run([_rag_cmd(), "index", "--quiet", "--index-dir", d, "--cache-dir", cfg.cache_dir,
                                *cfg.corpus], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(r.stderr.strip())
            times.append(time.perf_counter() - t)
    return times


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
    from .assistant import Assistant
    from .generate import ANSWER_SCHEMA
    from .language import detect
    from .prompting import answer_messages, select_passages

    reps = max(1, args.repeats)
    print(f"bench: {reps} repeats, {len(QUESTIONS)} questions; figures are medians")
    idx = bench_index(cfg, min(reps, 3))
    print(f"index build (new process, incl. model load): {_median(idx):.2f} s")
    if not args.retrieval_only:
        ready = bench_ready(cfg, min(reps, 3))
        print(f"Assistant() ready (new process):            {_median(ready):.2f} s")
    a = Assistant(cfg) if not args.retrieval_only else None
    if a is None:
        from .retrieve import Retriever

        retriever = Retriever(cfg)
    else:
        retriever = a.retriever
    for q in QUESTIONS:  # warm-up
        retriever.search(q)
    rt = []
    for _ in range(reps):
        for q in QUESTIONS:
            t = time.perf_counter()
            retriever.search(q)
            rt.append(time.perf_counter() - t)
    print(f"retrieval (warm):                            {_median(rt) * 1000:.1f} ms")
    if a is None:
        return 0
    ours_ft, ours_tot, ours_tps, bare_ft, bare_fc, bare_tot, bare_tps = [], [], [], [], [], [], []
    bare = None
    for q in WARM_UP:
        a.ask(q)
    for q in QUESTIONS:
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
    return 0
