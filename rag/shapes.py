"""English transcript shapes, parsed into the turns of rag/transcript.py.

Recognised, in any mix within one file:

  a. "Company Participants" / "Conference Call Participants" lists of
     "Name - Title" / "Name - Firm" lines; each turn opens with the speaker's
     name alone on a line ("Operator" included).
  b. Refinitiv: "CORPORATE PARTICIPANTS" / "CONFERENCE CALL PARTICIPANTS"
     lists of "Name" + "Company - Title" lines, "PRESENTATION" and "QUESTIONS
     AND ANSWERS" headings, each turn opening with the same two lines, the text
     hard-wrapped (re-joined by rag/shapes_text.py).
  c. "Name -- Title" or "Name -- Firm -- Analyst" alone on a line before a
     turn; "Name: text" turns.
  e. Markdown: "#"/"##" headings, "**Name** (Title):" / "**Name**:" speaker
     lines, bullets and emphasis marks stripped from the text.

A file in which fewer than two speaker turns are found is not parsed here
(`parse` returns None) and falls back to plain paragraphs (shape d, one
sentence per line, is grouped there).

Roles: listed under company/corporate participants -> management (investor
relations -> host, who reads the disclaimers and hands over, as in the
Chinese layout); under call participants -> analyst with the listed firm;
"Operator" -> operator; an analyst the operator introduces ("our next
question comes from Jane Doe from Acme Securities") -> analyst of that firm.
In the Q&A a management turn answers the latest analyst question until the
operator or the host speaks again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import shapes_text
from .transcript import END_MARK_RE, HEADER_RE, PAGE_NUMBER_RE, Document, TextBuilder, Turn

PREPARED, QA = "Prepared remarks", "Q&A"
MIN_TURNS = 2
# Lowercase words inside a person's name ("Cai von Rumohr").
PARTICLES = {"von", "van", "de", "der", "den", "da", "del", "della", "di", "du", "la", "le", "bin", "al",
             "el", "dos", "das", "y", "ter", "ten", "zu"}
NAME_MAX_CHARS = 48
# "Name - Title", "Name -- Title", "Name – Firm": separators with spaces around.
SEP_RE = re.compile(r"\s+(?:--|—|–|-)\s+")
DOUBLE_SEP_RE = re.compile(r"\s+(?:--|—|–)\s+")
LIST_RE = re.compile(
    r"^(?:(?P<kind>company|corporate|conference call|call|other)\s+participants|(?P<kind2>executives|analysts))"
    r"\s*:?$", re.I)
LIST_ROLES = {"company": "management", "corporate": "management", "executives": "management",
              "conference call": "analyst", "analysts": "analyst"}
# Section headings of published transcripts (a line of its own).
HEADING_RE = re.compile(
    r"^(?:presentation|prepared remarks|opening remarks|management remarks|management discussion section"
    r"|questions?[- ]and[- ]answers?(?:[- ]session)?|questions?\s*&\s*answers?(?: session)?|q\s*&\s*a(?: session)?"
    r"|disclaimer|definitions|closing remarks)$", re.I)
OPERATOR_RE = re.compile(r"^operator$", re.I)
UNIDENTIFIED_RE = re.compile(r"^(?:unidentified|unknown)(?:\s+[a-z]+){0,3}$", re.I)
ANALYST_RE = re.compile(r"\banalysts?\b", re.I)
IR_RE = re.compile(r"(?i:investor (?:and media )?relations)|\bIR\b")
TITLE_RE = re.compile(
    r"\b(?:chief|ceo|cfo|coo|cto|president|chair\w*|director|head|vice|vp|svp|evp|officer|founder"
    r"|treasurer|controller|investor relations|secretary|counsel|manager|executive|ir)\b", re.I)
# Refinitiv names an analyst's firm with its research arm.
RESEARCH_ARM_RE = re.compile(r",?\s*(?:Research Division|Equity Research|Research)$")
MD_HEADING_RE = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*$")
# "**Name** (Title):", "**Name**:", "**Name:**": the colon right after the name or its parentheses.
MD_SPEAKER_RE = re.compile(
    r"^\*\*(?P<name>[^*:]{2,60}?)\s*(?P<c1>:)?\s*\*\*\s*(?:[(（](?P<paren>[^()（）]{1,100})[)）])?\s*(?P<c2>:)?"
    r"\s*(?P<text>.*)$")
COLON_RE = re.compile(r"^(?P<name>[^:()（）]{2,48}?)\s*(?:[(（](?P<paren>[^()（）]{1,100})[)）])?\s*:\s*(?P<text>.*)$")
BULLET_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
# The operator hands over to an analyst: "Our next question comes from Jane
# Doe from Acme Securities", "... from the line of Jane Doe with Acme".
INTRO_RE = re.compile(
    r"\bquestions?\s+(?:today\s+)?(?:is\s+|comes\s+|will\s+come\s+|come\s+)?(?:from|is from)\s+(?:the\s+line\s+of\s+)?"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|" + "|".join(sorted(PARTICLES)) + r")){1,4}?)"
    r"\s+(?:from|with|of|at)\s+(?P<firm>[A-Z][^.;!?\n]{1,60})")


# ------------------------------------------------------------------ people
@dataclass
class Person:
    name: str
    title: str | None = None
    firm: str | None = None
    role: str = "unknown"


def name_key(name: str) -> str:
    return re.sub(r"[\s.,]+", " ", name).strip().lower()


def name_like(s: str, min_tokens: int = 2) -> bool:
    """A person's name: a few capitalised words, no digits or sentence marks."""
    s = s.strip()
    if not 0 < len(s) <= NAME_MAX_CHARS or re.search(r"[\d:;!?,()\"“”*#\[\]]", s):
        return False
    toks = s.split()
    if not min_tokens <= len(toks) <= 6:
        return False
    return all(t[0].isupper() or t.lower() in PARTICLES or "\u4e00" <= t[0] <= "\u9fff" for t in toks) \
        and not toks[0].lower() in PARTICLES


