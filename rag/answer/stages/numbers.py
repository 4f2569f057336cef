"""Stage: every number of the answer is found in a passage, or flagged.

Errors it exists for: the small model converts scales wrongly ("9.61亿" as
"9.61 billion", should be RMB 961 million; "281亿" as "281 billion") and
sometimes writes a figure no passage holds. Numbers are matched by value
and unit (rag/numbers.py: "281亿元" equals "RMB 28.1 billion"):
- found in a cited passage: fine;
- found in another passage shown: that passage is cited, unless it is a
  year or a date: "by 2030" in a passage on a youth programme re-cited
  "Under Armour targets net-zero emissions by 2030", which the citation
  stage had found no passage to support;
- the same digits at another scale in exactly one passage: rescaled, cited,
  listed as a correction;
- otherwise listed as unverified: shown, flagged, never as fact.
Years and dates the question names, and numbers it names itself, pass.
"""

from __future__ import annotations

from ... import claims as cl
from ... import numbers as num
from ..records import Draft, Stage


class VerifyNumbers(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        passages, lang = ev.passages, ev.lang
        pools = [num.source_numbers(p.text) for p in passages]
        asked = num.extract(ev.question)
        unverified: list[str] = []
        corrections: list[tuple[str, str]] = []
        out = []
        for claim in cl.split(draft.text, len(passages)):
            body, markers = claim.text, list(claim.markers)
            sources: list[int] = []
            for n in num.extract(body):
                if n.kind in ("year", "date") and num.find_match(n, asked):
                    continue
                holders = [i for i in markers if num.find_match(n, pools[i - 1])] or \
                          [i for i in range(1, len(passages) + 1) if num.find_match(n, pools[i - 1])]
                if holders:
                    if n.kind not in ("year", "date"):  # a year in a passage is no support for the sentence
                        sources.append(holders[0])
                    continue
                if num.find_match(n, asked):
                    continue
                order = markers + [i for i in range(1, len(passages) + 1) if i not in markers]
                fix = next(((i, f) for i in order if (f := num.scale_fix(n, pools[i - 1]))), None)
                if fix:
                    i, f = fix
                    fmt = num.format_zh if lang == "zh" else num.format_en
                    new = fmt(f.value, f.currency or n.currency)
                    body = body.replace(n.text, new, 1)
                    corrections.append((n.text, new))
                    sources.append(i)
                    continue
                unverified.append(n.text)
            keep = list(dict.fromkeys(sources + markers))
            out.append(cl.Claim(body, keep))
        return draft.but(text=cl.join(out, lang), unverified=draft.unverified + unverified,
                         corrections=draft.corrections + corrections)
