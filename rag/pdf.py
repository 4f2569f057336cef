"""Reading a PDF transcript as text, one printed line per line, the form
rag/transcript.py parses.

pypdf extracts each page's text layer (Chinese CID fonts included). What the
PDF adds to the call's words is removed here, page by page:

- the running header and footer (the call's title and date, a copyright
  line), found as a line that recurs among the first or last lines of most
  pages; left in, it cut sentences in two and was read as a speaker's words;
- page numbers ("3", "- 3 -", "Page 3 of 12", "3 / 12", "第 3 页").

A PDF that cannot be read, is password protected, or has no text layer (a
scan) is refused with one line saying so, before anything is indexed.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections import Counter
from pathlib import Path

from .errors import BadInput
from .transcript import MARKER_RE, PAGE_NUMBER_RE

EDGE_LINES = 3  # lines at the top and at the bottom of a page where headers and footers stand
REPEAT_SHARE = 0.5  # a line at the edge of at least this share of the pages is a header or footer
MIN_TEXT_CHARS = 20  # less text than this in the whole file: a scan
MAX_PAGES = 2000  # ~40 calls' worth; more is not one transcript
PAGE_OF_RE = re.compile(r"^\s*\d{1,4}\s*/\s*\d{1,4}\s*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _key(line: str) -> str:
    """Header lines compared with their numbers blanked: "Page 3 of 12" is "Page 4 of 12"."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip())).lower()


def _edges(lines: list[str]) -> dict[int, int]:
    """Line index -> its place from the top (0, 1, 2) or the bottom (-1, -2, -3)."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    places = {i: -1 - k for k, i in enumerate(reversed(idx[-EDGE_LINES:]))}
    places.update({i: k for k, i in enumerate(idx[:EDGE_LINES])})
    return places


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their running headers, footers and page numbers. A
    header is the same line in the same place on most pages, and seldom
    anywhere else; a speaker's title line or an interpretation marker that
    happens to open two pages is not (dropping those lost turns)."""
    counts: Counter[tuple[int, str]] = Counter()
    elsewhere: Counter[str] = Counter()
    for lines in pages:
        edges = _edges(lines)
        counts.update({(place, _key(lines[i])) for i, place in edges.items()
                       if not MARKER_RE.match(lines[i].strip())})
        elsewhere.update(_key(ln) for i, ln in enumerate(lines) if ln.strip() and i not in edges)
    need = max(2, math.ceil(REPEAT_SHARE * len(pages)))
    repeated = {k for k, n in counts.items() if n >= need and elsewhere[k[1]] < n / 2} if len(pages) >= 2 else set()
    out = []
    for lines in pages:
        edges = _edges(lines)
        out.append([ln for i, ln in enumerate(lines)
                    if not (i in edges and ((edges[i], _key(ln)) in repeated
                                            or PAGE_NUMBER_RE.match(ln) or PAGE_OF_RE.match(ln)))])
    return out


def extract_pages(raw: bytes, path: str | Path) -> list[list[str]]:
    """The text lines of each page. Any failure of the PDF reader on a damaged
    file becomes one line naming the file, not a traceback."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf warns about every small defect of a file it reads fine
    try:
        try:
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileNotDecryptedError("password")
            if len(reader.pages) > MAX_PAGES:
                raise BadInput(f"{path} has {len(reader.pages)} pages, over the {MAX_PAGES} pages of one transcript")
            return [(page.extract_text() or "").splitlines() for page in reader.pages]
        except (FileNotDecryptedError, DependencyError):
            raise BadInput(f"{path} is a password-protected PDF; save an unprotected copy and index that") from None
        except BadInput:
            raise
        except Exception as e:  # noqa: BLE001 - pypdf raises many types on damaged files
            detail = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
            raise BadInput(f"{path} is not a readable PDF ({detail})") from None
    finally:
        log.setLevel(level)


def read_pdf(raw: bytes, path: str | Path) -> str:
    pages = strip_page_furniture([[CONTROL_RE.sub("", ln).rstrip() for ln in p] for p in extract_pages(raw, path)])
    text = "\n".join(ln for lines in pages for ln in lines)
    if len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS:
        raise BadInput(f"no text in {path}: a scanned PDF needs OCR first")
    return text + "\n"
