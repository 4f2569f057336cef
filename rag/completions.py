"""What the source states with a figure and the answer dropped.

The model copies a figure and leaves out its other half: the change stated
right after it, the year-ago amount, "a loss of", the parts a total adds
up, the firm of an analyst it names. Each completion adds the cited
passage's own statement, so the added words are verified by construction.
A change set against the previous quarter when the source states it year
over year is put right (English answers).
"""

from __future__ import annotations

import re

from . import numbers as num
from .chunking import Chunk
from .claims import CLAIM_RE, MARKER_RE
from .glossary import Glossary

# Words that state a year-over-year change in the source, and those of a decrease.
CHANGE_WORDS = ("同比增长", "同比减少", "同比下降", "比去年同期减少", "同比增加")
DOWN_WORDS = ("同比减少", "同比下降", "比去年同期减少")
_CHANGE = "|".join(CHANGE_WORDS)
_YOY_CHANGE = "|".join(w for w in CHANGE_WORDS if w.startswith("同比"))
# Words leading from a change to the amount it reaches ("达到 233 亿元").
_REACHES = "达到|至|为"
# A change stated right after an amount in the source: "，同比增长 5%", "，同比减少 31%",
# "，与去年同期持平".
CHANGE_AFTER_RE = re.compile(r"^[^。；;，,]{0,6}[，,]\s*(?:(?P<dir>" + _CHANGE + r")\s*"
                             r"(?P<pct>\d+(?:\.\d+)?)\s*%|(?P<flat>与去年同期持平))")
# ...or right before it: "收入同比增长 56%，达到 233 亿元人民币".
CHANGE_BEFORE_RE = re.compile(r"(?P<dir>" + _YOY_CHANGE + r")\s*(?P<pct>\d+(?:\.\d+)?)\s*%"
                              r"\s*[，,]?\s*(?:" + _REACHES + r")\s*$")
# ...or, in an English source, right after it with the source's own words up
# to the clause's end: "$3.21, an increase of 21.1% compared to the fourth
# quarter of 2020", "$1.1 billion, up 15% versus 2019".
EN_CHANGE_AFTER_RE = re.compile(
    r"^[ \t]*,[ \t]*(?P<phrase>(?:(?:an?\s+)?(?:increase|decrease|decline|rise|drop|improvement|gain)\s+of"
    r"|up|down)\s+(?P<pct>\d+(?:\.\d+)?)\s*%(?:[^,;%$\n]{0,60}?(?=[,;]|\.(?!\d)|$))?)", re.I)
FIRST_PERSON_RE = re.compile(r"\b(?:our|we|us|I)\b")
# Characters of the source searched on either side of the amount.
CHANGE_WINDOW = 40
# Between an amount and the change that follows it: "24 亿人民币，同比增长 86%".
AMOUNT_THEN_CHANGE_RE = re.compile(r"^\s*[，,]\s*(?:" + _CHANGE + r")\s*$")
# Between a change and the amount it reaches: "同比增长 56%，达到 233 亿元人民币".
CHANGE_THEN_AMOUNT_RE = re.compile(r"^\s*[，,]?\s*(?:" + _REACHES + r")\s*$")


