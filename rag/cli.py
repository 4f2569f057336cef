"""`rag` command line. Each subcommand is a thin layer over the package;
user errors print one line and exit non-zero."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import BadInput, UserError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", dest="llm_model", help="'default', 'fast', or a path to a GGUF file")
    p.add_argument("--embedder", help="'default' or a sentence-transformers model id/path")
    p.add_argument("--index-dir", dest="index_dir", help="where the index lives (default: ./index)")
    p.add_argument("--chroma-url", dest="chroma_url", metavar="URL",
                   help="a Chroma server holding the vectors (default: RAG_CHROMA_URL; none: embedded in the index dir)")
    p.add_argument("--cache-dir", dest="cache_dir", help="where provisioned models live")
    p.add_argument("--llm-url", dest="llm_url", metavar="URL[,URL...]",
                   help="OpenAI-compatible completions server(s) to generate with instead of the in-process model")


def _server(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", metavar="URL", help="a running `rag serve` to use (default: RAG_SERVER; none: in-process)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="rag", description="Offline Q&A over earnings-call transcripts, with citations.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("config", help="print the effective configuration")
    _common(p)

    p = sub.add_parser("models", help="show or provision the models (LLMs and embedder)")
    _common(p)
    p.add_argument("--status", action="store_true", help="only show what is installed")
    p.add_argument("--with-fast", action="store_true", help="also provision the fast 0.5B LLM")
    p.add_argument("--verify", action="store_true", help="re-hash model files even if stamped")

    p = sub.add_parser("index", help="index transcripts (default: the bundled corpus)")
    _common(p)
    p.add_argument("files", nargs="*", help="transcript files (.txt, .md, .pdf)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--rebuild", action="store_true", help="rebuild the whole index from the sources it records")
    for field, what in (("company", "the company"), ("ticker", "its ticker"),
                        ("period", "the period as the call states it, e.g. 'Q3 fiscal 2021'"),
                        ("fiscal-year", "fiscal year (number)"), ("fiscal-quarter", "fiscal quarter (1-4)"),
                        ("date", "the call's date (YYYY-MM-DD)"), ("language", "en or zh")):
        p.add_argument(f"--{field}", dest=f"call_{field.replace('-', '_')}", metavar=field.upper().replace("-", "_"),
                       type=int if field.startswith("fiscal") else str,
                       help=f"set {what} for the files indexed (overrides detection and sidecar)")

    p = sub.add_parser("calls", help="list the library of calls")
    _common(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("knowledge", help="what was derived from each call (people, firms, business units)")
    _common(p)
    p.add_argument("--call", action="append", dest="calls", metavar="CALL", help="this call only (repeatable)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="take calls out of the library")
    _common(p)
    p.add_argument("calls", nargs="+", help="call ids, or company/period words, as `rag calls` lists them")

    p = sub.add_parser("search", help="show the passages retrieved for a question")
    _common(p)
    _server(p)
    p.add_argument("question")
    p.add_argument("--top-k", type=int, dest="top_k")
    p.add_argument("--json", action="store_true")
    p.add_argument("--call", action="append", dest="calls", metavar="CALL", help="search this call only (repeatable)")

    p = sub.add_parser("ask", help="answer one question with cited sources")
    _common(p)
    _server(p)
    p.add_argument("question")
    p.add_argument("--top-k", type=int, dest="top_k")
    p.add_argument("--json", action="store_true")
    p.add_argument("--call", action="append", dest="calls", metavar="CALL", help="answer from this call only (repeatable)")

    p = sub.add_parser("batch", help="answer questions from a .txt or .jsonl file")
    _common(p)
    _server(p)
    p.add_argument("infile")
    p.add_argument("--out", required=True, help="output .jsonl")
    p.add_argument("--top-k", type=int, dest="top_k")

    p = sub.add_parser("eval", help="score the assistant on the gold set")
    _common(p)
    p.add_argument("--gold", default=None)
    p.add_argument("--out", default=None, help="report folder (default eval/reports)")
    p.add_argument("--limit", type=int)
    p.add_argument("--quick", action="store_true", help="the quick subset")
    p.add_argument("--retrieval-only", action="store_true", help="skip the LLM")
    p.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two report JSON files")
    p.add_argument("--claims", metavar="FILE", help="the unsupported-sentence warning against a labelled sample")
    p.add_argument("--model", dest="llm_model_eval", help="alias of --llm")

    p = sub.add_parser("bench", help="speed figures (medians and ratios)")
    _common(p)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--retrieval-only", action="store_true")
    p.add_argument("--path-questions", type=int, default=24, dest="path_questions",
                   help="unseen questions timed through the answer path, with and without retries (0: skip)")
    p.add_argument("--library", type=int, default=0, metavar="N",
                   help="instead: index N calls (copies of the shipped calls) and time retrieval next to one call")
    p.add_argument("--serve", action="store_true",
                   help="instead: concurrent API clients and a chat user through `rag serve`, started here")
    p.add_argument("--clients", default="1,4,16", help="--serve: concurrent API clients per round")
    p.add_argument("--setups", default="inproc,llm1,llm2",
                   help="--serve: LLM behind the service: inproc, llm1 (one llama_cpp.server), llm2 (two)")

    p = sub.add_parser("ui", help="start the chat in the browser")
    _common(p)
    p.add_argument("--host")
    p.add_argument("--port", type=int)

    p = sub.add_parser("serve", help="the chat and an OpenAI-compatible API in one long-lived process")
    _common(p)
    p.add_argument("--host", help="default 127.0.0.1; any other needs RAG_API_KEY or --insecure")
    p.add_argument("--port", type=int, help="default 7860")
    p.add_argument("--insecure", action="store_true", help="allow a non-loopback --host without an API key")
    p.add_argument("--no-chat", action="store_true", dest="no_chat", help="the API only")
    return ap


def _overrides(args: argparse.Namespace) -> dict:
    keys = ("llm_model", "embedder", "index_dir", "chroma_url", "cache_dir", "top_k", "host", "port", "llm_url",
            "server")
    out = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "llm_model_eval", None):
        out["llm_model"] = args.llm_model_eval
    return out


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if not args.command:
        ap.print_help()
        return 0
    try:
        from .config import load_config

        cfg = load_config(_overrides(args))
        return COMMANDS[args.command](cfg, args) or 0
    except UserError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


def cmd_config(cfg, args) -> int:
    print(json.dumps(cfg.to_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_models(cfg, args) -> int:
    from . import models

    if not args.status:
        wanted = ["default"] + (["fast"] if args.with_fast or cfg.llm_model == "fast" else [])
        for key in wanted:
            if args.verify:
                p = models.llm_path(cfg, key)
                p.with_name(p.name + ".verified").unlink(missing_ok=True)
            path, what = models.provision_llm(cfg, key, progress=sys.stderr.isatty())
            print(f"llm:{key}: {what} {path}")
        models.check_llm_runtime(models.resolve_llm(cfg))
        if cfg.llm_model not in models.LLMS:
            print(f"llm:custom: {models.resolve_llm(cfg)} (used as is)")
        path, what = models.provision_embedder(cfg)
        print(f"embedder:default: {what} {path}")
    for row in models.status(cfg):
        print(f"{row['name']:<18} {row['state']:<10} {row['what']}  [{row['path']}]")
    return 0


def cmd_index(cfg, args) -> int:
    from .index import build, rebuild

    progress = not args.quiet and sys.stderr.isatty()
    overrides = {k.removeprefix("call_"): v for k, v in vars(args).items() if k.startswith("call_") and v is not None}
    if args.rebuild:
        if args.files or overrides:
            raise BadInput("--rebuild takes no files or call fields: it re-indexes the sources the index records")
        summary = rebuild(cfg, progress)
    else:
        summary = build(cfg, args.files or cfg.corpus, progress=progress, overrides=overrides or None)
    for line in summary.detected():
        print(line)
    print(summary.line())
    return 0


def cmd_calls(cfg, args) -> int:
    from .index import library

    calls = library(cfg)
    if args.json:
        print(json.dumps([c.to_dict() for c in calls], ensure_ascii=False))
        return 0
    if not calls:
        print("the library is empty (run `rag index FILE...`)")
        return 0
    print(f"{'call':<34} {'company':<28} {'ticker':<6} {'period':<20} {'lang':<4} {'passages':>8}  file")
    for c in calls:
        print(f"{c.id:<34} {c.company[:28]:<28} {c.ticker[:6]:<6} {c.period[:20]:<20} {c.language:<4} {c.chunks:>8}  "
              f"{Path(c.source).name}")
    return 0


def cmd_knowledge(cfg, args) -> int:
    from .index import current_generation, library, read_manifest
    from .library import select

    docs = read_manifest(current_generation(Path(cfg.index_dir))).get("docs", {})
    wanted = {c.id for c in select(library(cfg), args.calls)} if args.calls else None
    rows = [{"call": d["call"]["id"], **d.get("knowledge", {})} for d in docs.values()
            if "call" in d and (wanted is None or d["call"]["id"] in wanted)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        print(r["call"])
        people = ", ".join(f"{p['name']} ({p['title'] or p['firm'] or p['role']})" for p in r.get("people", [])
                           if p["role"] != "operator")
        print(f"  people: {people or '-'}")
        print(f"  analysts' firms: {', '.join(r.get('firms', [])) or '-'}")
        print(f"  business units: {', '.join(r.get('units', [])) or '-'}")
    return 0


def cmd_remove(cfg, args) -> int:
    from .index import remove

    for c in remove(cfg, args.calls):
        print(f"removed {c.id} ({c.label})")
    return 0


def cmd_search(cfg, args) -> int:
    if cfg.server:
        from .serve.client import ServiceClient

        found = ServiceClient.from_config(cfg).search(args.question, args.top_k, args.calls)
    else:
        from .library import select
        from .retrieve import Retriever

        r = Retriever(cfg)
        calls = [c.id for c in select(list(r.calls.values()), args.calls)] if args.calls else None
        hits = r.search(args.question, args.top_k, calls)
        found = {"question": args.question, "results": [h.to_dict() for h in hits]}
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    from .chunking import Chunk

    names = set(Chunk.__dataclass_fields__) - {"id", "tokens"}
    for n, h in enumerate(found["results"], 1):
        c = Chunk(id=h["chunk_id"], tokens=0, **{k: v for k, v in h.items() if k in names})
        print(f"[{n}] score={h['score']:.4f} dense#{h['dense_rank']} bm25#{h['bm25_rank']} {c.header}")
        print("    " + c.text.replace("\n", "\n    "))
    return 0


def _lazy(module: str, name: str):
    def run(cfg, args):
        import importlib

        return getattr(importlib.import_module(f".{module}", __package__), name)(cfg, args)

    return run


COMMANDS = {
    "config": cmd_config,
    "models": cmd_models,
    "index": cmd_index,
    "calls": cmd_calls,
    "remove": cmd_remove,
    "knowledge": cmd_knowledge,
    "search": cmd_search,
    "ask": _lazy("commands", "cmd_ask"),
    "batch": _lazy("commands", "cmd_batch"),
    "eval": _lazy("evaluation", "cmd_eval"),
    "bench": _lazy("bench", "cmd_bench"),
    "ui": _lazy("commands", "cmd_ui"),
    "serve": _lazy("serve.run", "cmd_serve"),
}

if __name__ == "__main__":
    sys.exit(main())
