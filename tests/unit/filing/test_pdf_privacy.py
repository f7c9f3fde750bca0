"""Rule 5.2(a) identifiers in text: what is refused, and the look-alikes that must pass."""

from __future__ import annotations

import pytest

from services.filing.pdf_privacy import ACCOUNT, BIRTH_DATE, SSN, TIN, identifiers


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("SSN 123-45-6789", [SSN]),
        ("123 45 6789", [SSN]),
        ("number 123.45.6789 on file", [SSN]),
        ("123\u201145\u20116789", [SSN]),
        ("123 - 45 - 6789", [SSN]),
        ("SSN 123456789", [SSN]),
        ("Social Security No.: 123456789", [SSN]),
        ("S.S.N. 123456789", [SSN]),
        ("TIN 12-3456789", [TIN]),
        ("EIN: 123456789", [TIN]),
        ("Taxpayer Identification Number 987654321", [TIN]),
        ("Date of birth: 01/02/1980", [BIRTH_DATE]),
        ("DOB 1980-01-02", [BIRTH_DATE]),
        ("born on January 2, 1980", [BIRTH_DATE]),
        ("birth date 2 March 1979", [BIRTH_DATE]),
        ("Account number 12345678", [ACCOUNT]),
        ("account no. 1234 5678 9012", [ACCOUNT]),
        ("bank account 123456789012", [ACCOUNT]),
        ("credit card 4111 1111 1111 1111", [ACCOUNT]),
        ("acct # 0045-1239-8761", [ACCOUNT]),
        ("DOB 1/2/1980, SSN 123-45-6789", [SSN, BIRTH_DATE]),
    ],
)
def test_identifiers_are_found(text: str, kinds: list[str]) -> None:
    assert identifiers(text) == kinds
    # Wherever they sit in a page of ordinary text.
    page = "The Board erred. " * 40 + text + " The petition should be granted. " * 40
    assert identifiers(page) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "A123-456-789",
        "A 123 456 789",
        "A-number 123456789",
        "No. 26-1234",
        "Dkt. 21-70123",
        "(415) 555-0100",
        "415-555-0100",
        "415.555.0100",
        "Decided 2021-05-01",
        "filed 01/02/2020",
        "born in 1980",
        "date of birth: 1980",
        "XXX-XX-6789",
        "***-**-6789",
        "000-12-3456",
        "666-12-3456",
        "912-34-5678",
        "123-00-4567",
        "123-45-0000",
        "123456789",
        "123-45-6789-1",
        "9123-45-6789-0",
        "account ending in 1234",
        "on account of 12345678 reasons",
        "ISBN 978-0-306-40615-7",
        "42 U.S.C. 1983 and 8 U.S.C. 1252",
    ],
)
def test_look_alikes_pass(text: str) -> None:
    assert identifiers(text) == []
