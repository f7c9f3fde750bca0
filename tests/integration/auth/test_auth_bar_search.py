"""The court's bar search is public: no login, public fields only, rate-limited per client."""

from __future__ import annotations

import uuid

from support.api import Api, efiler, register, unique


def _client() -> dict[str, str]:
    """A client address of its own (the edge trusts X-Forwarded-For from 127.0.0.1, as behind
    the court's ingress), so this test's count is not shared with other tests."""
    number = uuid.uuid4().int
    return {"X-Forwarded-For": f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250}"}


def test_anyone_finds_an_attorney_by_name_or_bar_number_and_sees_nothing_private(
    edge_url: str, clerk: Api
) -> None:
    marker = unique("Bq")
    bar = str(uuid.uuid4().int)[:7]
    registered = efiler(
        edge_url,
        clerk,
        name=f"Constance {marker} Motley",
        bar_number=bar,
        bar_state="NY",
        firm="Legal Defense Fund",
        address="40 Rector Street, New York",
    )
    _, other = register(
        edge_url, "attorney", name=f"Pauli {marker} Murray", bar_number=bar, bar_state="CA"
    )
    anonymous = Api(edge_url)
    headers = _client()

    by_name = anonymous.get("/api/v1/attorneys", params={"name": marker.lower()}, headers=headers)
    assert by_name.status_code == 200, by_name.text
    found = by_name.json()["attorneys"]
    assert found == [
        {
            "name": f"Constance {marker} Motley",
            "bar_number": bar,
            "bar_state": "NY",
            "firm": "Legal Defense Fund",
            "efiler_registered": True,
        },
        {
            "name": f"Pauli {marker} Murray",
            "bar_number": bar,
            "bar_state": "CA",
            "firm": other["firm"],
            "efiler_registered": False,
        },
    ]
    # Nothing private anywhere in the answer: no e-mail, address, username or account id.
    raw = by_name.text
    for private in (
        registered.account["email"],
        other["email"],
        registered.account["account_id"],
        registered.account["username"],
        "Rector Street",
        "account_id",
        "email",
    ):
        assert private not in raw, private

    by_bar = anonymous.get(
        "/api/v1/attorneys", params={"bar_number": bar, "state": "ny"}, headers=headers
    )
    assert [a["name"] for a in by_bar.json()["attorneys"]] == [f"Constance {marker} Motley"]
    wildcard = anonymous.get("/api/v1/attorneys", params={"bar_number": "%"}, headers=headers)
    assert wildcard.status_code == 200 and wildcard.json()["attorneys"] == []

    for params, field in (({}, "name"), ({"name": "x", "state": "Cal"}, "state")):
        refused = anonymous.get("/api/v1/attorneys", params=params, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
        assert field in refused.text


def test_the_bar_search_is_rate_limited_per_client(edge_url: str) -> None:
    anonymous = Api(edge_url)
    headers = _client()
    answers = [
        anonymous.get("/api/v1/attorneys", params={"name": "zz"}, headers=headers).status_code
        for _ in range(61)
    ]
    assert answers == [200] * 60 + [429]
    limited = anonymous.get("/api/v1/attorneys", params={"name": "zz"}, headers=headers)
    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    # Another client is not affected.
    other = anonymous.get("/api/v1/attorneys", params={"name": "zz"}, headers=_client())
    assert other.status_code == 200
