"""Hybrid retrieval: dense (multilingual E5 over Chroma) + BM25 (jieba tokens,
bm25s), fused by reciprocal rank, then adjusted with the transcript's
structure (who speaks, who asked, boilerplate).

Why both: the dense model bridges languages and paraphrase; BM25 nails exact
Chinese terms and numbers ("经调整 EBITA", "9.61"). Why the glossary: BM25 cannot
match "free cash flow" to "自由现金流"; the expanded query can.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import derive
from . import dictionary as dictionary_mod
from . import glossary as glossary_mod
from .glossary import squash
from .chunking import Chunk
from .knowledge import Knowledge
from .library import Call
from .measures import measure_of, states
from .questions import CAUSE_RE, CHANGE_RE
from .config import Config
from .errors import UserError
from .index import load_chunks
from .store import check as check_store, open_collection
from .language import detect

# Reciprocal rank fusion: score = sum over retrievers of 1 / (RRF_K + rank).
# 60 is the value from the original RRF paper for long lists; with a corpus of
# ~60-600 passages and only the top 5 mattering, a smaller k lets a first
# place count clearly more than a tenth place.
RRF_K = 20
# Dense candidates fetched from Chroma (all of a small corpus).
DENSE_CANDIDATES = 100
# BM25's best passages fused with the dense ones: past rank 100 a passage's
# fused score (1/(RRF_K+rank)) cannot reach the top even boosted, and every
# candidate costs the reranking checks (thousands in a library of calls).
BM25_CANDIDATES = 100
# Structure-aware multipliers on the fused score:
SPEAKER_BOOST = 1.6  # the question names this speaker (or their firm/title)
ANSWERED_BOOST = 1.3  # the passage answers the analyst/firm the question names
ANALYST_DEMOTION = 0.75  # analysts restate topics; answers hold the facts
BOILERPLATE_DEMOTION = 0.3  # the legal disclaimer shares many financial terms
# The passage states the figure asked ("菜鸟的经调整 EBITA 为 ..." for Cainiao's
# adjusted EBITA): segment results share their words, and the passage about
# the next segment often ranks first without this. The period is not checked:
# boosting only sentences in the period asked (`Measure.fits_period`) put the
# answer's passage first more often but changed no dev answer and cost some on
# the unseen sets (three unanswerable questions answered).
METRIC_BOOST = 1.25
# A question naming a business unit but no figure ("国际批发商业业务的增长由什么驱动？")
# gets no metric boost; the passage that names the unit does. Without it the
# China wholesale passage, sharing 批发商业/增长/驱动, outranked the international
# one. As strong as the metric boost: both say "this passage is about what was asked".
UNIT_BOOST = METRIC_BOOST
# ...but only for a unit few passages name: a business that half the call
# talks about (the main segment) tells no passage from another, and boosting
# every passage naming it pushed the one answering the question down.
UNIT_BOOST_MAX_SHARE = 0.2
# Questions asking for a reason or someone's words, not a figure: no metric boost.
NARRATIVE_RE = re.compile(r"\bwhy\b|\bhow (?!much\b|many\b)\w+|\bsa(?:y|id)\b|为什么|为何|原因|如何|怎么|怎样|说", re.I)


def asks_narrative(question: str) -> bool:
    """The question asks for a reason or someone's words, not a figure.

    Error it exists for: "How did Under Armour's inventory change?" and
    "How did unit case volume growth in Q3 compare with Q4?" ask for the
    metric's figures (a change), as the answer path reads them
    (`questions.CHANGE_RE`), but "how did" made them narrative here: the
    passage stating the metric got no boost and stayed below the model's
    passages. A change asked for its cause ("why did it change") stays narrative."""
    if not NARRATIVE_RE.search(question):
        return False
    return not (CHANGE_RE.search(question) and not CAUSE_RE.search(question))


# Questions that ask about questions (who asked / what was asked) keep analysts.
ASKING_RE = re.compile(r"\bask(?:ed|s|ing)?\b|\bquestion|\banalyst|提问|问了|问题|分析师|谁问", re.I)
# Questions about the answers given to someone ("who answered Goldman Sachs").
ANSWERING_RE = re.compile(r"\banswer(?:ed|s|ing)?\b|\brespon(?:d|ded|se)\b|\brepl(?:y|ied)\b|\btell\b|\btold\b|回答|回应|答复|怎么说", re.I)
BOILERPLATE_RE = re.compile(r"disclaimer|forward-looking|safe harbor|免责|前瞻性|非公认会计准则财务指标", re.I)
STOPWORDS = set(
    "的 了 是 在 和 与 及 也 都 就 而 对 为 于 把 被 让 给 从 向 中 上 下 个 这 那 我 你 他 她 它 我们 你们 他们 "
    "什么 多少 怎么 如何 哪些 哪个 是否 有 没有 吗 呢 吧 啊 请 问 说 谈 一下 一个 本 该 其 "
    "the a an of in on at to for and or is are was were be been what which who whom how much many "
    "did does do about with by from as that this these those it its their there than please tell me "
    "say said according call".split()
)
# In questions about a call these words name who speaks ("what did management
# say"), not what was said: translated, 管理 pulls up every passage that thanks
# 管理层 for taking a question.
SPEAKER_WORDS = {"management", "executive", "executives", "analyst", "analysts"}
_TOKEN_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


@dataclass
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_similarity: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        c = self.chunk
        return {
            "chunk_id": c.id, "text": c.text, "score": round(self.score, 6),
            "dense_rank": self.dense_rank, "bm25_rank": self.bm25_rank,
            "dense_similarity": round(self.dense_similarity, 4),
            "speaker": c.speaker, "title": c.title, "firm": c.firm, "section": c.section,
            "mode": c.mode, "role": c.role, "turn_index": c.turn_index,
            "question_by": c.question_by, "question_firm": c.question_firm,
            "doc": c.doc, "start": c.start, "end": c.end, "boilerplate": c.boilerplate,
            "call": c.call, "call_label": c.call_label,
            "reasons": self.reasons,
        }


_jieba_lock = threading.Lock()
_jieba_ready: set[str] = set()


def _init_jieba(cfg: Config, words: list[str]):
    import jieba

    with _jieba_lock:
        if cfg.cache_dir not in _jieba_ready:
            Path(cfg.cache_dir).mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = cfg.cache_dir  # its dictionary cache, not /tmp
            jieba.setLogLevel(60)
            for w in words:
                jieba.add_word(w.replace(" ", ""), freq=20000)
            _jieba_ready.add(cfg.cache_dir)
    return jieba


def _title_has(title: str, term: str) -> bool:
    """A speaker's title holds a title term, as a word when it is Latin
    ("CFO" in "EVP and CFO", not in "CFOs"; "首席财务官" anywhere)."""
    if not term.isascii():
        return term in title
    return re.search(r"(?<![a-z])" + re.escape(term) + r"(?![a-z])", title) is not None


def company_rows(glossary) -> dict[str, list[str]]:
    """The names of the glossary's company rows, by each of their bare names
    (corporate endings aside): read once for all the library's calls."""
    from .scope import bare_name

    out: dict[str, list[str]] = {}
    for e in glossary.entries:
        if e.kind == "company":
            names = [v for v in e.zh + e.en if v != e.ticker]  # a ticker is no name (see company_ticker)
            for own in dict.fromkeys(bare_name(v) for v in names):
                out.setdefault(own, []).extend(names)
    return out