def complete_changes(text: str, passages: list[Chunk], lang: str) -> tuple[str, list[str]]:
    """Complete figures from the cited passages, so an answer does not drop
    the half of a figure its source states together:
    - each amount gets the year-over-year change its source sentence states
      right after (or just before) it, unless the answer already gives it;
      from an English source, in the source's own words ("$3.21, an increase
      of 21.1% compared to the fourth quarter of 2020");
    - in an answer with no amount, each percentage change gets the amount its
      source states with it ("grew 86%" -> "grew 86% (to RMB 2.4 billion)").
    The added words come from the cited passage, so they are verified."""
    added: list[str] = []
    pools = [(c, num.extract(c.text)) for c in passages]
    out = text
    answer_numbers = num.extract(MARKER_RE.sub(" ", text))
    have_pcts = {a.value for a in answer_numbers if a.kind == "percent"}
    # right to left, so the positions of earlier numbers stay valid
    for n in sorted(num.extract(text), key=lambda x: -x.start):
        if n.kind != "amount":
            continue
        for c, pool in pools:
            src = next((p for p in pool if p.kind == "amount" and n.same_value(p)), None)
            if src is None:
                continue
            m = (CHANGE_AFTER_RE.match(c.text[src.end : src.end + CHANGE_WINDOW])
                 or CHANGE_BEFORE_RE.search(c.text[max(0, src.start - CHANGE_WINDOW) : src.start]))
            english = EN_CHANGE_AFTER_RE.match(c.text[src.end : src.end + 2 * CHANGE_WINDOW + 40]) if lang == "en" else None
            if not (m or english):
                break
            if english:  # the English source's own words
                pct = float(english.group("pct"))
                if pct in have_pcts:
                    break
                have_pcts.add(pct)
                phrase = english.group("phrase").strip()
                if FIRST_PERSON_RE.search(phrase):  # "versus our prior year" is the company speaking: the change only
                    phrase = phrase[: phrase.index("%") + 1]
                phrase = ", " + phrase
            elif m.groupdict().get("flat"):
                phrase = "，与去年同期持平" if lang == "zh" else ", flat year over year"
                if "持平" in out or "flat" in out.lower():
                    break
            else:
                pct = float(m.group("pct"))
                if pct in have_pcts:
                    break
                have_pcts.add(pct)
                down = m.group("dir") in DOWN_WORDS
                if lang == "zh":
                    phrase = f"，{m.group('dir')} {m.group('pct')}%"
                else:
                    phrase = f", {'down' if down else 'up'} {m.group('pct')}% year over year"
            end = _end_of(out, n)
            out = out[:end] + phrase + out[end:]
            added.append(phrase.strip("，, "))
            break
    if any(a.kind == "amount" for a in answer_numbers):
        return out, added
    for n in sorted(num.extract(out), key=lambda x: -x.start):
        if n.kind != "percent":
            continue
        amount = _amount_with_change(n, pools)
        if amount is None:
            continue
        shown = amount.text.strip() if lang == "zh" else num.format_en(amount.value, amount.currency or "RMB")
        phrase = f"（至 {shown}）" if lang == "zh" else f" (to {shown})"
        end = _end_of(out, n)
        out = out[:end] + phrase + out[end:]
        added.append(shown)
    return out, added


# A change an English answer sets against the previous quarter ("up 5%
# compared to the previous quarter", "quarter over quarter"), right after its
# percentage.
PREVIOUS_QUARTER_RE = re.compile(r",?\s*(?:(?:compared (?:to|with)|from|versus|vs\.?|over|than) (?:the )?"
                                 r"(?:previous|prior|last|preceding) quarter|quarter[- ](?:over|on)[- ]quarter"
                                 r"|sequentially)\b", re.I)
# The source's words right before a year-over-year change ("同比增长 5%", "比去年同期减少 7%").
YOY_BEFORE_RE = re.compile(r"(?:同比|比去年同期|较去年同期)\s*(?:增长|增加|上升|减少|下降)?\s*了?\s*$")


def fix_change_basis(text: str, passages: list[Chunk]) -> tuple[str, list[tuple[str, str]]]:
    """An English answer that sets a change against the previous quarter
    when every cited source that states the percentage gives it year over
    year (同比: the transcript compares with the same quarter a year before)
    says "year over year" instead. Returns (text, the corrections)."""
    fixed: list[tuple[str, str]] = []
    for n in sorted(num.extract(text), key=lambda x: -x.start):  # right to left: earlier positions stay valid
        if n.kind != "percent":
            continue
        end = _end_of(text, n)
        m = PREVIOUS_QUARTER_RE.match(text, end)
        if not m:
            continue
        sources = [c.text[max(0, p.start - 12) : p.start] for c in passages
                   for p in num.extract(c.text) if p.kind == "percent" and n.same_value(p)]
        if not sources or not all(YOY_BEFORE_RE.search(before) for before in sources):
            continue
        fixed.append((m.group().strip(" ,"), "year over year"))
        text = text[:end] + " year over year" + text[m.end():]
    return text, fixed


# Between an amount and the year-ago amount its source states next
# ("为亏损 32 亿元人民币，而去年同期为亏损 17 亿元人民币", "9.61 亿元人民币，去年同一季度则为亏损 1200 万元").
YEAR_AGO_RE = re.compile(r"^\s*[，,]\s*而?\s*去年同(?:期|一季度)\s*则?\s*为\s*(?P<loss>亏损)?\s*$")


