"""Reading input files safely: size, binary content and text encodings.

Every check happens before anything is written to the index, so a bad file is
refused with one line and the index stays as it was. A PDF is read through
its text layer (rag/pdf.py): page headers, footers and numbers dropped, a
scanned, password-protected or damaged PDF refused with one line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from . import pdf
from .errors import BadInput

# A transcript is tens of kilobytes; 10 MB is ~250 calls' worth of text and
# would take the embedder here over half an hour. Larger files are refused.
MAX_FILE_BYTES = 10 * 1024 * 1024
# Share of control characters above which decoded "text" is really binary.
MAX_CONTROL_SHARE = 0.01
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".pdf", ""}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    text: str
    sha256: str
    encoding: str


def read_source(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> SourceFile:
    p = Path(path)
    if not p.exists():
        raise BadInput(f"file not found: {p}")
    if p.is_dir():
        raise BadInput(f"{p} is a directory; name the transcript files inside it")
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise BadInput(f"{p}: unsupported file type '{p.suffix}' (.txt, .md or .pdf transcripts only)")
    size = p.stat().st_size
    if size == 0:
        raise BadInput(f"{p} is empty")
    if size > max_bytes:
        raise BadInput(f"{p} is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit for one transcript")
    raw = p.read_bytes()
    if p.suffix.lower() == ".pdf":
        text = pdf.read_pdf(raw, p)
        return SourceFile(path=p.resolve(), name=p.name, text=text, sha256=hashlib.sha256(raw).hexdigest(), encoding="pdf")
    if b"\x00" in raw[:65536]:
        raise BadInput(f"{p} looks binary (NUL bytes), not a text transcript")
    text, encoding = decode(raw, p)
    if not text.strip():
        raise BadInput(f"{p} holds only whitespace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > MAX_CONTROL_SHARE * len(text):
        raise BadInput(f"{p} looks binary ({controls} control characters), not a text transcript")
    return SourceFile(path=p.resolve(), name=p.name, text=text, sha256=hashlib.sha256(raw).hexdigest(), encoding=encoding)


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK
    and GB2312 that Chinese Windows tools write. Anything else is refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 or GB18030 text; convert it to UTF-8 first") from None
    # GB18030 decodes almost any byte string; accept it only if it reads as Chinese text.
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if cjk < 0.05 * len(text):
        raise BadInput(f"{path}: not UTF-8, and not recognisable GB18030 Chinese text; convert it to UTF-8 first")
    return text, "gb18030"
