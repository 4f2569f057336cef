"""Names a question uses that the calls never mention, in any form.

"What was JD.com's revenue?" or "腾讯的净利润是多少？" asks about something no
call speaks of: no passage can answer it, and the small model, shown the
nearest passages, answers with their figures. A name is missing only when
none of its forms occurs anywhere in the calls: its glossary variants in
both languages, its spellings (case, spacing, a plural or demonym ending:
"European" is found as "Europe"), and the corpus's Chinese words for it
(the dictionary: "European" → 欧洲, "Chinese New Year" → 春节).
"""

from __future__ import annotations

import re

from .glossary import squash
from .knowledge import Knowledge
from .language import HAN_RE, detect
from .questions import PHRASE_RE

# Glossary kinds whose presence in the question must be matched in the calls.
CONCEPT_KINDS = {"finance", "unit", "product", "concept", "person", "firm", "strategy", "region", "company"}
NAME_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9&.\-]*[A-Za-z0-9]|[a-z]+\.[a-z]{2,})(?:'s)?")
# Capitalised words that open questions or are generic, not names: question
# words, imperatives, English's closed classes, and the abbreviations of any
# call ("CEO", "Q4").
GENERIC_WORDS = set("""what which who whom whose when where why how did does do is are was were will would could can
should shall may might must has have had be been being compare according please tell give show list name explain
describe summarize summarise i in into onto the a an and or but nor so yet also not no of for on at to from as if than
then excluding including except besides beyond between among across through throughout about above below under over
within without along around against toward towards upon via per since until after before during regarding concerning
despite apart aside this that these those its it his her their our we you they any all each every some both either
neither other another such overall q1 q2 q3 q4 fy ceo cfo coo ir""".split())
# Endings an English name takes that the calls may not write: plurals,
# possessives, demonyms ("Europe" → "European", "Indonesia" → "Indonesian").
NAME_ENDINGS = ("'s", "s", "es", "n", "an", "ian", "ean", "ese", "ish")
ORG_SUFFIXES = ("集团", "公司", "银行", "证券")
# Generic tails of a proper noun: "美国市场" is about 美国.
GENERIC_TAILS = ("市场", "地区", "业务", "平台", "政府")


def missing(question: str, knowledge: Knowledge, known: list[str] = ()) -> list[str]:
    """The names and concepts of `question` that no call mentions in any
    form. `known`: names already resolved (the companies of the calls the
    question is about), whatever language the question writes them in."""
    g = knowledge.glossary
    out = []
    lang = detect(question)  # a name is reported as the question's language writes it
    for e in g.expand(question).entries:
        if e.kind in CONCEPT_KINDS and not any(knowledge.in_corpus(v) for v in e.zh + e.en):
            out.append(e.name(lang))
    rest = question
    for rx, _ in g._present(question):
        rest = rx.sub(" ", rest)
    # a name of several words found whole ("Chinese New Year" as 春节) is found
    rest = PHRASE_RE.sub(lambda m: " " if any(knowledge.in_corpus(t) for t in knowledge.dictionary.phrase(m.group()))
                         else m.group(), rest)
    for m in NAME_RE.finditer(rest):
        word = m.group().removesuffix("'s")
        if word.lower() in GENERIC_WORDS or len(word) < 2:
            continue
        if not _english_name_found(word, knowledge):
            out.append(word)
    for tok in _chinese_names(rest):
        if not found_otherwise(tok, knowledge, known):
            out.append(tok)
    return out


def found_otherwise(name: str, knowledge: Knowledge, known: list[str] = ()) -> bool:
    """A Chinese name the calls hold in some form: as written, as a glossary
    variant, in English, or as the company of a call the question is about."""
    return knowledge.in_corpus(name) or _known(name, knowledge) or written_otherwise(name, knowledge) \
        or names_company(name, knowledge, known)


def names_company(name: str, knowledge: Knowledge, known: list[str]) -> bool:
    """A word of the question names one of the companies `known` (the
    companies of the calls it is about): a Chinese word, which they write in
    English, or a capitalised English word of one of their names
    ("Southwest" of Southwest Airlines, "Campbell" of Campbell Soup). Either
    is the question's scope, not a word its figure's sentence must hold."""
    known_words = {w.lower() for n in known for w in re.findall(r"[A-Za-z]{3,}", n)}
    if not known_words:
        return False
    if HAN_RE.search(name) is None:
        return name[:1].isupper() and name.lower() in known_words
    return _names_known(name, knowledge, known_words)


def _names_known(name: str, knowledge: Knowledge, known_words: set[str]) -> bool:
    """A Chinese name of a company the question was resolved to ("西南航空"
    for Southwest Airlines): a word of its English forms is the company's."""
    import jieba

    parts = [name, *(w for w in jieba.lcut_for_search(name) if len(w) >= 2)]
    english = {w for e in knowledge.dictionary.to_english(parts) for w in e.lower().split()}
    return bool(english & known_words)


def written_otherwise(name: str, knowledge: Knowledge) -> bool:
    """A Chinese name the calls write in English ("西南航空" as "Southwest
    Airlines", "新西兰" as "New Zealand"), or whose every word they hold in
    some form ("美国通用" of 美国通用会计准则: 美国, 通用)."""
    if any(knowledge.in_corpus(e) for e in knowledge.dictionary.to_english([name])):
        return True
    import jieba

    words = [w for w in jieba.lcut_for_search(name) if len(w) >= 2 and w != name]
    return len(words) >= 2 and all(knowledge.in_corpus(w) or _known(w, knowledge) or any(
        knowledge.in_corpus(e) for e in knowledge.dictionary.to_english([w])) for w in words)


def _known(name: str, knowledge: Knowledge) -> bool:
    """`name` is a glossary variant whose entry the calls mention in some
    form: "高盛" for a call that writes "Goldman Sachs"."""
    for e in knowledge.glossary.entries:
        if any(squash(v) == name for v in e.zh + e.en):
            return any(knowledge.in_corpus(v) for v in e.zh + e.en)
    return False


def _english_name_found(word: str, knowledge: Knowledge) -> bool:
    if knowledge.in_corpus(word):
        return True
    low = word.lower()
    for ending in NAME_ENDINGS:
        stem = low.removesuffix(ending)
        if stem != low and len(stem) >= 3:
            if knowledge.in_corpus(stem) or any(any(knowledge.in_corpus(v) for v in e.zh + e.en)
                                                for e in knowledge.glossary.expand(stem).entries):
                return True
    return any(knowledge.in_corpus(t) for t in knowledge.dictionary.translate(word))


def _head(word: str) -> str:
    for tail in GENERIC_TAILS:
        if word.endswith(tail) and len(word) > len(tail):
            return word[: -len(tail)]
    return word


def _chinese_names(text: str) -> list[str]:
    """Proper nouns (jieba part-of-speech tags) and organisation names
    ("蚂蚁集团", "苹果公司": a word followed by 集团/公司...) of a Chinese text."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return []
    import jieba.posseg as pseg

    words = pseg.lcut(text)
    names = [_head(w.word) for w in words if w.flag in ("nr", "ns", "nt", "nz") and len(_head(w.word)) >= 2]
    for prev, w in zip([None, *words], words):
        if w.word in ORG_SUFFIXES and prev is not None and re.fullmatch(r"[\u4e00-\u9fff]{2,6}", prev.word):
            names.append(prev.word + w.word)
        elif w.word.endswith(ORG_SUFFIXES) and len(w.word) > 3:
            names.append(w.word)
    return [squash(n) for n in names]
