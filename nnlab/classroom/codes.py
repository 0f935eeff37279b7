"""Join codes, display names, teacher keys and the links and QR codes that carry them.

A class has a short join code (for students, read off a projector) and a long secret teacher key
(for the teacher's link; the store keeps only its sha256). Pure functions: no store, no SQL.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
from urllib.parse import urlencode

from nnlab.classroom.errors import ClassError
from nnlab.core.links import link_url

# Join codes: no 0/O, 1/I/L look-alikes, so a code read off a projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
JOIN_PARAM = "join"  # the URL parameter of a join link: ?join=ABC234
TEACHER_PARAM = "class_key"  # the URL parameter of the teacher link (the board page)
BOARD_PAGE_PATH = "class_board"  # the board's url_path in pages/common/navigation.py PAGES
NAME_MIN, NAME_MAX = 1, 24  # display name length
NAME_PUNCTUATION = " -_.'"  # allowed beside letters and digits (any script: 민준, Zoë)


def new_join_code() -> str:
    """A random join code of CODE_LENGTH characters from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: object) -> str:
    """The code as typed, upper-cased without spaces or dashes; ClassError when it cannot be one."""
    if not isinstance(text, str):
        raise ClassError("class.error.bad_code", length=CODE_LENGTH)
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise ClassError("class.error.bad_code", length=CODE_LENGTH)
    return code


def hash_key(teacher_key: str) -> str:
    """What the store keeps of a teacher key: its sha256 in hex."""
    return hashlib.sha256(teacher_key.encode("utf-8")).hexdigest()


def teacher_key_hash(teacher_key: object) -> str:
    """The stored hash of a teacher key as given in a link; ClassError when it cannot be one."""
    if not isinstance(teacher_key, str) or not 20 <= len(teacher_key) <= 200:
        raise ClassError("class.error.bad_key")
    return hash_key(teacher_key)


def new_teacher_key() -> str:
    """A fresh secret teacher key (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def clean_display_name(text: object) -> str:
    """A display name tidied (NFC, single spaces); ClassError when too short/long or odd."""
    if not isinstance(text, str):
        raise ClassError("class.error.name_length", min=NAME_MIN, max=NAME_MAX)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ClassError("class.error.name_length", min=NAME_MIN, max=NAME_MAX)
    bad = sorted({char for char in name if not (char.isalnum() or char in NAME_PUNCTUATION)})
    if bad:
        raise ClassError("class.error.name_characters", characters=" ".join(bad[:5]))
    return name


def name_key(name: str) -> str:
    """What two names that clash share: "Mina" and "mina" are one name in a class."""
    return name.casefold()


def with_suffix(name: str, number: int) -> str:
    """The name with " <number>" appended, shortened to fit NAME_MAX."""
    suffix = f" {number}"
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def join_url(base_url: str, code: str, page: str = "") -> str:
    """The link a student opens to join: the app's address (or a page) with ?join=CODE."""
    return f"{base_url.rstrip('/')}/{page}?{urlencode({JOIN_PARAM: code})}"


def teacher_url(base_url: str, teacher_key: str) -> str:
    """The teacher's private link to the class board."""
    return link_url(base_url, {TEACHER_PARAM: teacher_key}, page=BOARD_PAGE_PATH)


def qr_png(url: str, scale: int = 10) -> bytes:
    """The URL as a QR code PNG (segno), dark on white with the standard quiet zone."""
    import segno  # only the teacher's page needs it

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
