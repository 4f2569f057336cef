"""Prompt assembly from the files in `prompts/`.

The model reads ~85 tokens/s here, so every passage costs time before the
first token: passages are added in rank order until the context budget (in
the LLM's own tokens) is spent. For an English question, each Chinese amount
in a passage is followed by its exact English rendering ("281 亿元人民币
(= RMB 28.1 billion)"), so the model copies a conversion instead of doing
one; and the names the glossary knows are written in English ("主要由 Ele.me
的健康增长和 Amap 的快速增长所推动"): reading the Chinese, the model spells
names out of their characters ("highde" for 高德, "high Xin Retail" for
高鑫零售), even with the English name written beside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from . import numbers as num
from . import tokens
from .chunking import Chunk
from .generate import answer_json
from .glossary import NAME_KINDS, Glossary
from .language import HAN_RE

QUESTION_LABEL = {"en": "Question: ", "zh": "问题："}
# Below this many tokens a passage is not worth including truncated.
MIN_PASSAGE_TOKENS = 40


@lru_cache(maxsize=32)
def load_prompt(prompts_dir: str, name: str) -> str:
    return (Path(prompts_dir) / name).read_text(encoding="utf-8").strip()


def annotate_amounts(text: str, lang: str = "en") -> str:
    """Append the rendering in the answer's language after each amount
    written with the other language's scale: "281 亿元人民币 (= RMB 28.1
    billion)" for an English answer, "$1.98 billion (= 19.8亿美元)" for a
    Chinese one; the model copies a conversion instead of doing one."""
    out, last = [], 0
    for n in num.extract(text):
        if n.kind != "amount":
            continue
        chinese_scale = any(u in n.text for u in ("亿", "万"))
        if lang == "en" and chinese_scale:
            shown = num.format_en(n.value, n.currency)
        elif lang == "zh" and not chinese_scale and n.value >= 1e4 and re.search(r"[A-Za-z$]", n.text):
            shown = num.format_zh(n.value, n.currency)
        else:
            continue
        end = text.index(n.text, n.start) + len(n.text)  # the amount's own end, not the space after it
        out.append(text[last:end])
        out.append(f" (= {shown})")
        last = end
    out.append(text[last:])
    return "".join(out)


def english_names(text: str, glossary: Glossary) -> str:
    """Write each Chinese name the glossary knows (businesses, products,
    people, firms) as its English name, spaced from the words around it as
    Latin words stand in Chinese text. Longer names are read first, so "速卖通 Choice"
    is not read as "速卖通"."""
    pattern, names = _names(glossary)
    if pattern is None:
        return text

    def english(m: re.Match) -> str:
        before = " " if m.start() and text[m.start() - 1].isalnum() else ""  # Han characters are alphanumeric
        after = " " if m.end() < len(text) and text[m.end()].isalnum() else ""
        return before + names[m.group()] + after

    return pattern.sub(english, text)


@lru_cache(maxsize=4)
def _names(glossary: Glossary) -> tuple[re.Pattern | None, dict[str, str]]:
    """A pattern of the glossary's Chinese names, longest first, and each one's English name."""
    names = {z: dict(e.renders).get(z, e.en[0]) for e in glossary.entries
             if e.kind in NAME_KINDS and e.en and not HAN_RE.search(e.en[0]) for z in e.zh if HAN_RE.search(z)}
    if not names:
        return None, names
    return re.compile("|".join(re.escape(z) for z in sorted(names, key=len, reverse=True))), names


def english_header(c: Chunk, glossary: Glossary) -> str:
    """"Q&A · Toby Xu (徐宏), chief financial officer · answering Ronald Keung (Goldman Sachs)"."""
    def en(term: str, kinds: tuple[str, ...]) -> str:
        for e in glossary.entries:
            if e.kind in kinds and term in e.zh and e.en:
                return e.en[0]
        return term

    parts = [c.call_label] if c.call_label else []
    if c.section:
        parts.append(en(c.section, ("section",)))
    if c.speaker:
        name = en(c.speaker, ("person",))
        who = f"{name} ({c.speaker})" if name != c.speaker else c.speaker
        if c.firm and not c.title:
            who += f", analyst at {c.firm}"
        elif c.title:
            title = next((e.en[0] for e in glossary.entries if e.kind == "title" and any(z in c.title for z in e.zh)), "")
            who += f", {title}" if title else ""
        parts.append(who)
    if c.question_by:
        parts.append(f"answering {c.question_by}" + (f" ({c.question_firm})" if c.question_firm else ""))
    return " · ".join(parts)


def passage_block(i: int, c: Chunk, lang: str, glossary: Glossary | None = None) -> str:
    if lang == "en":
        body = annotate_amounts(english_names(c.text, glossary) if glossary else c.text)
        head = english_header(c, glossary) if glossary else c.header
    else:
        body, head = annotate_amounts(c.text, "zh"), c.header
    return f"[{i}] {head}\n{body}" if head else f"[{i}] {body}"


def one_call(chunks: list[Chunk]) -> str:
    """The label of the one call every passage comes from, "" if several or none."""
    labels = {c.call_label for c in chunks}
    return labels.pop() if len(labels) == 1 and "" not in labels else ""


def select_passages(chunks: list[Chunk], lang: str, budget: int, glossary: Glossary | None = None) -> list[Chunk]:
    """The passages, best first, that fit `budget` tokens as the prompt shows
    them: passages of one call without their call's label (it is named once,
    above them: `answer_messages`), so the label does not crowd out a passage."""
    chosen, used = [], 0
    call = one_call(chunks)
    if call:
        used = tokens.count(ONE_CALL_LABEL[lang].format(call=call))
    for c in chunks:
        shown = replace(c, call_label="") if call else c
        n = tokens.count(passage_block(len(chosen) + 1, shown, lang, glossary))
        if used + n > budget and chosen:
            if budget - used >= MIN_PASSAGE_TOKENS:
                continue  # a smaller later passage may still fit
            break
        chosen.append(c)
        used += n
    return chosen


@lru_cache(maxsize=8)
def example_turns(prompts_dir: str, lang: str) -> tuple[tuple[str, str], ...]:
    """Worked examples on an invented company, as (user, assistant) turns
    placed before the question: the first brings its own passages. They
    show the answer's form (a full sentence, the change and the reason when
    asked, faithful wording, the figure asked and not its neighbour, a
    reason with the specifics the passage gives after it, a speaker's point
    together with the condition stated later in the passage, a refusal). They sit in the prompt's cached prefix, so they cost no time
    per question (see generate.PrefixCache)."""
    path = Path(prompts_dir) / f"examples_{lang}.json"
    if not path.is_file():
        return ()
    ex = json.loads(path.read_text(encoding="utf-8"))
    template = load_prompt(prompts_dir, "user.txt")
    turns = []
    for i, t in enumerate(ex["turns"]):
        q = QUESTION_LABEL[lang] + t["question"]
        user = template.format(passages=ex["passages"], question=t["question"],
                               question_label=QUESTION_LABEL[lang]) if i == 0 else q
        turns.append((user, answer_json(t["answerable"], t["answer"])))
    return tuple(turns)


@lru_cache(maxsize=8)
def invented_names(prompts_dir: str, lang: str) -> tuple[str, ...]:
    """The names the worked examples invent (their company, people and
    firms), listed in the examples file: an answer must not carry them over."""
    path = Path(prompts_dir) / f"examples_{lang}.json"
    if not path.is_file():
        return ()
    return tuple(json.loads(path.read_text(encoding="utf-8")).get("names", ()))


# The line above the passages when they all come from one call.
ONE_CALL_LABEL = {"en": "All passages are from the call: {call}\n\n", "zh": "以下资料均来自电话会：{call}\n\n"}


def answer_messages(prompts_dir: str, question: str, passages: list[Chunk], lang: str,
                    glossary: Glossary | None = None) -> list[dict]:
    system = load_prompt(prompts_dir, f"answer_{lang}.txt")
    call = one_call(passages)
    if call:  # the call named once above the passages, not on each: a label repeated on
        # every header crowds out the speaker line the model must read ("who asked…")
        shown = [replace(c, call_label="") for c in passages]
        head = ONE_CALL_LABEL[lang].format(call=call)
    else:
        shown, head = passages, ""
    blocks = head + "\n\n".join(passage_block(i, c, lang, glossary) for i, c in enumerate(shown, 1))
    user = load_prompt(prompts_dir, "user.txt").format(passages=blocks, question=question,
                                                       question_label=QUESTION_LABEL[lang])
    messages = [{"role": "system", "content": system}]
    for ex_user, ex_answer in example_turns(prompts_dir, lang):
        messages += [{"role": "user", "content": ex_user}, {"role": "assistant", "content": ex_answer}]
    return messages + [{"role": "user", "content": user}]


def rewrite_messages(prompts_dir: str, question: str, history: list[dict], lang: str) -> list[dict]:
    lines = []
    for turn in history[-4:]:
        role = "User" if turn.get("role") == "user" else "Assistant"
        content = str(turn.get("content", ""))[:300]
        lines.append(f"{role}: {content}")
    lines.append(f"User: {question}")
    return [{"role": "system", "content": load_prompt(prompts_dir, f"rewrite_{lang}.txt")},
            {"role": "user", "content": "\n".join(lines)}]
