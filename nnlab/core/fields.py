"""The field table's machinery: what one setting is, declared once next to its dataclass field.

Every field of `RunSpec` and `LayerSpec` (nnlab.core.spec) is made by `setting(...)`, which puts
a `Field` in the dataclass field's metadata: the kind of value and its bounds (validation), its
widget (kind, label and help text keys, step, format), its share-link parameter and text, and
whether only some optimizers or schedules take it. Links (nnlab.core.links), the Build & Train
widgets (pages/build), locks and the code export walk this table instead of naming fields, so a
new setting is one `setting(...)` line (plus its texts).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from nnlab.core.formatting import format_number

FIELD = "nnlab.field"  # the metadata key that holds a dataclass field's Field
KINDS = ("choice", "bool", "int", "float", "layers")
OPTIMIZER = "optimizer"  # Field.belongs_to: only some optimizers take it (nnlab.core.choices)
SCHEDULE = "schedule"  # Field.belongs_to: only some learning-rate schedules take it
ALL = "all"  # an optional number's link text for None (train_size: every image)
# A link is typed or pasted by people: anything longer than this is not a real setting.
MAX_TEXT_LENGTH = 300
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Field:
    """One setting: its value's kind and bounds, its widget, its link text, who takes it."""

    kind: str  # one of KINDS
    label: str = ""  # text key of the widget's label
    help: str = ""  # text key of the widget's help
    param: str = ""  # the share-link parameter, e.g. "lr" (RunSpec fields)
    min: float = 0  # int / float: the lowest value (excluded when min_open)
    max: float = 0  # int / float: the highest value
    min_open: bool = False
    step: float = 1  # the widget's step
    format: str | None = None  # number inputs: printf format, e.g. "%.5f"
    widget: str | None = None  # "segmented", "radio", "slider", "select"; None: by kind
    optional: bool = False  # None is a value too (train_size: every image)
    switch: str = ""  # a toggle (widget key PREFIX + switch) says whether the widget is used
    switch_uses_widget: bool = True  # True: the toggle on uses the widget; False: on = unused
    unused: Any = None  # the field's value while its widget is switched off (None, 0)
    idle: Any = None  # what the switched-off widget holds, offered when switched back on
    key: str = ""  # the widget key's name when it is not the field's name
    belongs_to: str = ""  # OPTIMIZER or SCHEDULE: only those listing it take it, else default
    # True: the compiled training step does not depend on it (the data, the seed, the rate, the
    # schedule, how long): a worker reuses one traced step for specs that differ only in these.
    per_run: bool = False
    choices: Callable[[], tuple[str, ...]] | None = None  # choice: the values, in widget order
    aliases: Callable[[], Mapping[str, str]] | None = None  # choice: other link names -> value
    link_name: Callable[[Any], str] | None = None  # choice: its link text when not the value
    parse_text: Callable[[str], Any] | None = None  # layers: link text -> value
    format_text: Callable[[Any], str] | None = None  # layers: value -> link text

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Field kind must be one of {', '.join(KINDS)}; got {self.kind!r}.")

    def options(self) -> tuple[str, ...]:
        """The values a choice field accepts, looked up now (a test may swap a table)."""
        return self.choices() if self.choices else ()

    def text(self, value: Any) -> str:
        """The value as a share link writes it."""
        if self.format_text is not None:
            return self.format_text(value)
        if value is None:
            return ALL
        if self.link_name is not None:
            return self.link_name(value)
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (int, float)):
            return format_number(value)
        return str(value)

    def parse(self, text: str) -> Any:
        """The value a share link's text stands for; ValueError when it cannot be read."""
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError("The value is too long.")
        stripped = text.strip().lower()
        if self.parse_text is not None:
            return self.parse_text(text)
        if self.optional and stripped in (ALL, "full"):
            return None
        if self.kind == "choice":
            options = self.options()
            value = (self.aliases() if self.aliases else {}).get(stripped, stripped)
            if value not in options:
                raise ValueError(f"Choose one of {', '.join(options)}; got {text!r}.")
            return value
        if self.kind == "bool":
            if stripped in _TRUE:
                return True
            if stripped in _FALSE:
                return False
            raise ValueError(f"Write 1 or 0; got {text!r}.")
        if self.kind == "int":
            if not re.fullmatch(r"[+-]?[0-9]{1,12}", stripped):
                raise ValueError(f"Not a whole number: {text!r}.")
            return int(stripped)
        try:
            number = float(stripped)
        except ValueError:
            raise ValueError(f"Not a number: {text!r}.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"Not a finite number: {text!r}.")
        return number

    def widget_value(self, value: Any) -> Any:
        """The value as its widget holds it: float widgets need floats, even for a link's "0"."""
        return float(value) if self.kind == "float" and value is not None else value


def setting(default: Any, kind: str, label: str = "", help: str = "", **facts: Any) -> Any:
    """A dataclass field with its default and its Field (see Field for the facts it takes)."""
    return dataclasses.field(default=default, metadata={FIELD: Field(kind, label, help, **facts)})


@cache
def table(owner: type) -> Mapping[str, Field]:
    """Every field of a dataclass made with `setting`, by name, in declaration order."""
    return MappingProxyType(
        {f.name: f.metadata[FIELD] for f in dataclasses.fields(owner) if FIELD in f.metadata}
    )


def field_info(owner: type, name: str) -> Field:
    """The Field of one field of `owner` (RunSpec or LayerSpec); ValueError if it has none."""
    try:
        return table(owner)[name]
    except KeyError:
        raise ValueError(f"{owner.__name__} has no field {name!r}.") from None


@cache
def defaults(owner: type) -> Mapping[str, Any]:
    """Every field's default value, by name (read-only: validation asks on every spec)."""
    return MappingProxyType({f.name: f.default for f in dataclasses.fields(owner)})
