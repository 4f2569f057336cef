"""What is derived from a call when it is indexed: people, firms, business
units (real transcripts), and the glossary entries they become."""

from pathlib import Path

from rag.derive import entries, knowledge_of
from rag.transcript import parse
from tests.conftest import CORPUS, ROOT

CALLS = ROOT / "eval" / "calls-test"


def _knowledge(path: Path) -> dict:
    return knowledge_of(parse(path.read_text(encoding="utf-8"), path.name))


def test_people_firms_and_units_come_from_the_transcript():
    k = _knowledge(CALLS / "Equinix Q3 2022 earnings call.txt")
    roles = {p["name"]: p["role"] for p in k["people"]}
    assert roles["Keith D. Taylor"] == "management" and roles["Jonathan Atkin"] == "analyst"
    assert "Morgan Stanley" in k["firms"] and "RBC Capital Markets" in k["firms"]
    assert set(_knowledge(CALLS / "Campbell Soup Q3 2021 earnings call.txt")["units"]) >= {"Meals & Beverages", "Snacks"}
    assert "cable" in _knowledge(CALLS / "Amphenol Q4 2021 earnings call.txt")["units"]  # "the cable segment"
    zh = _knowledge(CORPUS)
    assert {"云智能集团", "淘天集团"} <= set(zh["units"]) and "Goldman Sachs" in zh["firms"]


def test_derived_knowledge_becomes_glossary_entries():
    got = {(e.kind, e.en[0] if e.en else e.zh[0]): e for e in entries(
        {"people": [{"name": "Keith D. Taylor", "title": "CFO", "firm": "", "role": "management"},
                    {"name": "Operator", "title": "", "firm": "", "role": "operator"}],
         "firms": ["Morgan Stanley"], "units": ["Meals & Beverages", "云智能集团"]})}
    assert got[("person", "Keith D. Taylor")].en == ("Keith D. Taylor", "Taylor")
    assert ("person", "Operator") not in got and ("firm", "Morgan Stanley") in got
    assert got[("unit", "Meals & Beverages")].en == ("Meals & Beverages", "Meals and Beverages")
    assert got[("unit", "云智能集团")].zh == ("云智能集团",) and got[("unit", "云智能集团")].name("en") == "云智能集团"
