"""The chat in the browser: a thin Gradio layer over `rag.Assistant`.

Run `python ui.py` or `rag ui` (http://127.0.0.1:7860; `--host 0.0.0.0` to open it wider).
Sources appear as soon as retrieval is done, then the answer streams in; when
it is complete the verified answer replaces the streamed text, with [n]
markers linking to their passage and the cited sentence highlighted.
"""

from __future__ import annotations

import html
import os
import re
import sys
import threading

import rag  # noqa: F401  (sets the offline environment before gradio is imported)
from rag.config import Config, load_config
from rag.errors import UserError

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag.assistant import Answer, Assistant, Sources, check_question  # noqa: E402
from rag.models import LLMS, llm_path  # noqa: E402

# Questions the chat offers, written for the calls in the library (see examples_for).
EXAMPLE_TEMPLATES = {
    "en": ["What was {company}'s revenue in {period}?", "What did {company} say about {unit}?",
           "Who asked about {unit} on {company}'s {period} call, and who answered?"],
    "zh": ["{company}{period}的收入是多少？", "{company}对{unit}有什么说法？"],
    "compare": "How did {company}'s revenue change from {first} to {second}?",
}
CSS = """
.src { border-left: 3px solid #8aa; padding: 6px 10px; margin: 8px 0; background: #f7f9fb; }
.src .meta { font-size: 0.85em; color: #456; margin-bottom: 4px; }
.src mark { background: #ffe58a; }
.refusal { color: #7a4b00; background: #fff4e0; padding: 4px 8px; border-radius: 4px; }
.warn { color: #9a1c1c; font-weight: 600; }
.corrected { color: #555; font-size: 0.9em; }
.cite { font-weight: 600; text-decoration: none; }
"""
# The chat's own words next to an answer, in the language of the question
# (the answer, its refusal and its warning already are).
LABELS = {
    "en": {"in_progress": "Retrieved passages (answer in progress)…", "not_cited": "Retrieved but not cited ({n})",
           "score": "score"},
    "zh": {"in_progress": "检索到的段落（正在生成回答）…", "not_cited": "检索到但未引用的段落（{n}）",
           "score": "相关度"},
}
# One answer at a time: there is one llama.cpp model in this process.
CONCURRENCY = 1

_assistants: dict[str, Assistant] = {}
_lock = threading.Lock()


def examples_for(assistant: Assistant, n: int = 5) -> list[str]:
    """A few questions about the calls the library holds, in their language:
    a figure, what was said about one of their business units, a comparison
    when a company has two quarters."""
    calls = sorted(assistant.retriever.calls.values(), key=lambda c: c.order, reverse=True)
    units = {d["call"]["id"]: d.get("knowledge", {}).get("units", [])
             for d in assistant.retriever.manifest.get("docs", {}).values() if "call" in d}
    out: list[str] = []
    by_company: dict[str, list] = {}
    for c in calls:
        by_company.setdefault(c.company, []).append(c)
    for company, mine in by_company.items():
        if len(mine) >= 2 and mine[0].language == "en":
            out.append(EXAMPLE_TEMPLATES["compare"].format(company=_short(company), first=mine[1].period,
                                                           second=mine[0].period))
    for c in calls:
        templates = EXAMPLE_TEMPLATES["zh" if c.language == "zh" else "en"]
        unit = (units.get(c.id) or [""])[0]
        for t in templates:
            if "{unit}" in t and not unit:
                continue
            out.append(t.format(company=_short(c.company), period=c.period or "the quarter", unit=unit))
            break
        if unit and len(out) < n:
            out.append(next(t for t in templates if "{unit}" in t).format(company=_short(c.company),
                                                                        period=c.period, unit=unit))
    return list(dict.fromkeys(out))[:n]


def _short(company: str) -> str:
    from rag.scope import names_of
    from rag.library import Call

    names = names_of(Call(id="", company=company))
    return names[1] if len(names) > 1 else company


def library_rows(assistant: Assistant) -> list[list]:
    return [[c.id, c.company, c.period, c.language, c.chunks, os.path.basename(c.source)]
            for c in sorted(assistant.retriever.calls.values(), key=lambda c: (c.company, c.order))]


def call_choices(assistant: Assistant) -> list[tuple[str, str]]:
    return [(c.label, c.id) for c in sorted(assistant.retriever.calls.values(), key=lambda c: (c.company, c.order))]


def title_markdown(assistant: Assistant) -> str:
    calls = sorted(assistant.retriever.calls.values(), key=lambda c: (c.company, c.order))
    held = "; ".join(c.label for c in calls[:8]) + (f"; and {len(calls) - 8} more" if len(calls) > 8 else "")
    return (f"### Earnings-call assistant\n{len(calls)} call(s) in the library: {held}. "
            "Answers come only from the transcripts; every claim cites its passage.")