class People:
    """Who is who. A turn's "Simon Flannery" is the list's "Simon William
    Flannery", its "Suji DeSilva" the list's "Suji Desilva"."""

    def __init__(self):
        self.all: list[Person] = []

    def find(self, name: str) -> Person | None:
        k = name_key(name)
        toks = k.split()
        for p in self.all:
            if name_key(p.name) == k:
                return p
        for p in self.all:
            pk = name_key(p.name)
            pt = pk.split()
            if len(toks) >= 2 and len(pt) >= 2 and toks[0] == pt[0] and toks[-1] == pt[-1]:
                return p
            if len(toks) >= 2 and len(pt) >= 2 and (pk.startswith(k + " ") or k.startswith(pk + " ")):
                return p
        return None

    def add(self, person: Person) -> Person:
        known = self.find(person.name)
        if known is None:
            self.all.append(person)
            return person
        known.title = known.title or person.title
        known.firm = known.firm or person.firm
        if known.role == "unknown":
            known.role = person.role
        return known

    def firms(self, *roles: str) -> set[str]:
        return {name_key(_firm(p.firm)) for p in self.all if p.firm and p.role in roles}


def _firm(s: str) -> str:
    return RESEARCH_ARM_RE.sub("", s.strip()).strip(" ,")


def _management(title: str | None) -> str:
    return "host" if title and IR_RE.search(title) else "management"


def person_from_parts(name: str, parts: list[str], list_role: str | None) -> Person:
    """"Name - Title", "Name - Firm" (a call participant), "Name -- Firm -- Analyst"."""
    parts = [p.strip() for p in parts if p.strip()]
    if list_role != "management" and any(ANALYST_RE.search(p) for p in parts):
        firm = next((p for p in parts if not ANALYST_RE.fullmatch(p)), None)  # the part that is not "Analyst"
        return Person(name, firm=_firm(firm) if firm else None, role="analyst")
    if list_role == "analyst":
        return Person(name, firm=_firm(parts[0]), role="analyst")
    title = " - ".join(parts)
    return Person(name, title=title, role=_management(title))


