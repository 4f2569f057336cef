"""Checking an answer against the passages it was given.

For each sentence (claim) of the model's answer:
- markers [n] that point at no passage are removed;
- every number is matched by value and unit against the cited passages, then
  against the other passages given (the marker is then moved there);
  a number with the right digits but the wrong scale is corrected ("281
  billion" -> "28.1 billion" when the source says 281亿); anything else is
  listed as unverified;
- a citation stays only if its passage supports the claim (its numbers, or
  enough shared terms); an English claim whose cited passage shares a single
  term with it is cited to the passage that holds its terms, if another does;
  a claim with no marker gets the passage that supports it, if one clearly does.
The model's text is never shown as fact on the model's word alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import numbers as num
from .chunking import Chunk
from .glossary import Glossary, squash
from .language import HAN_RE

MARKER_RE = re.compile(r"\s*\[(\d{1,2})\]")
# A claim ends at a sentence end; not at a list item's number ("as follows: 1. Supply").
_AFTER = num.LIST_ITEM_AFTER
_NOT_LIST_NUMBER = "".join(f"(?<!{b})" for b in (r"^\d", r"^\d\d", _AFTER + r"\d", _AFTER + r"\d\d",
                                                 _AFTER + r"\s\d", _AFTER + r"\s\d\d"))
CLAIM_RE = re.compile(r".+?(?:[。！？!?；;]+|" + _NOT_LIST_NUMBER + r"\.(?=\s|$)|$)", re.S)
# A marker the model put after a list item's number ("as follows: 1[1]. Supply"):
# it cites nothing (the item's own sentence carries its marker) and would cut
# the item from its claim.
LIST_NUMBER_MARKER_RE = re.compile(r"((?:^|" + _AFTER + r")\s*\d{1,2})(?:\s*\[\d{1,2}\])+(?=\.\s)")
# Share of a Chinese claim's character bigrams found in a passage for the
# passage to count as supporting it (copied facts score 0.6-1.0; unrelated
# passages of the same call 0.1-0.3).
ZH_SUPPORT = 0.45
# Distinct glossary terms / Latin names of an English claim found in a
# passage for it to count as supporting a claim that has no numbers.
EN_SUPPORT_TERMS = 2
# ...and for a passage the model itself cited, one shared concept or name
# (the claim is English, the passage Chinese: wording cannot be compared).
EN_CITED_MIN = 1.0
# Glossary kinds too common to show that a passage supports a claim.
GENERIC_KINDS = {"time", "change", "currency", "company", "section"}
LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9.&'-]{2,}")
# How an answer attaches a name to a person or thing: "of/from/at Example
# Capital", "(Example Capital)"; "来自示例资本的", "（示例资本）".
INVENTED_EN_ATTACHED = r"\s*(?:,\s*)?\b(?:of|from|at|for|with|in)\s+(?:the\s+)?{name}(?:'s)?(?![A-Za-z])|\s*[(（]\s*{name}\s*[)）]"
INVENTED_ZH_ATTACHED = r"来自{name}的?|[(（]\s*{name}\s*[)）]"
EN_STOP = set("the and for with from that this was were are has have had its their which about also than into "
              "over said says will would could should been being more most less year quarter percent".split())


@dataclass
class Claim:
    text: str  # final text, markers included
    markers: list[int] = field(default_factory=list)
    supported: bool = False
    numbers_ok: bool = True


@dataclass
class Verified:
    text: str
    claims: list[Claim]
    used: list[int]  # passage numbers (1-based) cited in the final text, in first-use order
    unverified: list[str]
    corrections: list[tuple[str, str]]

    @property
    def any_supported(self) -> bool:
        return any(c.supported for c in self.claims)

    @property
    def uncited(self) -> list[str]:
        """Sentences no passage supports (the model wrote them without a
        marker, and none holds their wording): shown, but flagged. Read from
        `text`, so a warning quotes the words shown, after the completions
        made once the answer is checked (`complete_changes`, `mark_losses`,
        `name_firms`)."""
        return [s for s in sentences(self.text) if not MARKER_RE.search(s)]

    @property
    def any_cited(self) -> bool:
        """Some claim has a passage that supports it (its numbers may still be unverified)."""
        return any(c.markers for c in self.claims)


def sentences(text: str) -> list[str]:
    """The claims of an answer: its sentences (a list item's number is no
    end), without those that hold only markers."""
    out = []
    for m in CLAIM_RE.finditer(text.strip()):
        sentence = m.group().strip()
        if MARKER_RE.sub("", sentence).strip(" .。"):
            out.append(sentence)
    return out


def bigrams(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def support_score(claim: str, passage: Chunk, glossary: Glossary, lang: str) -> float:
    """How much of the claim's wording the passage holds (0..1, or a count for English)."""
    body = MARKER_RE.sub("", claim)
    if lang == "zh" or HAN_RE.search(body) and len(HAN_RE.findall(body)) > len(body) / 3:
        cb = bigrams(body)
        if not cb:
            return 0.0
        return len(cb & bigrams(passage.text + passage.header)) / len(cb)
    text = passage.text + " " + passage.header
    flat, low = text.replace(" ", ""), text.lower()
    expanded = glossary.expand(body)
    covered = {a.lower() for e in expanded.entries for a in e.en + e.zh}
    exp = [e for e in expanded.entries if e.kind not in GENERIC_KINDS]
    hits = sum(1 for e in exp if any(v.replace(" ", "") in flat or v.lower() in low for v in e.zh + e.en))
    words = {w.lower() for w in LATIN_WORD_RE.findall(body) if w.lower() not in EN_STOP}
    words = {w for w in words if not any(w in c.split() for c in covered)}
    hits += sum(1 for w in words if w in low)
    units = len(exp) + len(words)
    # short claims ("Toby Xu (徐宏)") need all their units, longer ones EN_SUPPORT_TERMS
    return hits / max(1, min(EN_SUPPORT_TERMS, units)) * EN_SUPPORT_TERMS


