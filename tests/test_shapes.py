"""English transcript shapes: speakers, roles, firms, sections, Q&A links and
paragraphs, on the real files (a: Rocket Lab speaker lines, b: Equinix
Refinitiv, d: ECTSum one sentence per line) and small fixtures (c, e)."""

from pathlib import Path

import pytest

from rag import shapes_text
from rag.chunking import chunk_document
from rag.transcript import parse
from tests.conftest import ROOT

EN_DEV = ROOT.parent / "shared" / "corpus" / "en-dev"
CALLS_TEST = ROOT / "eval" / "calls-test"
DATA = Path(__file__).parent / "data"
ROCKET_LAB = EN_DEV / "Rocket Lab Q4 2023 earnings call (speaker lines).txt"
EQUINIX = CALLS_TEST / "Equinix Q3 2022 earnings call.txt"
ECTSUM = sorted(p for p in [*EN_DEV.glob("* earnings call.txt"), *CALLS_TEST.glob("* earnings call.txt")]
                if p not in (ROCKET_LAB, EQUINIX))


def _read(p: Path) -> str:
    assert p.exists(), f"{p} is missing: the real transcripts live in ../shared/corpus/en-dev and eval/calls-test"
    return p.read_text(encoding="utf-8")


def _doc(p: Path):
    return parse(_read(p), p.name)


def _spans_hold(doc):
    for t in doc.turns:
        for p in t.paragraphs:
            assert doc.text[p.start : p.end] == p.text


def _answers_of(doc, analyst_turn):
    return [t for t in doc.turns if t.question_turn == analyst_turn.index]


# ------------------------------------------------------------------ a
@pytest.fixture(scope="module")
def rocket():
    return _doc(ROCKET_LAB)


def test_a_speaker_lines_with_participant_lists(rocket):
    d = rocket
    assert d.kind == "transcript"
    assert d.sections == ["Prepared remarks", "Question-and-Answer Session"]
    pre = d.turns[0]
    assert pre.speaker is None and pre.section == ""
    assert pre.paragraphs[0].text == "Rocket Lab USA, Inc. (RKLB) Q4 2023 Earnings Call Transcript"
    who = {t.speaker: t for t in d.turns if t.speaker}
    assert who["Operator"].role == "operator"
    assert (who["Colin Canfield"].role, who["Colin Canfield"].title) == ("host", "Head, Investor Relations")
    assert (who["Peter Beck"].role, who["Peter Beck"].title) == ("management", "Founder and Chief Executive Officer")
    assert (who["Adam Spice"].role, who["Adam Spice"].title) == ("management", "Chief Financial Officer")
    analysts = {(t.speaker, t.firm) for t in d.turns if t.role == "analyst"}
    assert analysts == {
        ("Andres Sheppard", "Cantor Fitzgerald"), ("Erik Rasmussen", "Stifel"), ("Kristine Liwag", "Morgan Stanley"),
        ("Cai von Rumohr", "TD Cowen"), ("Matt Akers", "Wells Fargo"), ("Suji Desilva", "ROTH MKM"),  # "Suji DeSilva" in the Q&A
        ("Mariana Perez Mora", "BofA"), ("Jason Gursky", "Citi"), ("Edison Yu", "Deutsche Bank"),
        ("Michael Leshock", "KeyBanc Capital Markets")}
    assert not any(t.role == "unknown" for t in d.turns if t.speaker)
    # the speaker lines never leak into the text as paragraphs
    names = {t.speaker for t in d.turns if t.speaker}
    assert not any(p.text in names for t in d.turns for p in t.paragraphs)
    # one paragraph per source paragraph: the CEO's prepared remarks keep theirs
    ceo = next(t for t in d.turns if t.speaker == "Peter Beck")
    assert ceo.section == "Prepared remarks" and len(ceo.paragraphs) >= 20
    _spans_hold(d)


