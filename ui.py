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

EXAMPLES = [
    "云智能集团本季度的收入是多少？",
    "What was Cainiao's adjusted EBITA this quarter?",
    "How much did Alibaba increase its share buyback program?",
    "谁问了关于变现率的问题？管理层怎么回答？",
    "Why did free cash flow decrease?",
]
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
        parts.append(f'<div class="src" id="src-{c.marker}"><div class="meta"><b>[{c.marker}]</b> '
                     f"{html.escape(_who(c.__dict__))} · {html.escape(c.section)}</div>{body}</div>")
    rest = [h for h in hits if h["chunk_id"] not in cited]
    if rest:
        inner = "".join(
            f'<div class="src"><div class="meta">{html.escape(_who(h))} · {html.escape(h["section"])}'
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


def respond(message, chat, state, model, top_k, cfg: Config):
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
        for event in assistant.stream(question, history=state[-6:] or None, top_k=int(top_k)):
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
    with gr.Blocks(title="Earnings-call assistant") as demo:
        gr.Markdown("### Earnings-call assistant · Alibaba Group, December 2023 quarter\n"
                    "Answers come only from the transcript; every claim cites its passage.")
        state = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=480, elem_id="chat")
                box = gr.Textbox(placeholder="Ask in Chinese or English · 可用中文或英文提问", show_label=False, elem_id="question",
                                 lines=1, max_lines=4)
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send")
                    clear = gr.Button("New chat", elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=box)
                with gr.Accordion("Settings", open=False):
                    model = gr.Dropdown(models, value=cfg.llm_model if cfg.llm_model in models else models[0],
                                        label="Model")
                    top_k = gr.Slider(1, 10, value=cfg.top_k, step=1, label="Passages retrieved")
            with gr.Column(scale=2):
                gr.Markdown("#### Sources")
                sources = gr.HTML("<p><em>Sources of the answer appear here.</em></p>", elem_id="sources")

        def chat_fn(message, chat_value, state_value, model_value, top_k_value):
            yield from respond(message, chat_value, state_value, model_value, top_k_value, cfg)

        outputs = [box, chat, state, sources]
        inputs = [box, chat, state, model, top_k]
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
