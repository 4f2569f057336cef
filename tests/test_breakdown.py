"""A figure the transcript breaks down item by item: finding the items,
reading them across passages, and whether an answer gives them (pure
logic; the second look that uses them is in test_second_look.py)."""

from rag import breakdown
from rag.chunking import Chunk

GAAP = ("公认会计准则净利润为 107亿元人民币，同比减少 350 亿元人民币，主要归因于投资价值变动及减值：\n"
        "第一、股权投资按市值计价变动约为 190 亿元人民币。第二、无形资产摊销和减值为 146 亿元人民币，"
        "其中的 121亿元人民币与高鑫零售减值相关。第三，商誉减值为 85亿元人民币，与优酷相关。\n"
        "非公认会计准则净利润不考虑上述三项因素。")


def chunks_of(text: str, cuts: list[int], overlap: int = 0) -> list[Chunk]:
    """Slices of one document at `cuts`, each starting `overlap` characters early."""
    bounds = [0, *cuts, len(text)]
    out = []
    for i, (s, e) in enumerate(zip(bounds, bounds[1:])):
        s = max(0, s - overlap) if i else s
        out.append(Chunk(id=f"c{i}", doc="d", text=text[s:e], start=s, end=e, tokens=0))
    return out


def test_a_breakdown_is_an_intro_ending_in_a_colon_then_numbered_items_with_amounts():
    [b] = breakdown.find(GAAP)
    assert b.part(b.intro).startswith("公认会计准则净利润为 107亿") and b.part(b.intro).rstrip().endswith("：")
    items = [b.part(s) for s in b.items]
    assert [i[:3] for i in items] == ["第一、", "第二、", "第三，"]
    assert items[-1].endswith("与优酷相关。")  # the last item ends with its sentence, not the next one


def test_lists_that_are_not_breakdowns_of_a_figure():
    no_amounts = "我们的投入重点有三个：第一、商品供给。第二、价格力。第三、服务。"
    no_colon = "第一、股权投资变动为 190 亿元人民币。第二、减值为 146 亿元人民币。"
    one_item = "主要归因于：第一、股权投资变动为 190 亿元人民币。其他都不重要。"
    far = "主要归因于：第一、股权投资变动为 190 亿元人民币。" + "其他说明。" * 40 + "第二、减值为 146 亿元人民币。"
    for text in (no_amounts, no_colon, one_item, far):
        assert breakdown.find(text) == [], text


def test_a_breakdown_is_read_across_the_passages_it_spans_from_either_one():
    cut = GAAP.index("第二、")
    chunks = chunks_of(GAAP, [cut], overlap=len("第一、股权投资按市值计价变动约为 190 亿元人民币。"))
    for c in chunks:  # the intro's passage reads on; the items' passage reads back to the intro
        [b] = breakdown.around(c, chunks)
        assert b.text == GAAP[: b.end] and len(b.items) == 3
    # each item with the chunk that holds it whole
    parts = breakdown.passages(b, chunks)
    assert [(c.id, t[:3]) for c, t in parts] == [("c0", "第一、"), ("c1", "第二、"), ("c1", "第三，")]


def test_items_count_as_given_by_their_amounts_in_either_language():
    [b] = breakdown.find(GAAP)
    assert breakdown.covered("净利润同比减少 350 亿元人民币，主要归因于投资价值变动及减值。", b) == 0
    assert breakdown.covered("Equity investments RMB 19 billion; intangibles RMB 14.6 billion[2].", b) == 2
    assert breakdown.covered("190 亿元人民币、146 亿元人民币和 85亿元人民币[1]。", b) == 3


def test_questions_about_what_moved_a_figure_ask_for_its_parts():
    for q in ("Why did GAAP net income decline?", "What were the three items behind the drop in GAAP net income?",
              "公认会计准则净利润为什么下降？", "净利润下降的原因是什么？"):
        assert breakdown.asks_for_parts(q), q
    for q in ("What was GAAP net income?", "公认会计准则净利润是多少？"):
        assert not breakdown.asks_for_parts(q), q


def test_items_are_written_as_the_source_words_them_or_by_their_glossary_terms_and_amounts(base_config):
    from rag.glossary import load

    [b] = breakdown.find(GAAP)
    items = [(b.part(s), i + 1) for i, s in enumerate(b.items)]
    zh, claims = breakdown.render(items, load(base_config.glossary), "zh")
    assert zh.startswith("分项：第一、股权投资按市值计价变动约为 190 亿元人民币[1]；第二、") and zh.endswith("与优酷相关[3]。")
    en, _ = breakdown.render(items, load(base_config.glossary), "en")
    # the Sun Art Retail of item 2 belongs to its second amount: no name for it
    assert en == ("By item: mark-to-market of RMB 19 billion[1]; amortization of intangible assets and impairment of "
                  "RMB 14.6 billion[2]; goodwill impairment of RMB 8.5 billion (Youku)[3].")
    assert [c.markers for c in claims] == [[1], [2], [3]] and all(c.supported for c in claims)
