"""Service identities: Ed25519 tokens bound to a method, short-lived, accepted once."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.common.identity import (
    IdentityKeyError,
    ReplayGuard,
    ServiceVerifier,
    generate_keys,
    load_public_keys,
    parse_public_keys,
    private_key_path,
    public_keys_line,
    service_signer,
    service_verifier,
    signer_for,
)
from services.common.settings import Settings

PROCESSES = ("filing", "notify", "edge")
STORE = "/court.v1.AccessService/StoreDocument"
NOW = 1_000_000.0


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    generate_keys(tmp_path / "keys", PROCESSES)
    return tmp_path / "keys"


def verifier(keys: Path, ttl: float = 30) -> ServiceVerifier:
    return ServiceVerifier(load_public_keys(keys, PROCESSES), ttl_seconds=ttl)


def test_a_token_names_its_signer_once(keys: Path) -> None:
    check = verifier(keys)
    token = signer_for(keys, "filing").token(STORE, now=NOW)
    assert check.verify(token, STORE, now=NOW + 1) == "filing"
    assert check.verify(token, STORE, now=NOW + 2) is None  # replayed


def test_a_token_is_bound_to_its_method_and_expires(keys: Path) -> None:
    check = verifier(keys, ttl=30)
    filing = signer_for(keys, "filing")
    assert (
        check.verify(filing.token(STORE, now=NOW), "/court.v1.AccessService/IssueFreeLook") is None
    )
    assert check.verify(filing.token(STORE, now=NOW), STORE, now=NOW + 31) is None  # stale
    assert check.verify(filing.token(STORE, now=NOW + 60), STORE, now=NOW) is None  # future
    assert check.verify(filing.token(STORE, now=NOW), STORE, now=NOW + 29) == "filing"


def test_one_services_key_cannot_sign_as_another(keys: Path) -> None:
    check = verifier(keys)
    token = signer_for(keys, "edge").token(STORE, now=NOW)
    claimed = "filing" + token[len("edge") :]  # the edge's signature, filing's name
    assert check.verify(claimed, STORE, now=NOW) is None
    assert check.verify(token, STORE, now=NOW) == "edge"
    for garbage in ("", "garbage", "filing:1:2:3", "filing:x:" + "a" * 32 + ":sig"):
        assert check.verify(garbage, STORE, now=NOW) is None


def test_a_service_without_a_public_key_is_never_trusted(keys: Path) -> None:
    check = ServiceVerifier(load_public_keys(keys, ("notify",)), ttl_seconds=30)
    assert check.verify(signer_for(keys, "filing").token(STORE, now=NOW), STORE, now=NOW) is None


def test_private_keys_are_readable_by_their_owner_only(keys: Path) -> None:
    for process in PROCESSES:
        mode = stat.S_IMODE(private_key_path(keys, process).stat().st_mode)
        assert mode == 0o600, (process, oct(mode))
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    before = private_key_path(keys, "edge").read_bytes()
    generate_keys(keys, PROCESSES)  # a second run keeps the keys
    assert private_key_path(keys, "edge").read_bytes() == before


def test_a_missing_private_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IdentityKeyError, match="filing's identity key"):
        signer_for(tmp_path, "filing")


def test_the_replay_guard_forgets_expired_nonces_and_refuses_when_full() -> None:
    guard = ReplayGuard(max_entries=2)
    assert guard.first_use("a", expires=10, now=0)
    assert not guard.first_use("a", expires=10, now=0)
    assert guard.first_use("b", expires=10, now=0)
    assert not guard.first_use("c", expires=10, now=0)  # full of live nonces
    assert guard.first_use("c", expires=30, now=11)  # a and b expired


def test_keys_given_as_settings_win_over_the_folder(keys: Path, tmp_path: Path) -> None:
    line = public_keys_line(keys, PROCESSES)
    assert [entry.split("=", 1)[0] for entry in line.split(",")] == list(PROCESSES)
    settings = Settings(
        data_dir=tmp_path / "empty",  # no keys folder at all
        service_public_keys=line,
        service_private_key=SecretStr(private_key_path(keys, "filing").read_text()),
    )
    assert "PRIVATE KEY" not in repr(settings)
    token = service_signer(settings, "filing").token(STORE, now=NOW)
    assert service_verifier(settings).verify(token, STORE, now=NOW) == "filing"
    edge = signer_for(keys, "edge").token(STORE, now=NOW)
    assert service_verifier(settings).verify(edge, STORE, now=NOW) == "edge"


@pytest.mark.parametrize("line", ["filing", "filing=abc", "mallory=" + "A" * 43 + "="])
def test_a_malformed_public_keys_setting_is_refused_at_start(line: str) -> None:
    with pytest.raises(ValueError):
        Settings(service_public_keys=line)


def test_a_public_key_that_is_not_base64_is_refused() -> None:
    with pytest.raises(ValueError, match="not a base64 Ed25519 public key"):
        parse_public_keys("filing=" + "!" * 44)


def test_a_private_key_setting_that_is_not_ed25519_pem_is_refused() -> None:
    settings = Settings(service_private_key=SecretStr("not a key"))
    with pytest.raises(IdentityKeyError):
        service_signer(settings, "edge")


def test_the_keys_command_makes_pairs_and_prints_the_public_keys_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cli.main import main

    assert main(["keys", "generate", "--dir", str(tmp_path / "k")]) == 0
    printed = capsys.readouterr().out.splitlines()[-1]
    name, _, line = printed.partition("=")
    assert name == "OPENECF_SERVICE_PUBLIC_KEYS"
    assert set(parse_public_keys(line)) == {"auth", "filing", "docket", "notify", "access", "edge"}
    assert Settings(service_public_keys=line).service_public_keys == line


def test_the_keys_command_refuses_an_empty_folder_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cli.main import main

    monkeypatch.chdir(tmp_path)  # '' would have meant this folder
    tmp_path.chmod(0o755)
    assert main(["keys", "generate", "--dir", ""]) == 2
    assert capsys.readouterr().err == (
        "openecf: --dir: give the folder for the keys (made 0700 if it does not exist)\n"
    )
    assert list(tmp_path.iterdir()) == []
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "checkout"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # whatever the umask: others may read it (an embedded PostgreSQL)
    generate_keys(shared, PROCESSES)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE(private_key_path(shared, "edge").stat().st_mode) == 0o600


def _garbage(path: Path) -> None:
    path.write_text("garbage\n")


def _a_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _another_processes_key(path: Path) -> None:
    path.write_bytes((path.parent / "filing.pub").read_bytes())


@pytest.mark.parametrize(
    ("damaged", "damage", "why"),
    [
        ("edge.pub", _garbage, "not a PEM public key"),
        ("auth.key", _a_folder, "Is a directory"),
        ("auth.key", _garbage, "not a PEM private key"),
        ("edge.pub", _another_processes_key, "not the public key of edge.key beside it"),
    ],
)
def test_a_damaged_key_file_is_named_not_passed_over(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damaged: str,
    damage: Callable[[Path], None],
    why: str,
) -> None:
    from services.cli.main import main

    folder = tmp_path / "keys"
    assert main(["keys", "generate", "--dir", str(folder)]) == 0
    damage(folder / damaged)
    capsys.readouterr()
    assert main(["keys", "generate", "--dir", str(folder)]) == 1
    assert capsys.readouterr() == ("", f"openecf: {folder / damaged}: {why}\n")


def test_a_lost_public_key_is_written_again_from_its_private_key(keys: Path) -> None:
    before = public_keys_line(keys, PROCESSES)
    (keys / "edge.pub").unlink()
    generate_keys(keys, PROCESSES)
    assert public_keys_line(keys, PROCESSES) == before
