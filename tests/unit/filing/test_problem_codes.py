"""Every code the PDF checks can answer is a stable API code, documented in the OpenAPI."""

from __future__ import annotations

import json

from services.common.errors import ERROR_KINDS
from services.edge.app import create_app
from services.filing.pdf_report import CODES


def test_every_pdf_code_is_an_api_code() -> None:
    assert CODES - set(ERROR_KINDS) == set()
    assert ERROR_KINDS["pdf_too_complex"].http_status == 422
    assert ERROR_KINDS["pdf_bad_redaction"].http_status == 422
    assert ERROR_KINDS["rate_limited"].http_status == 429


def test_the_openapi_lists_the_codes_of_submit_and_check() -> None:
    schema = create_app(clients=None).openapi()  # type: ignore[arg-type]
    for path in ("/api/v1/filings", "/api/v1/filings/check"):
        documented = json.dumps(schema["paths"][path]["post"]["responses"])
        for code in (*CODES, "rate_limited", "not_efiler", "duplicate"):
            assert f"`{code}`" in documented, (path, code)
    parameters = schema["paths"]["/api/v1/filings/check"]["post"]["parameters"]
    assert any(p["name"] == "all" and p["in"] == "query" for p in parameters)