def complete_year_ago(text: str, passages: list[Chunk], lang: str) -> tuple[str, list[str]]:
    """Give each amount of the answer the year-ago amount its source states
    right after it, unless the answer already gives that amount: the model
    sometimes drops it ("All others' adjusted EBITA was a loss of RMB 3.2
    billion"), and the comparison is half of the figure. The added amount
    comes from the cited passage, so it is verified."""
    added: list[str] = []
    pools = [(c, num.amounts(c.text)) for c in passages]
    have = num.amounts(MARKER_RE.sub(" ", text))
    out = text
    for n in sorted(num.extract(text), key=lambda x: -x.start):  # right to left: earlier positions stay valid
        if n.kind != "amount":
            continue
        for c, pool in pools:
            i = next((i for i, p in enumerate(pool) if n.same_value(p)), None)
            if i is None:
                continue
            ago = pool[i + 1] if i + 1 < len(pool) else None
            m = YEAR_AGO_RE.match(c.text[pool[i].end : ago.start]) if ago is not None else None
            if m and not any(a.same_value(ago) for a in have):
                have.append(ago)
                if lang == "zh":
                    phrase = f"，去年同期为{m.group('loss') or ''} {ago.text.strip()}"
                else:
                    loss = "a loss of " if m.group("loss") else ""
                    phrase = f", compared with {loss}{num.format_en(ago.value, ago.currency or 'RMB')} a year earlier"
                end = _end_of(out, n)
                out = out[:end] + phrase + out[end:]
                added.append(phrase.strip("，, "))
            break
    return out, added


# How far the parts a source adds up may be from the total it states with
# them: totals are rounded ("回购达 98 亿美元，加上派息 25 亿美元，我们返还给股东的价值超过 120 亿美元").
PARTS_REL_TOL = 0.05
CLAUSE_START_RE = re.compile(r"[，,；;：:]")


def complete_parts(text: str, passages: list[Chunk], glossary: Glossary, lang: str) -> tuple[str, list[str]]:
    """Give each amount of the answer the parts its source sentence adds up
    to it, when the answer gives none of them: asked how much was returned
    to shareholders, the model answers "over US$12 billion" and drops the
    US$9.8 billion of buybacks and US$2.5 billion of dividends its source
    builds it from. The parts are two or more amounts of the same currency
    right before the total in its sentence whose sum is the total. Chinese
    answers get the source's words for them; English ones each part's
    glossary terms and amount ("buyback of US$9.8 billion")."""
    added: list[str] = []
    have = num.amounts(MARKER_RE.sub(" ", text))
    out = text
    for n in sorted(num.extract(text), key=lambda x: -x.start):
        if n.kind != "amount":
            continue
        parts, sent = _parts_of(n, passages)
        if not parts or any(any(p.same_value(a) for a in have) for p in parts):
            continue
        if lang == "zh":
            start = max((m.end() for m in CLAUSE_START_RE.finditer(sent, 0, parts[0].start)), default=0)
            phrase = "（" + sent[start : _end_of(sent, parts[-1])].strip(" ，,") + "）"
        else:
            phrase = " (" + " and ".join(label_amount(p, sent, glossary) for p in parts) + ")"
        end = _end_of(out, n)
        out = out[:end] + phrase + out[end:]
        added.append(phrase.strip(" （）()"))
        have += parts
    return out, added


def _parts_of(total: num.Number, passages: list[Chunk]) -> tuple[list[num.Number], str]:
    """The amounts right before `total` in a passage sentence stating it
    that add up to it, and that sentence; ([], "") when there are none."""
    for c in passages:
        for m in CLAIM_RE.finditer(c.text):
            sent = m.group()
            pool = num.amounts(sent)
            for i, p in enumerate(pool):
                if not total.same_value(p):
                    continue
                before = [q for q in pool[:i] if q.currency == p.currency]
                for k in range(2, len(before) + 1):
                    parts = before[-k:]
                    if abs(sum(q.value for q in parts) - p.value) <= PARTS_REL_TOL * p.value:
                        return parts, sent
    return [], ""


def label_amount(n: num.Number, text: str, glossary: Glossary) -> str:
    """"buyback of US$9.8 billion", "amortization of intangible assets and
    impairment of RMB 14.6 billion": the finance terms named in the
    amount's clause of `text` before it, and the amount in English."""
    start = max((m.end() for m in CLAUSE_START_RE.finditer(text, 0, n.start)), default=0)
    terms = [e.en[0] for _, e in glossary.mentions(text[start : n.start]) if e.kind == "finance" and e.en]
    shown = num.format_en(n.value, n.currency or "RMB")
    return f"{' and '.join(dict.fromkeys(terms))} of {shown}" if terms else shown


