"""Retrieval quality floors on the gold set, and structure-aware ranking."""

import json
import subprocess

import pytest

from rag.evaluation import evidence_rank
from tests.conftest import RAG

# Floors the suite enforces (answer passage in the top 5); raised as quality rises.
RECALL5_FLOOR = {"zh": 0.95, "en": 0.95}
MRR_FLOOR = {"zh": 0.90, "en": 0.80}  # measured 0.977 and 0.866 (top 10)


def test_recall_floors_per_language(retriever, gold):
    ranks = {"zh": [], "en": []}
    for g in gold:
        if g["answerable"] and not g.get("history"):
            ranks[g["language"]].append(evidence_rank(retriever.search(g["question"], 10), g["evidence"]))
    for lang, rs in ranks.items():
        assert len(rs) >= 10
        r5 = sum(1 for r in rs if r and r <= 5) / len(rs)
        mrr = sum(1 / r for r in rs if r) / len(rs)
        assert r5 >= RECALL5_FLOOR[lang], (lang, r5)
        assert mrr >= MRR_FLOOR[lang], (lang, mrr)


def test_english_reaches_chinese_through_glossary(retriever):
    dense_q, toks, exp = retriever.expand("What was Cainiao's free cash flow and take rate?")
    assert "菜鸟" in dense_q and "自由现金流" in toks and "变现率" in " ".join(exp.zh_terms)
    top = retriever.search("How much did Sun Art's impairment cost?", 3)
    assert any("高鑫零售减值" in h.chunk.text for h in top)


def test_english_everyday_words_reach_chinese_through_the_dictionary(retriever):
    dense_q, toks, _ = retriever.expand("How fast did Trendyol's orders grow?")
    assert {"订单", "增长"} <= set(toks) and "订单" in dense_q
    _, toks, _ = retriever.expand("What did management say about Ele.me?")
    assert "管理" not in toks  # management speaks; 管理层 is thanked in every analyst's question
    dense_q, toks, _ = retriever.expand("淘宝的订单增长了多少？")
    assert dense_q == "淘宝的订单增长了多少？"  # a Chinese question reads the passages as it is


def test_named_speaker_or_firm_is_favoured(retriever):
    top = retriever.search("What did Joe Tsai say about the Cainiao IPO?", 3)
    assert top[0].chunk.speaker == "蔡崇信"
    top = retriever.search("What did management tell the Nomura analyst?", 3)
    assert any(h.chunk.question_firm == "Nomura" or h.chunk.firm == "Nomura" for h in top)


def test_a_named_speakers_response_demotes_the_analysts_question(retriever):
    # "...的问题" is not a question about the question when a named speaker responds to it
    hits = retriever.search("蔡崇信如何回应盒马和菜鸟IPO的问题？", 10)
    assert hits[0].chunk.speaker == "蔡崇信"
    analysts = [h for h in hits if h.chunk.role == "analyst"]
    assert analysts and all("analyst-demoted" in h.reasons for h in analysts)
    asked = [h for h in retriever.search("谁问了饿了么的问题？", 10) if h.chunk.role == "analyst"]
    assert asked and not any("analyst-demoted" in h.reasons for h in asked)


def test_the_passage_stating_the_figure_asked_comes_first(retriever):
    # segment results share their words: "所有其他分部的经调整 EBITA" used to rank first
    top = retriever.search("菜鸟经调整 EBITA 去年同期是多少？", 3)
    assert "菜鸟的经调整 EBITA 为 9.61" in top[0].chunk.text and "states-metric" in top[0].reasons
    top = retriever.search("合并经调整 EBITA 是多少？", 3)
    assert "合并经调整 EBITA 共计 528" in top[0].chunk.text
    # a reason, not a figure, is asked: no passage is favoured for stating one
    assert not any("states-metric" in h.reasons for h in retriever.search("Why did free cash flow decrease?", 10))
    # how a figure changed is asked: the passage stating it is favoured
    top = retriever.search("How did free cash flow change this quarter?", 10)
    assert any("states-metric" in h.reasons and "自由现金流" in h.chunk.text for h in top)


@pytest.mark.parametrize("question, narrative", [
    ("How did Under Armour's inventory change in Q4 2021?", False),
    ("How did unit case volume growth in Q3 2021 compare with Q4 2021?", False),
    ("自由现金流同比如何变化？", False),
    ("Why did free cash flow change?", True),
    ("为什么自由现金流变化了？", True),
    ("How did the CFO describe the buyback?", True),
    ("What did Joe Tsai say about cloud?", True),
    ("What was Cainiao's revenue?", False),
])
def test_a_change_asked_is_a_figure_not_a_narrative(question, narrative):
    from rag.retrieve import asks_narrative

    assert asks_narrative(question) is narrative


def test_a_reason_about_a_unit_reads_the_passage_naming_it(retriever):
    # China wholesale's passage shares 批发商业/增长/驱动 and ranked above the
    # international one; the answer then gave 1688.com as the driver
    top = retriever.search("国际批发商业业务的增长由什么驱动？", 2)
    assert any("来自 Alibaba.com跨境业务相关的增值服务收入增长" in h.chunk.text for h in top)
    assert "names-unit" in next(h for h in top if "国际批发商业" in h.chunk.text).reasons
    # a question naming no unit favours none
    assert not any("names-unit" in h.reasons for h in retriever.search("为什么自由现金流减少？", 10))


def test_disclaimer_does_not_crowd_out_answers(retriever):
    for q in ("经调整 EBITA 是多少？", "What was non-GAAP net income?", "经调整 EBITDA 利润率"):
        assert not any(h.chunk.boilerplate for h in retriever.search(q, 3)), q
    assert any(h.chunk.boilerplate for h in retriever.search("What did the forward-looking statements disclaimer say?", 3))


def test_search_cli_json(built_index):
    r = subprocess.run([RAG, "search", "菜鸟的收入是多少", "--top-k", "3", "--json", "--index-dir", built_index.index_dir],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["question"] == "菜鸟的收入是多少" and len(data["results"]) == 3
    first = data["results"][0]
    for key in ("chunk_id", "text", "score", "speaker", "section", "dense_rank", "bm25_rank", "start", "end"):
        assert key in first
    assert "285" in " ".join(x["text"] for x in data["results"])


@pytest.mark.parametrize("args,message", [
    (["search", "x", "--index-dir", "/nonexistent/idx"], "no index"),
    (["ask", "x", "--llm", "/nonexistent/m.gguf"], "model file not found"),
    (["index", "/nonexistent/corpus.txt"], "file not found"),
])
def test_user_errors_are_one_line(args, message, built_index):
    if args[0] == "ask":
        args = [*args, "--index-dir", built_index.index_dir]
    r = subprocess.run([RAG, *args], capture_output=True, text=True)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr


def test_cli_help_config_models():
    r = subprocess.run([RAG, "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for cmd in ("config", "models", "index", "search", "ask", "batch", "eval", "bench", "ui"):
        assert cmd in r.stdout
    r = subprocess.run([RAG, "config", "--llm", "fast"], capture_output=True, text=True)
    assert json.loads(r.stdout)["llm_model"] == "fast"
    r = subprocess.run([RAG, "models", "--status"], capture_output=True, text=True)
    assert r.returncode == 0 and "llm:default" in r.stdout and "ready" in r.stdout