def test_a_answers_link_to_the_question(rocket):
    d = rocket
    first_q = next(t for t in d.turns if t.role == "analyst")
    assert first_q.speaker == "Andres Sheppard" and first_q.section == "Question-and-Answer Session"
    answers = _answers_of(d, first_q)
    assert [t.speaker for t in answers] == ["Peter Beck", "Adam Spice"]
    assert all(t.question_by == "Andres Sheppard" and t.question_firm == "Cantor Fitzgerald" for t in answers)
    # every management turn of the Q&A answers someone; none of the prepared remarks does
    for t in d.turns:
        if t.role == "management":
            assert (t.question_by is not None) == (t.section == "Question-and-Answer Session"), t.index
    closing = [t for t in d.turns if t.speaker == "Colin Canfield"][-1]
    assert closing.section == "Question-and-Answer Session" and closing.question_by is None


# ------------------------------------------------------------------ b
@pytest.fixture(scope="module")
def equinix():
    return _doc(EQUINIX)


def test_b_refinitiv_lists_two_line_speakers_and_sections(equinix):
    d = equinix
    assert d.sections == ["Presentation", "Questions and answers", "Disclaimer"]
    who = {t.speaker: t for t in d.turns if t.speaker}
    assert (who["Katrina Rymill"].role, who["Katrina Rymill"].title, who["Katrina Rymill"].firm) == (
        "host", "VP of IR", "Equinix, Inc.")
    assert (who["Charles J. Meyers"].role, who["Charles J. Meyers"].title) == ("management", "President, CEO & Director")
    assert (who["Keith D. Taylor"].role, who["Keith D. Taylor"].title) == ("management", "CFO")
    analysts = {(t.speaker, t.firm) for t in d.turns if t.role == "analyst"}
    assert analysts == {
        ("Jonathan Atkin", "RBC Capital Markets"), ("Simon William Flannery", "Morgan Stanley"),
        ("Michael Ian Rollins", "Citigroup Inc."), ("Unidentified Analyst", None),
        ("Aryeh Klein", "BMO Capital Markets"), ("Ahmed Sami Badri", "Crédit Suisse AG"),
        ("Matthew Niknam", "Deutsche Bank AG")}
    assert [t.speaker for t in d.turns if t.section == "Presentation"] == [
        "Operator", "Katrina Rymill", "Charles J. Meyers", "Keith D. Taylor", "Charles J. Meyers"]
    disclaimer = [t for t in d.turns if t.section == "Disclaimer"]
    assert len(disclaimer) == 1 and disclaimer[0].speaker is None
    # the "Company - Title" line under a name is not text
    assert not any(p.text.startswith("Equinix, Inc. -") for t in d.turns[1:] for p in t.paragraphs)
    _spans_hold(d)


def test_b_answers_link_to_the_question(equinix):
    d = equinix
    atkin = next(t for t in d.turns if t.speaker == "Jonathan Atkin")
    answers = _answers_of(d, atkin)
    assert [t.speaker for t in answers] == ["Keith D. Taylor", "Charles J. Meyers"]
    assert all(t.question_firm == "RBC Capital Markets" for t in answers)
    for t in d.turns:
        if t.role == "management" and t.section == "Questions and answers":
            assert t.question_by is not None


def test_b_hard_wrapped_lines_are_rejoined_into_paragraphs(equinix):
    d = equinix
    raw_lines = [ln for ln in _read(EQUINIX).splitlines() if ln.strip()]
    paras = [p for t in d.turns for p in t.paragraphs]
    assert len(paras) < len(raw_lines) / 3
    # a sentence the source wraps ("...conference is" / "being recorded.") is whole
    assert "Also, today's conference is being recorded." in d.text
    katrina = next(t for t in d.turns if t.speaker == "Katrina Rymill")
    assert len(katrina.paragraphs) == 3  # its paragraph breaks are kept
    assert katrina.paragraphs[0].text.endswith("unless it is done through an exclusive public disclosure.")
    assert shapes_text.wrap_width(raw_lines) in range(130, 150)


