"""Who asked is an analyst, who answered is management (pure logic on
passages with their speakers' roles)."""

from dataclasses import dataclass

from rag.answer.records import Draft, Evidence
from rag.answer.stages.roles import CheckRoles
from rag.chunking import Chunk

ANSWER = Chunk(id="a", doc="d", text="Launch margin rises, but the mix shifts to satellite manufacturing.", start=0, end=1,
               tokens=0, speaker="Adam Spice", role="management", question_by="Cai von Rumohr",
               question_firm="TD Cowen")
OTHER = Chunk(id="b", doc="d", text="We have four launches in the quarter.", start=0, end=1, tokens=0,
              speaker="Peter Beck", role="management")


@dataclass
class Ctx:
    pass


def run(question, text, lang="en"):
    ev = Evidence(question=question, lang=lang, passages=[ANSWER, OTHER], hits=[])
    return CheckRoles(Ctx()).run(Draft(ev, text=text, answerable=True))


def test_an_executive_named_as_asking_is_replaced_by_the_analyst():
    out = run("Who pressed the company on why Q1 gross margin would fall, and which executive answered?",
              "Peter Beck pressed the company on why Q1 gross margin would fall, and Adam Spice answered[1].")
    assert out.text == "Cai von Rumohr pressed the company on why Q1 gross margin would fall, and Adam Spice answered[1]."
    assert ("Peter Beck", "Cai von Rumohr") in out.corrections
    zh = run("哪位分析师问到毛利率？", "Adam Spice 在电话会上问到毛利率[1]。", "zh")
    assert zh.text == "Cai von Rumohr 在电话会上问到毛利率[1]。"


def test_a_firm_named_as_answering_is_replaced_by_the_executive():
    out = run("Who asked about gross margin, from which firm, and who answered?",
              "Cai von Rumohr asked about gross margin, and TD Cowen answered that launch margin rises[1].")
    assert "and Adam Spice answered" in out.text


def test_right_roles_and_other_questions_are_left_alone():
    right = "Cai von Rumohr asked and Adam Spice answered[1]."
    assert run("Who asked, and who answered?", right).text == right
    said = "Adam Spice said launch margin rises[1]."
    assert run("What did the CFO say about launch margin?", said).text == said


def test_the_two_named_the_other_way_round_are_swapped():
    out = run("Who asked about gross margin, and who answered?",
              "Adam Spice asked about gross margin, and Cai von Rumohr answered[2].")
    assert out.text == "Cai von Rumohr asked about gross margin, and Adam Spice answered[2]."
