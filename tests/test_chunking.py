from rag import tokens
from rag.chunking import chunk_document
from rag.transcript import parse


def test_chunks_are_exact_slices_within_one_turn(doc):
    chunks = chunk_document(doc, 160, 24)
    assert 40 <= len(chunks) <= 120
    turns = {t.index: t for t in doc.turns}
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        t = turns[c.turn_index]
        assert t.paragraphs[0].start <= c.start and c.end <= t.paragraphs[-1].end  # never across a turn
        assert c.tokens == tokens.count(c.text) <= 160
        assert c.speaker == (t.speaker or "") and c.section == t.section


def test_chunks_end_on_sentence_boundaries(doc):
    for c in chunk_document(doc, 160, 24):
        assert c.text.rstrip()[-1] in "。！？!?；;：:”）)" or len(c.text) < 30, c.text[-20:]


def test_metadata_for_answers_and_boilerplate(doc):
    chunks = chunk_document(doc, 160, 24)
    ans = [c for c in chunks if c.question_by == "Ronald Keung"]
    assert ans and all(c.question_firm == "Goldman Sachs" and c.role == "management" for c in ans)
    assert {c.speaker for c in ans} == {"徐宏", "吴泳铭"}
    boiler = [c for c in chunks if c.boilerplate]
    assert boiler and all("前瞻性陈述" in c.text or "非公认会计准则" in c.text for c in boiler)
    assert not any(c.boilerplate for c in chunks if "参加本次电话会议的有" in c.text)
    m = ans[0].metadata()
    assert set(m) >= {"doc", "section", "speaker", "title", "firm", "mode", "turn_index",
                      "question_by", "question_firm", "start", "end", "tokens"}
    assert all(v is not None for v in m.values())


def test_ids_derive_from_content(doc, corpus_text):
    a = chunk_document(doc, 160, 24)
    b = chunk_document(parse(corpus_text, doc.name), 160, 24)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    changed = parse(corpus_text.replace("2,603", "2,604"), doc.name)
    c = chunk_document(changed, 160, 24)
    diff = {x.id for x in a} ^ {x.id for x in c}
    assert 1 <= len(diff) // 2 <= 2  # only the chunk(s) holding the changed sentence


def test_overlap_is_small_and_whole_sentences(doc):
    chunks = [c for c in chunk_document(doc, 160, 24) if c.turn_index == 3]
    overlaps = [max(0, a.end - b.start) for a, b in zip(chunks, chunks[1:])]
    assert any(o > 0 for o in overlaps)
    for a, b, o in zip(chunks, chunks[1:], overlaps):
        if o:
            assert tokens.count(doc.text[b.start : a.end]) <= 24
