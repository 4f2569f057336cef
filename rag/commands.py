"""`rag ask`, `rag batch` and `rag ui`: thin layers over the Assistant."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import BadInput, Unavailable, UserError


def render(answer: dict) -> str:
    """Plain-text rendering of an answer's record (`Answer.to_dict()`, as
    in-process or from a service) with its sources and warnings."""
    if not isinstance(answer, dict):
        answer = answer.to_dict()
    lines = [answer["text"]]
    if answer.get("warning"):
        lines.append(f"⚠ {answer['warning']}")
    if answer.get("correction_note"):
        lines.append(answer["correction_note"])
    for c in answer.get("citations", []):
        who = c["speaker"] + (f" ({c['firm']})" if c["firm"] and not c["title"] else f"（{c['title']}）" if c["title"] else "")
        s, e = c["highlight"]
        text = c["text"]
        lines.append(f"[{c['marker']}] " + " · ".join(x for x in (c.get("call_label", ""), who, c["section"]) if x))
        lines.append("    " + (text[:s] + "«" + text[s:e] + "»" + text[e:]).replace("\n", "\n    "))
    t = answer["timings"]
    first = f"{t['first_token_s']:.1f}" if t.get("first_token_s") is not None else "-"
    lines.append(f"({answer['model']}; retrieval {t['retrieval_s'] * 1000:.0f} ms, first token {first} s, "
                 f"total {t['total_s']:.1f} s)")
    return "\n".join(lines)


def answerer(cfg, top_k: int | None = None):
    """`ask(question, history) -> the answer's record`: through the service
    when one is configured (`--server` / RAG_SERVER; `top_k` when given,
    else the service's own), else in-process."""
    if cfg.server:
        from .serve.client import ServiceClient

        client = ServiceClient.from_config(cfg)
        return lambda question, history=None, calls=None: client.ask(question, history, top_k, calls)
    from .assistant import Assistant

    assistant = Assistant(cfg)
    return lambda question, history=None, calls=None: assistant.ask(question, history, calls=calls).to_dict()


def cmd_ask(cfg, args) -> int:
    answer = answerer(cfg, args.top_k)(args.question, calls=args.calls)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
    else:
        print(render(answer))
    return 0


def read_batch(path: Path) -> list[dict]:
    """Records {"question": ..., other fields copied} or {"error": ...} per input line."""
    if not path.is_file():
        raise BadInput(f"file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None
    records = []
    jsonl = path.suffix.lower() in (".jsonl", ".json")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not jsonl:
            records.append({"line": n, "question": line.strip()})
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                raise ValueError('no "question" string')
            records.append({"line": n, **obj})
        except ValueError as e:
            records.append({"line": n, "error": f"line {n}: invalid input ({e})"})
    return records


def cmd_batch(cfg, args) -> int:
    from tqdm import tqdm

    records = read_batch(Path(args.infile))
    out = Path(args.out)
    if out.resolve() == Path(args.infile).resolve():
        raise BadInput("--out must not be the input file")
    ask = answerer(cfg, args.top_k)
    tmp = out.with_name(out.name + ".partial")
    failures = 0
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in tqdm(records, desc="batch", disable=not sys.stderr.isatty()):
            extra = {k: v for k, v in rec.items() if k not in ("question", "line", "error", "history")}
            if "error" in rec:
                row = {**extra, "line": rec["line"], "error": rec["error"]}
            else:
                try:
                    row = {**extra, **ask(rec["question"], rec.get("history"))}
                except Unavailable:
                    raise  # no later question can be answered either
                except UserError as e:
                    row = {**extra, "question": rec["question"], "error": str(e)}
            failures += "error" in row
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
    tmp.replace(out)
    print(f"answered {len(records) - failures} of {len(records)} questions -> {out}"
          + (f" ({failures} with errors)" if failures else ""))
    return 0


def load_ui():
    """The chat module, ui.py at the project's root."""
    import importlib.util

    from .config import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("ui", PROJECT_ROOT / "ui.py")
    if spec is None or spec.loader is None:
        raise UserError(f"ui.py not found in {PROJECT_ROOT}")
    ui = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ui)
    return ui


def cmd_ui(cfg, args) -> int:
    load_ui().launch(cfg)
    return 0