def add_to_library(files, model, cfg: Config, progress=gr.Progress(track_tqdm=True)):
    """Index uploaded transcripts (text, Markdown or PDF) into the library;
    returns (a message, the library table, the call selector)."""
    import shutil
    from pathlib import Path

    from rag.index import build

    if not files:
        return "⚠ Choose a transcript file first (.txt, .md or .pdf).", gr.update(), gr.update()
    assistant = get_assistant(cfg, model)
    folder = Path(cfg.index_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    try:
        for f in files if isinstance(files, list) else [files]:
            src = Path(f if isinstance(f, str) else f.name)
            kept = folder / src.name
            shutil.copyfile(src, kept)  # uploads are temporary: the library keeps its own copy
            progress(0, desc=f"indexing {src.name}")
            summary = build(cfg, [str(kept)], progress=True)
            lines += [f"✓ {line}" for line in summary.detected()] or [f"✓ {src.name}: already in the library"]
        for a in list(_assistants.values()):
            a.reload()
    except UserError as e:
        lines.append(f"⚠ {e}")
    choices = call_choices(assistant)
    return "\n\n".join(lines), library_rows(assistant), gr.update(choices=choices)


def installed_models(cfg: Config) -> list[str]:
    names = [k for k in LLMS if llm_path(cfg, k).exists()]
    if cfg.llm_model not in LLMS:
        names.append(cfg.llm_model)
    return names or [cfg.llm_model]


def get_assistant(cfg: Config, model: str) -> Assistant:
    from dataclasses import replace

    with _lock:
        if model not in _assistants:
            _assistants[model] = Assistant(replace(cfg, llm_model=model))
        return _assistants[model]


def _who(d) -> str:
    speaker, title, firm = d["speaker"], d.get("title", ""), d.get("firm", "")
    if firm and not title:
        return f"{speaker} ({firm})"
    return f"{speaker}（{title}）" if title else (speaker or "—")


def sources_html(hits: list[dict], answer: Answer | None, lang: str = "en") -> str:
    """Cited passages first (with the supporting sentence highlighted), then the rest on demand."""
    words = LABELS[lang]
    cited = {c.chunk_id: c for c in (answer.citations if answer else [])}
    parts = []
    if answer is None:
        parts.append(f"<p><em>{words['in_progress']}</em></p>")
    for c in (answer.citations if answer else []):
        s, e = c.highlight
        body = html.escape(c.text[:s]) + "<mark>" + html.escape(c.text[s:e]) + "</mark>" + html.escape(c.text[e:])
        meta = " · ".join(x for x in (c.call_label, _who(c.__dict__), c.section) if x)
        parts.append(f'<div class="src" id="src-{c.marker}"><div class="meta"><b>[{c.marker}]</b> '
                     f"{html.escape(meta)}</div>{body}</div>")
    rest = [h for h in hits if h["chunk_id"] not in cited]
    if rest:
        inner = "".join(
            f'<div class="src"><div class="meta">'
            f'{html.escape(" · ".join(x for x in (h.get("call_label", ""), _who(h), h["section"]) if x))}'
            f' · {words["score"]} {h["score"]:.3f}</div>{html.escape(h["text"])}</div>' for h in rest)
        if answer is None:
            parts.append(inner)
        else:
            parts.append(f"<details><summary>{words['not_cited'].format(n=len(rest))}</summary>{inner}</details>")
    return "\n".join(parts)


def answer_markdown(a: Answer) -> str:
    if a.refused:
        return f'<span class="refusal">{html.escape(a.text)}</span>'
    text = html.escape(a.text)
    text = re.sub(r"\[(\d{1,2})\]", r'<a class="cite" href="#src-\1">[\1]</a>', text)
    if a.warning:
        text += f'\n\n<span class="warn">⚠ {html.escape(a.warning)}</span>'
    if a.correction_note:
        text += f'\n\n<span class="corrected">{html.escape(a.correction_note)}</span>'
    return text


def hits_dicts(src: Sources) -> list[dict]:
    return [h.to_dict() for h in src.hits]


def respond(message, chat, state, model, top_k, cfg: Config, calls=None):
    """Generator behind the chat: yields (textbox, chat, state, sources)."""
    chat = list(chat or [])
    state = list(state or [])
    chat.append({"role": "user", "content": (message or "").strip() or "(empty)"})
    try:  # before the model loads: a mistake is told at once
        question = check_question(message)
    except UserError as e:
        chat.append({"role": "assistant", "content": f"⚠ {html.escape(str(e))}"})
        yield "", chat, state, gr.update()
        return
    chat.append({"role": "assistant", "content": "…"})
    yield "", chat, state, gr.update()
    try:
        assistant = get_assistant(cfg, model)
        hits: list[dict] = []
        streamed = ""
        for event in assistant.stream(question, history=state[-6:] or None, top_k=int(top_k), calls=calls or None):
            if isinstance(event, Sources):
                hits = hits_dicts(event)
                yield "", chat, state, sources_html(hits, None, event.language)
            elif isinstance(event, str):
                streamed += event
                chat[-1] = {"role": "assistant", "content": html.escape(streamed)}
                yield "", chat, state, gr.update()
            elif isinstance(event, Answer):
                chat[-1] = {"role": "assistant", "content": answer_markdown(event)}
                state += [{"role": "user", "content": question}, {"role": "assistant", "content": event.text}]
                yield "", chat, state, sources_html(hits, event, event.language)
    except UserError as e:
        chat[-1] = {"role": "assistant", "content": f"⚠ {html.escape(str(e))}"}
        yield "", chat, state, gr.update()


def build(cfg: Config) -> gr.Blocks:
    models = installed_models(cfg)
    assistant = get_assistant(cfg, cfg.llm_model if cfg.llm_model in models else models[0])
    with gr.Blocks(title="Earnings-call assistant") as demo:
        title = gr.Markdown(title_markdown(assistant), elem_id="title")
        state = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=480, elem_id="chat")
                box = gr.Textbox(placeholder="Ask in Chinese or English · 可用中文或英文提问", show_label=False, elem_id="question",
                                 lines=1, max_lines=4)
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send")
                    clear = gr.Button("New chat", elem_id="new-chat")
                gr.Examples(examples_for(assistant), inputs=box)
                calls = gr.Dropdown(call_choices(assistant), multiselect=True, value=[], elem_id="calls",
                                    label="Answer from these calls only (none chosen: the question decides)")
                with gr.Accordion("Library", open=False, elem_id="library"):
                    table = gr.Dataframe(library_rows(assistant), headers=["call", "company", "period", "lang",
                                                                           "passages", "file"],
                                         interactive=False, elem_id="library-table")
                    upload = gr.File(label="Add a transcript (.txt, .md, .pdf)", file_types=[".txt", ".md", ".pdf"],
                                     file_count="multiple", elem_id="upload")
                    add = gr.Button("Add to library", elem_id="add")
                    added = gr.Markdown(elem_id="added")
                with gr.Accordion("Settings", open=False):
                    model = gr.Dropdown(models, value=cfg.llm_model if cfg.llm_model in models else models[0],
                                        label="Model")
                    top_k = gr.Slider(1, 10, value=cfg.top_k, step=1, label="Passages retrieved")
            with gr.Column(scale=2):
                gr.Markdown("#### Sources")
                sources = gr.HTML("<p><em>Sources of the answer appear here.</em></p>", elem_id="sources")

        def chat_fn(message, chat_value, state_value, model_value, top_k_value, calls_value):
            yield from respond(message, chat_value, state_value, model_value, top_k_value, cfg, calls_value)

        def add_fn(files, model_value, progress=gr.Progress(track_tqdm=True)):
            message, rows, choices = add_to_library(files, model_value, cfg, progress)
            return message, rows, choices, title_markdown(get_assistant(cfg, model_value))

        add.click(add_fn, [upload, model], [added, table, calls, title], api_name="add_to_library",
                  concurrency_limit=1, concurrency_id="index")
        outputs = [box, chat, state, sources]
        inputs = [box, chat, state, model, top_k, calls]
        send.click(chat_fn, inputs, outputs, api_name="chat", concurrency_limit=CONCURRENCY,
                   concurrency_id="llm")
        box.submit(chat_fn, inputs, outputs, api_name=False, concurrency_limit=CONCURRENCY, concurrency_id="llm")
        clear.click(lambda: ([], [], "<p><em>Sources of the answer appear here.</em></p>", ""), None,
                    [chat, state, sources, box], api_name="new_chat")
    return demo


def theme():
    # System fonts only: the default theme would fetch web fonts from outside.
    return gr.themes.Default(font=["system-ui", "Segoe UI", "Noto Sans CJK SC", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def launch(cfg: Config | None = None, block: bool = True):
    cfg = cfg or load_config()
    # Fail early, with one line, if the index or model is missing.
    assistant = get_assistant(cfg, cfg.llm_model)
    threading.Thread(target=assistant.warm_up, daemon=True).start()
    demo = build(cfg)
    demo.queue(max_size=64)
    print(f"chat on http://{cfg.host}:{cfg.port}", flush=True)
    demo.launch(server_name=cfg.host, server_port=cfg.port, theme=theme(), css=CSS, footer_links=[],
                prevent_thread_lock=not block, quiet=True)
    return demo


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Start the chat in the browser.")
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--llm", dest="llm_model")
    args = ap.parse_args()
    try:
        launch(load_config(vars(args)))
    except UserError as e:
        print(f"ui: error: {e}", file=sys.stderr)
        sys.exit(2)