def _supports(score: float, lang: str) -> bool:
    return score >= (ZH_SUPPORT if lang == "zh" else EN_SUPPORT_TERMS)


def verify(answer: str, passages: list[Chunk], question: str, glossary: Glossary, lang: str) -> Verified:
    answer = LIST_NUMBER_MARKER_RE.sub(r"\1", answer)
    pools = [num.source_numbers(p.text) for p in passages]
    question_numbers = num.extract(question)
    claims: list[Claim] = []
    unverified: list[str] = []
    corrections: list[tuple[str, str]] = []
    for raw in sentences(answer):
        markers = [int(x) for x in MARKER_RE.findall(raw) if 1 <= int(x) <= len(passages)]
        body = MARKER_RE.sub("", raw).strip()
        # numbers: check, re-cite, or correct the scale
        numbers_ok = True
        number_sources: list[int] = []
        for n in num.extract(body):
            if n.kind in ("year", "date") and num.find_match(n, question_numbers):
                continue
            cited = [i for i in markers if num.find_match(n, pools[i - 1])]
            if cited:
                number_sources.append(cited[0])
                continue
            elsewhere = [i for i in range(1, len(passages) + 1) if num.find_match(n, pools[i - 1])]
            if elsewhere:
                number_sources.append(elsewhere[0])
                continue
            if num.find_match(n, question_numbers):
                continue
            order = markers + [i for i in range(1, len(passages) + 1) if i not in markers]
            fix = next(((i, f) for i in order if (f := num.scale_fix(n, pools[i - 1]))), None)
            if fix:
                i, f = fix
                new = num.format_zh(f.value, f.currency or n.currency) if lang == "zh" else \
                    num.format_en(f.value, f.currency or n.currency)
                body = body.replace(n.text, new, 1)
                corrections.append((n.text, new))
                number_sources.append(i)
                continue
            numbers_ok = False
            unverified.append(n.text)
        # citations: keep only supporting passages; attribute uncited claims
        keep: list[int] = []
        for i in number_sources:
            if i not in keep:
                keep.append(i)
        scores = {i: support_score(body, passages[i - 1], glossary, lang) for i in range(1, len(passages) + 1)}
        # the passage that supports the claim best (the higher-ranked one on a tie)
        best = max(scores, key=lambda i: (scores[i], -i)) if scores else None
        for i in markers:
            # the model cited it: enough if the passage shares the claim's wording (zh)
            # or at least one of its concepts/names (en, across languages)...
            if _supports(scores[i], lang):
                cite = i
            elif lang == "en" and scores[i] >= EN_CITED_MIN:
                # ...unless another passage holds the claim's terms outright: "Lazada has
                # been relatively unaffected by Indonesia's cross-border restrictions [3]"
                # shares only "cross-border" with [3], and Lazada and Indonesia too with [1]
                cite = best if _supports(scores[best], lang) and scores[best] > scores[i] else i
            else:
                continue
            if cite not in keep:
                keep.append(cite)
        if not keep and best is not None:
            # the model rarely writes markers: attribute the claim to the passage
            # that supports it best, by the same test a passage the model cited
            # would have to pass
            if _supports(scores[best], lang) or (lang == "en" and scores[best] >= EN_CITED_MIN):
                keep.append(best)
        supported = bool(keep) and numbers_ok
        final = body.rstrip()
        tail = ""
        if final and final[-1] in "。！？!?；;.":
            final, tail = final[:-1], final[-1]
        final = final + "".join(f"[{i}]" for i in keep) + tail
        claims.append(Claim(final, keep, supported, numbers_ok))
    used: list[int] = []
    for c in claims:
        for i in c.markers:
            if i not in used:
                used.append(i)
    sep = "" if lang == "zh" else " "
    return Verified(sep.join(c.text for c in claims), claims, used, unverified, corrections)


def without_claims(checked: Verified, drop: list[str]) -> Verified:
    """`checked` without the claims whose text is in `drop` (a Chinese
    answer's), each listed as a correction; the passages cited are those the
    remaining claims cite."""
    if not drop:
        return checked
    kept = [c for c in checked.claims if c.text.strip() not in drop]
    used = list(dict.fromkeys(i for c in kept for i in c.markers))
    text = "".join(c.text for c in kept)
    return Verified(text, kept, used, [n for n in checked.unverified if n in text],
                    checked.corrections + [(c.text, "") for c in checked.claims if c not in kept])


