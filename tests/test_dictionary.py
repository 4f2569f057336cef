"""The English-to-Chinese word bridge read backwards from CC-CEDICT."""

from rag.dictionary import build, load

ENTRIES = [
    ("订单", ["(purchase) order"]),
    ("增长", ["to grow", "to increase"]),
    ("体系", ["system", "setup", "CL:個|个[ge4]"]),
    ("销售", ["to sell", "to market", "sales (representative, agreement etc)"]),
    ("现金流", ["cash flow"]),
    ("五笔字形", ["Chinese character input method for entering characters by numbered strokes"]),
    ("会", ["can", "meeting"]),
    ("生长", ["to grow"]),
]
CORPUS_WORDS = {"订单", "增长", "体系", "销售", "现金流", "五笔字形", "会"}  # not 生长


def test_everyday_english_words_become_the_corpus_chinese_words():
    d = build(ENTRIES, CORPUS_WORDS)
    # stemmed on both sides: "orders" meets "order", "grow" meets "to grow"
    assert d.translate("How fast did Trendyol's orders grow?") == ["订单", "增长"]
    assert d.translate("How did the sales system change?") == ["销售", "体系"]
    # a two-word gloss is matched as a pair
    assert d.translate("What was free cash flow?") == ["现金流"]


def test_only_short_glosses_of_corpus_words_of_two_characters_or_more_count():
    d = build(ENTRIES, CORPUS_WORDS)
    assert "生长" not in d.translate("did it grow")  # not a word of the corpus
    assert d.translate("Can we meet at the meeting?") == []  # 会 is a single character
    assert d.translate("an input method for numbered strokes") == []  # an explanation, not a gloss
    assert d.translate("setup", skip={"setup"}) == []
    assert d.translate("") == []


def test_the_real_dictionary_loads_offline_and_translates():
    d = load({"订单", "增长", "销售", "体系", "回购", "支持"})
    words = d.translate("Did the sales system support orders to grow and the buyback?")
    assert {"订单", "增长", "销售", "体系", "回购", "支持"} <= set(words)


def test_a_whole_gloss_names_its_headword_brackets_included():
    d = load({"春节", "欧洲"})
    assert d.phrase("Chinese New Year") == ["春节"] and d.phrase("Spring Festival") == ["春节"]
    assert d.phrase("New Year") == [] and d.phrase("Goldman Sachs") == []  # not in the vocabulary


def test_the_corpus_dictionary_is_kept_by_vocabulary_and_a_bad_file_is_rebuilt(tmp_path):
    words = {"订单", "增长"}
    first = load(words, tmp_path)
    files = list(tmp_path.glob("dictionary-*.json"))
    assert len(files) == 1
    assert load(words, tmp_path).senses == first.senses
    files[0].write_text('{"senses": {"order": ["增长"]}, "phrases": {}, "english": {}}', encoding="utf-8")
    assert load(words, tmp_path).translate("orders") == ["增长"]  # read from the file, not rebuilt
    load(words | {"回购"}, tmp_path)  # another corpus, another file
    assert len(list(tmp_path.glob("dictionary-*.json"))) == 2
    files[0].write_text("{not json", encoding="utf-8")
    assert load(words, tmp_path).senses == first.senses
    assert load(words, tmp_path / "missing" / "dir").translate("orders grow") == ["订单", "增长"]


def test_a_chinese_word_finds_the_english_words_a_corpus_uses():
    d = load({"dividend", "cash", "flow", "free", "power", "costs"})
    assert "dividend" in d.to_english(["股息"]) and "costs" in d.to_english(["成本"])
    assert d.to_english(["不存在的词"]) == []
