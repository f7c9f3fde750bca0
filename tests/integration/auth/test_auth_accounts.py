"""Registration rules, profile, e-filer approval, credential reissue, attorney search."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from support.api import PASSWORD, Api, mail_to, register, unique

from services.stack.supervisor import LocalStack


def test_an_attorney_applies_once_and_a_clerk_approves(
    edge_url: str, clerk: Api, stack: LocalStack
) -> None:
    attorney, body = register(edge_url, "attorney")
    assert attorney.account["efiler_status"] == "not_applied"
    assert attorney.post("/api/v1/accounts/me/efiler-application").status_code == 201
    again = attorney.post("/api/v1/accounts/me/efiler-application")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    assert "already registered — update your profile instead" in again.json()["detail"]

    queue = clerk.get("/api/v1/clerk/efilers")
    assert queue.status_code == 200
    account_id = attorney.account["account_id"]
    assert account_id in [a["account_id"] for a in queue.json()["applications"]]
    approved = clerk.post(f"/api/v1/clerk/efilers/{account_id}/approve")
    assert approved.status_code == 200
    assert approved.json()["efiler_status"] == "approved"
    mail = mail_to(stack.maildir, body["email"], "approved")
    assert "second factor" in mail.get_content()


def test_changing_firms_keeps_the_account_and_its_efiler_status(edge_url: str, clerk: Api) -> None:
    attorney, _ = register(edge_url, "attorney")
    attorney.post("/api/v1/accounts/me/efiler-application")
    clerk.post(f"/api/v1/clerk/efilers/{attorney.account['account_id']}/approve")
    moved = attorney.patch(
        "/api/v1/accounts/me",
        json={
            "firm": "Hopper Appellate Group",
            "address": "1 Main St\nSan Francisco, CA",
            "notice_format": "text",
            "secondary_emails": [
                {"email": "paralegal@hopper.example", "cases": None},
                {"email": "docketing@hopper.example", "cases": ["26-1", "26-7"]},
            ],
            "current_password": PASSWORD,  # new addresses: the step-up of issue 16
        },
    )
    assert moved.status_code == 200, moved.text
    account = moved.json()
    assert account["account_id"] == attorney.account["account_id"]
    assert (account["firm"], account["efiler_status"], account["notice_format"]) == (
        "Hopper Appellate Group",
        "approved",
        "text",
    )
    # New addresses wait for their confirmation link before they receive anything.
    assert account["secondary_emails"] == [
        {"email": "paralegal@hopper.example", "cases": None, "confirmed": False},
        {"email": "docketing@hopper.example", "cases": ["26-1", "26-7"], "confirmed": False},
    ]


def test_profile_changes_are_validated(edge_url: str) -> None:
    api, _ = register(edge_url)
    bad_bodies = [
        {"email": "nope"},
        {"notice_format": "pdf"},
        {"secondary_emails": [{"email": f"s{i}@x.example"} for i in range(6)]},
        {"secondary_emails": [{"email": "a@x.example"}, {"email": "A@x.example"}]},
        {"secondary_emails": [{"email": "a@x.example", "cases": ["not a case"]}]},
        {"firm": "x" * 201},
        {"role": "admin"},
    ]
    for body in bad_bodies:
        response = api.patch("/api/v1/accounts/me", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "validation_failed"
    # Control and bidi characters have their own code, the same in every service.
    for body in ({"address": "nul\x00byte"}, {"firm": "Smith \u202eLLP"}):
        response = api.patch("/api/v1/accounts/me", json=body)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_text"), body


def test_only_court_staff_approve_and_only_filers_apply(edge_url: str) -> None:
    public, _ = register(edge_url, "public")
    attorney, _ = register(edge_url, "attorney")
    attorney.post("/api/v1/accounts/me/efiler-application")
    for api in (public, attorney):
        listed = api.get("/api/v1/clerk/efilers")
        assert (listed.status_code, listed.json()["code"]) == (403, "forbidden")
        approve = api.post(f"/api/v1/clerk/efilers/{attorney.account['account_id']}/approve")
        assert (approve.status_code, approve.json()["code"]) == (403, "forbidden")
    applied = public.post("/api/v1/accounts/me/efiler-application")
    assert (applied.status_code, applied.json()["code"]) == (403, "forbidden")
    anonymous = Api(edge_url).get("/api/v1/clerk/efilers")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


def test_clerk_and_admin_cannot_self_register(edge_url: str) -> None:
    for role in ("clerk", "admin"):
        response = Api(edge_url).post(
            "/api/v1/accounts",
            json={
                "username": unique(role),
                "password": PASSWORD,
                "name": "Mallory",
                "email": "m@example.org",
                "role": role,
            },
        )
        assert response.status_code == 422


def test_forgotten_password_reset_once_ends_every_session(edge_url: str, stack: LocalStack) -> None:
    api, body = register(edge_url)
    unknown = Api(edge_url).post(
        "/api/v1/credential-reissue", json={"email": "ghost@nowhere.example"}
    )
    known = Api(edge_url).post("/api/v1/credential-reissue", json={"email": body["email"]})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()  # nothing tells whether the address exists

    mail = mail_to(stack.maildir, body["email"], "login")
    text = mail.get_content()
    assert body["username"] in text
    link = next(word for word in text.split() if "reset-password?token=" in word)
    token = parse_qs(urlparse(link).query)["token"][0]

    weak = Api(edge_url).post(
        "/api/v1/password-resets", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 422  # the token survives a refused password
    new_password = "an entirely new passphrase 77"
    reset = Api(edge_url).post(
        "/api/v1/password-resets", json={"token": token, "new_password": new_password}
    )
    assert reset.status_code == 204
    reused = Api(edge_url).post(
        "/api/v1/password-resets",
        json={"token": token, "new_password": "yet another passphrase 88"},
    )
    assert (reused.status_code, reused.json()["code"]) == (422, "validation_failed")
    assert api.get("/api/v1/accounts/me").status_code == 401  # every session ended
    assert Api(edge_url).login(body["username"], PASSWORD).status_code == 401
    assert Api(edge_url).login(body["username"], new_password).status_code == 201


def test_attorney_search_by_name(edge_url: str) -> None:
    marker = unique("Zq")
    register(edge_url, "attorney", name=f"Thurgood {marker} Marshall")
    searcher, _ = register(edge_url)
    found = searcher.get("/api/v1/attorneys", params={"name": marker.lower()})
    assert found.status_code == 200
    assert [a["name"] for a in found.json()["attorneys"]] == [f"Thurgood {marker} Marshall"]
    wildcard = searcher.get("/api/v1/attorneys", params={"name": "%"})
    assert wildcard.status_code == 200  # a literal percent sign, not a wildcard dump
    assert all("%" in a["name"] for a in wildcard.json()["attorneys"])
    # The bar search is public (tests/integration/auth/test_auth_bar_search.py).
    assert Api(edge_url).get("/api/v1/attorneys", params={"name": "x"}).status_code == 200


def test_hostile_registration_input_never_500s(edge_url: str) -> None:
    hostile = [
        {"username": "a" * 10_000},
        {"username": None},
        {"password": ["list"]},
        {"email": "x@" + "a" * 300 + ".org"},
        {"name": "\u202e\u0000"},
        {"bar_state": "California", "role": "attorney", "bar_number": "1"},
    ]
    for extra in hostile:
        body = {
            "username": unique("h"),
            "password": PASSWORD,
            "name": "H",
            "email": "h@example.org",
            "role": "public",
            **extra,
        }
        response = Api(edge_url).post("/api/v1/accounts", json=body)
        assert response.status_code == 422, (extra, response.text)