def person_from_company_line(name: str, company: str, title: str, list_role: str | None, people: People) -> Person:
    """Refinitiv's "Name" + "Company - Title": listed under corporate
    participants, or unlisted with the company line of someone who is, is
    the company's; anyone else speaking in its call is an analyst."""
    own = list_role == "management" or (
        list_role is None and name_key(_firm(company)) in people.firms("management", "host"))
    if own:
        return Person(name, title=title, firm=company.strip(), role=_management(title))
    return Person(name, firm=_firm(company), role="analyst")


def person_from_paren(name: str, paren: str | None) -> Person:
    """"**Name** (Title):", "Name (Firm):"."""
    if not paren:
        return Person(name)
    if ANALYST_RE.search(paren):
        firm = _firm(re.sub(r"\s*[,\-–—]?\s*\banalysts?\b\s*[,\-–—]?\s*", " ", paren, flags=re.I).strip(" ,-"))
        return Person(name, firm=firm or None, role="analyst")
    if TITLE_RE.search(paren):
        return Person(name, title=paren.strip(), role=_management(paren))
    return Person(name, firm=_firm(paren), role="analyst")


def split_entry(line: str, sep: re.Pattern = SEP_RE) -> tuple[str, list[str]] | None:
    parts = sep.split(line.strip())
    if len(parts) < 2 or not name_like(parts[0], 1) or len(line) > 160 or shapes_text.ends_sentence(line):
        return None
    return parts[0].strip(), parts[1:]


def split_company(line: str) -> tuple[str, str] | None:
    s = line.strip()
    if not s or len(s) > 160 or re.search(r"[.!?]$", s):
        return None
    parts = SEP_RE.split(s, maxsplit=1)
    return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else None


# ------------------------------------------------------------------ scanning
def _heading(line: str, markdown: bool) -> str | None:
    s = line.strip()
    m = MD_HEADING_RE.match(s)
    if m:
        return _clean_heading(m.group("text"))
    s = s.strip("*_ ").rstrip(":").strip("*_ ")
    if HEADING_RE.match(s):
        return _clean_heading(s)
    return None


def _clean_heading(s: str) -> str:
    s = strip_markdown(s).strip().rstrip(":").strip()
    if s.isupper():  # "QUESTIONS AND ANSWERS" -> "Questions and answers"; "Q&A" stays
        s = re.sub(r"\bq\s*&\s*a\b", "Q&A", s.capitalize(), flags=re.I)
    return s


def strip_markdown(s: str) -> str:
    """Bold, italics, inline code and links as plain text."""
    s = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"(\*\*|__)(.+?)\1", r"\2", s)
    s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", s)
    s = re.sub(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)", r"\1", s)
    return re.sub(r"`([^`]+)`", r"\1", s)


@dataclass
class _Raw:
    section: str | None  # None: before the file's first heading
    person: Person | None
    lines: list[str] = field(default_factory=list)  # "" = blank line
    own_paragraphs: list[str] = field(default_factory=list)  # list entries: one paragraph each


