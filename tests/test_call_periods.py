"""A figure given under one call's quarter that only another call holds:
the two quarters swapped (pure logic on call records and passages)."""

from dataclasses import dataclass

from rag.answer.records import Draft, Evidence
from rag.answer.stages.periods import CheckPeriods
from rag.call_periods import misplaced, renamed
from rag.chunking import Chunk
from rag.library import Call

Q3 = Call("ko-q3-2021", "Coca-Cola", "KO", "Q3 2021", 2021, 3)
Q4 = Call("ko-q4-2021", "Coca-Cola", "KO", "Q4 2021", 2021, 4)
CALLS = {c.id: c for c in (Q3, Q4)}
P4 = Chunk(id="a", doc="d4", text="Comparable EPS was $0.45, down 5%.", start=0, end=1, tokens=0, call=Q4.id)
P3 = Chunk(id="b", doc="d3", text="Comparable EPS was $0.65, up 18%.", start=0, end=1, tokens=0, call=Q3.id)


@dataclass
class Library:
    calls: dict


@dataclass
class Ctx:
    retriever: Library


def test_two_quarters_swapped_are_found_and_put_right():
    swapped = "可口可乐2021年第三季度的可比每股收益为 $0.45[1]；第四季度的可比每股收益为 $0.65[2]。"
    found = misplaced(swapped, [P4, P3], CALLS)
    assert [(w.claim, w.said.id, w.source.id) for w in found] == [(0, Q3.id, Q4.id), (1, Q4.id, Q3.id)]
    ev = Evidence(question="可口可乐第三和第四季度的可比每股收益分别是多少？", lang="zh", passages=[P4, P3], hits=[])
    out = CheckPeriods(Ctx(Library(CALLS))).run(Draft(ev, text=swapped, answerable=True))
    assert out.text == "可口可乐2021年第四季度的可比每股收益为 $0.45[1]；第三季度的可比每股收益为 $0.65[2]。"
    assert ("2021年第三季度", "2021年第四季度") in out.corrections


def test_a_right_answer_one_call_or_two_quarters_in_a_sentence_are_left_alone():
    right = "Comparable EPS was $0.65 in Q3 2021[2] and $0.45 in the fourth quarter[1]."
    assert misplaced(right, [P4, P3], CALLS) == []
    assert misplaced("Q3 2021 comparable EPS was $0.45[1].", [P4], CALLS) == []  # one call: nothing to swap
    assert misplaced("EPS was $0.45 in Q3 2021 compared to Q4 2021[1].", [P4, P3], CALLS) == []


def test_the_quarter_is_renamed_in_its_own_style():
    assert renamed("Q3 2021", Q3, Q4) == "Q4 2021"
    assert renamed("the third quarter", Q3, Q4) == "the fourth quarter"
    assert renamed("3Q21", Q3, Q4) == "4Q21"
    assert renamed("第三季度", Q3, Q4) == "第四季度"
    q1 = Call("ko-q1-2022", "Coca-Cola", "KO", "Q1 2022", 2022, 1)
    assert renamed("Q4 2021", Q4, q1) == "Q1 2022"
