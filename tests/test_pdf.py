"""PDF transcripts: PDFs written here with reportlab (English with a running
header, footer and page number on every page; Chinese in the built-in CID font
STSong-Light), read back through rag/pdf.py and rag/ingest.py and parsed."""

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from rag.errors import BadInput, UserError
from rag.ingest import read_source
from rag.pdf import read_pdf, strip_page_furniture
from rag.transcript import clean_lines, parse
from tests.conftest import SAMPLE

EN_HEADER = "Northwind Robotics Q2 2024 Earnings Call"
EN_DATE = "July 30, 2024"
CO = "Northwind Robotics"
EN_TURNS = [
    ("Operator", None, "Good afternoon and welcome to the Northwind Robotics second quarter 2024 earnings call. "
                       "I would now like to turn the call over to Dana Price."),
    ("Dana Price", f"{CO} - Head of Investor Relations",
     "Thank you. Joining me today are Sam Okafor, our chief executive officer, and Lee Chen, our chief financial "
     "officer. Today's remarks contain forward-looking statements."),
    ("Sam Okafor", f"{CO} - Chief Executive Officer",
     " ".join(f"In month {i} of the quarter our warehouse robots business shipped {100 + i} units to customers "
              f"in {i + 3} countries, and revenue grew {10 + i}% from the year before." for i in range(14))),
    ("Lee Chen", f"{CO} - Chief Financial Officer",
     " ".join(f"Segment {i} had a gross margin of {30 + i}.5%, up {i + 1}0 basis points, as software grew to "
              f"{12 + i}% of its revenue." for i in range(14))),
    ("Maria Gomez", "Harbor Securities - Analyst", "What drove the gross margin improvement this quarter?"),
    ("Lee Chen", f"{CO} - Chief Financial Officer", "Mostly mix. Software was 22% of revenue this quarter."),
]


def _en_lines() -> list[str]:
    lines = ["CORPORATE PARTICIPANTS"]
    for name, company, _ in EN_TURNS[1:4]:
        lines += [name, company]
    lines += ["CONFERENCE CALL PARTICIPANTS", "Maria Gomez", "Harbor Securities - Analyst", "PRESENTATION"]
    for name, company, text in EN_TURNS:
        if name == "Maria Gomez":
            lines.append("QUESTIONS AND ANSWERS")
        lines += [name] + ([company] if company else []) + simpleSplit(text, "Helvetica", 10, 470)
    return lines


def _write_pdf(path, lines, font, per_page, header=None, date=None, number="Page {n} of {total}"):
    c = canvas.Canvas(str(path), pagesize=A4)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    for n, page in enumerate(pages, 1):
        if header:
            c.setFont(font, 8)
            c.drawString(40, 810, header)
            c.drawRightString(555, 810, date)
        c.setFont(font, 10)
        y = 780
        for line in page:
            c.drawString(40, y, line)
            y -= 15
        c.setFont(font, 8)
        c.drawCentredString(297, 30, number.format(n=n, total=len(pages)))
        c.showPage()
    c.save()
    return len(pages)


@pytest.fixture(scope="module")
def en_pdf(tmp_path_factory):
    p = tmp_path_factory.mktemp("pdf") / "northwind-q2-2024.pdf"
    pages = _write_pdf(p, _en_lines(), "Helvetica", 22, EN_HEADER, EN_DATE)
    assert pages >= 3
    return p


@pytest.fixture(scope="module")
def zh_pdf(tmp_path_factory):
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    p = tmp_path_factory.mktemp("pdf") / "sample-zh.pdf"
    pages = _write_pdf(p, clean_lines(SAMPLE.read_text(encoding="utf-8")), "STSong-Light", 20,
                       "星辰科技 2024年 3 月份季度业绩电话会", "2024 年 5 月 15 日（星期三）", "- {n} -")
    assert pages >= 2
    return p


