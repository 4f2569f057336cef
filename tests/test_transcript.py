import re

from rag.transcript import clean_lines, join_lines, parse
from tests.conftest import SAMPLE


def test_headers_and_page_numbers_are_gone(doc, corpus_text):
    assert "星期三" in corpus_text and "星期三" not in doc.text
    assert not re.search(r"^\s*9\s*$", doc.text, re.M)
    assert "【记录稿结束】" not in doc.text


def test_broken_lines_and_numbers_are_rejoined(doc):
    t = doc.text
    # sentences that the PDF broke across lines
    assert "合并经调整 EBITA 共计 528 亿元人民币，同比增长 2%。" in t
    assert "我们继续保持强劲的净现金水平，为 4,870亿元人民币（约合 686 亿美元）。" in t
    assert "去年同期则为亏损 29 亿元人民币" in t
    assert "我们已经退出了 17 亿美元的非核心资产" in t


def test_every_number_of_the_body_survives(doc, corpus_text):
    body = [ln for ln in clean_lines(corpus_text)]
    nums_in = re.findall(r"\d+(?:[.,]\d+)*", "".join(body))
    nums_out = re.findall(r"\d+(?:[.,]\d+)*", re.sub(r"\s+", "", doc.text))
    assert sorted(nums_in) == sorted(n for n in nums_out)


def test_mid_number_break_is_joined_without_space():
    assert join_lines(["收入为 1,23", "4 亿元。"]) == ["收入为 1,234 亿元。"]
    assert join_lines(["AliExpress", "Choice 订单。"]) == ["AliExpress Choice 订单。"]
    assert join_lines(["亏损", "29 亿元。"]) == ["亏损 29 亿元。"]


def test_sections_speakers_and_qa_on_default_transcript(doc):
    assert doc.kind == "transcript"
    assert doc.sections == ["介绍", "阿里巴巴集团业务进展", "阿里国际数字商业集团业务进展", "财务业绩", "问答"]
    by_speaker = {t.speaker: t for t in doc.turns if t.speaker}
    cfo = by_speaker["徐宏"]
    assert cfo.title == "阿里巴巴集团首席财务官"
    ceo = next(t for t in doc.turns if t.speaker == "吴泳铭")
    assert ceo.mode == "原话" and ceo.section == "阿里巴巴集团业务进展"
    assert doc.turns[0].role == "host" and doc.turns[0].speaker == "Rob Lin 林建达"
    analysts = [(t.speaker, t.firm) for t in doc.turns if t.role == "analyst"]
    assert analysts[0] == ("Ronald Keung", "Goldman Sachs")
    assert len(analysts) == 9
    assert ("Jialong Shi", "Nomura") in analysts
    # answers are linked to the question they answer
    answers = [t for t in doc.turns if t.question_by == "Jiong Shao"]
    assert [t.speaker for t in answers] == ["徐宏", "蔡崇信"]
    assert all(t.question_firm == "Barclays" and t.section == "问答" for t in answers)
    # the Q&A host turns ("Rob Lin:") inherit the title and answer nobody
    closing = doc.turns[-1]
    assert closing.speaker == "Rob Lin" and closing.role == "host" and closing.question_by is None
    assert closing.title == "阿里巴巴集团投资者关系主管"
    # interpreted vs original words
    assert next(t for t in doc.turns if t.speaker == "Ronald Keung").mode == "翻译"
    assert next(t for t in doc.turns if t.speaker == "Alicia Yap").mode == "原话"


def test_paragraph_spans_point_into_cleaned_text(doc):
    for t in doc.turns:
        for p in t.paragraphs:
            assert doc.text[p.start : p.end] == p.text


def test_second_sample_with_other_names_and_sections():
    d = parse(SAMPLE.read_text(encoding="utf-8"), SAMPLE.name)
    assert d.sections == ["开场致辞", "经营回顾", "财务回顾", "问答环节"]
    assert "星期三" not in d.text
    assert "本季度总收入为 1,234 亿元人民币" in d.text
    turns = {(t.speaker, t.role) for t in d.turns}
    assert ("Kevin Zhao 赵凯", "host") in turns and ("Jane Doe", "analyst") in turns
    zhang = next(t for t in d.turns if t.speaker == "张伟")
    assert zhang.firm == "中金公司" and zhang.role == "analyst"
    li_answer = [t for t in d.turns if t.speaker == "李娜" and t.section == "问答环节"][0]
    assert li_answer.question_by == "张伟" and li_answer.title == "星辰科技首席财务官" and li_answer.mode == "翻译"
    wang = [t for t in d.turns if t.speaker == "王晓明" and t.section == "问答环节"][0]
    assert wang.question_by == "Jane Doe" and wang.question_firm == "Morgan Stanley"


def test_plain_text_falls_back_to_paragraphs():
    d = parse("# Notes\n\nFirst paragraph about revenue.\n\nSecond one.\n## Other\nMore text here.\n", "n.md")
    assert d.kind == "plain"
    assert d.sections == ["Notes", "Other"]
    assert [p.text for t in d.turns for p in t.paragraphs] == [
        "First paragraph about revenue.", "Second one.", "More text here."]


def test_english_plain_text_is_rejoined_with_spaces():
    raw = ("Revenue grew 5% in the quarter (Operator Instructions)\nand margins rose.\n\n"
           "Acme Q1 2024 Earnings Call\nA second paragraph.\n")
    d = parse(raw, "notes.txt")
    assert d.kind == "plain" and all(t.speaker is None for t in d.turns)
    assert [p.text for t in d.turns for p in t.paragraphs] == [
        "Revenue grew 5% in the quarter (Operator Instructions) and margins rose.",
        "Acme Q1 2024 Earnings Call", "A second paragraph."]


def test_the_chinese_layout_is_parsed_before_any_english_shape(doc):
    # its markers decide: every speaker turn keeps its mode, the Chinese speaker lines stay
    assert all(t.mode in ("原话", "翻译") for t in doc.turns if t.speaker)
    assert "徐宏（阿里巴巴集团首席财务官）（" in doc.text
    assert {t.role for t in doc.turns if t.speaker} == {"host", "management", "analyst"}
