"""`rag bench --library N`: the library at scale.

Error it exists for: a retriever that is fast on one call and slow, or an
index that is huge, at the size analysts keep (hundreds of calls). The
bench indexes N calls — the calls shipped with the project (the default
corpus and eval/calls-test/), copied under other company names until there
are N — into a temporary index, then prints the build time, the size on
disk and retrieval p50/p95 next to the same figures for one call.
Every copy is embedded anew (its company name changes its text), so the
build time is that of N distinct calls.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from .bench import _quantile
from .config import Config

ROOT = Path(__file__).resolve().parent.parent
# Questions timed at each size: unscoped (every call searched) and scoped
# to one company by name (a metadata filter), English and Chinese.
UNSCOPED = ["What was revenue growth this quarter?", "What did management say about pricing and inflation?",
            "How much free cash flow was generated?", "本季度的毛利率是多少？", "Which analyst asked about guidance?",
            "What was the dividend per share?"]
SCOPED = ["What was {company}'s revenue this quarter?", "What guidance did {company} give for next year?",
          "{company}的收入是多少？"]
# Made-up company names for the copies (a number keeps each one distinct).
NAMES = ["Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works", "Proseware", "Wingtip"]


def sources() -> list[Path]:
    """The calls shipped with the project."""
    return sorted((ROOT / "data").glob("*.txt")) + sorted((ROOT / "eval" / "calls-test").glob("*.txt"))


def write_copies(n: int, out: Path) -> list[Path]:
    """`n` transcripts in `out`: the shipped calls, then copies of them under
    other company names (in the text and a sidecar), each a distinct call."""
    from .callinfo import SIDECAR_SUFFIX, for_file

    base = sources()
    paths = []
    for i in range(n):
        src = base[i % len(base)]
        text = src.read_text(encoding="utf-8")
        company = for_file(src, text).company or src.stem
        dst = out / f"{i:04d}-{src.name}"
        if i >= len(base):
            name = f"{NAMES[i % len(NAMES)]} {i:03d}"
            text = text.replace(company, name)
            Path(str(dst) + SIDECAR_SUFFIX).write_text(f'company = "{name}"\n', encoding="utf-8")
        dst.write_text(text, encoding="utf-8")
        paths.append(dst)
    return paths


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(cfg: Config, n: int, work: Path, repeats: int) -> dict:
    """Index `n` calls into a fresh index under `work`; time retrieval."""
    from .answer.records import Evidence
    from .answer.stages.retrieve import scope_of
    from .index import build
    from .language import detect
    from .retrieve import Retriever

    docs = work / f"calls-{n}"
    docs.mkdir(parents=True)
    paths = write_copies(n, docs)
    sub = replace(cfg, index_dir=str(work / f"index-{n}"))
    t = time.perf_counter()
    summary = build(sub, [str(p) for p in paths], progress=False)
    build_s = time.perf_counter() - t
    r = Retriever(sub)
    companies = sorted({c.company for c in r.calls.values()})
    questions = UNSCOPED + [q.format(company=companies[i % len(companies)]) for i in range(4) for q in SCOPED]
    for q in questions:  # warm-up
        r.search(q)
    times: dict[str, list[float]] = {"all": [], "scoped": []}
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            scope, _ = scope_of(r, Evidence(question=q, lang=detect(q)))
            r.search(q, cfg.top_k, scope or None)
            times["scoped" if scope else "all"].append(time.perf_counter() - t)
    return {"calls": len(r.calls), "passages": summary.chunks, "build_s": build_s,
            "size_mb": _size(Path(sub.index_dir)) / 1e6, "times": times}


def cmd_bench_library(cfg: Config, n: int, repeats: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="rag-bench-library-"))
    try:
        rows = [measure(cfg, 1, work, repeats), measure(cfg, n, work, repeats)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"library bench: {len(sources())} shipped calls, copied under other company names up to {n}; "
          f"every copy embedded; retrieval over {repeats} repeats")
    print(f"{'calls':>6} {'passages':>9} {'index build':>12} {'on disk':>9} {'retrieval p50':>14} {'p95':>8} "
          f"{'named company p50':>18} {'p95':>8}")
    for row in rows:
        a, s = row["times"]["all"], row["times"]["scoped"]
        named = f"{statistics.median(s) * 1000:>16.0f} ms {_quantile(s, 0.95) * 1000:>5.0f} ms" if s else f"{'-':>18} {'-':>8}"
        print(f"{row['calls']:>6} {row['passages']:>9} {row['build_s']:>10.1f} s {row['size_mb']:>6.1f} MB "
              f"{statistics.median(a) * 1000:>11.0f} ms {_quantile(a, 0.95) * 1000:>5.0f} ms {named}")
    big, one = rows[1], rows[0]
    print(f"ratio {big['calls']} calls / 1 call: retrieval p50 "
          f"{statistics.median(big['times']['all']) / statistics.median(one['times']['all']):.2f}, "
          f"on disk {big['size_mb'] / one['size_mb']:.0f}x")
    return 0