def test_english_pdf_loses_its_headers_footers_and_page_numbers(en_pdf):
    text = read_pdf(en_pdf.read_bytes(), en_pdf)
    assert EN_HEADER not in text and EN_DATE not in text
    assert "Page " not in text
    assert text.splitlines()[0] == "CORPORATE PARTICIPANTS"
    body = [ln for ln in _en_lines()]
    assert [ln.strip() for ln in text.splitlines() if ln.strip()] == body  # nothing else lost or added


def test_english_pdf_parses_into_speakers(en_pdf):
    src = read_source(en_pdf)
    assert src.encoding == "pdf" and src.name == en_pdf.name and len(src.sha256) == 64
    d = parse(src.text, src.name)
    assert d.sections == ["Presentation", "Questions and answers"]
    assert [(t.speaker, t.role) for t in d.turns if t.speaker] == [
        ("Operator", "operator"), ("Dana Price", "host"), ("Sam Okafor", "management"), ("Lee Chen", "management"),
        ("Maria Gomez", "analyst"), ("Lee Chen", "management")]
    answer = d.turns[-1]
    assert (answer.question_by, answer.question_firm) == ("Maria Gomez", "Harbor Securities")
    # the lines broken by the page width and by the page breaks are one paragraph again
    ceo = next(t for t in d.turns if t.speaker == "Sam Okafor")
    assert len(ceo.paragraphs) == 1 and ceo.paragraphs[0].text == EN_TURNS[2][2]
    cfo = next(t for t in d.turns if t.speaker == "Lee Chen")
    assert " ".join(p.text for p in cfo.paragraphs) == EN_TURNS[3][2]
    for t in d.turns:
        for p in t.paragraphs:
            assert d.text[p.start : p.end] == p.text


def test_chinese_pdf_parses_as_the_text_transcript(zh_pdf):
    text = read_pdf(zh_pdf.read_bytes(), zh_pdf)
    assert "星期三" not in text and "- 1 -" not in text
    from_pdf = parse(text, "sample")
    from_txt = parse(SAMPLE.read_text(encoding="utf-8"), "sample")
    assert from_pdf.text == from_txt.text
    assert from_pdf.sections == ["开场致辞", "经营回顾", "财务回顾", "问答环节"]
    turns = {(t.speaker, t.role) for t in from_pdf.turns}
    assert ("Kevin Zhao 赵凯", "host") in turns and ("Jane Doe", "analyst") in turns and ("张伟", "analyst") in turns
    li = [t for t in from_pdf.turns if t.speaker == "李娜" and t.section == "问答环节"][0]
    assert li.question_by == "张伟" and li.mode == "翻译"


def test_furniture_is_the_same_line_in_the_same_place_on_most_pages():
    pages = [["Acme Q1 call", "（原话）", f"Body line {i}.", "Ends here.", f"{i}"] for i in range(1, 5)]
    pages[0].insert(2, "Jane Doe")
    out = strip_page_furniture(pages)
    assert all("Acme Q1 call" not in p and not p[-1].isdigit() for p in out)
    assert all("（原话）" in p for p in out)  # an interpretation marker is never furniture
    assert out[0][:2] == ["（原话）", "Jane Doe"]
    assert strip_page_furniture([["Only page", "1"]]) == [["Only page"]]


def test_scanned_pdf_is_refused_with_one_line(tmp_path):
    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(100, 100, 300, 300, fill=1)  # an image stands for the text
    c.showPage()
    c.save()
    with pytest.raises(BadInput) as e:
        read_source(p)
    assert str(e.value) == f"no text in {p}: a scanned PDF needs OCR first"


def test_encrypted_damaged_and_oversized_pdfs_are_refused(tmp_path):
    enc = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(enc), encrypt="secret")
    c.drawString(100, 700, "Operator: welcome to the call.")
    c.showPage()
    c.save()
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a PDF\n")
    for path, words in ((enc, "password-protected"), (bad, "not a readable PDF")):
        with pytest.raises(UserError) as e:
            read_source(path)
        assert words in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(BadInput, match="over the"):
        read_source(enc, max_bytes=100)