# ------------------------------------------------------------------ c
def test_c_name_dash_title_lines():
    d = _doc(DATA / "shape-c-dashes.txt")
    assert d.kind == "transcript"
    assert d.sections == ["Prepared Remarks", "Questions & Answers"]
    who = {t.speaker: t for t in d.turns if t.speaker}
    assert (who["Dana Price"].role, who["Dana Price"].title) == ("host", "Head of Investor Relations")
    assert (who["Sam Okafor"].role, who["Sam Okafor"].title) == ("management", "Chief Executive Officer")
    assert (who["Maria Gomez"].role, who["Maria Gomez"].firm, who["Maria Gomez"].title) == (
        "analyst", "Harbor Securities", None)
    assert (who["Tom Becker"].role, who["Tom Becker"].firm) == ("analyst", "Alder Capital")
    maria = next(t for t in d.turns if t.speaker == "Maria Gomez")
    assert [t.speaker for t in _answers_of(d, maria)] == ["Lee Chen", "Sam Okafor"]
    tom = next(t for t in d.turns if t.speaker == "Tom Becker")
    assert [(t.speaker, t.question_firm) for t in _answers_of(d, tom)] == [("Sam Okafor", "Alder Capital")]
    # the participant list at the end is no one's words
    assert d.turns[-1].speaker is None and d.turns[-1].paragraphs[0].text == "Call participants"
    sam = next(t for t in d.turns if t.speaker == "Sam Okafor")
    assert [p.text for p in sam.paragraphs] == [
        "Thanks, Dana. Revenue for the quarter was $412 million, up 18% year over year.",
        "Our warehouse robots business grew 31%, and we signed 14 new enterprise customers."]
    _spans_hold(d)


def test_c_name_colon_text_turns():
    d = _doc(DATA / "shape-c-colon.txt")
    assert d.kind == "transcript"
    # no headings in the file: prepared remarks up to the operator introducing the first analyst
    assert d.sections == ["Prepared remarks", "Q&A"]
    speakers = [(t.speaker, t.role, t.section) for t in d.turns if t.speaker]
    assert speakers == [
        ("Operator", "operator", "Prepared remarks"), ("Priya Nair", "management", "Prepared remarks"),
        ("Jorge Alvarez", "management", "Prepared remarks"), ("Operator", "operator", "Q&A"),
        ("Ben Carter", "analyst", "Q&A"), ("Jorge Alvarez", "management", "Q&A"), ("Ben Carter", "analyst", "Q&A"),
        ("Operator", "operator", "Q&A")]
    ben = next(t for t in d.turns if t.speaker == "Ben Carter")
    assert ben.firm == "Ridge Partners"  # from the operator's introduction
    answer = _answers_of(d, ben)
    assert [(t.speaker, t.question_by, t.question_firm) for t in answer] == [("Jorge Alvarez", "Ben Carter", "Ridge Partners")]
    jorge = next(t for t in d.turns if t.speaker == "Jorge Alvarez")
    assert [p.text for p in jorge.paragraphs] == [
        "Thanks, Priya. Net sales rose 6% to $2.3 billion, and organic volume was flat.",
        "We raised our fiscal 2024 outlook for adjusted earnings per share to $3.10."]
    _spans_hold(d)


# ------------------------------------------------------------------ d
@pytest.mark.parametrize("path", ECTSUM, ids=lambda p: p.stem)
def test_d_one_sentence_per_line_becomes_paragraphs_without_speakers(path):
    raw = _read(path)
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    d = parse(raw, path.name)
    assert d.kind == "plain"
    assert all(t.speaker is None and t.role == "unknown" for t in d.turns)
    paras = [p for t in d.turns for p in t.paragraphs]
    assert len(lines) / shapes_text.GROUP_SENTENCES <= len(paras) <= len(lines) / 2
    # every sentence is kept, in order, each whole inside one paragraph
    assert " ".join(p.text for p in paras) == " ".join(lines)
    _spans_hold(d)


def test_d_is_not_mistaken_for_wrapped_text():
    assert shapes_text.wrap_width(_read(ECTSUM[0]).splitlines()) is None
    assert shapes_text.wrap_width(_read(ROCKET_LAB).splitlines()) is None


