"""Offline evaluation on gold question/answer pairs, with no judge model.

Scores, per item of `eval/gold.jsonl`:
- retrieval: rank of the evidence passage among the retrieved ones (recall@k, MRR);
- answer: every required fact present (any accepted alternative; numbers are
  matched by value and unit, so "RMB 28.1 billion" equals "281亿元");
- citations (ALCE-style): precision = cited passages that hold supporting
  evidence (the evidence text or a required fact); recall = answers whose
  evidence passage is cited;
- refusals: unanswerable items refused; answerable items wrongly refused;
- numbers: answers with numbers flagged unverified, and numbers shown
  unflagged that no cited passage contains (must be zero);
- claims: answers with a sentence no passage supports (shown uncited, flagged);
- language: the answer is in the question's language, no stray Chinese in English;
- latency: first token and total, p50/p95, tokens/s.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import time
from difflib import SequenceMatcher
from pathlib import Path

from . import numbers as num
from .glossary import squash
from .config import PROJECT_ROOT, Config
from .errors import UserError
from .language import detect
from .claims import MARKER_RE
from .cleanup import stray_chinese

GOLD = PROJECT_ROOT / "eval" / "gold.jsonl"
QUICK = PROJECT_ROOT / "eval" / "quick.txt"
REPORTS = PROJECT_ROOT / "eval" / "reports"
# An evidence string counts as held by a passage if the passage contains it,
# or its longest common run with the passage covers 60% of it (the evidence
# may straddle a chunk boundary).
EVIDENCE_COVER = 0.6


def holds_evidence(passage: str, evidence: str) -> bool:
    a, b = squash(evidence), squash(passage)
    if not a:
        return False
    if a in b:
        return True
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= EVIDENCE_COVER * len(a)


def evidence_rank(hits, evidence: str) -> int | None:
    for i, h in enumerate(hits, 1):
        text = h.chunk.text if hasattr(h, "chunk") else h["text"]
        if holds_evidence(text, evidence):
            return i
    return None


def fact_present(alternatives: list[str], text: str) -> bool:
    """Any accepted alternative of one required fact is in the text."""
    text = MARKER_RE.sub(" ", text)
    answer_numbers = num.extract(text)
    flat = squash(text)
    for alt in alternatives:
        alt_numbers = num.extract(alt)
        if alt_numbers:
            if all(num.find_match(n, answer_numbers) for n in alt_numbers):
                return True
            # a bare number may be a name ("1688" for 1688.com), which the
            # answer's number parser rightly skips: match it as a whole number
            if all(n.kind == "plain" for n in alt_numbers) and re.search(
                    rf"(?<![\d.]){re.escape(alt.strip())}(?![\d])", text):
                return True
        elif squash(alt) in flat:
            return True
    return False


# An answer saying that the call does not state something (a part of a
# multi-part question whose item lists it as "unstated").
NOT_STATED_RE = re.compile(r"\bdoes(?: not|n't) (?:say|state|mention|give|disclose|provide|specify)|\bnot (?:stated|mentioned|"
                           r"disclosed|given|provided|specified)\b|\bno (?:figure|mention)\b|没有(?:提到|提及|披露|说明|给出)"
                           r"|未(?:提及|披露|提到|说明|给出)|并未", re.I)


def says_not_stated(text: str) -> bool:
    """The answer says that the call does not state something."""
    return bool(NOT_STATED_RE.search(text))


def load_gold(path: Path) -> list[dict]:
    if not path.is_file():
        raise UserError(f"gold file not found: {path}")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise UserError(f"{path}:{n}: invalid JSON ({e.msg})") from None
    return items


def quick_ids() -> list[str]:
    return [x.strip() for x in QUICK.read_text().split() if x.strip()]


# ------------------------------------------------------------------ scoring
def score_item(item: dict, ans: dict, library: dict | None = None) -> dict:
    """One answer scored against its gold item; `library`: the call records
    by id, to tell a figure given under another call's quarter."""
    text = ans.get("text", "")
    refused = ans.get("refused", True)
    cited = ans.get("citations", [])
    sources = ans.get("sources", [])
    row = {"id": item["id"], "category": item["category"], "language": item["language"],
           "answerable": item["answerable"], "refused": refused, "text": text,
           "refusal_reason": ans.get("refusal_reason")}
    t = ans.get("timings", {})
    row.update(first_token_s=t.get("first_token_s"), total_s=t.get("total_s"), tokens_per_s=t.get("tokens_per_s"))
    row["trace"] = ans.get("trace", [])
    row["generations"] = ans.get("generations", 0)
    if item["answerable"]:
        row["evidence_rank"] = evidence_rank(sources, item["evidence"])
        facts_ok = [fact_present(f, text) for f in item["facts"]]
        # a part the call does not state must be said to be absent, not filled in
        absent_ok = not item.get("unstated") or says_not_stated(text)
        row["correct"] = (not refused) and all(facts_ok) and absent_ok
        if item.get("unstated"):
            row["unstated_said"] = absent_ok
        row["facts_found"] = f"{sum(facts_ok)}/{len(facts_ok)}"
        supporting = [holds_evidence(c["text"], item["evidence"]) or
                      any(fact_present(f, c["text"]) for f in item["facts"]) for c in cited]
        row["citations"] = len(cited)
        row["citations_supporting"] = sum(supporting)
        row["evidence_cited"] = (not refused) and any(holds_evidence(c["text"], item["evidence"]) for c in cited)
    else:
        row["correct"] = refused
    if item.get("call") and not refused:
        # an answer drawn (in part) from a call the question is not about
        calls = item["call"] if isinstance(item["call"], list) else [item["call"]]
        row["other_call_cited"] = any(c.get("doc") and c["doc"] not in calls for c in cited)
    if library and not refused:
        # a figure stated under one call's quarter that only another call cited holds (two quarters swapped)
        from types import SimpleNamespace

        from .call_periods import misplaced

        shown = [SimpleNamespace(call=c.get("call", ""), text=c["text"]) for c in cited]
        row["other_period_stated"] = bool(misplaced(text, shown, library))
    if not refused:
        row["language_ok"] = detect(text) == item["language"] and (item["language"] != "en" or not stray_chinese(text))
        row["unverified"] = ans.get("unverified_numbers", [])
        row["unsupported_claims"] = ans.get("unsupported_claims", [])
        pool = [n for c in cited for n in num.source_numbers(c["text"])]  # as verification reads them
        shown = [n for n in num.extract(MARKER_RE.sub(" ", text)) if n.kind not in ("year", "date")]
        question_numbers = num.extract(item["question"])
        row["unflagged_unsupported"] = [n.text for n in shown
                                        if not num.find_match(n, pool) and not num.find_match(n, question_numbers)
                                        and n.text not in row["unverified"]]
    return row


