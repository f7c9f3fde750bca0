"""Generate the Python code for the gRPC/protobuf contracts in protos/court/v1.

Usage: python scripts/gen_protos.py [--out DIR]     (default: gen/python; `make protos`)

Runs grpc_tools.protoc with the Python, gRPC and mypy-protobuf (.pyi) generators over every
protos/court/v1/*.proto, then makes DIR/court mirror the result exactly: stale files for protos
that no longer exist are removed, unchanged files are left untouched. The output is a package
tree (court/__init__.py, court/v1/__init__.py, court/py.typed), so `from court.v1 import
auth_pb2` works with DIR on the path. tests/unit/test_protos_drift.py regenerates with this
script and fails when the committed tree differs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "protos"
PACKAGE_DIR = Path("court") / "v1"
DEFAULT_OUT = REPO / "gen" / "python"

# Package markers written next to the generated modules: (path under out, content).
PACKAGE_FILES: tuple[tuple[Path, str], ...] = (
    (Path("court") / "__init__.py", ""),
    (PACKAGE_DIR / "__init__.py", ""),
    (Path("court") / "py.typed", ""),
)


class CodegenError(Exception):
    """protoc or one of its plugins failed, or a tool is missing."""


def _plugin(name: str) -> Path:
    """A protoc plugin installed beside the running interpreter (the virtualenv's bin dir)."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise CodegenError(f"{name} not found next to {sys.executable}; install mypy-protobuf")


def proto_files() -> list[Path]:
    """Every contract, sorted, relative to the proto root."""
    return sorted(p.relative_to(PROTO_ROOT) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))


def _run_protoc(dest: Path) -> None:
    from grpc_tools import protoc  # imported here so --help works without grpcio-tools

    protos = proto_files()
    if not protos:
        raise CodegenError(f"no .proto files in {PROTO_ROOT / PACKAGE_DIR}")
    well_known = resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--plugin=protoc-gen-mypy={_plugin('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={_plugin('protoc-gen-mypy_grpc')}",
        f"--python_out={dest}",
        f"--grpc_python_out={dest}",
        f"--mypy_out=quiet:{dest}",
        f"--mypy_grpc_out=quiet:{dest}",
        *(p.as_posix() for p in protos),
    ]
    # protoc prints its own diagnostics (file:line:col: message) to stderr.
    code = protoc.main(args)
    if code != 0:
        raise CodegenError(f"protoc failed with exit code {code} (see its message above)")
    for rel, content in PACKAGE_FILES:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(content, encoding="utf-8")


def _tree(root: Path) -> dict[Path, bytes]:
    """Every file under root/court (bytecode caches excluded), by path relative to root."""
    base = root / "court"
    if not base.is_dir():
        return {}
    return {
        p.relative_to(root): p.read_bytes()
        for p in sorted(base.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def generate(out: Path) -> list[str]:
    """Regenerate into out; return the changed paths ("+" added, "~" changed, "-" removed)."""
    with tempfile.TemporaryDirectory(prefix="openecf-protos-") as tmp:
        fresh_root = Path(tmp)
        _run_protoc(fresh_root)
        fresh = _tree(fresh_root)
    current = _tree(out)
    changes: list[str] = []
    for rel in sorted(current.keys() - fresh.keys()):
        (out / rel).unlink()
        changes.append(f"- {rel.as_posix()}")
    for rel, content in sorted(fresh.items()):
        if current.get(rel) == content:
            continue
        changes.append(f"{'~' if rel in current else '+'} {rel.as_posix()}")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)
    # Drop directories left empty by removals (e.g. a retired proto package).
    base = out / "court"
    if base.is_dir():
        for d in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            if d.name != "__pycache__" and not any(d.iterdir()):
                d.rmdir()
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: gen/python)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    try:
        changes = generate(out)
    except CodegenError as exc:
        print(f"gen_protos: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        for line in changes:
            print(line)
        where = out.relative_to(REPO) if out.is_relative_to(REPO) else out
        print(f"gen_protos: {len(proto_files())} protos -> {where} ({len(changes)} files changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