# A source amount stated as a loss: "经调整 EBITA 为亏损 32 亿元", "去年同期则为亏损 1200 万".
# Only a loss level, not a change in it ("亏损收窄了 8 亿" is not matched).
LOSS_BEFORE_RE = re.compile(r"亏损\s*(?:约为|约|为|达到|达)?\s*$")
# Characters of the source searched before the amount for that word.
LOSS_WINDOW = 8
# Words of an answer that already call the amount a loss, in its clause before the amount.
ANSWER_LOSS_RE = {"en": re.compile(r"\bloss|\blost\b|\bnegative\b|\bdeficit|[-−]\s*$", re.I),
                  "zh": re.compile(r"亏|负")}
# Where the clause of an answer's amount starts: after the last of these before it.
CLAUSE_BREAK_RE = re.compile(r"[，,；;。.!?！？](?!\d)")


def mark_losses(text: str, passages: list[Chunk], lang: str) -> tuple[str, list[str]]:
    """Call an amount a loss when every occurrence of it in the cited passages
    is a loss and the answer's clause does not say so: "All others' adjusted
    EBITA was RMB 3.2 billion" from "为亏损 32 亿元" becomes "... was a loss of
    RMB 3.2 billion". Value matching alone passes such an answer, and a loss
    shown as a profit is a wrong figure."""
    added: list[str] = []
    pools = [(c, num.amounts(c.text)) for c in passages]
    out = text
    for n in sorted(num.extract(text), key=lambda x: -x.start):
        if n.kind != "amount":
            continue
        sources = [(c, p) for c, pool in pools for p in pool if n.same_value(p)]
        if not sources or not all(LOSS_BEFORE_RE.search(c.text[max(0, p.start - LOSS_WINDOW) : p.start])
                                  for c, p in sources):
            continue
        start = _start_of(out, n)
        clause = out[:start]
        breaks = list(CLAUSE_BREAK_RE.finditer(clause))
        clause = clause[breaks[-1].end() :] if breaks else clause
        if ANSWER_LOSS_RE[lang].search(clause):
            continue
        if lang == "zh":  # before the space: "为 32 亿" -> "为亏损 32 亿"
            at, phrase = len(out[:start].rstrip()), "亏损"
        else:  # "was RMB 3.2 billion" -> "was a loss of RMB 3.2 billion"
            at, phrase = start, "a loss of "
        out = out[:at] + phrase + out[at:]
        added.append(phrase.strip())
    return out, added


def name_firms(text: str, passages: list[Chunk], glossary: Glossary, lang: str) -> tuple[str, list[str]]:
    """Give an analyst the answer names their firm, as the call introduces
    them ("Thomas Chong (Jefferies)"), when the answer names neither it nor
    any of its glossary names. The firm is how a reader tells who asked, and
    the cited passage's header states it, so the added words are verified."""
    added: list[str] = []
    analysts = {}
    for c in passages:
        if c.role == "analyst" and c.speaker and c.firm:
            analysts.setdefault(c.speaker, c.firm)
        if c.question_by and c.question_firm:
            analysts.setdefault(c.question_by, c.question_firm)
    out = text
    folded = text.casefold()
    for name, firm in analysts.items():
        m = re.search(r"(?<![A-Za-z])" + re.escape(name) + r"(?![A-Za-z])", out)
        if m is None or re.match(r"\s*[(（]", out[m.end():]):
            continue
        names = {firm, *(v for e in glossary.entries if e.kind == "firm" and firm in e.zh + e.en for v in e.zh + e.en)}
        if any(v.casefold() in folded for v in names):
            continue
        phrase = f"（{firm}）" if lang == "zh" else f" ({firm})"
        out = out[: m.end()] + phrase + out[m.end():]
        added.append(firm)
    return out, added


# The glossary kinds of a metric a percentage change is reported for. A
# change in an answer is checked against the metric named last before it,
# in the answer and in its source ("Cainiao's adjusted EBITA ..., up 24%"
# where the source's 24% follows 收入: revenue grew 24%, not adjusted EBITA).
METRIC_KINDS = ("finance", "concept")
# A change phrase around a percentage: the words before it, and after it.
_EN_MOVE = (r"(?:an?\s+)?(?:increase|decrease|rise|decline|growth|drop|fall)\s+of|up|down|grew|rose|fell"
            r"|(?:increas|decreas|grow|ris|declin|fall|dropp)(?:ed|ing|s)?(?:\s+by)?")