class _Scanner:
    def __init__(self, raw: str):
        self.lines = [ln for ln in raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
                      if not (PAGE_NUMBER_RE.match(ln) or END_MARK_RE.match(ln.strip()) or HEADER_RE.match(ln))]
        self.markdown = any(MD_HEADING_RE.match(ln.strip()) or MD_SPEAKER_RE.match(ln.strip()) for ln in self.lines)
        self.people = People()
        self.list_lines: dict[int, str | None] = {}  # line -> rendered list entry (None: drop)
        self.two_line = False
        self._read_lists()
        self._read_dash_speakers()
        self._read_introductions()
        # An unlisted name opens turns only in a call: one with an operator or a participant list
        # ("Net Sales: up 5%" twice in a press release is no speaker).
        self.call_like = bool(self.people.all) or any(re.match(r"operator\s*(?::|$)", ln.strip(), re.I)
                                                      for ln in self.lines)
        self.bare = Counter(ln.strip() for ln in self.lines if name_like(ln))
        self.colon = Counter(m.group("name").strip() for ln in self.lines if (m := COLON_RE.match(ln.strip())))
        # A file whose turns are "Name: text" lines: any name standing so opens a turn.
        self.colon_shape = sum(n for name, n in self.colon.items() if self.is_speaker(name, self.colon)) >= 3
        self.pairs = Counter(self._company(i)[0] for i in range(len(self.lines)) if self._company(i))

    # -- participant lists
    def _next(self, i: int) -> int | None:
        for k in range(i + 1, len(self.lines)):
            if self.lines[k].strip():
                return k
        return None

    def _read_lists(self) -> None:
        i = 0
        n = len(self.lines)
        while i < n:
            head = self.lines[i].strip().strip("#*_ ").strip()
            m = LIST_RE.match(head.rstrip("*_ "))
            if not m:
                i += 1
                continue
            kind = (m.group("kind") or m.group("kind2")).lower()
            role = LIST_ROLES.get(re.sub(r"\s+", " ", kind))
            self.list_lines[i] = head.rstrip(":")
            j = i + 1
            while j < n:
                s = self.lines[j].strip()
                if not s:
                    self.list_lines[j] = None
                    j += 1
                    continue
                if LIST_RE.match(s.strip("#*_ ")) or _heading(s, self.markdown) or OPERATOR_RE.match(s):
                    break
                entry = split_entry(BULLET_RE.sub("", strip_markdown(s)))
                if entry:
                    self.people.add(person_from_parts(entry[0], entry[1], role))
                    self.list_lines[j] = strip_markdown(s)
                    j += 1
                    continue
                k = self._next(j)
                pair = split_company(self.lines[k]) if k is not None else None
                if name_like(s, 1) and pair:
                    self.people.add(person_from_company_line(s, pair[0], pair[1], role, self.people))
                    self.list_lines[j] = f"{s} - {pair[0]} - {pair[1]}"
                    self.list_lines.update({x: None for x in range(j + 1, k + 1)})
                    self.two_line = True
                    j = k + 1
                    continue
                break
            i = j

    def _read_dash_speakers(self) -> None:
        """Shape c: "Name -- Title" lines name their speaker wherever they stand."""
        for i, ln in enumerate(self.lines):
            if i in self.list_lines:
                continue
            entry = split_entry(ln, DOUBLE_SEP_RE)
            if entry and name_like(entry[0]):
                self.people.add(person_from_parts(entry[0], entry[1], None))

    def _read_introductions(self) -> None:
        flat = re.sub(r"\s+", " ", "\n".join(self.lines))
        for m in INTRO_RE.finditer(flat):
            firm = re.split(r",\s|\s+(?:[Yy]our|[Pp]lease|[Gg]o ahead|[Yy]ou may)\b", m.group("firm"))[0].strip(" ,")
            if self.people.find(m.group("name")) is None:
                self.people.add(Person(m.group("name").strip(), firm=_firm(firm), role="analyst"))

    def _company(self, i: int) -> tuple[str, str] | None:
        """A "Company - Title" line right below a name line (Refinitiv)."""
        s = self.lines[i].strip()
        if not name_like(s, 1):
            return None
        k = self._next(i)
        if k is None or k - i > 2:
            return None
        return split_company(self.lines[k])

    # -- speakers
    def is_speaker(self, name: str, counter: Counter) -> bool:
        name = name.strip()
        return bool(OPERATOR_RE.match(name) or UNIDENTIFIED_RE.match(name) or
                    (name_like(name, 1) and self.people.find(name) is not None) or
                    (self.call_like and name_like(name) and counter[name] >= 2))

    def _standalone(self, i: int, after_sentence: bool = False) -> bool:
        """Line i stands on its own: after a blank line, a list or a heading,
        or (for a known speaker) after a line ending a sentence: PDF text has
        no blank lines between turns."""
        if i == 0:
            return True
        prev = self.lines[i - 1].strip()
        return (not prev or i - 1 in self.list_lines or _heading(prev, self.markdown) is not None
                or (after_sentence and shapes_text.ends_sentence(prev)))

    def speaker_at(self, i: int) -> tuple[Person, str, int] | None:
        """(who, text on the same line, next line) if line i opens a turn."""
        s = self.lines[i].strip()
        m = MD_SPEAKER_RE.match(s)
        if m and (m.group("c1") or m.group("c2") or (m.group("paren") and not m.group("text"))) \
                and (name_like(m.group("name")) or self.is_speaker(m.group("name"), Counter())):
            return self.resolve(m.group("name"), person_from_paren(m.group("name").strip(), m.group("paren"))), \
                m.group("text"), i + 1
        entry = split_entry(s, DOUBLE_SEP_RE) or (split_entry(s) if self._standalone(i) else None)
        if entry and self.people.find(entry[0]):
            return self.resolve(entry[0], person_from_parts(entry[0], entry[1], None)), "", i + 1
        if self._standalone(i, after_sentence=True) and self.is_speaker(s, self.bare):
            pair = self._company(i)
            if pair and (self.two_line or self.pairs[pair[0]] >= 2
                         or name_key(_firm(pair[0])) in self.people.firms("management", "host", "analyst")):
                k = self._next(i)
                return self.resolve(s, person_from_company_line(s, pair[0], pair[1], None, self.people)), "", k + 1
            return self.resolve(s, None), "", i + 1
        m = COLON_RE.match(s)
        if m and (self.is_speaker(m.group("name"), self.colon) or (self.colon_shape and name_like(m.group("name")))):
            return self.resolve(m.group("name"), person_from_paren(m.group("name").strip(), m.group("paren"))), \
                m.group("text"), i + 1
        return None

    def resolve(self, name: str, header: Person | None) -> Person:
        name = re.sub(r"\s+", " ", name).strip()
        if OPERATOR_RE.match(name):
            return Person("Operator", role="operator")
        known = self.people.find(name)
        if known is None and header is not None and (header.title or header.firm):
            known = self.people.add(header)
        if known is not None:
            return known
        role = "unknown"
        if UNIDENTIFIED_RE.match(name):
            role = "analyst" if ANALYST_RE.search(name) else (
                "management" if re.search(r"company|executive|management|representative", name, re.I) else "unknown")
        return self.people.add(Person(name, role=role))

    # -- turns
    def scan(self) -> list[_Raw]:
        raws: list[_Raw] = [_Raw(None, None)]
        section: str | None = None
        first = next((k for k, ln in enumerate(self.lines) if ln.strip()), -1)
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            cur = raws[-1]
            if i in self.list_lines:
                if cur.person is not None:
                    cur = _Raw(section, None)
                    raws.append(cur)
                if self.list_lines[i]:
                    cur.own_paragraphs.append(self.list_lines[i])
                    cur.lines.append("\x00")  # where the entry stands among the lines
                i += 1
                continue
            heading = _heading(line, self.markdown)
            if heading and i == first and self.markdown and line.lstrip().startswith("# "):
                cur.lines.append(heading)  # the file's title, not a section
                i += 1
                continue
            if heading:
                section = heading
                raws.append(_Raw(section, None))
                i += 1
                continue
            sp = self.speaker_at(i) if line.strip() else None
            if sp:
                person, text, i = sp
                raws.append(_Raw(section, person, [text] if text.strip() else []))
                continue
            cur.lines.append(line)
            i += 1
        return [r for r in raws if r.person is not None or r.own_paragraphs or any(ln.strip() for ln in r.lines)]

    def body_lines(self, raws: list[_Raw]) -> list[str]:
        return [ln for r in raws for ln in r.lines if ln != "\x00"]

    def paragraphs(self, raw: _Raw, width: int | None) -> list[str]:
        lines: list[str] = []
        own = iter(raw.own_paragraphs)
        out: list[str] = []
        for ln in raw.lines + [""]:
            if ln == "\x00":
                out.extend(self._block_paragraphs(lines, width))
                out.append(next(own))
                lines = []
            elif self.markdown and BULLET_RE.match(ln):
                out.extend(self._block_paragraphs(lines, width))
                lines = [BULLET_RE.sub("", ln)]
            elif not ln.strip():
                out.extend(self._block_paragraphs(lines, width))
                lines = []
            else:
                lines.append(ln)
        return [p for p in out if p.strip()]

    def _block_paragraphs(self, lines: list[str], width: int | None) -> list[str]:
        paras = shapes_text.paragraphs(lines, width)
        return [strip_markdown(p).strip() for p in paras] if self.markdown else paras


