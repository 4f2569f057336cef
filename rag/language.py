"""Which language a question is in: Chinese if it holds any Han characters
beyond names, else English."""

import re

HAN_RE = re.compile(r"[\u4e00-\u9fff]")
# Share of Han characters among letters from which a text counts as Chinese.
# A few Han characters (a name in parentheses) in an English question do not.
ZH_SHARE = 0.2


def detect(text: str) -> str:
    han = len(HAN_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if han == 0:
        return "en"
    # a Han character carries about a word; weigh Latin letters per ~5-letter word
    return "zh" if han / (han + latin / 5) >= ZH_SHARE else "en"
