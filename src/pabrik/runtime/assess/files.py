"""Evidence attachments: an allow-list of types checked by content, a size cap, safe names."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pabrik.model.errors import PabrikError

MAX_BYTES = 10 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class AttachmentRejectedError(PabrikError):
    """An upload that is not an allowed type, too large, or not what its name says."""

    code = "attachment_rejected"


@dataclass(frozen=True, slots=True)
class FileType:
    """An allowed file type: its content type and the bytes it must start with."""

    content_type: str
    magic: tuple[bytes, ...]
    text: bool = False


ALLOWED: dict[str, FileType] = {
    "pdf": FileType("application/pdf", (b"%PDF-",)),
    "png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP_MAGIC,)
    ),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP_MAGIC,)
    ),
    "csv": FileType("text/csv; charset=utf-8", (), text=True),
    "txt": FileType("text/plain; charset=utf-8", (), text=True),
}


def safe_filename(name: str) -> str:
    """The base name of an upload without path parts or control characters, at most 120 chars."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    cleaned = cleaned.replace('"', "'").strip(" .")
    return cleaned[-120:] or "attachment"


def check_upload(filename: str, data: bytes) -> tuple[str, FileType]:
    """The extension and type of an acceptable upload, or ``AttachmentRejectedError``."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = ALLOWED.get(ext)
    if kind is None:
        raise AttachmentRejectedError(
            f"file type '.{ext}' is not allowed", reason="type", allowed=", ".join(sorted(ALLOWED))
        )
    if len(data) > MAX_BYTES:
        raise AttachmentRejectedError(
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MB", reason="size", limit=MAX_BYTES
        )
    if not data:
        raise AttachmentRejectedError("file is empty", reason="content")
    if kind.text:
        _check_text(data)
    elif not any(data.startswith(m) for m in kind.magic):
        raise AttachmentRejectedError(f"content is not a .{ext} file", reason="content")
    return ext, kind


def _check_text(data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise AttachmentRejectedError("text file is not UTF-8", reason="content") from err
    if "\x00" in text:
        raise AttachmentRejectedError("text file contains NUL bytes", reason="content")


def sha256(data: bytes) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def store_file(folder: Path, name: str, data: bytes) -> Path:
    """Write an upload under ``folder`` (readable by this user only) and return its path."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    folder.chmod(PRIVATE_FOLDER)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    path.chmod(PRIVATE_FILE)
    return path
