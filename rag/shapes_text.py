"""Re-joining English lines into paragraphs.

The same English text reaches us in three line layouts, and each needs its
own rule:

- one paragraph per line, blank lines between (web copies): a line is a
  paragraph; a line that stops mid-sentence continues on the next one.
- hard-wrapped at a fixed width (PDF text, Refinitiv briefs): a line that
  ends a sentence *and* left room for the next line's first word ended its
  paragraph; every other break is a wrap. Without this rule a turn became
  either one paragraph per printed line or one paragraph for the whole turn.
- one sentence per line, no blank lines (ECTSum): consecutive sentences are
  grouped into paragraphs of a few sentences. Without it a call became
  hundreds of one-sentence paragraphs.

Nothing here knows about speakers; rag/shapes.py cuts the text into turns
and hands each turn's lines to `paragraphs`.
"""

from __future__ import annotations

import re

# A line ends a sentence: final punctuation, possibly inside quotes or brackets.
SENTENCE_END_RE = re.compile(r"[.!?:;…][\"'”’)\]]*$")
# Share of lines stopping mid-sentence from which a text counts as hard-wrapped.
WRAPPED_OPEN_SHARE = 0.3
# Share of lines reaching 80% of the wrap width in a hard-wrapped text; lines of
# a web copy (one paragraph per line) vary far more in length.
WRAPPED_FULL_SHARE = 0.4
MAX_WRAP_WIDTH = 300
MIN_WRAP_LINES = 8
# Sentence-per-line grouping: at most this many sentences or characters a paragraph.
GROUP_SENTENCES = 5
GROUP_CHARS = 600
# Share of a block's lines ending a sentence from which it is one sentence per line.
SENTENCE_LINES_SHARE = 0.8


def ends_sentence(line: str) -> bool:
    return bool(SENTENCE_END_RE.search(line.rstrip()))


def wrap_width(lines: list[str]) -> int | None:
    """The fixed width the text was wrapped at, or None if it was not
    hard-wrapped: many lines stop mid-sentence and most lines are about
    equally long."""
    body = [ln.strip() for ln in lines if ln.strip()]
    if len(body) < MIN_WRAP_LINES:
        return None
    open_lines = sum(1 for ln in body if not ends_sentence(ln))
    if open_lines < WRAPPED_OPEN_SHARE * len(body):
        return None
    lengths = sorted(len(ln) for ln in body)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    full = sum(1 for n in lengths if n >= 0.8 * width)
    if width > MAX_WRAP_WIDTH or full < WRAPPED_FULL_SHARE * len(body):
        return None
    return width


def glue(a: str, b: str) -> str:
    """Join two pieces of a broken English line: one space, none after a
    hyphen that splits a compound ("year-" + "over-year")."""
    if not a:
        return b
    if re.search(r"[A-Za-z]-$", a) and b[:1].islower():
        return a + b
    return f"{a} {b}"


def join_wrapped(lines: list[str], width: int) -> list[str]:
    paras: list[str] = []
    cur = ""
    for i, line in enumerate(lines):
        cur = glue(cur, line)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or (ends_sentence(line) and len(line) + 1 + len(nxt.split()[0]) <= width):
            paras.append(cur)
            cur = ""
    return paras


def join_lines(lines: list[str]) -> list[str]:
    """Text that is not hard-wrapped: a line is a paragraph, unless it stops
    mid-sentence and the next line carries on in lower case. A title line
    ("Acme Q1 2024 Earnings Call") keeps its own paragraph."""
    paras: list[str] = []
    cur = ""
    for i, line in enumerate(lines):
        cur = glue(cur, line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if ends_sentence(line) or not re.match(r"[a-z0-9(]", nxt):
            paras.append(cur)
            cur = ""
    if cur:
        paras.append(cur)
    return paras


def group_sentences(lines: list[str]) -> list[str]:
    """One sentence per line: a few consecutive sentences make a paragraph."""
    paras: list[str] = []
    cur: list[str] = []
    for line in lines:
        cur.append(line)
        if len(cur) >= GROUP_SENTENCES or sum(len(x) + 1 for x in cur) >= GROUP_CHARS:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras


def paragraphs(block: list[str], width: int | None) -> list[str]:
    """Paragraphs of one block of consecutive non-blank lines."""
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in block if ln.strip()]
    if not lines:
        return []
    if width:
        return join_wrapped(lines, width)
    if len(lines) > 2 and sum(map(ends_sentence, lines)) >= SENTENCE_LINES_SHARE * len(lines):
        return group_sentences(lines)
    return join_lines(lines)


def blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines."""
    out: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            out[-1].append(ln)
        elif out[-1]:
            out.append([])
    return [b for b in out if b]