def parse(raw: str, name: str) -> Document | None:
    scanner = _Scanner(raw)
    raws = scanner.scan()
    if sum(1 for r in raws if r.person is not None) < MIN_TURNS:
        return None
    width = shapes_text.wrap_width(scanner.body_lines(raws))
    _name_sections(raws)
    _speakers_of_prepared_remarks(raws)
    builder = TextBuilder()
    turns: list[Turn] = []
    section = ""
    for r in raws:
        paras = scanner.paragraphs(r, width)
        if r.person is None and not paras:
            continue
        if r.section and r.section != section:
            builder.heading(r.section)
        section = r.section or ""
        p = r.person
        turn = Turn(index=len(turns), section=section, speaker=p.name if p else None,
                    title=p.title if p else None, firm=p.firm if p else None, role=p.role if p else "unknown")
        if p:
            builder.speaker_line(p.name, p.title, p.firm, None)
        turn.paragraphs = builder.paragraphs(paras)
        turns.append(turn)
    link_answers(turns)
    return Document(name=name, text=builder.text(), turns=turns, kind="transcript")


def _name_sections(raws: list[_Raw]) -> None:
    """Turns before the file's first heading are its prepared remarks; a file
    with no headings at all gets "Q&A" from its first analyst turn (with the
    operator turn that introduced it)."""
    has_headings = any(r.section for r in raws)
    first_speaker = next((i for i, r in enumerate(raws) if r.person is not None), len(raws))
    qa = len(raws)
    if not has_headings:
        qa = next((i for i, r in enumerate(raws) if r.person is not None and r.person.role == "analyst"), len(raws))
        if qa < len(raws) and qa > 0 and raws[qa - 1].person is not None and raws[qa - 1].person.role == "operator":
            qa -= 1
    for i, r in enumerate(raws):
        if r.section is None and i >= first_speaker:
            r.section = QA if i >= qa else PREPARED


def _speakers_of_prepared_remarks(raws: list[_Raw]) -> None:
    """A speaker of no known role who speaks before the first analyst (the
    operator aside) is the company's: "Name: text" files list nobody."""
    for r in raws:
        if r.person is None:
            continue
        if r.person.role == "analyst":
            break
        if r.person.role == "unknown" and not UNIDENTIFIED_RE.match(r.person.name):
            r.person.role = "management"


def link_answers(turns: list[Turn]) -> None:
    """A management turn answers the latest analyst question, until the
    operator or the host speaks again."""
    question: Turn | None = None
    for t in turns:
        if t.speaker is None:
            continue
        if t.role in ("operator", "host"):
            question = None
        elif t.role == "analyst":
            question = t
        elif t.role == "management" and question is not None:
            t.question_by, t.question_firm, t.question_turn = question.speaker, question.firm, question.index
