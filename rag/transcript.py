"""Recovering an earnings call's structure from PDF-extracted text.

Input: text where every PDF line is its own line (often followed by a blank
one), sentences and numbers broken across lines, page headers and bare page
numbers in the flow. Output: a `Document` with the cleaned text and its turns:
section, speaker, title or analyst firm, original words (原话) or interpretation
(翻译), and for answers in the Q&A, the analyst question they answer. Every
paragraph keeps its character span in the cleaned text.

The anchor of a speaker turn is its interpretation marker line, "（原话）" or
"（翻译）". Above it stands either one line "Name (Firm):" / "Name：", or two
lines "Name" + "Title"; a short line above those is a section heading. A file
with no such markers is tried against the English shapes (rag/shapes.py:
participant lists, speaker lines, Refinitiv, "Name -- Title", "Name: text",
Markdown) and otherwise falls back to plain paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import shapes_text

MARKER_RE = re.compile(r"^[（(]\s*(原话|翻译|原文|译文|Original|Interpretation|Interpreted|Translation)\s*[)）]$", re.I)
MODES = {"原话": "原话", "原文": "原话", "original": "原话",
         "翻译": "翻译", "译文": "翻译", "interpretation": "翻译", "interpreted": "翻译", "translation": "翻译"}
ANALYST_RE = re.compile(r"^(?P<name>[^()（）:：]{1,60}?)\s*[（(](?P<firm>[^()（）]{1,60})[)）]\s*[:：]$")
NAMED_RE = re.compile(r"^(?P<name>[^:：。，,.!?！？]{1,40}?)\s*[:：]$")
# A page header/footer: two parts separated by a wide run of spaces (title ... date).
HEADER_RE = re.compile(r"^\s*\S.{0,80}?\S\s{8,}\S.{0,60}$")
PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?\s*$|^\s*(?:第\s*\d{1,4}\s*页|Page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)\s*$", re.I)
END_MARK_RE = re.compile(r"^[【\[]\s*(记录稿结束|完|End of (?:transcript|call))\s*[】\]]$", re.I)
# Characters that end a paragraph when they end a PDF line.
PARAGRAPH_END = tuple("。！？!?：:；;…”』」.")
SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")
CJK_SPACE_RE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
HEADING_MAX_CHARS = 24
NAME_MAX_CHARS = 40


@dataclass
class Paragraph:
    text: str
    start: int  # span in Document.text
    end: int


@dataclass
class Turn:
    index: int
    section: str
    speaker: str | None
    title: str | None = None
    firm: str | None = None
    mode: str | None = None  # 原话 (speaker's own words) | 翻译 (interpretation)
    role: str = "unknown"  # host | management | analyst | operator | unknown
    paragraphs: list[Paragraph] = field(default_factory=list)
    question_by: str | None = None  # for answers in the Q&A: the analyst...
    question_firm: str | None = None  # ...their firm
    question_turn: int | None = None  # ...and the turn holding the question

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass
class Document:
    name: str
    text: str
    turns: list[Turn]
    kind: str  # "transcript" | "plain"

    @property
    def sections(self) -> list[str]:
        seen: list[str] = []
        for t in self.turns:
            if t.section and t.section not in seen:
                seen.append(t.section)
        return seen


# ------------------------------------------------------------- cleaning
def clean_lines(raw: str) -> list[str]:
    """Non-empty lines with page headers, page numbers and end marks removed."""
    out = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        if not line.strip():
            continue
        if HEADER_RE.match(line) or PAGE_NUMBER_RE.match(line) or END_MARK_RE.match(line.strip()):
            continue
        out.append(line.strip().replace("\u3000", " "))
    return out


def _needs_space(a: str, b: str) -> bool:
    """Joining two pieces of a broken line: a space only between two Latin
    words; never inside a number ("2,6" + "03") or next to Chinese."""
    if not a or not b:
        return False
    x, y = a[-1], b[0]
    if x.isdigit() and (y.isdigit() or y in ",."):
        return False
    if x in ",." and y.isdigit():
        return False
    latin_x, latin_y = x.isascii() and x.isalnum(), y.isascii() and y.isalnum()
    # The transcript sets Latin words and numbers off from Chinese with a
    # space ("亏损 29 亿元", "经调整 EBITA"); a line break stood for that space.
    return (latin_x and (latin_y or _is_cjk(y))) or (_is_cjk(x) and latin_y)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def join_lines(lines: list[str]) -> list[str]:
    """Merge PDF lines into paragraphs: a line that does not end a sentence
    continues on the next one."""
    paras: list[str] = []
    cur = ""
    for line in lines:
        cur = cur + (" " if _needs_space(cur, line) else "") + line if cur else line
        if cur.endswith(PARAGRAPH_END):
            paras.append(cur)
            cur = ""
    if cur:
        paras.append(cur)
    return paras


def _compact(s: str) -> str:
    return CJK_SPACE_RE.sub("", s).strip()


# ------------------------------------------------------------- structure
def _is_heading(line: str) -> bool:
    s = _compact(line)
    return 0 < len(s) <= HEADING_MAX_CHARS and not SENTENCE_PUNCT.search(s) and not s.endswith((":", "："))


def _is_label(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= NAME_MAX_CHARS and not SENTENCE_PUNCT.search(s)


@dataclass
class _Header:
    start: int  # first line of the header (heading or name)
    marker: int  # the marker line
    section: str | None
    speaker: str
    title: str | None
    firm: str | None
    mode: str


def _find_headers(lines: list[str]) -> list[_Header]:
    headers = []
    floor = 0  # a header never reaches back over the previous marker
    for i, line in enumerate(lines):
        m = MARKER_RE.match(line.strip())
        if not m:
            continue
        mode = MODES.get(m.group(1).lower(), m.group(1))
        prev = lines[i - 1].strip() if i - 1 >= floor else ""
        a = ANALYST_RE.match(prev)
        n = NAMED_RE.match(prev)
        if a:
            start, speaker, title, firm = i - 1, a.group("name").strip(), None, a.group("firm").strip()
        elif n:
            start, speaker, title, firm = i - 1, n.group("name").strip(), None, None
        elif i - 2 >= floor and _is_label(prev) and _is_label(lines[i - 2]):
            start, speaker, title, firm = i - 2, lines[i - 2].strip(), prev, None
        else:
            floor = i + 1
            continue
        section = None
        if start - 1 >= floor and _is_heading(lines[start - 1]) and _ends_block(lines, start - 2, floor):
            start -= 1
            section = _compact(lines[start])
        headers.append(_Header(start, i, section, speaker, title, firm, mode))
        floor = i + 1
    return headers


def _ends_block(lines: list[str], j: int, floor: int) -> bool:
    """True if line j ends a paragraph (or there is no line j in this block)."""
    return j < floor or lines[j].rstrip().endswith(PARAGRAPH_END) or MARKER_RE.match(lines[j].strip()) is not None


def _name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


def parse(raw: str, name: str) -> Document:
    lines = clean_lines(raw)
    headers = _find_headers(lines)
    if not headers:
        from . import shapes  # English shapes; builds on this module's Document and Turn

        doc = shapes.parse(raw, name)
        return doc if doc is not None else _plain(raw, name)
    builder = TextBuilder()
    turns: list[Turn] = []
    section = ""
    if headers[0].start > 0:  # preamble before the first speaker
        pre = Turn(index=0, section="", speaker=None)
        pre.paragraphs = builder.paragraphs(join_lines(lines[: headers[0].start]))
        turns.append(pre)
    known: dict[str, Turn] = {}
    for h_i, h in enumerate(headers):
        end = headers[h_i + 1].start if h_i + 1 < len(headers) else len(lines)
        if h.section:
            section = h.section
            builder.heading(section)
        title, firm = h.title, h.firm
        prior = _lookup(known, h.speaker)
        if prior is not None:
            title = title or prior.title
            firm = firm or prior.firm
        turn = Turn(index=len(turns), section=section, speaker=h.speaker, title=title, firm=firm, mode=h.mode)
        builder.speaker_line(h.speaker, title, firm, h.mode)
        turn.paragraphs = builder.paragraphs(join_lines(lines[h.marker + 1 : end]))
        turns.append(turn)
        known.setdefault(_name_key(h.speaker), turn)
    _assign_roles(turns)
    return Document(name=name, text=builder.text(), turns=turns, kind="transcript")


def _lookup(known: dict[str, Turn], speaker: str) -> Turn | None:
    """"Rob Lin" in the Q&A is "Rob Lin 林建达" of the introduction."""
    key = _name_key(speaker)
    if key in known:
        return known[key]
    for k, t in known.items():
        if k.startswith(key + " ") or key.startswith(k + " "):
            return t
    return None


def _assign_roles(turns: list[Turn]) -> None:
    """The call's first speaker is its host (investor relations); a speaker
    with a firm and no title is an analyst; everyone else is management. In
    the Q&A, management turns answer the latest analyst question until the
    host speaks again."""
    speakers = [t for t in turns if t.speaker]
    if not speakers:
        return
    host = {_name_key(speakers[0].speaker): speakers[0]}
    question: Turn | None = None
    for t in speakers:
        if _lookup(host, t.speaker) is not None:
            t.role = "host"
            question = None
        elif t.firm and not t.title:
            t.role = "analyst"
            question = t
        else:
            t.role = "management"
            if question is not None:
                t.question_by, t.question_firm, t.question_turn = question.speaker, question.firm, question.index


def _plain(raw: str, name: str) -> Document:
    """Any other text: blank lines separate paragraphs, Markdown headings
    become sections. English lines are re-joined by the English rules (a
    space at every break, hard wrapping, one sentence per line grouped into
    paragraphs: rag/shapes_text.py), Chinese ones by `join_lines`."""
    builder = TextBuilder()
    turns: list[Turn] = []
    section = ""
    block: list[str] = []
    width = shapes_text.wrap_width(clean_lines(raw))

    def paragraphs(chunk: list[str]) -> list[str]:
        if any(_is_cjk(ch) for ln in chunk for ch in ln):
            return join_lines(chunk)
        return shapes_text.paragraphs(chunk, width)

    def flush():
        if block:
            t = Turn(index=len(turns), section=section, speaker=None)
            t.paragraphs = builder.paragraphs([p for chunk in block for p in paragraphs(chunk)])
            turns.append(t)
            block.clear()

    para: list[str] = []
    for line in raw.replace("\r\n", "\n").split("\n") + [""]:
        m = re.match(r"^#{1,6}\s+(.+)$", line.strip())
        if m or not line.strip():
            cleaned = clean_lines("\n".join(para))
            if cleaned:
                block.append(cleaned)
            para = []
            if m:
                flush()
                section = m.group(1).strip()
                builder.heading(section)
        else:
            para.append(line)
    flush()
    return Document(name=name, text=builder.text(), turns=turns, kind="plain")


class TextBuilder:
    """Accumulates the cleaned text and hands out spans."""

    def __init__(self):
        self._parts: list[str] = []
        self._len = 0

    def _add(self, s: str) -> tuple[int, int]:
        start = self._len
        self._parts.append(s + "\n")
        self._len += len(s) + 1
        return start, start + len(s)

    def heading(self, section: str) -> None:
        self._add(f"## {section}")

    def speaker_line(self, speaker, title, firm, mode) -> None:
        """"徐宏（首席财务官）（原话）：" in the Chinese layout, "Jane Doe (CFO):" otherwise."""
        extra = title or firm
        if mode:
            self._add(f"{speaker}{f'（{extra}）' if extra else ''}（{mode}）：")
        else:
            self._add(f"{speaker}{f' ({extra})' if extra else ''}:")

    def paragraphs(self, texts: list[str]) -> list[Paragraph]:
        out = []
        for t in texts:
            s, e = self._add(t)
            out.append(Paragraph(t, s, e))
        return out

    def text(self) -> str:
        return "".join(self._parts)