def company_tickers(glossary) -> dict[str, str]:
    """The tickers of the glossary's company rows, by each of their bare
    names: read once for all the library's calls."""
    from .scope import bare_name

    out: dict[str, str] = {}
    for e in glossary.entries:
        if e.kind == "company" and e.ticker:
            for v in e.zh + e.en:
                if v != e.ticker:
                    out.setdefault(bare_name(v), e.ticker)
    return out


def company_ticker(glossary, company: str, tickers: dict[str, str] | None = None) -> str:
    """The ticker a glossary's company row gives a company ("Coca-Cola" →
    "KO"), or "": a question names a call by its ticker though the
    transcript never writes it. Kept apart from the company's names, which
    match in any case; a ticker matches in its own. `tickers`:
    `company_tickers(glossary)`, when already read."""
    from .scope import bare_name

    tickers = company_tickers(glossary) if tickers is None else tickers
    return tickers.get(bare_name(company), "")


def company_names(glossary, company: str, rows: dict[str, list[str]] | None = None) -> list[str]:
    """Every name a glossary's company row gives a company, in both
    languages ("阿里巴巴集团" → 阿里巴巴, Alibaba Group, Alibaba): a question
    names a Chinese call's company in English, or an English call's in Chinese.
    `rows`: `company_rows(glossary)`, when already read."""
    from .scope import bare_name

    rows = company_rows(glossary) if rows is None else rows
    return [n for n in rows.get(bare_name(company), []) if n != company]


