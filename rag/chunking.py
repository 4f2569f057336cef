"""Cutting a parsed document into passages for retrieval.

Sentence-aware (Chinese and English punctuation), never across a speaker
turn, sized in the LLM's own tokens with a small overlap of whole sentences.
A chunk's text is always the exact slice `doc.text[start:end]`, so its span
is right by construction. Ids hash the content: the same text under the same
speaker in the same document always gets the same id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

from . import tokens
from .transcript import Document, Turn

SENTENCE_RE = re.compile(r".+?(?:[。！？!?；;]+[”’」』）)]*|\.(?=\s)|$)", re.S)
CLAUSE_RE = re.compile(r".+?(?:[，,、：:]|$)", re.S)
BOILERPLATE_RE = re.compile(
    r"前瞻性陈述|免责声明|非公认会计准则财务指标|forward-looking statements?|safe harbor|non-GAAP financial measures",
    re.I,
)


@dataclass
class Chunk:
    id: str
    doc: str
    text: str
    start: int
    end: int
    tokens: int
    section: str = ""
    speaker: str = ""
    title: str = ""
    firm: str = ""
    mode: str = ""
    role: str = ""
    turn_index: int = -1
    question_by: str = ""
    question_firm: str = ""
    question_turn: int = -1
    boilerplate: bool = False
    call: str = ""  # the call's id in the library (rag/library.py)
    call_label: str = ""  # how a reader names it: "Campbell Soup · Q3 fiscal 2021"
    lang: str = ""  # the call's language: its headers are written in it

    @property
    def who(self) -> str:
        """"徐宏（阿里巴巴集团首席财务官）" / "Ronald Keung (Goldman Sachs)"."""
        if not self.speaker:
            return ""
        if self.firm and not self.title:
            return f"{self.speaker} ({self.firm})"
        if self.title:
            return f"{self.speaker} ({self.title})" if self.lang == "en" else f"{self.speaker}（{self.title}）"
        return self.speaker

    @property
    def header(self) -> str:
        """Context that travels with the text into the embedder, BM25 and
        prompts: the call, the section, who speaks and whom they answer."""
        parts = [p for p in (self.call_label, self.section, self.who) if p]
        if self.question_by:
            firm = f" ({self.question_firm})" if self.question_firm else ""
            parts.append(f"answering {self.question_by}{firm}" if self.lang == "en"
                         else f"回答 {self.question_by}{firm} 的提问")
        return " · ".join(parts)

    @property
    def with_header(self) -> str:
        """The passage as the embedder, BM25 and the answer checks read it:
        its section and speaker line, then its text."""
        return f"{self.header}\n{self.text}" if self.header else self.text

    def metadata(self) -> dict:
        """Chroma metadata: scalars only."""
        d = asdict(self)
        d.pop("id")
        d.pop("text")
        return d

    @classmethod
    def from_record(cls, chunk_id: str, text: str, meta: dict) -> "Chunk":
        fields = {k: meta[k] for k in cls.__dataclass_fields__ if k in meta}
        return cls(id=chunk_id, text=text, **fields)


def _sentences(text: str, base: int) -> list[tuple[int, int]]:
    return [(base + m.start(), base + m.end()) for m in SENTENCE_RE.finditer(text) if m.group().strip()]


def _split_long(doc_text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """A sentence over the budget is cut at clause marks, then by length."""
    pieces: list[tuple[int, int]] = []
    cur_s = start
    for m in CLAUSE_RE.finditer(doc_text[start:end]):
        e = start + m.end()
        if tokens.count(doc_text[cur_s:e]) > limit and cur_s < start + m.start():
            pieces.append((cur_s, start + m.start()))
            cur_s = start + m.start()
    pieces.append((cur_s, end))
    out = []
    for s, e in pieces:
        n = tokens.count(doc_text[s:e])
        if n <= limit:
            out.append((s, e))
            continue
        step = max(1, int((e - s) * limit / n))
        out.extend((i, min(e, i + step)) for i in range(s, e, step))
    return out


def _is_boilerplate(text: str, turn: Turn) -> bool:
    """Legal disclaimers read by the host (forward-looking statements, non-GAAP notes)."""
    return turn.role in ("host", "unknown") and bool(BOILERPLATE_RE.search(text))


def chunk_turn(doc: Document, turn: Turn, max_tokens: int, overlap_tokens: int) -> list[tuple[int, int, bool]]:
    """(start, end, boilerplate) spans; boilerplate paragraphs never share a chunk with content."""
    units: list[tuple[int, int, bool]] = []
    for p in turn.paragraphs:
        flag = _is_boilerplate(p.text, turn)
        for s, e in _sentences(p.text, p.start):
            if tokens.count(doc.text[s:e]) > max_tokens:
                units.extend((a, b, flag) for a, b in _split_long(doc.text, s, e, max_tokens))
            else:
                units.append((s, e, flag))
    spans: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(units):
        j = i
        while (j + 1 < len(units) and units[j + 1][2] == units[i][2]
               and tokens.count(doc.text[units[i][0] : units[j + 1][1]]) <= max_tokens):
            j += 1
        spans.append((units[i][0], units[j][1], units[i][2]))
        if j + 1 >= len(units):
            break
        # Overlap: restart on the last sentences of this chunk that fit the
        # overlap budget (none across a boilerplate boundary).
        k = j + 1
        if units[k][2] == units[i][2]:
            while k - 1 > i and tokens.count(doc.text[units[k - 1][0] : units[j][1]]) <= overlap_tokens:
                k -= 1
        i = k
    return spans


def chunk_document(doc: Document, max_tokens: int = 160, overlap_tokens: int = 24, call: str = "",
                   call_label: str = "", lang: str = "") -> list[Chunk]:
    """The document's passages, each carrying its call (id and label) and
    the call's language."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for turn in doc.turns:
        for s, e, boilerplate in chunk_turn(doc, turn, max_tokens, overlap_tokens):
            text = doc.text[s:e]
            c = Chunk(
                id="", doc=doc.name, text=text, start=s, end=e, tokens=tokens.count(text),
                section=turn.section or "", speaker=turn.speaker or "", title=turn.title or "",
                firm=turn.firm or "", mode=turn.mode or "", role=turn.role, turn_index=turn.index,
                question_by=turn.question_by or "", question_firm=turn.question_firm or "",
                question_turn=turn.question_turn if turn.question_turn is not None else -1,
                boilerplate=boilerplate, call=call, call_label=call_label, lang=lang,
            )
            base = hashlib.sha256(f"{doc.name}\x1f{c.header}\x1f{text}".encode()).hexdigest()[:20]
            n = seen.get(base, 0)
            seen[base] = n + 1
            c.id = base if n == 0 else f"{base}-{n}"
            chunks.append(c)
    return chunks
