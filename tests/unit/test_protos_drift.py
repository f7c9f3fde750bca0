"""The committed generated code matches protos/, and the contracts keep the buf STANDARD shape."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FileDescriptor

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gen_protos.py"
PROTO_DIR = REPO / "protos" / "court" / "v1"
COMMITTED = REPO / "gen" / "python"

SERVICES = (
    "court.v1.AuthService",
    "court.v1.FilingService",
    "court.v1.DocketService",
    "court.v1.NotifyService",
    "court.v1.AccessService",
)


def _tree(root: Path) -> dict[str, bytes]:
    base = root / "court"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(base.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def _proto_stems() -> list[str]:
    stems = sorted(p.stem for p in PROTO_DIR.glob("*.proto"))
    assert stems, f"no protos in {PROTO_DIR}"
    return stems


def _modules(suffix: str) -> list[ModuleType]:
    return [importlib.import_module(f"court.v1.{stem}{suffix}") for stem in _proto_stems()]


def _files() -> list[FileDescriptor]:
    return [m.DESCRIPTOR for m in _modules("_pb2")]


def _all_enums(fd: FileDescriptor) -> list[EnumDescriptor]:
    enums = list(fd.enum_types_by_name.values())
    stack: list[Descriptor] = list(fd.message_types_by_name.values())
    while stack:
        msg = stack.pop()
        enums.extend(msg.enum_types)
        stack.extend(msg.nested_types)
    return enums


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"gen_protos.py failed:\n{result.stdout}{result.stderr}"

    fresh, committed = _tree(tmp_path), _tree(COMMITTED)
    missing = sorted(fresh.keys() - committed.keys())
    extra = sorted(committed.keys() - fresh.keys())
    changed = sorted(k for k in fresh.keys() & committed.keys() if fresh[k] != committed[k])
    problems = (
        [f"missing from gen/python: {k}" for k in missing]
        + [f"stale in gen/python: {k}" for k in extra]
        + [f"differs from protos/: {k}" for k in changed]
    )
    assert not problems, (
        "generated code drifted from protos/ — run `make protos` and commit the result:\n  "
        + "\n  ".join(problems)
    )


def test_every_generated_module_imports_and_services_are_registered() -> None:
    _modules("_pb2")
    _modules("_pb2_grpc")
    pool = descriptor_pool.Default()
    for name in SERVICES:
        assert pool.FindServiceByName(name).full_name == name


def test_contracts_follow_buf_standard_style() -> None:
    problems: list[str] = []
    usage: Counter[str] = Counter()
    for fd in _files():
        if fd.package != "court.v1":
            problems.append(f"{fd.name}: package {fd.package!r}, want 'court.v1'")
        for enum in _all_enums(fd):
            zero = enum.values_by_number.get(0)
            if zero is None or not zero.name.endswith("_UNSPECIFIED"):
                problems.append(f"{fd.name}: enum {enum.full_name} zero value is not *_UNSPECIFIED")
        for service in fd.services_by_name.values():
            if not service.name.endswith("Service"):
                problems.append(f"{fd.name}: service {service.name} does not end in 'Service'")
            for method in service.methods:
                want_in, want_out = f"{method.name}Request", f"{method.name}Response"
                got_in, got_out = method.input_type.name, method.output_type.name
                if got_in != want_in:
                    problems.append(f"{method.full_name}: input {got_in}, want {want_in}")
                if got_out != want_out:
                    problems.append(f"{method.full_name}: output {got_out}, want {want_out}")
                usage.update([method.input_type.full_name, method.output_type.full_name])
    problems += [f"{name} is used by {n} RPCs" for name, n in usage.items() if n > 1]
    assert not problems, "\n".join(problems)


def test_event_envelope_fields_are_fixed() -> None:
    from court.v1 import events_pb2

    fields = {f.name: (f.number, f.type) for f in events_pb2.EventEnvelope.DESCRIPTOR.fields}
    fd = events_pb2.EventEnvelope.DESCRIPTOR.fields_by_name
    assert fields == {
        "event_id": (1, fd["event_id"].TYPE_STRING),
        "type": (2, fd["type"].TYPE_STRING),
        "source": (3, fd["source"].TYPE_STRING),
        "occurred_at": (4, fd["occurred_at"].TYPE_MESSAGE),
        "subject": (5, fd["subject"].TYPE_STRING),
        "trace_id": (6, fd["trace_id"].TYPE_STRING),
        "payload": (7, fd["payload"].TYPE_MESSAGE),
    }
    message_types = {name: fd[name].message_type for name in ("occurred_at", "payload")}
    assert {k: v.full_name if v else None for k, v in message_types.items()} == {
        "occurred_at": "google.protobuf.Timestamp",
        "payload": "google.protobuf.Any",
    }
