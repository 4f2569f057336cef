"""Who asked is an analyst, who answered is management (pure logic on
passages with their speakers' roles)."""

from dataclasses import dataclass, field

from rag.answer.records import Draft, Evidence
from rag.answer.stages.roles import CheckRoles
from rag.chunking import Chunk
from rag.glossary import Entry, Glossary

ANSWER = Chunk(id="a", doc="d", text="Launch margin rises, but the mix shifts to satellite manufacturing.", start=0, end=1,
               tokens=0, speaker="Adam Spice", role="management", question_by="Cai von Rumohr",
               question_firm="TD Cowen")
OTHER = Chunk(id="b", doc="d", text="We have four launches in the quarter.", start=0, end=1, tokens=0,
              speaker="Peter Beck", role="management")


@dataclass
class Ctx:
    glossary: Glossary = field(default_factory=lambda: Glossary([]))


def run(question, text, lang="en", passages=(ANSWER, OTHER), ctx=None):
    ev = Evidence(question=question, lang=lang, passages=list(passages), hits=[])
    return CheckRoles(ctx or Ctx()).run(Draft(ev, text=text, answerable=True))


def test_a_speaker_is_known_by_his_name_in_the_other_language():
    """The transcript writes the CFO "徐宏"; an English answer, "Toby Xu"."""
    cfo = Chunk(id="c", doc="d", text="之前我们已经对这个谣言进行过辟谣。", start=0, end=1, tokens=0, speaker="徐宏",
                role="management", question_by="Jialong Shi", question_firm="Nomura")
    ctx = Ctx(Glossary([Entry(("徐宏", "Toby"), ("Toby Xu", "Toby", "Xu Hong"), "person")]))
    out = run("Who asked about Ele.me and what did management say?",
              "Toby Xu asked about Ele.me, and management said the rumor was refuted[1].", passages=[cfo], ctx=ctx)
    assert out.text == "Jialong Shi asked about Ele.me, and management said the rumor was refuted[1]."
    # named as answering, the executive is written as the answer's language writes him
    out = run("Who asked about Ele.me, and who answered?", "Jialong Shi asked about Ele.me, and Nomura answered[1].",
              passages=[cfo], ctx=ctx)
    assert out.text == "Jialong Shi asked about Ele.me, and Toby Xu answered[1]."
    # swapped, each is written in the answer's language
    out = run("Who asked about Ele.me, and who answered?", "Xu Hong asked about Ele.me, and Jialong Shi answered[1].",
              passages=[cfo], ctx=ctx)
    assert out.text == "Jialong Shi asked about Ele.me, and Toby Xu answered[1]."


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