def english_only(text: str, glossary: Glossary) -> str:
    """Replace Chinese terms in an English answer by their English names;
    people keep their Chinese name in parentheses ("Toby Xu (徐宏)")."""
    def outside_parens_replace(s: str, zh: str, en: str) -> str:
        out, depth, i = [], 0, 0
        while i < len(s):
            ch = s[i]
            if ch in "(（":
                depth += 1
            elif ch in ")）":
                depth = max(0, depth - 1)
            if depth == 0 and s.startswith(zh, i):
                # Chinese needs no spaces around a word: "proportion of淘宝 merchants"
                before = " " if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() else ""
                after = s[i + len(zh) : i + len(zh) + 1]
                out.append(before + en + (" " if after.isascii() and after.isalnum() else ""))
                i += len(zh)
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    entries = sorted(glossary.entries, key=lambda e: -max(len(z) for z in e.zh))
    for e in entries:
        en = next((a for a in e.en if not HAN_RE.search(a)), None)
        if not en:
            continue
        for z in e.zh:
            if HAN_RE.search(z) and z in text:
                repl = f"{en} ({z})" if e.kind == "person" else dict(e.renders).get(z, en)
                text = outside_parens_replace(text, z, repl)
    return text


def stray_chinese(text: str) -> list[str]:
    """Chinese runs outside parentheses in an English answer."""
    outside = re.sub(r"[（(][^()（）]*[)）]", "", text)
    return re.findall(r"[\u4e00-\u9fff]+", outside)


DUPLICATE_UNIT_RE = re.compile(r"(?P<amt>(?:RMB |US\$|HK\$)[\d.,]+(?: (?:trillion|billion|million))?+)"
                               r"(?:\s*(?:billion|million|RMB|yuan|US dollars|dollars|USD|人民币|元))+", re.I)

# An amount the model restated in brackets after itself: "RMB 19 billion (19 billion RMB)".
RESTATED_RE = re.compile(r"(?P<amt>(?:RMB |US\$|HK\$)[\d.,]+(?: (?:trillion|billion|million))?)\s*"
                         r"[(（](?P<again>[^()（）]{1,30})[)）]")


def english_amounts(text: str) -> str:
    """Render every amount of an English answer in English: "565 亿RMB" ->
    "RMB 56.5 billion" (the value is exact: 亿 = 10^8), then drop units the
    model repeated after it ("RMB 2.4 billion billionRMB") and an amount it
    restated in brackets ("RMB 19 billion (19 billion RMB)")."""
    out, last = [], 0
    for n in num.extract(text):
        if n.kind == "amount" and re.search(r"[亿万元]|美元", n.text):
            out.append(text[last : n.start])
            lead = " " if out and out[-1] and not out[-1][-1].isspace() and text[n.start - 1 : n.start].isalnum() else ""
            out.append(lead + num.format_en(n.value, n.currency or "RMB"))
            last = n.end
    out.append(text[last:])
    text = DUPLICATE_UNIT_RE.sub(lambda m: m.group("amt"), "".join(out))
    return RESTATED_RE.sub(lambda m: m.group("amt") if _restates(m) else m.group(), text)


def _restates(m: re.Match) -> bool:
    said = num.amounts(m.group("amt"))
    again = num.amounts(m.group("again"))
    return len(said) == 1 and len(again) == 1 and said[0].same_value(again[0])


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
            if not m:
                break
            if m.groupdict().get("flat"):
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


def unused_names(names: Iterable[str], corpus: str) -> tuple[str, ...]:
    """The names no transcript uses (whitespace and case aside): the ones an
    answer can only have copied from the worked examples. `corpus` is the
    transcripts' text squashed (`glossary.squash`). Read once, when the
    assistant starts, not for every answer."""
    return tuple(n for n in names if squash(n) not in corpus)


def drop_invented_names(text: str, names: Iterable[str], lang: str) -> tuple[str, list[str]]:
    """Names of the worked examples' invented company, people and firms that
    the model copied into a real answer ("Toby Xu of Example Capital
    answered...", "ROIC strategy of Xinghai Logistics"): a phrase attaching
    one ("of Example Capital", "（示例资本）") is removed; a sentence where one is
    left (its subject) is dropped. `names` are those no transcript uses
    (`unused_names`). Returns the text and what was removed."""
    removed: list[str] = []
    names = tuple(names)

    def remove(m: re.Match) -> str:
        removed.append(m.group().strip())
        return ""

    out = text
    for name in names:
        attached = (INVENTED_EN_ATTACHED if lang == "en" else INVENTED_ZH_ATTACHED).format(name=re.escape(name))
        out = re.sub(attached, remove, out)
    if any(n in out for n in names):
        kept = []
        for s in sentences(out):
            if any(n in s for n in names):
                removed.append(s)
            else:
                kept.append(s)
        out = ("" if lang == "zh" else " ").join(kept)
    return out, removed


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
