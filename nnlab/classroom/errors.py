"""The one error class mode raises: a text key with values, translated where it is shown."""

from __future__ import annotations

from nnlab.i18n import translate


class ClassError(ValueError):
    """A class action that cannot be done: a text key with values; str() is English."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key  # e.g. "class.error.unknown_code" in nnlab/locales/class_mode.py
        self.values = values
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """The message in `language`."""
        return translate(self.key, language, **self.values)
