"""The portal's static files' version: the address part that changes when any file does."""

from __future__ import annotations

from pathlib import Path

from services.edge.portal.router import STATIC, VERSION, files_version, static_version


def test_the_version_follows_every_file_and_name(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "ui.js").write_text("export const a = 1;\n")
    (tmp_path / "portal.css").write_text("body {}\n")
    first = files_version(tmp_path)
    assert VERSION.fullmatch(first)
    assert files_version(tmp_path) == first  # the same files, the same version

    (tmp_path / "js" / "ui.js").write_text("export const a = 2;\n")
    changed = files_version(tmp_path)
    assert changed != first

    (tmp_path / "js" / "ui.js").rename(tmp_path / "js" / "api.js")
    renamed = files_version(tmp_path)
    assert renamed not in (first, changed)

    (tmp_path / "js" / "new.js").write_text("")
    assert files_version(tmp_path) not in (first, changed, renamed)


def test_the_version_does_not_depend_on_when_the_files_were_written(tmp_path: Path) -> None:
    (tmp_path / "portal.css").write_text("body {}\n")
    before = files_version(tmp_path)
    (tmp_path / "portal.css").touch()  # a fresh checkout or install: new times, same bytes
    assert files_version(tmp_path) == before


def test_the_portal_files_have_a_version() -> None:
    assert static_version() == files_version(STATIC)
