"""Login throttling's growing delays (the live behaviour: test_auth_sessions)."""

from __future__ import annotations

from datetime import timedelta

from services.auth.throttle import Rule

RULE = Rule("pair", 5, timedelta(seconds=30), timedelta(minutes=15))


def test_free_failures_then_doubling_up_to_the_cap() -> None:
    assert [RULE.delay(n) for n in range(1, 5)] == [timedelta(0)] * 4
    assert RULE.delay(5) == timedelta(seconds=30)
    assert RULE.delay(6) == timedelta(seconds=60)
    assert RULE.delay(9) == timedelta(seconds=480)
    assert RULE.delay(10) == RULE.delay(1000) == timedelta(minutes=15)


def test_keys_ignore_case_and_differ_by_rule() -> None:
    assert RULE.key("Ada|1.2.3.4") == RULE.key("ada|1.2.3.4")
    assert RULE.key("ada") != Rule("client", 5, RULE.first_delay, RULE.max_delay).key("ada")
