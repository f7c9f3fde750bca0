from __future__ import annotations

import json
import logging

import pytest
from google.protobuf import wrappers_pb2

from services.common.errors import PermanentEventError
from services.common.events import decode_envelope, new_event, topic_for
from services.common.logs import JsonFormatter, current_trace_id, trace_context


def test_log_lines_are_json_with_the_trace_id() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("court",), None)
    record.case_number = "26-1"
    with trace_context("0123456789abcdef0123456789abcdef"):
        line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "hello court"
    assert line["trace_id"] == "0123456789abcdef0123456789abcdef"
    assert line["case_number"] == "26-1"


def test_a_malformed_trace_header_is_replaced_not_logged() -> None:
    with trace_context('"}\n{"level":"forged') as trace:
        assert trace == current_trace_id()
        assert all(c in "0123456789abcdef" for c in trace)


def test_topics_follow_event_types() -> None:
    assert topic_for("filing.submitted") == "filing.events"
    assert topic_for("platform.maintenance") == "platform.maintenance"
    with pytest.raises(ValueError):
        topic_for("nonsense.thing")


def test_envelopes_round_trip_and_garbage_is_permanent() -> None:
    with trace_context("feedfacefeedface"):
        envelope = new_event(
            event_type="auth.account_registered",
            source="auth",
            subject="a1",
            payload=wrappers_pb2.StringValue(value="x"),
        )
    decoded = decode_envelope(envelope.SerializeToString())
    assert decoded == envelope
    assert decoded.trace_id == "feedfacefeedface"
    for garbage in (b"", b"\xff\xff\xff", None):
        with pytest.raises(PermanentEventError):
            decode_envelope(garbage)