def tokenize(text: str, jieba) -> list[str]:
    """BM25 tokens: jieba's words (Chinese split for search), lower case,
    stop words out; an English word also gives its stem, so "revenues"
    meets "revenue" and "raised" meets "raising"."""
    out = []
    for tok in jieba.lcut_for_search(text.lower()):
        tok = tok.strip()
        if tok and _TOKEN_KEEP.search(tok) and tok not in STOPWORDS:
            out.append(tok)
            if tok.isascii() and tok.isalpha() and len(tok) > 3:
                stem = _stem(tok)
                if stem != tok:
                    out.append(stem)
    return out


_stemmers = threading.local()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if not hasattr(_stemmers, "s"):
        _stemmers.s = dictionary_mod._stemmer()
    return _stemmers.s.stemWord(word)


class Retriever:
    def __init__(self, cfg: Config, embedding_function=None):
        from .embed import E5EmbeddingFunction
        from .models import resolve_embedder

        self.cfg = cfg
        check_store(cfg)  # a Chroma server that is down: said before the embedder loads
        self.generation, self.manifest, self.chunks = load_chunks(cfg)
        # the general lexicon, the curated glossary, and what was derived from each call when indexed
        derived = tuple(e for d in self.manifest.get("docs", {}).values()
                        for e in derive.entries(d.get("knowledge", {})) + derive.company_entries(d.get("call", {})))
        self.glossary = glossary_mod.for_config(cfg, derived)
        self.jieba = _init_jieba(cfg, self.glossary.zh_words())
        # the library: each call's record, by id (rag/library.py)
        self.calls: dict[str, Call] = {d["call"]["id"]: Call.from_dict(d["call"])
                                       for d in self.manifest.get("docs", {}).values() if "call" in d}
        rows, tickers = company_rows(self.glossary), company_tickers(self.glossary)
        for c in self.calls.values():  # the company's names in the other language, from the glossaries
            c.aliases = list(dict.fromkeys([*c.aliases, *company_names(self.glossary, c.company, rows)]))
            c.ticker = c.ticker or company_ticker(self.glossary, c.company, tickers)
        self.english_calls = any(c.language == "en" for c in self.calls.values())
        self.ef = embedding_function or E5EmbeddingFunction(resolve_embedder(cfg))
        self.collection = open_collection(cfg, self.generation, embedding_function=self.ef)
        self.by_id = {c.id: c for c in self.chunks}
        # the transcripts' text with the passage headers, squashed (glossary.squash), for
        # finding a name however it is spaced: read for every question's refusal check
        self.corpus_flat = squash("\n".join(c.with_header for c in self.chunks))
        self._build_bm25()
        self.dictionary = dictionary_mod.load(self.vocab, Path(cfg.cache_dir))
        self.knowledge = Knowledge(self.glossary, self.dictionary, self.corpus_flat, self.doc_freq,
                                   max(1, len(self.chunks)))
        self._lock = threading.Lock()  # Chroma's client and torch are shared
        self._unit_shares: dict[tuple, float] = {}
        self._naming: dict[tuple, set[str]] = {}
        self._texts: dict[tuple, str] = {}

    def _build_bm25(self) -> None:
        import bm25s

        corpus = [tokenize(c.with_header, self.jieba) for c in self.chunks]
        self.doc_freq: dict[str, int] = {}
        for doc in corpus:
            for t in set(doc):
                self.doc_freq[t] = self.doc_freq.get(t, 0) + 1
        self.bm25 = bm25s.BM25()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
        self.vocab = vocab
        self.bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    # ------------------------------------------------------------------
    def expand(self, question: str) -> tuple[str, list[str], glossary_mod.Expansion]:
        """The dense query text and BM25 tokens for a question. An English
        question brings the glossary's Chinese terms and the dictionary's
        Chinese words for its everyday words; both search the Chinese passages."""
        exp = self.glossary.expand(question)
        if detect(question) == "en":
            words = self.dictionary.translate(question, STOPWORDS | SPEAKER_WORDS)
            chinese = list(dict.fromkeys(exp.zh_terms + words))
            # the glossary's terms in brackets, as names for the question's own
            # words; the dictionary's after them (measured: this form ranked the
            # evidence first for 77.6% of English gold questions, all of them in
            # one bracket 73.5%)
            glossed = f" ({' '.join(exp.zh_terms)})" if exp.zh_terms else ""
            dense_q = f"{question}{glossed} {' '.join(words)}".rstrip()
        else:
            chinese, dense_q = exp.zh_terms, question
            if self.english_calls:  # the library holds English calls: the question's words in English too
                words = [w for w in self.dictionary.to_english(tokenize(question, self.jieba)) if w not in STOPWORDS]
                english = list(dict.fromkeys(exp.en_terms + words))
                dense_q = f"{question} ({' '.join(english)})" if english else question
                chinese = chinese + words
        bm25_tokens = tokenize(question + " " + " ".join(chinese + exp.en_terms), self.jieba)
        return dense_q, bm25_tokens, exp

    def _dense(self, text: str, calls: set[str] | None = None) -> tuple[list[str], dict[str, float]]:
        q = self.ef.query(text)
        where = {"call": {"$in": sorted(calls)}} if calls else None
        n = len(self.chunks) if not calls else sum(1 for c in self.chunks if c.call in calls)
        try:
            res = self.collection.query(query_embeddings=[q.tolist()], n_results=max(1, min(DENSE_CANDIDATES, n)),
                                        where=where, include=["distances"])
        except UserError:  # the Chroma server is down (rag/store.py)
            raise
        except Exception as e:  # chromadb's errors for files that no longer read
            from .index import damaged

            raise damaged(self.generation, e) from None
        ids = res["ids"][0]
        sims = {i: 1.0 - d for i, d in zip(ids, res["distances"][0])}  # cosine distance -> similarity
        return ids, sims

    def _bm25(self, toks: list[str], calls: set[str] | None = None) -> list[str]:
        # each term once: a glossary expansion ("increase" -> 同比增长, 同比, 增长)
        # must not outweigh the question's own words
        q = [self.vocab[t] for t in dict.fromkeys(toks) if t in self.vocab]
        if not q:
            return []
        scores = self.bm25.get_scores(q)
        if calls:  # the same restriction as the dense search's
            scores = scores * np.array([c.call in calls for c in self.chunks], dtype=scores.dtype)
        order = np.argsort(-scores)[:BM25_CANDIDATES]
        return [self.chunks[i].id for i in order if scores[i] > 0]

    def _targets(self, question: str, exp: glossary_mod.Expansion) -> tuple[set[str], set[str]]:
        """Speaker names and firms the question is about (any language): a
        person or firm it names, a speaker named verbatim ("Ronald Keung"),
        or the speakers whose title it names ("the CFO", "首席财务官")."""
        names: set[str] = set()
        firms: set[str] = set()
        for e in exp.of_kind("person"):
            names.update(x.lower() for x in e.zh + e.en)
        for e in exp.of_kind("firm"):
            firms.update(x.lower() for x in e.zh + e.en)
        titles = [t.lower() for e in exp.of_kind("title") if "analyst" not in (v.lower() for v in e.en)
                  for t in e.zh + e.en if len(t) >= 2]
        q = question.lower()
        for c in self.chunks:  # speakers named verbatim ("Ronald Keung", "Jialong Shi"), or by title
            for who in (c.speaker, c.question_by):
                if who and who.lower() in q:
                    names.add(who.lower())
            if c.speaker and c.title and any(_title_has(c.title.lower(), t) for t in titles):
                names.add(c.speaker.lower())
        return names, firms

    def text_of(self, calls: tuple[str, ...]) -> str:
        """The text of the calls `calls` (ids), their passages with headers."""
        if calls not in self._texts:
            self._texts[calls] = "\n".join(c.with_header for c in self.chunks if c.call in calls)
        return self._texts[calls]

    def calls_naming(self, names: tuple[str, ...]) -> set[str]:
        """The calls whose passages (with headers) name one of `names`."""
        if names not in self._naming:
            flat = [squash(n) for n in names]
            self._naming[names] = {c.call for c in self.chunks if c.call and any(f in squash(c.with_header) for f in flat)}
        return self._naming[names]

    def _share_naming(self, spec) -> float:
        """The share of passages that name a unit of `spec`."""
        key = tuple(sorted(spec.units))
        if key not in self._unit_shares:
            self._unit_shares[key] = sum(spec.names_unit(squash(c.text)) for c in self.chunks) / max(1, len(self.chunks))
        return self._unit_shares[key]

    def search(self, question: str, top_k: int | None = None, calls: list[str] | None = None) -> list[Hit]:
        """The passages best answering `question`, from the calls `calls` (ids)
        only when given, from every call otherwise."""
        top_k = top_k or self.cfg.top_k
        allowed = set(calls) if calls else None
        dense_q, toks, exp = self.expand(question)
        with self._lock:
            dense_ids, sims = self._dense(dense_q, allowed)
        bm25_ids = self._bm25(toks, allowed)
        hits: dict[str, Hit] = {}
        for rank, cid in enumerate(dense_ids, 1):
            h = hits.setdefault(cid, Hit(self.by_id[cid], 0.0))
            h.dense_rank, h.dense_similarity = rank, sims[cid]
            h.score += 1.0 / (RRF_K + rank)
        for rank, cid in enumerate(bm25_ids, 1):
            h = hits.setdefault(cid, Hit(self.by_id[cid], 0.0))
            h.bm25_rank = rank
            h.score += 1.0 / (RRF_K + rank)
        names, firms = self._targets(question, exp)
        answering = bool(ANSWERING_RE.search(question))
        # "How did Joe Tsai respond to the question on ..." is about the answer:
        # the analyst's passage restating the question misleads the model
        asking = (bool(ASKING_RE.search(question)) and not (answering and names)) or bool(firms)
        about_boilerplate = bool(BOILERPLATE_RE.search(question))
        spec = measure_of(question, self.knowledge, with_words=False)
        spec = None if not (spec.metrics or spec.units) else spec
        unit_spec = None
        if spec is not None and (not spec.metrics or asks_narrative(question)):
            # a unit alone, a reason or someone's words ask for no figure: only the unit counts
            unit_spec, spec = (spec if spec.units else None), None
        if unit_spec is not None and self._share_naming(unit_spec) > UNIT_BOOST_MAX_SHARE:
            unit_spec = None
        for h in hits.values():
            c = h.chunk
            speaker = c.speaker.lower()
            answers_target = bool(c.question_by) and (c.question_by.lower() in names or c.question_firm.lower() in firms)
            if speaker and (any(n in speaker or speaker in n for n in names if len(n) > 1)
                            or (c.firm and c.firm.lower() in firms)):
                if not (answering and c.role == "analyst"):
                    h.score *= SPEAKER_BOOST
                    h.reasons.append("speaker")
            elif answers_target:
                h.score *= SPEAKER_BOOST if answering else ANSWERED_BOOST
                h.reasons.append("answers-named-analyst")
            demoted = c.role == "analyst" and not asking
            if demoted:
                h.score *= ANALYST_DEMOTION
                h.reasons.append("analyst-demoted")
            if spec is not None and states(c.text, spec):
                h.score *= METRIC_BOOST
                h.reasons.append("states-metric")
            elif unit_spec is not None and not demoted and unit_spec.names_unit(squash(c.text)):
                # an analyst naming the unit in a question restates the topic, not the answer
                h.score *= UNIT_BOOST
                h.reasons.append("names-unit")
            if c.boilerplate and not about_boilerplate:
                h.score *= BOILERPLATE_DEMOTION
                h.reasons.append("boilerplate-demoted")
        ranked = sorted(hits.values(), key=lambda h: -h.score)
        return ranked[:top_k]