CHANGE_BEFORE_PCT = {"en": re.compile(r"(?:,\s*|\s+)(?:" + _EN_MOVE + r")\s*$", re.I),
                     "zh": re.compile(r"[，,]?\s*(?:同比|比去年同期)?\s*(?:增长|增加|下降|减少|上升|提升)了?\s*$")}
CHANGE_AFTER_PCT = {"en": re.compile(r"^\s*(?:year[- ]over[- ]year|YoY|from a year earlier|from the previous year)?",
                                     re.I),
                    "zh": re.compile(r"^")}


def metric_before(text: str, glossary: Glossary) -> str | None:
    """The metric (its main Chinese name) named last in `text`."""
    names = [e.name("zh") for _, e in glossary.mentions(text) if e.kind in METRIC_KINDS]
    return names[-1] if names else None


def drop_changes_of_other_metrics(text: str, passages: list[Chunk], glossary: Glossary,
                               lang: str) -> tuple[str, list[str]]:
    """Remove each change phrase set after an amount or a comma ("RMB 924
    million, up 24% year over year", "9.24 亿元人民币，同比增长 24%") whose
    percentage every source gives to another metric than the one
    the answer names before it. The model takes a change from a neighbouring
    sentence; the change that does belong to the figure is then added from
    its source (verify.complete_changes)."""
    dropped: list[str] = []
    for n in sorted(num.extract(text), key=lambda x: -x.start):  # right to left: earlier spans stay valid
        if n.kind != "percent":
            continue
        sent_start = max((m.end() for m in re.finditer(r"[。！？；;!?]|\.\s", text[: n.start])), default=0)
        asked = metric_before(MARKER_RE.sub(" ", text[sent_start : n.start]), glossary)
        before = CHANGE_BEFORE_PCT[lang].search(text[: n.start])
        if asked is None or before is None or not (before.group().lstrip()[:1] in ",，"
                                                   or _after_amount(text[: before.start()])):
            continue  # dropping a change that is the sentence's predicate would leave half a sentence
        stated = {metric_before(sent[: src.start], glossary) for _, sent, src in _sources([n], passages)}
        if not stated or None in stated or asked in stated:
            continue  # not found, or a source names no metric before it or names this one
        end = n.end + CHANGE_AFTER_PCT[lang].match(text[n.end :]).end()
        dropped.append(text[before.start() : end].strip(" ，,"))
        text = text[: before.start()] + text[end:]
    return text, dropped


def _after_amount(text: str) -> bool:
    """`text` ends with an amount."""
    amounts = num.amounts(text)
    return bool(amounts) and not text[amounts[-1].end :].strip()


def _sources(values: list[num.Number], passages: list[Chunk]):
    """(index, sentence, source number) of each occurrence of `values` in the passages' sentences."""
    for c in passages:
        for m in re.finditer(r"[^。！？；;!?]+[。！？；;!?]?", c.text):
            for n in num.source_numbers(m.group()):
                for i, a in enumerate(values):
                    if n.same_value(a):
                        yield i, m.group(), n


def _start_of(text: str, n: num.Number) -> int:
    """Start of the number's own text (its match may include surrounding spaces)."""
    return text.index(n.text, n.start)


def _end_of(text: str, n: num.Number) -> int:
    """End of the number's own text."""
    return _start_of(text, n) + len(n.text)


def _amount_with_change(change: num.Number, pools) -> num.Number | None:
    """The amount a source sentence states with this percentage change."""
    for c, pool in pools:
        for i, p in enumerate(pool):
            if p.kind != "percent" or abs(p.value - change.value) > 1e-9:
                continue
            before = pool[i - 1] if i > 0 else None
            after = pool[i + 1] if i + 1 < len(pool) else None
            if before is not None and before.kind == "amount":
                if AMOUNT_THEN_CHANGE_RE.match(c.text[before.end : p.start]):
                    return before
            if after is not None and after.kind == "amount":
                if CHANGE_THEN_AMOUNT_RE.match(c.text[p.end : after.start]):
                    return after
    return None