# ------------------------------------------------------------------ e
def test_e_markdown():
    d = _doc(DATA / "shape-e.md")
    assert d.kind == "transcript"
    assert d.sections == ["Prepared Remarks", "Q&A"]
    pre = d.turns[0]
    assert [p.text for p in pre.paragraphs] == ["Fabrikam Energy Q1 2024 Earnings Call", "Date: April 24, 2024"]
    who = {t.speaker: t for t in d.turns if t.speaker}
    assert (who["Ana Ruiz"].role, who["Ana Ruiz"].title) == ("management", "Chief Executive Officer")
    assert (who["Li Wei"].role, who["Li Wei"].firm) == ("analyst", "Summit Bank")
    assert (who["Grace Kim"].role, who["Grace Kim"].firm) == ("analyst", "Northbridge Capital")
    assert who["Operator"].role == "operator"
    ana = next(t for t in d.turns if t.speaker == "Ana Ruiz")
    assert [p.text for p in ana.paragraphs] == [
        "Thank you. The highlights of the quarter:", "Revenue grew 12% to $845 million.",
        "We added 1.2 gigawatts of contracted capacity."]
    text = "\n".join(p.text for t in d.turns for p in t.paragraphs)
    assert "**" not in text and "#" not in text and "](" not in text and "*" not in text
    assert "See the results release for details." in text
    li = next(t for t in d.turns if t.speaker == "Li Wei")
    assert [t.speaker for t in _answers_of(d, li)] == ["Ana Ruiz", "Omar Haddad"]
    grace = next(t for t in d.turns if t.speaker == "Grace Kim")
    assert grace.paragraphs[0].text == "How much did you spend on capital projects?"  # text on the speaker's line
    last = d.turns[-1]
    assert (last.speaker, last.title, last.question_by, last.question_firm) == (
        "Omar Haddad", "Chief Financial Officer", "Grace Kim", "Northbridge Capital")
    _spans_hold(d)


# ------------------------------------------------------------------ all
@pytest.mark.parametrize("path", [ROCKET_LAB, EQUINIX, DATA / "shape-c-dashes.txt", DATA / "shape-c-colon.txt",
                                  DATA / "shape-e.md"], ids=lambda p: p.stem)
def test_english_shapes_chunk_within_turns(path):
    d = _doc(path)
    chunks = chunk_document(d, 160, 24)
    turns = {t.index: t for t in d.turns}
    assert chunks
    for c in chunks:
        assert d.text[c.start : c.end] == c.text
        t = turns[c.turn_index]
        assert t.paragraphs[0].start <= c.start and c.end <= t.paragraphs[-1].end
        assert (c.speaker, c.role, c.question_by) == (t.speaker or "", t.role, t.question_by or "")


def test_lines_rejoin_by_layout():
    assert shapes_text.glue("year-", "over-year growth") == "year-over-year growth"
    assert shapes_text.glue("(Operator Instructions)", "I would") == "(Operator Instructions) I would"
    wrapped = ["Revenue was up 11% over the same quarter last year, driven by", "strong demand.",
               "A second paragraph starts here and runs on to the", "next line."]
    assert shapes_text.join_wrapped(wrapped, 62) == [
        "Revenue was up 11% over the same quarter last year, driven by strong demand.",
        "A second paragraph starts here and runs on to the next line."]
    assert shapes_text.group_sentences([f"Sentence {i}." for i in range(7)]) == [
        "Sentence 0. Sentence 1. Sentence 2. Sentence 3. Sentence 4.", "Sentence 5. Sentence 6."]
    assert shapes_text.paragraphs(["Acme Q1 2024 Earnings Call", "March 5, 2024"], None) == [
        "Acme Q1 2024 Earnings Call", "March 5, 2024"]


def test_recurring_labels_outside_a_call_are_no_speakers():
    # no operator, no participant list: "Net Sales:" twice is a label, not a person
    d = parse("Net Sales: up 5% to $2.3 billion.\nNet Sales: down 2% in Europe.\nOperating Income: flat.\n", "pr.txt")
    assert d.kind == "plain" and all(t.speaker is None for t in d.turns)
