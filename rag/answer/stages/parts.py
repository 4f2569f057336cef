"""Stage: every part of the question is answered, or said to be absent.

Error it exists for: asked two things, the small model answers the first
and stops. "What did Alibaba say about Cainiao's IPO, and what was
Cainiao's revenue this quarter?" got the IPO only, though Cainiao's revenue
was in the passages; "Compare Cainiao's and AIDC's revenue" got Cainiao's.
A question's parts are its questions (rag/questions.py: "…, and what was…",
"…？…？"), for a list of metrics one per metric ("revenue range, adjusted
EBITDA loss, and GAAP net loss?"), for one metric of several businesses one
per business, and for a figure asked of several calls (two quarters
compared) one per call.
- A figure part is answered when a figure of the answer measures it
  (rag/measures.py); a part no retrieved sentence states is absent.
- Another part is answered when the answer holds most of its terms (the
  kind a "which" part asks to be named is not one: "哪位分析师…" is
  answered by the analyst's name).
- The parts left out are asked once more on their own, from their own
  passages, and the answer added, its markers renumbered (a listed metric's
  figure that does not measure it dropped first). A call's part or a listed
  metric that a sentence states, still without an answer, is quoted from
  that sentence; any other part still without an answer, or absent, is said
  to be absent ("The transcript does not say: …"), never filled in.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ...asked import metric_list, split
from ...call_periods import names_call, quarter_spans
from ...chunking import Chunk
from ...claims import MARKER_RE, sentences
from ...glossary import squash
from ...knowledge import found
from ...numbers import find_match, source_numbers
from ...measures import (asked_periods, figures, labelled, measure_of, measured, metric_heads, metrics_by,
                         names_metric, naming_sentences, sources, stating_sentences)
from ...prompting import load_prompt, select_passages
from ...questions import asks_figure, parts, self_contained, words
from ...scope import resolve
from ..records import Draft, Evidence, Refuse, Retry, Stage
from .labels import clause_spans, drop_figures
from .measure import asked_measure
from .retrieve import search

# Share of a part's terms (weighed by rarity) an answer must hold to answer it.
TERMS_COVER = 0.5
# Glossary kinds whose names say what a part is about.
TOPIC_KINDS = {"unit", "product", "person", "firm", "finance", "concept", "strategy", "region", "title"}
MISSING = "a part of the question is not answered"
# A spoken sentence's opening word that links it to the one before ("And excluding
# special items, we reported…"): no part of what a quoted sentence states.
SPOKEN_OPENER_RE = re.compile(r"^\s*(?:and|so|but|now|also|again|well|okay|yes)\b[,\s]+(?=\S)", re.I)
# The word that opens a question asking for one of a kind ("哪位分析师", "哪家机构",
# "which analyst"): the answer names the one ("Jason Gursky (Citi) asked…"), not the kind.
WHICH_RE = r"(?:哪一?[位个家名只]|\bwhich\s+)\s*"


class CheckParts(Stage):

    def split(self, question: str, lang: str) -> list[str]:
        """The parts of `question` (one for a question of one part): rag/asked.py."""
        return split(question, lang, self.ctx.knowledge, self.ctx.cfg.prompts_dir)

    def figure_measure(self, part: str, whole: str, ev: Evidence):
        """What the part measures when it asks for a figure (its businesses
        those of the whole question when it names none); else None."""
        k = self.ctx.knowledge
        if not (asks_figure(part, k) or (asks_figure(whole, k) and not words(part, k))):
            return None
        m = asked_measure(self.ctx, part, ev.scope)
        if not m.units:
            of_whole = measure_of(whole, k)
            m.units, m.other_units = of_whole.units, of_whole.other_units
        return m

    def answered(self, part: str, whole: str, draft: Draft, item: bool = False, before: str = "") -> bool | None:
        """True if the answer answers `part`; None if the calls do not state
        it (a figure no retrieved sentence gives); False otherwise. `item`: the
        part is one metric of a list the question names; `before`: the part
        before it."""
        ev, k = draft.evidence, self.ctx.knowledge
        if (m := self.figure_measure(part, whole, ev)) is not None:
            # a part about one of several businesses is answered by a figure given for it by
            # name, read in the answer's sentences naming it when the others give another's
            # figures ("淘天集团的经调整 EBITA 为 599 亿……。云智能集团的经调整 EBITA 为 24 亿……")
            named = not m.units or m.names_unit(squash(draft.text))
            if named and measured(draft.text, ev.passages, m, whole):
                return True
            own = " ".join(s for s in sentences(draft.text) if m.names_unit(squash(s))) if m.units else ""
            if own and measured(own, ev.passages, m, whole):
                return True
            chunks = [h.chunk for h in ev.hits]
            if any(stating_sentences(m, chunks)):
                return False
            if not item:
                return True if self.given_leaning(part, before, whole, draft) else None
            # one metric of a list: no sentence found stating it, yet the answer
            # gives a figure under its name, checked by the label stage: said, not
            # absent (the part carries the whole question's words, which the
            # sentence stating it need not: "… profit, both reported and
            # excluding special items?" answered by "a $68 million profit")
            # and from a sentence of the period asked: "Q4 net income … $977 million"
            # read from "For full year 2021, our net income was 977 million" is not said
            asked = metric_heads(self.ctx.glossary, part)
            given = any(names_metric(b, a) and self.of_period(n, m, ev.passages)
                        for n, near in labelled(draft.text, self.ctx.glossary, after=True) for a in asked for b in near)
            return True if given else None
        if not self_contained(part, k) and part != parts(whole)[0]:
            return True  # leans on the part before it ("来自哪家机构？"): answered with it
        text = MARKER_RE.sub(" ", draft.text)
        terms = self.terms(part)
        # what the part shares with the rest of the question (the business both
        # ask about) does not tell whether this part was answered
        others = {f for p in parts(whole) if p != part for f in self.terms(p)}
        terms = {f: w for f, w in terms.items() if f not in others} or terms
        # the kind a "which" part asks the answer to name is no term it must hold: "哪位分析师问到
        # “服务”业务？" answered "Jason Gursky (Citi)问到……" was said to be absent beside that answer
        held = {f for f in terms if found(set(f), text)}
        terms = {f: w for f, w in terms.items() if f in held or not asked_kind(f, part)} or terms
        if not terms:
            return bool(text.strip())
        return sum(w for f, w in terms.items() if f in held) / sum(terms.values()) >= TERMS_COVER

    def given_leaning(self, part: str, before: str, whole: str, draft: Draft) -> bool:
        """`part` leans on the part `before` it with no word of its own
        ("同比增长多少？", "how did it change?", "And in Q3?"), and the answer
        gives it: a figure of what that part names, in the part's own period
        when it asks one, else a figure besides the one answering that part.
        Read alone, such a part names nothing a sentence could state, and was
        said to be absent beside the answer giving it ("…同比增长 5%。电话会记录中
        没有提到：同比增长多少？"). A part with words of its own ("what figure did
        the CFO come back with?") is not read this way."""
        k, ev = self.ctx.knowledge, draft.evidence
        if not before or words(part, k) or self_contained(part, k):
            return False
        m = asked_measure(self.ctx, f"{before.rstrip()} {part}", ev.scope)
        if own := asked_periods(part):
            m.asked_periods = own  # "…in Q4? And in Q3?": Q3's figure, not Q4's
        needed = 1 if own else 2
        return sum(measured(f.text, ev.passages, m, whole) for f in figures(draft.text)) >= needed

    @staticmethod
    def of_period(n, m, passages: list[Chunk]) -> bool:
        """A sentence of `passages` holding the figure `n` (or none holds it)
        fits the periods `m` asks."""
        held = [(sent, c.call) for _, sent, _, c, _ in sources([n], passages)]
        return not held or any(m.fits_period(sent, call) for sent, call in held)

    def terms(self, part: str) -> dict[frozenset[str], float]:
        """The part's names, terms and nouns (their forms), weighed by rarity."""
        k = self.ctx.knowledge
        out = {frozenset(v.lower() for v in e.zh + e.en): k.rarity(set(e.zh + e.en))
               for e in self.ctx.glossary.expand(part).entries if e.kind in TOPIC_KINDS}
        out.update({t.forms: t.weight for t in words(part, k) if t.noun})
        return out

    def by_call(self, draft: Draft) -> Draft | Retry | Refuse | None:
        """A figure question about several calls ("How did Amphenol's sales
        change from Q3 to Q4?", "What was Campbell's revenue?" with two
        quarters indexed) is answered from each: a call whose passages give
        no figure of the measure asked is asked on its own, or said to hold
        none. Each call is answered by the clauses naming its quarter or none
        of the others' (`about_call`). None when the question is not about
        several calls."""
        ev, k = draft.evidence, self.ctx.knowledge
        calls = self.ctx.retriever.calls
        if len(ev.scope) < 2 or not asks_figure(ev.question, k):
            return None
        if len({calls[c].company for c in ev.scope if c in calls}) > 2:
            return None  # a period asked of the whole library, not a comparison of named calls
        m = asked_measure(self.ctx, ev.question, ev.scope)
        status, stating, first_stated = {}, [], {}
        for cid in ev.scope:
            mine = [c for c in ev.passages if c.call == cid]
            others = [calls[c] for c in ev.scope if c in calls and c != cid]
            if measured(about_call(draft.text, calls[cid], others) if cid in calls else draft.text, mine, m):
                status[cid] = True
            else:
                chunks = [c for c in self.ctx.retriever.chunks if c.call == cid]
                found = [(c, s) for c, s in zip(chunks, stating_sentences(m, chunks)) if s] or \
                    [(c, s) for c, s in zip(chunks, naming_sentences(m, chunks)) if s]
                status[cid] = False if found else None
                stating += [replace(c, text=" ".join(s)) for c, s in found]
                first_stated.update({c.id: (c, s[0]) for c, s in found})
        label = {cid: calls[cid].label if cid in calls else cid for cid in ev.scope}
        # what is asked, by its names; by the question itself when no metric or business
        # names it (a word alone, "unit" of "unit case volume growth", says too little)
        what = (m.describe(ev.lang) if m.metrics or m.units else "") or ev.question.rstrip("?？.。 ")
        absent = [f"{what} ({label[c]})" for c, st in status.items() if st is None]
        missing = [c for c, st in status.items() if st is False]
        if len(absent) == len(status):
            return Refuse("the calls state none of: " + " / ".join(absent))
        # a figure the answer gives for a call stating none ("… and 10% in Q4 2021", the Q4
        # call giving no growth: its 10 is another measure's) goes with its clause
        none = [calls[c] for c, st in status.items() if st is None and c in calls]
        others = [calls[c] for c, st in status.items() if st is not None and c in calls]
        if none:
            draft = drop_figures(draft, self.ctx.glossary, lambda claim, piece, n, labels: any(
                names_call(p, c) and not any(names_call(p, o) for o in others)
                for _, _, p in quarter_spans(piece) for c in none))
        # so does a figure it gives under the quarter of a call whose passages do not give it
        # ("… it actually delivered approximately $10.5 billion, according to the Q4 2021 call",
        # $10.5 billion being the Q3 call's guidance): that call is asked again, or quoted
        unmet = [calls[c] for c, st in status.items() if st is False and c in calls]
        met = [calls[c] for c, st in status.items() if st is True and c in calls]
        if unmet:
            def of_unmet(claim, piece, n, labels) -> bool:
                at = claim.text.find(piece)
                # "… in Q4 2021 was 9% compared to Q3 2021" names both: kept
                return names_only(quarters_of(claim.text, at, at + len(piece)), unmet, met)

            draft = drop_figures(draft, self.ctx.glossary, of_unmet)
        draft = draft.but(absent=draft.absent + absent)
        if not missing:
            return draft
        top_k = ev.top_k or self.ctx.cfg.top_k
        hits = search(self.ctx.retriever, ev.question, top_k, missing)
        # the call is asked from its sentences that state the measure, those its
        # search ranks first leading: searched, a Q3 call gave its full-year
        # outlook ("13% to 14% in 2021") before its quarter's figure ("Our Q3
        # organic revenue was up 14%")
        rank = {h.chunk.id: i for i, h in enumerate(hits)}
        stating.sort(key=lambda c: rank.get(c.id, len(rank)))
        # asked the whole comparison, the model writes the one call's figure as the
        # other period's ("Q4 was 13% compared to Q3", 13% being Q3's): it is asked
        # that call's figure alone, the call named
        own = load_prompt(self.ctx.cfg.prompts_dir, f"call_part_{ev.lang}.txt").format(
            call=("、" if ev.lang == "zh" else ", ").join(label[c] for c in missing),
            metrics=m.describe(ev.lang) or ev.question)
        sub = Evidence(question=ev.question, lang=ev.lang, hits=hits, top_k=ev.top_k, scope=missing,
                       passages=select_passages(stating[:top_k], ev.lang, self.ctx.cfg.context_tokens,
                                                self.ctx.glossary), prompt_question=own)
        said = [f"{what} ({label[c]})" for c in missing]
        quoted = [(label[cid], *first_stated[next(c.id for c in stating if c.call == cid)]) for cid in missing]
        return Retry(MISSING, sub, draft=draft, fallback=lambda d: quote(d, quoted),
                     combine=lambda first, second: merge(first, second, said) if answers(second)
                     else quote(first, quoted))

    def run(self, draft: Draft) -> Draft | Retry | Refuse:
        ev = draft.evidence
        per_call = self.by_call(draft)
        if per_call is not None:
            return per_call
        asked = self.split(ev.question, ev.lang)
        if len(asked) < 2:
            return draft
        listed = dict(metric_list(ev.question, self.ctx.glossary)) if len(parts(ev.question)) < 2 else {}
        items = list(listed) == asked
        status = {p: self.answered(p, ev.question, draft, items, asked[i - 1] if i else "") for i, p in enumerate(asked)}
        absent = [p for p, s in status.items() if s is None]
        missing = [p for p, s in status.items() if s is False]
        if absent and len(absent) == len(asked):
            return Refuse("the calls state none of: " + " / ".join(absent))
        draft = draft.but(absent=draft.absent + absent)
        # a listed metric said to be absent loses the figure the answer gave it from another period
        stale = [(metric_heads(self.ctx.glossary, listed[p]), m) for p in absent
                 if items and (m := self.figure_measure(p, ev.question, ev)) is not None]
        if stale:
            draft = drop_figures(draft, self.ctx.glossary, lambda claim, piece, n, labels: any(
                any(names_metric(b, a) for a in heads for b in labels) and not self.of_period(n, m, ev.passages)
                for heads, m in stale))
        if not missing:
            return draft
        question = " ".join(missing)
        if not (words(question, self.ctx.knowledge) or self.ctx.glossary.expand(question).of_kind(*TOPIC_KINDS)):
            question = load_prompt(self.ctx.cfg.prompts_dir, f"followup_{ev.lang}.txt").format(
                previous=asked[0], question=question)
        # the part's own calls when it names them ("… and in Q4?"), else the question's
        own = resolve(question, list(self.ctx.retriever.calls.values()))
        scope = [c for c in own.calls if not ev.scope or c in ev.scope] or ev.scope
        hits = search(self.ctx.retriever, question, ev.top_k or self.ctx.cfg.top_k, scope or None)
        sub = Evidence(question=question, lang=ev.lang, hits=hits, top_k=ev.top_k, scope=scope,
                       passages=select_passages([h.chunk for h in hits], ev.lang, self.ctx.cfg.context_tokens,
                                                self.ctx.glossary))
        # a listed metric's figure that does not measure it ("revenue was $1.1 billion",
        # the call's $1.1 billion being another revenue) goes before it is asked again
        unmeasured = {a for p in missing if items for a in metric_heads(self.ctx.glossary, listed[p])}

        def cut(d: Draft) -> Draft:
            return drop_figures(d, self.ctx.glossary, lambda claim, piece, n, labels: any(
                names_metric(b, a) for a in unmeasured for b in labels)) if unmeasured else d

        # with no answer from the generation, a listed metric a retrieved sentence
        # states next to its figure, by its own name, is quoted from it
        quoted = {p: q for p in missing if items and (q := self.quoted_item(p, listed[p], ev))}

        # a leaning part the answer gives a figure of ("同比减少了多少？" beside "同比减少 350 亿元")
        # is asked again, yet never said to be absent beside the figure answering it
        before = {p: asked[i - 1] for i, p in enumerate(asked) if i}
        given = {p for p in missing if self.given_leaning(p, before.get(p, ""), ev.question, draft)}

        def unanswered(d: Draft) -> Draft:
            d = quote(cut(d), list(quoted.values())) if quoted else cut(d)
            return d.but(absent=d.absent + [p for p in missing if p not in quoted and p not in given])

        def combine(first: Draft, second: Draft | Refuse) -> Draft:
            if not answers(second):
                return unanswered(first)
            second = without_repeats(second, first)
            if not second.text and not items:
                return cut(first)  # the re-answer only repeated the answer: nothing to add, nothing absent
            if not second.text:
                return unanswered(first)
            both = merge(cut(first), second, missing)
            # the re-answer gave some of them: the others are quoted, not said absent
            still = [p for p in quoted if self.answered(p, ev.question, both, True) is not True]
            both = quote(both, [quoted[p] for p in still]) if still else both
            return both.but(absent=[a for a in both.absent if a not in still])

        # starting from this draft, the parts found absent stay said to be absent ("…, and its
        # liquidity?" not dropped in silence while revenue is asked again)
        return Retry(MISSING, sub, draft=draft, fallback=unanswered, combine=combine)

    def quoted_item(self, part: str, item: str, ev: Evidence) -> tuple[str, Chunk, str] | None:
        """The first retrieved sentence stating the listed metric `item` of
        `part`, naming it (or a narrower one) right by the figure: ("Revenue",
        passage, sentence); None when none does."""
        g = self.ctx.glossary
        asked = metric_heads(g, item)
        m = self.figure_measure(part, ev.question, ev)
        if m is None or not asked:
            return None
        chunks = [h.chunk for h in ev.hits]
        for c, sents in zip(chunks, stating_sentences(m, chunks)):
            for sent in sents:
                if any(names_metric(b, a) for n in source_numbers(sent) for a in asked for b in metrics_by(g, sent, n)):
                    return item.strip(), c, sent
        return None


def asked_kind(forms: frozenset[str], part: str) -> bool:
    """One of `forms` is the kind `part` asks to be named: it follows "which"
    or "哪位" ("which analyst", "哪家机构")."""
    return any(re.search(WHICH_RE + re.escape(f), part, re.I) for f in forms if f)


def about_call(text: str, call, others: list) -> str:
    """The clauses of the answer `text` that may be about `call`: all but
    those naming only the quarters of the `others` compared with it. Asked to
    compare two quarters, the model gave one call's figure under the other's
    quarter ("第三季度……为 9%", 9% being the fourth quarter's): read over
    the whole answer, that figure counted as the call's own answer."""
    kept = []
    for sent in sentences(text):
        kept += [sent[a:b] for a, b in clause_spans(sent) if not names_only(quarters_of(sent, a, b), others, [call])]
    return " ".join(kept)


def names_only(named: list, these: list, not_those: list) -> bool:
    """The quarters `named` name one of the calls `these` and none of `not_those`."""
    return any(names_call(p, c) for p in named for c in these) and \
        not any(names_call(p, c) for p in named for c in not_those)


def quarters_of(sent: str, a: int, b: int) -> list:
    """The quarters the clause `sent[a:b]` is about: those it names, else
    those its opening phrase names, the clauses with no figure right before
    it ("According to the Q4 2021 call, it delivered $10.5 billion")."""
    named = [p for _, _, p in quarter_spans(sent[a:b])]
    if named or a < 0:
        return named
    for x, y in reversed([s for s in clause_spans(sent) if s[1] <= a]):
        if figures(sent[x:y]):
            break
        if named := [p for _, _, p in quarter_spans(sent[x:y])]:
            return named
    return []


def answers(second: Draft | Refuse) -> bool:
    """The answer to the parts asked again says something."""
    return not isinstance(second, Refuse) and bool(second.text)


def quote(draft: Draft, quoted: list[tuple[str, Chunk, str]]) -> Draft:
    """Parts no generation answered, given in the calls' own words: each a
    sentence stating it (label, passage, sentence), quoted under the call's
    or the metric's name and cited ("Coca-Cola · Q4 2021: Comparable gross margin for the
    quarter was relatively flat versus prior year[3]."), rather than said to
    be absent when a sentence states it."""
    ev = draft.evidence
    passages = list(ev.passages)
    zh = ev.lang == "zh"
    added = []
    for label, chunk, sentence in quoted:
        if chunk.id not in {c.id for c in passages}:
            passages.append(chunk)
        n = next(i for i, c in enumerate(passages, 1) if c.id == chunk.id)
        if opener := SPOKEN_OPENER_RE.match(sentence):
            sentence = capitalized(sentence[opener.end() :])
        added.append(f"{capitalized(label)}{'：' if zh else ': '}{sentence.rstrip('.。 ')}[{n}]{'。' if zh else '.'}")
    sep = "" if zh else " "
    text = (draft.text.rstrip() + sep + sep.join(added)).strip()
    return draft.but(text=text, evidence=replace(ev, passages=passages))


def capitalized(text: str) -> str:
    """`text` with its first letter upper-case, the rest as written ("EBITA" stays)."""
    return text[:1].upper() + text[1:]


def without_repeats(second: Draft, first: Draft) -> Draft:
    """`second` (the answer to parts asked again) without its sentences
    giving only figures `first` already gives: asked again, the model often
    restates the answer ("Digital sales grew nearly 9% year-over-year to
    $840 million", after "digital sales were $840 million, up 9%"), shown
    twice otherwise. Sentences with no figure stay."""
    given = figures(first.text)
    kept = [s for s in sentences(second.text) if not (own := figures(s)) or not all(find_match(f, given) for f in own)]
    return second.but(text=("" if second.evidence.lang == "zh" else " ").join(kept))


def merge(first: Draft, second: Draft | Refuse, asked: list[str]) -> Draft:
    """`second` (the answer to the parts `asked`) added to `first`, its
    markers renumbered after first's (a passage both cite keeps first's
    number); a refused second leaves the parts absent."""
    if isinstance(second, Refuse) or not second.text:
        return first.but(absent=first.absent + asked)
    passages = list(first.evidence.passages)
    number = {c.id: i for i, c in enumerate(passages, 1)}
    renumber = {}
    for i, c in enumerate(second.evidence.passages, 1):
        if c.id not in number:
            passages.append(c)
            number[c.id] = len(passages)
        renumber[i] = number[c.id]
    text = MARKER_RE.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", second.text)
    have = {h.chunk.id for h in first.evidence.hits}
    hits = first.evidence.hits + [h for h in second.evidence.hits if h.chunk.id not in have]
    sep = "" if first.evidence.lang == "zh" or not first.text.strip() else " "
    return first.but(text=first.text.rstrip() + sep + text, evidence=replace(first.evidence, passages=passages, hits=hits),
                     unverified=first.unverified + second.unverified, corrections=first.corrections + second.corrections,
                     absent=first.absent + second.absent, generations=second.generations,
                     completion_tokens=second.completion_tokens)
