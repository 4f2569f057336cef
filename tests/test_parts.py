"""A comparison of several business units: which units the answer leaves out,
and how a separately answered part joins the answer (markers renumbered)."""

from dataclasses import replace

import pytest

from rag.assistant import Answer, Assistant, Citation
from rag.glossary import load


@pytest.fixture
def assistant(base_config):
    a = Assistant.__new__(Assistant)  # no model or index: these steps are text logic
    a.cfg, a.glossary = base_config, load(base_config.glossary)
    return a


def cite(marker: int, chunk_id: str) -> Citation:
    return Citation(marker=marker, chunk_id=chunk_id, speaker="", title="", firm="", section="", text="t",
                    highlight=(0, 1), doc="d", start=0, end=1)


def test_units_the_answer_leaves_out_are_asked_on_their_own(assistant):
    q = "Compare Cainiao's and AIDC's revenue this quarter."
    assert assistant._missing_units(q, "Cainiao's revenue was RMB 28.5 billion [1].", "en") == [
        "What was Alibaba International Digital Commerce Group's revenue?"]
    assert assistant._missing_units(q, "Cainiao's ... while AIDC's revenue ... [1]", "en") == []
    assert assistant._missing_units("淘天集团和云智能集团的经调整 EBITA 分别是多少？", "淘天集团的经调整 EBITA 为 599 亿[1]。",
                                    "zh") == ["云智能集团的经调整 EBITA是多少？"]
    # one unit, or units without a metric: nothing to complete
    assert assistant._missing_units("What was Cainiao's revenue?", "It grew [1].", "en") == []
    assert assistant._missing_units("How do Cainiao and AIDC work together?", "They do [1].", "en") == []
    # a second unit named as context, not side by side
    assert assistant._missing_units("What was AIDC's revenue excluding Trendyol?", "AIDC's revenue [1].", "en") == []


def test_a_part_joins_with_its_markers_renumbered(assistant, monkeypatch):
    base = Answer(question="q", text="Cainiao's revenue was RMB 28.5 billion[2].", refused=False, language="en",
                  citations=[cite(2, "cainiao")], unverified_numbers=["9"], sources=[{"chunk_id": "cainiao"}],
                  unsupported_claims=["It rained."])
    part = Answer(question="p", text="AIDC's revenue was RMB 28.5 billion[1], see also[2].", refused=False,
                  language="en", citations=[cite(1, "aidc"), cite(2, "cainiao")], unverified_numbers=["7"],
                  unsupported_claims=["It snowed."], sources=[{"chunk_id": "aidc"}, {"chunk_id": "cainiao"}])
    monkeypatch.setattr(assistant, "ask", lambda question: part)
    added = assistant._add_part(base, "What was AIDC's revenue?")
    assert added == " AIDC's revenue was RMB 28.5 billion[3], see also[2]."
    assert base.text.endswith(added) and [(c.marker, c.chunk_id) for c in base.citations] == [(2, "cainiao"), (3, "aidc")]
    assert base.unverified_numbers == ["9", "7"] and base.unsupported_claims == ["It rained.", "It snowed."]
    assert [h["chunk_id"] for h in base.sources] == ["cainiao", "aidc"]  # the part's retrieved passages join once
    monkeypatch.setattr(assistant, "ask", lambda question: replace(part, refused=True))
    assert assistant._add_part(base, "What was AIDC's revenue?") == "" and len(base.citations) == 2


def test_the_warning_names_unverified_numbers_and_sentences_no_passage_supports():
    a = Answer(question="q", text="t", refused=False, language="en")
    assert a.warning is None
    a.unverified_numbers = ["12.1%"]
    assert a.warning == "Unverified numbers: 12.1%"
    a.unsupported_claims = ["The impact is relatively limited, as the local business is still small and growing."]
    assert a.warning == ("Unverified numbers: 12.1%. 1 sentence not found in any passage: "
                         "“The impact is relatively limited, as the local business is…”")
    assert a.to_dict()["warning"] == a.warning and a.to_dict()["unsupported_claims"] == a.unsupported_claims


def test_a_chinese_answer_is_warned_in_chinese():
    a = Answer(question="q", text="t", refused=False, language="zh",
               unverified_numbers=["12.1%", "35亿"], unsupported_claims=["这说明我们的策略开始见效。", "用户会回来。"])
    assert a.warning == "未经核实的数字：12.1%、35亿。2 句话在资料中找不到依据：“这说明我们的策略开始见效。”；“用户会回来。”"


def test_corrections_are_listed_under_the_answer_in_its_language_by_the_cli_and_the_chat():
    from rag.commands import render
    from ui import answer_markdown

    a = Answer(question="q", text="Cloud revenue was RMB 28.1 billion[1].", refused=False, language="en")
    assert a.correction_note is None and "Corrected" not in render(a) and "corrected" not in answer_markdown(a)
    a.corrections = [("RMB 281 billion", "RMB 28.1 billion"), ("of Example Capital", "")]
    note = "Corrected: RMB 281 billion → RMB 28.1 billion; of Example Capital (removed)"
    assert a.correction_note == note and a.to_dict()["correction_note"] == note
    assert note in render(a).splitlines()
    assert f'<span class="corrected">{note}</span>' in answer_markdown(a)
    zh = replace(a, language="zh", corrections=[("281 billion", "281 亿元"), ("示例资本", "")])
    assert zh.correction_note == "已更正：281 billion → 281 亿元；示例资本（已删除）"
