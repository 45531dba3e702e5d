"""Uploaded evidence is stored readable by this user only."""

from __future__ import annotations

import stat
from pathlib import Path

from pabrik.runtime.assess.files import store_file


def test_an_attachment_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "attachments" / "pt-plastindo"
    path = store_file(folder, "a1.png", b"\x89PNG")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert path.read_bytes() == b"\x89PNG"
