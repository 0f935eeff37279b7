"""Share links: a RunSpec (plus preset, language and a teacher's locks) as short URL parameters.

A link names only what differs from its starting point (the preset it names, else the defaults),
in readable parameters: `preset=t000_sigmoid_mse&loss=scce&opt=adam&lr=0.001&lock=dataset`.
Decoding never raises: a garbled or out-of-range value keeps the starting point's value and adds
a `LinkNotice` that names it, so a mistyped link still opens a working lab.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from nnlab.core.fields import table
from nnlab.core.presets import PRESETS
from nnlab.core.spec import RunSpec
from nnlab.i18n import LANGUAGES

PRESET_PARAM = "preset"
LANGUAGE_PARAM = "lang"
LOCK_PARAM = "lock"
HIDE_PARAM = "hide"

# URL parameter -> RunSpec field, in the order links list them: the field table's `param`s.
FIELD_PARAMS: dict[str, str] = {info.param: name for name, info in table(RunSpec).items()}
PARAM_OF_FIELD: dict[str, str] = {field: param for param, field in FIELD_PARAMS.items()}
SPEC_FIELDS: tuple[str, ...] = tuple(table(RunSpec))
# Parameters other parts of the app own: Streamlit's embedding, the student's lab (pages.common.lab)
# the projector mode (pages.common.ui), and class mode's join code and teacher key
# (nnlab.classroom.service).
_FOREIGN_PARAMS = frozenset({"embed", "embed_options", "lab", "projector", "join", "class_key"})


@dataclass(frozen=True)
class LinkNotice:
    """Something in a link that could not be used as written, and what was used instead."""

    kind: str  # "unknown_param", "bad_value", "unknown_preset", "unknown_field", "bad_language"
    param: str  # the URL parameter as written, e.g. "lr"
    value: str  # its value as written (shortened)
    fallback: str = ""  # what the lab uses instead, as a link value
    detail: str = ""  # why, in English (from the spec's validation message)


@dataclass(frozen=True)
class DecodedLink:
    """What a share link sets up: the spec, its preset, the language and the teacher's locks."""

    spec: RunSpec
    preset_key: str | None = None
    language: str | None = None  # None: the link does not choose one
    locked: frozenset[str] = frozenset()  # RunSpec field names shown disabled
    hidden: frozenset[str] = frozenset()  # RunSpec field names not shown
    notices: tuple[LinkNotice, ...] = ()
    has_settings: bool = False  # True when the link names a preset, a setting or a lock


# --- values <-> text -------------------------------------------------------------------------


def format_field(field_name: str, value: Any) -> str:
    """One RunSpec field's value as it appears in a link."""
    return table(RunSpec)[field_name].text(value)


def parse_field(field_name: str, text: str) -> Any:
    """One RunSpec field's value read from link text; raises ValueError when unreadable."""
    return table(RunSpec)[field_name].parse(text)


def _field_from_name(name: str) -> str | None:
    name = name.strip()
    if name in SPEC_FIELDS:
        return name
    return FIELD_PARAMS.get(name)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- encode / decode -------------------------------------------------------------------------


def starting_spec(preset_key: str | None) -> RunSpec:
    """What a link's settings are relative to: the preset it names, else the defaults."""
    preset = PRESETS.get(preset_key) if preset_key else None
    return preset.spec if preset else RunSpec()


def encode_link(
    spec: RunSpec,
    preset_key: str | None = None,
    language: str | None = None,
    locked: Iterable[str] = (),
    hidden: Iterable[str] = (),
) -> dict[str, str]:
    """URL query parameters for `spec`: only the fields that differ from the starting point."""
    params: dict[str, str] = {}
    if preset_key in PRESETS:
        params[PRESET_PARAM] = preset_key
    else:
        preset_key = None
    base = starting_spec(preset_key)
    for param, field_name in FIELD_PARAMS.items():
        value = getattr(spec, field_name)
        if value != getattr(base, field_name):
            params[param] = format_field(field_name, value)
    for param, names in ((LOCK_PARAM, locked), (HIDE_PARAM, hidden)):
        fields = [field for field in SPEC_FIELDS if field in set(names)]
        if fields:
            params[param] = ",".join(fields)
    if language in LANGUAGES:
        params[LANGUAGE_PARAM] = language
    return params


def _read_field_list(param: str, text: str, notices: list[LinkNotice]) -> frozenset[str]:
    fields = set()
    for name in text.replace(".", ",").split(","):
        if not name.strip():
            continue
        field = _field_from_name(name)
        if field is None:
            notices.append(LinkNotice("unknown_field", param, _short(name.strip())))
        else:
            fields.add(field)
    return frozenset(fields)


