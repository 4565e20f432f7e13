"""A judgement's attached file, kept privately under VAR_DIR/judgements by a random token (0600, folder 0700).

Only what a judgement needs is accepted: a PDF, a PNG or JPEG image, or a Word
document, up to MAX_BYTES, recognised by its first bytes as well as its name, so a
file named .pdf that is not one is refused. Files are never overwritten or
removed here: a judgement is never edited, and neither is its evidence.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from bksbmis.private_files import PRIVATE, private_dir

MAX_BYTES = 5 * 1024 * 1024
# Extension: (content type, the bytes such a file starts with).
ACCEPTED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}
ACCEPTED_WORDS = "a PDF, a PNG or JPEG image, or a Word document (.docx)"


@dataclass(frozen=True)
class StoredFile:
    token: str
    name: str
    content_type: str
    size: int


def _folder() -> Path:
    return private_dir(Path(settings.VAR_DIR) / "judgements")


def judgement_file_check(upload: UploadedFile) -> str:
    """The file's content type, or ValidationError saying what is accepted."""
    name = Path(upload.name or "").name
    extension = Path(name).suffix.lower()
    if extension not in ACCEPTED:
        raise ValidationError(f"“{name}” cannot be attached: attach {ACCEPTED_WORDS}.")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(f"“{name}” is empty.")
    if size > MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {size / 1024 / 1024:.1f} MB: a file may be at most {MAX_BYTES // 1024 // 1024} MB."
        )
    content_type, starts = ACCEPTED[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(starts):
        raise ValidationError(f"“{name}” is not the {extension[1:].upper()} file its name says it is.")
    return content_type


def judgement_file_save(upload: UploadedFile) -> StoredFile:
    """Check and keep the file (ValidationError when it is not accepted): its token, name, type and size."""
    content_type = judgement_file_check(upload)
    token = secrets.token_hex(16)
    path = _folder() / token
    path.touch(mode=PRIVATE, exist_ok=False)
    with path.open("wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    return StoredFile(token, Path(upload.name or "").name[:200], content_type, upload.size or 0)


def judgement_file_path(token: str) -> Path | None:
    """The stored file of a token, if it is there; anything not shaped like a token is ignored."""
    if len(token) != 32 or not token.isalnum():
        return None
    path = _folder() / token
    return path if path.is_file() else None


def judgement_file_remove(token: str) -> None:
    """Remove a file kept for a judgement that was then not recorded (its transaction rolled back)."""
    path = judgement_file_path(token)
    if path is not None:
        path.unlink(missing_ok=True)
