"""The things a question asks, one by one (rag/asked.py): each listed metric
as a question of its own with the item it asks, read by the parts check."""

import pytest

from rag.asked import metric_list, owned_list, split
from rag.glossary import load
from rag.knowledge import Knowledge


@pytest.fixture(scope="module")
def knowledge(base_config):
    return Knowledge(load(base_config.lexicon, base_config.glossary))


def test_a_list_of_metrics_is_a_question_per_metric_with_its_item(knowledge):
    q = "What were Verizon's consolidated total revenue and adjusted earnings per share in Q3 2021?"
    assert metric_list(q, knowledge.glossary) == [
        ("What were Verizon's consolidated total revenue in Q3 2021?", "consolidated total revenue"),
        ("What were Verizon's adjusted earnings per share in Q3 2021?", "adjusted earnings per share")]
    assert metric_list("What was the GAAP net loss?", knowledge.glossary) == []


def test_items_opening_with_its_are_items_whatever_their_words(knowledge):
    assert owned_list("What was Chipotle's revenue and its restaurant-level margin?") == [
        ("What was Chipotle's revenue?", "revenue"),
        ("What was Chipotle's restaurant-level margin?", "restaurant-level margin")]
    assert owned_list("What was Carnival's occupancy at the end of the year?") == []


def test_a_question_of_one_thing_is_itself(knowledge, base_config):
    for q in ("What was Cainiao's revenue?", "阿里巴巴本季度的合并收入是多少？"):
        assert split(q, "en", knowledge, base_config.prompts_dir) == [q]
