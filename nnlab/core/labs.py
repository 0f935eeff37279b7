"""Lab ids: who a run belongs to. Tiny on purpose: the home page checks ids without importing
the store (SQLAlchemy) or the engine."""

from __future__ import annotations

import re
import secrets

_LAB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_lab_id() -> str:
    """A fresh random lab id: 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def valid_lab_id(text: object) -> bool:
    """True only for an id `new_lab_id` could have made; anything else is garbage."""
    return isinstance(text, str) and _LAB_ID_PATTERN.fullmatch(text) is not None