def _apply_values(
    base: RunSpec, values: dict[str, Any], params: dict[str, str], notices: list[LinkNotice]
) -> RunSpec:
    """`base` with `values` applied; values that clash with the rest fall back one by one."""
    try:
        return base.replace(**values)
    except ValueError:
        pass
    # Some values are out of range or clash with each other: apply those that fit, repeating
    # while that lets more fit (momentum must reach 0 before the optimizer may change, ...).
    spec, pending = base, dict(values)
    progress = True
    while pending and progress:
        progress = False
        for field_name, value in list(pending.items()):
            try:
                spec = spec.replace(**{field_name: value})
            except ValueError:
                continue
            del pending[field_name]
            progress = True
    for field_name, value in pending.items():
        # Every value still pending fails against the final spec (the last pass tried them all).
        try:
            spec.replace(**{field_name: value})
            detail = ""
        except ValueError as error:
            detail = str(error)
        param = PARAM_OF_FIELD[field_name]
        notices.append(
            LinkNotice(
                "bad_value",
                param,
                _short(params[param]),
                format_field(field_name, getattr(spec, field_name)),
                detail,
            )
        )
    return spec


def notice_parts(notices: Iterable[LinkNotice]) -> list[tuple[str, str]]:
    """What the notices are about, once each, in order: ("field", RunSpec field name) for a
    setting, ("preset" | "language" | "lock" | "hide", "") for those parameters, and
    ("unknown", text as written) for a parameter that is not a setting at all."""
    parts: list[tuple[str, str]] = []
    for notice in notices:
        if notice.kind == "bad_value":
            part = ("field", FIELD_PARAMS.get(notice.param, notice.param))
        elif notice.kind == "unknown_preset":
            part = ("preset", "")
        elif notice.kind == "bad_language":
            part = ("language", "")
        elif notice.kind == "unknown_field":
            part = ("hide" if notice.param == HIDE_PARAM else "lock", "")
        else:
            part = ("unknown", notice.param)
        if part not in parts:
            parts.append(part)
    return parts


def decode_link(params: Mapping[str, str]) -> DecodedLink:
    """The settings a link describes; never raises: bad values fall back, each with a notice."""
    notices: list[LinkNotice] = []
    texts = {str(key): str(value) for key, value in dict(params).items()}
    has_settings = False

    preset_key = None
    if PRESET_PARAM in texts:
        has_settings = True
        requested = texts[PRESET_PARAM].strip()
        if requested in PRESETS:
            preset_key = requested
        else:
            notices.append(LinkNotice("unknown_preset", PRESET_PARAM, _short(requested)))
    base = starting_spec(preset_key)

    language = None
    if LANGUAGE_PARAM in texts:
        requested = texts[LANGUAGE_PARAM].strip().lower()
        if requested in LANGUAGES:
            language = requested
        else:
            notices.append(
                LinkNotice("bad_language", LANGUAGE_PARAM, _short(texts[LANGUAGE_PARAM]), "en")
            )

    locked: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    if LOCK_PARAM in texts:
        has_settings = True
        locked = _read_field_list(LOCK_PARAM, texts[LOCK_PARAM], notices)
    if HIDE_PARAM in texts:
        has_settings = True
        hidden = _read_field_list(HIDE_PARAM, texts[HIDE_PARAM], notices)

    values: dict[str, Any] = {}
    for param, text in texts.items():
        if param in (PRESET_PARAM, LANGUAGE_PARAM, LOCK_PARAM, HIDE_PARAM, *_FOREIGN_PARAMS):
            continue
        field_name = FIELD_PARAMS.get(param)
        if field_name is None:
            notices.append(LinkNotice("unknown_param", _short(param), _short(text)))
            continue
        has_settings = True
        try:
            values[field_name] = parse_field(field_name, text)
        except ValueError as error:
            fallback = format_field(field_name, getattr(base, field_name))
            notices.append(LinkNotice("bad_value", param, _short(text), fallback, str(error)))
    spec = _apply_values(base, values, texts, notices)
    return DecodedLink(
        spec=spec,
        preset_key=preset_key,
        language=language,
        locked=locked,
        hidden=hidden,
        notices=tuple(notices),
        has_settings=has_settings,
    )


def link_url(base_url: str, params: Mapping[str, str], page: str = "build_and_train") -> str:
    """The full link: the app's address, the page, and the parameters (commas kept readable)."""
    query = urlencode(dict(params), safe=",")
    address = f"{base_url.rstrip('/')}/{page}" if page else base_url.rstrip("/")
    return f"{address}?{query}" if query else address
