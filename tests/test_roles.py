"""Who asked and who answered, put back as the passages' headers say."""

import pytest

from rag.chunking import Chunk
from rag.glossary import load
from rag.roles import swap_roles


@pytest.fixture(scope="module")
def glossary(base_config):
    return load(base_config.glossary)


def C(text, speaker, role, question_by="", question_firm="", firm=""):
    return Chunk(id=text[:8], doc="d", text=text, start=0, end=len(text), tokens=0, section="问答", speaker=speaker,
                 role=role, question_by=question_by, question_firm=question_firm, firm=firm)


ANSWER = C("谢谢 Kenneth，我来回答第一个问题。", "徐宏", "management", "Kenneth Fong", "UBS")
QUESTION = C("我的问题是有关于投资与回报的。", "Kenneth Fong", "analyst", firm="UBS")


def test_management_said_to_ask_and_an_analyst_said_to_answer_trade_places_with_their_firm(glossary):
    text, fixed = swap_roles("Toby Xu asked about the ROIC strategy, and Kenneth Fong of UBS answered that it matters[1].",
                             [ANSWER, QUESTION], glossary, "en")
    assert text == "Kenneth Fong of UBS asked about the ROIC strategy, and Toby Xu answered that it matters[1]."
    assert fixed == [("Toby Xu", "Kenneth Fong of UBS")]


def test_a_name_in_anothers_parentheses_and_a_second_sentence_are_read_right(glossary):
    text, _ = swap_roles("Toby Xu (徐宏) asked about ROIC and Kenneth Fong (UBS) answered[1]. Toby Xu said more[1].",
                         [ANSWER, QUESTION], glossary, "en")
    assert text == "Kenneth Fong (UBS) asked about ROIC and Toby Xu (徐宏) answered[1]. Toby Xu said more[1]."


def test_chinese_roles_are_put_back_too(glossary):
    text, _ = swap_roles("徐宏（阿里巴巴集团首席财务官）问了关于资本回报率的问题，Kenneth Fong (UBS) 回答说这很重要[1]。",
                         [ANSWER, QUESTION], glossary, "zh")
    assert text.startswith("Kenneth Fong (UBS)问了关于资本回报率的问题，徐宏（阿里巴巴集团首席财务官） 回答说")


@pytest.mark.parametrize("text", [
    "Kenneth Fong of UBS asked about the ROIC strategy, and Toby Xu (徐宏) answered that it matters[1].",
    "Toby Xu answered the question from Kenneth Fong of UBS[1].",
    "Toby Xu answered Kenneth Fong[1].",
])
def test_roles_already_right_or_half_told_are_left_alone(glossary, text):
    assert swap_roles(text, [ANSWER, QUESTION], glossary, "en") == (text, [])


def test_people_no_cited_passage_introduces_are_left_alone(glossary):
    text = "Toby Xu asked about the ROIC strategy, and Kenneth Fong of UBS answered[1]."
    other = C("谢谢 Alex。", "徐宏", "management", "Alex Yao", "JP Morgan")
    assert swap_roles(text, [other], glossary, "en") == (text, [])


def test_management_listed_as_asking_gives_way_to_the_one_analyst_the_passages_give(glossary):
    host = C("今天出席的管理层有 Joe、Eddie、蒋凡和 Toby。", "Rob Lin", "host")
    answer = C("谢谢 Ronald。我来回答。", "徐宏", "management", "Ronald Keung", "Goldman Sachs")
    text, fixed = swap_roles("Joe、Eddie、蒋凡、Toby和 Rob问了关于变现率的问题，徐宏回答说整体变现率略微下降[2]。",
                             [host, answer], glossary, "zh")
    assert text == "Ronald Keung（Goldman Sachs）问了关于变现率的问题，徐宏回答说整体变现率略微下降[2]。"
    assert fixed == [("Joe、Eddie、蒋凡、Toby和 Rob", "Ronald Keung（Goldman Sachs）")]
    text, _ = swap_roles("In the Q&A, Toby Xu asked about the take rate[1].", [answer], glossary, "en")
    assert text == "In the Q&A, Ronald Keung (Goldman Sachs) asked about the take rate[1]."
    # two analysts in the passages: which one asked is not known, nothing is changed
    two = [answer, C("谢谢 Kenneth。", "徐宏", "management", "Kenneth Fong", "UBS")]
    assert swap_roles("Toby Xu asked about the take rate[1].", two, glossary, "en")[1] == []