def stage_counts(rows: list[dict]) -> dict:
    """Per stage of the answer path, how many answers it changed, sent to a
    retry or refused (from each answer's trace)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        for action, stage in {(n["action"], n["stage"]) for n in r.get("trace", [])}:
            out.setdefault(stage, {"changed": 0, "retry": 0, "refuse": 0})[action] += 1
    return out


def _pct(values: list[bool]) -> float | None:
    return round(100.0 * sum(values) / len(values), 1) if values else None


def _quantile(xs: list[float], q: float) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 2)


def summarize(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    shown = [r for r in rows if not r["refused"]]
    ranks = [r.get("evidence_rank") for r in ans]
    cites = sum(r.get("citations", 0) for r in ans if not r["refused"])
    support = sum(r.get("citations_supporting", 0) for r in ans if not r["refused"])

    def acc(group):
        return _pct([r["correct"] for r in group])

    out = {
        "items": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "answer_accuracy": acc(ans),
        "overall_accuracy": acc(rows),
        "retrieval": {
            "recall@1": _pct([bool(k and k <= 1) for k in ranks]),
            "recall@3": _pct([bool(k and k <= 3) for k in ranks]),
            "recall@5": _pct([bool(k and k <= 5) for k in ranks]),
            "mrr": round(sum(1 / k for k in ranks if k) / len(ranks), 3) if ranks else None,
        },
        "citation_precision": round(100.0 * support / cites, 1) if cites else None,
        "citation_recall": _pct([r.get("evidence_cited", False) for r in ans]),
        "refusal_accuracy": _pct([r["refused"] for r in una]),
        "false_refusal_rate": _pct([r["refused"] for r in ans]),
        "answers_with_unverified_numbers": sum(1 for r in shown if r.get("unverified")),
        "unflagged_unsupported_numbers": sum(len(r.get("unflagged_unsupported", [])) for r in shown),
        "answers_with_unsupported_claims": sum(1 for r in shown if r.get("unsupported_claims")),
        "answers_citing_another_call": sum(1 for r in shown if r.get("other_call_cited")),
        "answers_with_another_quarters_figure": sum(1 for r in shown if r.get("other_period_stated")),
        "language_match": _pct([r.get("language_ok", False) for r in shown]),
        "latency": {
            "first_token_p50_s": _quantile([r["first_token_s"] for r in rows], 0.5),
            "first_token_p95_s": _quantile([r["first_token_s"] for r in rows], 0.95),
            "total_p50_s": _quantile([r["total_s"] for r in rows], 0.5),
            "total_p95_s": _quantile([r["total_s"] for r in rows], 0.95),
            "tokens_per_s_p50": _quantile([r["tokens_per_s"] for r in rows if r["tokens_per_s"]], 0.5),
        },
        "by_language": {}, "by_category": {},
        "stages": stage_counts(rows),
        "generations": {"mean": round(sum(r.get("generations", 0) for r in rows) / len(rows), 2) if rows else None,
                        "answers_with_a_retry": sum(1 for r in rows if r.get("generations", 0) > 1)},
    }
    for lang in sorted({r["language"] for r in rows}):
        g = [r for r in rows if r["language"] == lang]
        out["by_language"][lang] = {"items": len(g), "accuracy": acc(g),
                                    "recall@5": _pct([bool(r.get("evidence_rank") and r["evidence_rank"] <= 5)
                                                      for r in g if r["answerable"]])}
    for cat in sorted({r["category"] for r in rows}):
        g = [r for r in rows if r["category"] == cat]
        out["by_category"][cat] = {"items": len(g), "accuracy": acc(g)}
    return out


# ------------------------------------------------------------------ running
def run_items(cfg: Config, items: list[dict], retrieval_only: bool, progress: bool) -> list[dict]:
    from tqdm import tqdm

    rows = []
    if retrieval_only:
        from .answer.records import Evidence
        from .answer.stages.retrieve import scope_of, search
        from .retrieve import Retriever

        r = Retriever(cfg)
        for item in tqdm(items, disable=not progress, desc="retrieval"):
            q = item["question"]
            if item.get("history"):
                q = " ".join(h["content"] for h in item["history"] if h.get("role") == "user") + " " + q
            scope, _ = scope_of(r, Evidence(question=q, lang=detect(q)))  # as the answer path searches
            hits = search(r, q, cfg.top_k, scope or None)
            row = {"id": item["id"], "category": item["category"], "language": item["language"],
                   "answerable": item["answerable"], "refused": False, "correct": False,
                   "first_token_s": None, "total_s": None, "tokens_per_s": None}
            if item["answerable"]:
                row["evidence_rank"] = evidence_rank(hits, item["evidence"])
            rows.append(row)
        return rows
    from .assistant import Assistant

    assistant = Assistant(cfg)
    for item in tqdm(items, disable=not progress, desc="eval"):
        ans = assistant.ask(item["question"], item.get("history")).to_dict()
        rows.append(score_item(item, ans, assistant.retriever.calls))
    return rows


def provenance(cfg: Config) -> dict:
    from . import models

    import os

    info = {"config": cfg.to_dict(), "embedder": cfg.embedder, "llm": cfg.llm_model,
            # generations replayed from a log (rag/replay.py): timings are then not the model's
            "generation_log": os.environ.get("RAG_GENERATION_LOG") or None}
    try:
        path = models.resolve_llm(cfg)
        info["llm_file"] = path.name
        spec = models.LLMS.get(cfg.llm_model)
        info["llm_sha256"] = spec.sha256 if spec else models.sha256_file(path)
    except UserError as e:
        info["llm_error"] = str(e)
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                                        capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout
        info["dirty"] = bool(dirty.strip())
    except OSError:
        info["commit"] = None
    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    except OSError:
        pass
    import os

    info["machine"] = {"platform": platform.platform(), "python": platform.python_version(),
                       "cpus": os.cpu_count(), "cpu": cpu}
    return info


def table(summary: dict) -> str:
    s = summary
    if s.get("retrieval_only"):
        return "\n".join([
            f"items {s['items']} (answerable {s['answerable']}), retrieval only",
            "retrieval            " + "  ".join(f"{k} {v}" for k, v in s["retrieval"].items()),
            "by language          " + "  ".join(f"{k}: r@5 {v['recall@5']}%" for k, v in s["by_language"].items()),
        ])
    lines = [
        f"items {s['items']} (answerable {s['answerable']}, unanswerable {s['unanswerable']})",
        f"answer accuracy      {s['answer_accuracy']}%   overall {s['overall_accuracy']}%",
        "retrieval            " + "  ".join(f"{k} {v}" for k, v in s["retrieval"].items()),
        f"citations            precision {s['citation_precision']}%  recall {s['citation_recall']}%",
        f"refusals             accuracy {s['refusal_accuracy']}%  false-refusal rate {s['false_refusal_rate']}%",
        f"numbers              answers with unverified {s['answers_with_unverified_numbers']}  "
        f"unflagged unsupported {s['unflagged_unsupported_numbers']}",
        f"claims               answers with a sentence no passage supports (flagged) "
        f"{s['answers_with_unsupported_claims']}  answers citing another call {s.get('answers_citing_another_call', 0)}"
        f"  giving another quarter's figure {s.get('answers_with_another_quarters_figure', 0)}",
        f"language match       {s['language_match']}%",
        "latency              " + "  ".join(f"{k} {v}" for k, v in s["latency"].items()),
        "by language          " + "  ".join(f"{k}: acc {v['accuracy']}% r@5 {v['recall@5']}%"
                                            for k, v in s["by_language"].items()),
        "by stage (answers changed / retried / refused):",
    ]
    for k, v in s.get("stages", {}).items():
        lines.append(f"  {k:<20} {v['changed']:>4} {v['retry']:>4} {v['refuse']:>4}")
    gen = s.get("generations") or {}
    lines += [f"generations          mean {gen.get('mean')}  answers with a retry {gen.get('answers_with_a_retry')}",
              "by category:"]
    for k, v in sorted(s["by_category"].items(), key=lambda kv: (kv[1]["accuracy"] or 0)):
        lines.append(f"  {k:<18} {v['accuracy']}%  ({v['items']})")
    return "\n".join(lines)


def write_report(out_dir: Path, summary: dict, rows: list[dict], meta: dict) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = out_dir / f"eval-{stamp}"
    report = {"summary": summary, "meta": meta, "rows": rows}
    base.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    md = ["# Evaluation report", "", f"- commit: {meta.get('commit')}{' (dirty)' if meta.get('dirty') else ''}",
          f"- model: {meta.get('llm_file')} sha256 {meta.get('llm_sha256', '')[:16]}…",
          f"- embedder: {meta.get('embedder')}", f"- machine: {meta['machine']}", "", "```", table(summary), "```", "",
          "| id | category | lang | correct | refused | evidence rank | answer |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['id']} | {r['category']} | {r['language']} | {r['correct']} | {r['refused']} | "
                  f"{r.get('evidence_rank')} | {str(r.get('text', '')).replace('|', '/')[:120]} |")
    base.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    _chart(base.with_suffix(".png"), summary, rows)
    return base


def _chart(path: Path, summary: dict, rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    cats = sorted(summary["by_category"])
    axes[0].barh(cats, [summary["by_category"][c]["accuracy"] or 0 for c in cats], color="#4477aa")
    axes[0].set_xlim(0, 100)
    axes[0].set_title("Accuracy by category (%)")
    langs = sorted(summary["by_language"])
    axes[1].bar(langs, [summary["by_language"][x]["accuracy"] or 0 for x in langs], color="#66aa55")
    axes[1].set_ylim(0, 100)
    axes[1].set_title("Accuracy by language (%)")
    ft = [r["first_token_s"] for r in rows if r.get("first_token_s")]
    tot = [r["total_s"] for r in rows if r.get("total_s")]
    if ft or tot:
        axes[2].hist([ft, tot], bins=15, label=["first token", "total"], color=["#ee7733", "#999999"])
        axes[2].legend()
    axes[2].set_title("Latency (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (int, float)) or v is None:
            out[key] = v
    return out


def compare(old: Path, new: Path) -> str:
    try:
        a = _flatten(json.loads(Path(old).read_text())["summary"])
        b = _flatten(json.loads(Path(new).read_text())["summary"])
    except (OSError, KeyError, json.JSONDecodeError) as e:
        raise UserError(f"cannot read reports to compare: {e}") from None
    lines = [f"{'metric':<42} {'old':>10} {'new':>10} {'change':>10}"]
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        d = "" if x is None or y is None else f"{y - x:+.2f}"
        lines.append(f"{k:<42} {str(x):>10} {str(y):>10} {d:>10}")
    return "\n".join(lines)


def claims_report(cfg: Config, path: Path) -> dict:
    """The "not found in any passage" warning against a labelled sample: each
    line {"sentence", "passages": [texts], "label": "supported"|"unsupported"}.
    A sentence (written without a marker) is flagged when the citation and
    number stages leave it without one: no passage supports it. Precision:
    flagged sentences that are truly unsupported; recall: unsupported
    sentences flagged."""
    from .answer.records import Draft, Evidence
    from .answer.stages.cite import AttributeCitations
    from .answer.stages.numbers import VerifyNumbers
    from .chunking import Chunk
    from .retrieve import Retriever

    class _Ctx:
        def __init__(self, knowledge):
            self.knowledge = knowledge

    ctx = _Ctx(Retriever(cfg).knowledge)
    stages = (AttributeCitations(ctx), VerifyNumbers(ctx))
    rows = load_gold(path)
    tp = fp = fn = tn = 0
    for r in rows:
        passages = [Chunk(id=f"p{i}", doc="", text=t, start=0, end=len(t), tokens=0)
                    for i, t in enumerate(r["passages"], 1)]
        d = Draft(Evidence(question="", lang=detect(r["sentence"]), passages=passages), text=r["sentence"])
        for stage in stages:
            d = stage.run(d)
        flagged = not d.used
        bad = r["label"] == "unsupported"
        tp += flagged and bad
        fp += flagged and not bad
        fn += bad and not flagged
        tn += not flagged and not bad
    return {"sentences": len(rows), "unsupported": tp + fn, "flagged": tp + fp,
            "precision": round(100.0 * tp / (tp + fp), 1) if tp + fp else None,
            "recall": round(100.0 * tp / (tp + fn), 1) if tp + fn else None,
            "supported_flagged": fp, "unsupported_missed": fn}


def cmd_eval(cfg: Config, args) -> int:
    import sys

    if getattr(args, "claims", None):
        print(json.dumps(claims_report(cfg, Path(args.claims)), indent=1))
        return 0
    if args.compare:
        print(compare(Path(args.compare[0]), Path(args.compare[1])))
        return 0
    items = load_gold(Path(args.gold) if args.gold else GOLD)
    if args.quick:
        wanted = set(quick_ids())
        items = [i for i in items if i["id"] in wanted]
    if args.limit:
        items = items[: args.limit]
    t0 = time.perf_counter()
    rows = run_items(cfg, items, args.retrieval_only, progress=sys.stderr.isatty())
    summary = summarize(rows)
    summary["retrieval_only"] = bool(args.retrieval_only)
    summary["wall_s"] = round(time.perf_counter() - t0, 1)
    meta = provenance(cfg)
    base = write_report(Path(args.out) if args.out else REPORTS, summary, rows, meta)
    print(table(summary))
    print(f"wall time {summary['wall_s']} s; report {base}.json / .md / .png")
    return 0

