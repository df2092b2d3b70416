"""How learners name risks, roles, numbers and dates: shared by the spaCy entity ruler (built
into the project's pipeline) and the evaluator's own reading of a message."""
from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-five": 25, "twenty five": 25,
}
_NUM = r"\d{1,2}|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))

# "R3", "r 3", "R-3", "risk 3", "risk three", "risk #3", "#3", "row 3", "number 3", "no. 3"
RISK_REF = re.compile(
    # "risk 7s owner": a possessive typed without its apostrophe still names the row
    # "a red risk six weeks out", "a risk 3 months away": a number with a unit is a quantity, not a row
    rf"(?<![\w#])(?:r\s?-?\s?(\d{{1,2}})|(?:risks?|row|number|no\.?|item)\s*#?\s*({_NUM})|#\s?(\d{{1,2}}))(?:(?<=\d)s)?(?![\w])"
    r"(?!\s*(?:-\s*)?(?:(?:weeks?|months?|days?|years?|hours?|minutes?|times|per ?cent|million|thousand)\b|%))",
    re.IGNORECASE,
)


# A draft policy's clauses: "C4", "clause 4", "section four", "para 4", "§4"
CLAUSE_REF = re.compile(
    rf"(?<![\w#])(?:c\s?-?\s?(\d{{1,2}})|(?:clauses?|sections?|paras?|paragraphs?|\u00a7)\s*#?\s*({_NUM}))(?![\w])",
    re.IGNORECASE,
)


def number_value(token: str) -> int | None:
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)


def risk_numbers(text: str) -> list[int]:
    """Risk numbers named in the text, in order of mention, without repeats."""
    found: list[int] = []
    for m in RISK_REF.finditer(text):
        n = number_value(next(g for g in m.groups() if g))
        if n is not None and n not in found:
            found.append(n)
    return found


ROLE_PHRASES = [
    "project manager", "project sponsor", "sponsor", "senior responsible owner", "sro",
    "senior user", "senior supplier", "project board", "programme board", "board",
    "pmo", "pmo analyst", "pmo manager", "project administrator", "project coordinator",
    "commercial lead", "procurement lead", "procurement manager", "contract manager",
    "finance business partner", "finance director", "operations director", "site manager",
    "general manager", "it manager", "head of it", "data lead", "data migration lead",
    "training lead", "hr business partner", "ccio", "chief clinical information officer",
    "caldicott guardian", "clinical safety officer", "information governance lead",
    "chief operating officer", "coo", "cio", "supplier", "vendor", "integration partner",
]

MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
]

# "isn't", "cant", "dont": a negated verb, not any word ending in "nt" ("Quadrant's", "current").
NOT_VERB = r"\b(?:is|are|was|were|do|does|did|has|have|had|ca|can|could|would|should|wo|must|need|might|ai)n'?t\b"
