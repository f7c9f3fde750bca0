"""Rule 5.2(a) (Fed. R. Civ. P. / Fed. R. App. P. 25(a)(5)): identifiers a filing must redact.

Pure functions over text: ``identifiers(text)`` names the kinds of unredacted identifiers in it,
never the numbers themselves (a finding must not repeat what it protects).

What counts (the rule allows the last four digits, the year of birth, a minor's initials):
- Social Security and taxpayer-identification numbers written 123-45-6789, 123 45 6789 or
  123.45.6789 (any dash, also a word processor's non-breaking one), valid as issued numbers
  (no area 000/666/9xx, group 00, serial 0000); nine bare digits, or an EIN's 12-3456789, only
  when labelled (SSN, Social Security, TIN, EIN, ITIN, taxpayer identification);
- a full date of birth (day, month and year) when labelled (date of birth, DOB, born);
- a financial-account number (eight or more digits) when labelled (account number, acct.,
  credit/debit card, card number).
Look-alikes that pass: A-numbers (A123-456-789), case numbers (26-1234), telephone numbers,
dates that are not labelled as births, masked numbers (XXX-XX-6789, account ending 1234).
"""

from __future__ import annotations

import re

SSN = "a Social Security number"
TIN = "a taxpayer-identification number"
BIRTH_DATE = "a full date of birth"
ACCOUNT = "a financial-account number"
KINDS = (SSN, TIN, BIRTH_DATE, ACCOUNT)

_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
# One separator between groups: a dash (maybe spaced), a dot or a single space.
_SEP = rf"(?:[ \u00a0]?[{_DASH}][ \u00a0]?|\.|[ \u00a0])"
# Not glued to other digits, letters or dashes (A123-45-6789 is not a number on its own).
_AFTER = rf"(?![\w]|[{_DASH}.]\d)"
# No look-behind at the start: it would keep the engine from skipping ahead to digits.
_SSN_SHAPED = re.compile(rf"(\d{{3}}){_SEP}(\d{{2}}){_SEP}(\d{{4}}){_AFTER}")
_GLUED = re.compile(rf"[\w{_DASH}.]")

# Labels, then a few filler words ("number", "no.", ":", "is"), then the value.
_FILLER = r"(?:[\s:#.\-]|no\b|number\b|num\b|is\b|was\b|of\b|the\b|petitioner'?s\b)*"
_SSN_LABEL = r"(?:ssn|s\.s\.n\.?|soc(?:ial)?\.?\s+sec(?:urity)?\.?(?:\s+(?:card|account))?)"
_TIN_LABEL = (
    r"(?:tin|itin|ein|fein|taxpayer[\s\-]+identification|employer[\s\-]+identification"
    r"|tax[\s\-]+(?:id|identification))"
)
_LABELLED_NINE = re.compile(
    rf"\b({_SSN_LABEL}|{_TIN_LABEL})\b{_FILLER}"
    rf"(\d{{9}}|\d{{2}}{_SEP}\d{{7}}|\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{4}}){_AFTER}",
    re.IGNORECASE,
)
_TIN_WORD = re.compile(_TIN_LABEL, re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_FULL_DATE = (
    r"(?:\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{4}|\d{2})"  # 01/02/1980, 1-2-80
    r"|\d{4}[/\-.]\d{1,2}[/\-.]\d{1,2}"  # 1980-01-02
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # January 2, 1980
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}})"  # 2 January 1980
)
_BIRTH = re.compile(
    rf"\b(?:date\s+of\s+birth|birth\s*date|d\.?o\.?b\.?|born(?:\s+on)?)(?![a-z])"
    rf"[\s:,]*(?:was\s+|is\s+|on\s+)?{_FULL_DATE}(?!\d)",
    re.IGNORECASE,
)
_ACCOUNT_LABEL = (
    r"(?:(?:bank|checking|savings|brokerage|loan|financial)\s+account"
    r"|account\s*(?:number|no\.?|num\.?|#|:)|acct\.?|a/c|(?:credit|debit)\s+card"
    r"|card\s*(?:number|no\.?|#))"
)
_ACCOUNT = re.compile(
    rf"\b{_ACCOUNT_LABEL}[\s:#.]*(?:(?:number|no\.?|is)[\s:#.]*)*"
    r"((?:\d[ \-\u00a0]?){7,18}\d)(?!\d)",
    re.IGNORECASE,
)


# Words that start (or end) every label above: the labelled patterns only run near them.
_KEYWORDS = {
    "labelled": ("ssn", "s.s.n", "social", "tin", "ein", "taxpayer", "employer", "tax"),
    "birth": ("birth", "dob", "d.o.b", "born"),
    "account": ("account", "acct", "a/c", "card"),
}
_WINDOW_BEFORE, _WINDOW_AFTER = 24, 110


def identifiers(text: str) -> list[str]:
    """The kinds of unredacted Rule 5.2(a) identifiers in ``text``, in a fixed order."""
    found: set[str] = set()
    for match in _SSN_SHAPED.finditer(text):
        start = match.start()
        if start and _GLUED.match(text, start - 1):
            continue
        if _issuable(*match.groups()):
            found.add(SSN)
            break
    lower = text.lower()
    for window in _windows(text, lower, _KEYWORDS["labelled"]):
        for match in _LABELLED_NINE.finditer(window):
            digits = re.sub(r"\D", "", match.group(2))
            if _TIN_WORD.fullmatch(match.group(1).strip()):
                found.add(TIN)
            elif _issuable(digits[:3], digits[3:5], digits[5:]):
                found.add(SSN)
    if any(_BIRTH.search(w) for w in _windows(text, lower, _KEYWORDS["birth"])):
        found.add(BIRTH_DATE)
    if any(_ACCOUNT.search(w) for w in _windows(text, lower, _KEYWORDS["account"])):
        found.add(ACCOUNT)
    return [kind for kind in KINDS if kind in found]


def _windows(text: str, lower: str, keywords: tuple[str, ...]) -> list[str]:
    """Stretches of text around each keyword (merged when they overlap): regexes over a few
    hundred characters instead of a whole page keep the check near PDFium's own speed."""
    spans: list[tuple[int, int]] = []
    for keyword in keywords:
        at = lower.find(keyword)
        while at != -1:
            spans.append((max(0, at - _WINDOW_BEFORE), at + _WINDOW_AFTER))
            at = lower.find(keyword, at + 1)
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [text[start:end] for start, end in merged]


def _issuable(area: str, group: str, serial: str) -> bool:
    """Numbers the SSA never issues are examples and placeholders, not anyone's SSN."""
    return not (area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000")
