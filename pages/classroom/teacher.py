"""Class mode for teachers: the settings form that "Create a class" and "Push a new step" share,
the join card (code, link, QR), and the board's large-type look in light or dark.

Not a page: pages/5_classroom.py and the class board (pages/classroom/board_*.py) import it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import streamlit as st

from nnlab.classroom.codes import join_url, qr_png, teacher_url
from nnlab.core.links import SPEC_FIELDS
from nnlab.core.presets import PRESETS
from nnlab.core.spec import RunSpec
from nnlab.store.classes import ClassInfo
from pages.classroom.share import app_base_url
from pages.common import navigation, state
from pages.common.ui import preset_title, t

DEFAULT_LOCKS = ("dataset", "loss", "optimizer", "learning_rate")
BOARD_PAGE = navigation.page("class_board").file
THEMES = ("light", "dark")


def field_label(name: str) -> str:
    """A RunSpec field's name for people."""
    return t(f"field.{name}")


def starting_points(
    class_spec: tuple[RunSpec, str | None] | None = None,
) -> dict[str, tuple[RunSpec, str | None]]:
    """What settings can start from: the class's, the current ones, the defaults, every preset."""
    choices: dict[str, tuple[RunSpec, str | None]] = {}
    if class_spec is not None:
        choices["class"] = class_spec
    current = state.CURRENT_SPEC.peek()
    if current is not None:
        choices["current"] = current
    choices["defaults"] = (RunSpec(), None)
    for key, preset in PRESETS.items():
        choices[key] = (preset.spec, key)
    return choices


def starting_point_label(key: str) -> str:
    """A starting point's name for people."""
    if key in ("current", "defaults", "class"):
        return t(f"classroom.teacher.{key}")
    return preset_title(key)


@dataclass(frozen=True)
class ChosenSettings:
    """Settings a teacher picked for a class: the spec and which fields are fixed."""

    spec: RunSpec
    preset_key: str | None
    locked: tuple[str, ...]
    hidden: tuple[str, ...]


def settings_widgets(
    prefix: str,
    *,
    class_spec: tuple[RunSpec, str | None] | None = None,
    locked: Iterable[str] = DEFAULT_LOCKS,
    hidden: Iterable[str] = (),
) -> ChosenSettings:
    """Start point, locked and hidden settings (widget keys start with `prefix`)."""
    choices = starting_points(class_spec)
    # Labels are looked up now: format functions may also run outside this script run.
    start_labels = {key: starting_point_label(key) for key in choices}
    field_labels = {name: field_label(name) for name in SPEC_FIELDS}
    start = st.selectbox(
        t("classroom.teacher.start_from"),
        list(choices),
        format_func=start_labels.get,
        key=f"{prefix}_start",
    )
    spec, preset_key = choices[start]
    chosen_locks = st.pills(
        t("classroom.teacher.lock"),
        SPEC_FIELDS,
        selection_mode="multi",
        default=[name for name in locked if name in SPEC_FIELDS],
        format_func=field_labels.get,
        key=f"{prefix}_lock",
    )
    chosen_hidden = st.pills(
        t("classroom.teacher.hide"),
        SPEC_FIELDS,
        selection_mode="multi",
        default=[name for name in hidden if name in SPEC_FIELDS],
        format_func=field_labels.get,
        key=f"{prefix}_hide",
    )
    kept_locks = tuple(name for name in chosen_locks if name not in chosen_hidden)
    return ChosenSettings(spec, preset_key, kept_locks, tuple(chosen_hidden))


def locks_caption(settings: ChosenSettings) -> str:
    """Which settings students may change, in one line."""
    fixed = set(settings.locked) | set(settings.hidden)
    free = [field_label(name) for name in SPEC_FIELDS if name not in fixed]
    return t("classroom.teacher.free", fields=", ".join(free) or "—")


# --- the join card ------------------------------------------------------------------------------


def big_code(code: str) -> None:
    """The join code in letters big enough to read from the back of a room."""
    st.html(
        f'<div class="nnlab-code" style="font: 800 4.2rem/1.1 ui-monospace, monospace; '
        f'letter-spacing: .18em; padding: .1em 0">{html.escape(code)}</div>'
    )


def join_card(info: ClassInfo, *, qr_width: int = 260) -> str:
    """The code, the join link and its QR code; returns the join link."""
    url = join_url(app_base_url(), info.join_code)
    code_column, qr_column = st.columns([3, 2], vertical_alignment="center")
    with code_column:
        st.markdown(f"**{t('teach.join_code')}**")
        big_code(info.join_code)
        st.markdown(f"**{t('teach.join_link')}**")
        st.code(url, language=None, wrap_lines=True)
    with qr_column:
        caption = t("teach.qr_caption")
        st.image(qr_png(url), width=qr_width, caption=caption, alt=caption)
    return url


def teacher_link_card(teacher_key: str) -> None:
    """The teacher's private link to the board, with a warning to keep it so."""
    url = teacher_url(app_base_url(), teacher_key)
    st.markdown(f"**{t('teach.teacher_link')}**")
    st.code(url, language=None, wrap_lines=True)
    st.warning(t("teach.teacher_link_private"), icon=":material/key:")
    st.page_link(
        BOARD_PAGE,
        label=t("teach.open_board"),
        icon=":material/leaderboard:",
        query_params={"class_key": teacher_key},
    )


# --- the board's look ---------------------------------------------------------------------------

_THEME_CSS = {
    "dark": """
[data-testid="stApp"], [data-testid="stHeader"], [data-testid="stBottomBlockContainer"] {
  background: #0b1020; color: #f3f4f6; }
[data-testid="stSidebar"] { background: #111827; }
[data-testid="stApp"] :is(h1, h2, h3, h4, p, li, label, span, summary, small, td, th,
  [data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"]) { color: #f3f4f6; }
[data-testid="stMain"] :is(button, input, textarea, [data-baseweb="select"] > div) {
  background-color: #1f2937; color: #f3f4f6; border-color: #4b5563; }
[data-testid="stApp"] :is([data-testid="stExpander"] details,
  [data-testid="stVerticalBlockBorderWrapper"]) { border-color: #4b5563; }
[data-testid="stApp"] code { background: #1f2937; color: #fde68a; }
.nnlab-board-table tr:nth-child(even) td { background: #111827; }
""",
    "light": """
[data-testid="stApp"], [data-testid="stHeader"], [data-testid="stBottomBlockContainer"] {
  background: #ffffff; color: #111827; }
[data-testid="stSidebar"] { background: #f3f4f6; }
[data-testid="stApp"] :is(h1, h2, h3, h4, p, li, label, span, summary, small, td, th,
  [data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"]) { color: #111827; }
[data-testid="stMain"] :is(button, input, textarea, [data-baseweb="select"] > div) {
  background-color: #ffffff; color: #111827; border-color: #9ca3af; }
[data-testid="stApp"] code { background: #f3f4f6; color: #7c2d12; }
.nnlab-board-table tr:nth-child(even) td { background: #f3f4f6; }
""",
}

_BOARD_CSS = """
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p { font-size: 1.3rem; }
.nnlab-board-table { width: 100%; border-collapse: collapse; font-size: 1.45rem; }
.nnlab-board-table th { text-align: left; font-weight: 700; padding: .3em .5em;
  border-bottom: 3px solid currentColor; }
.nnlab-board-table td { padding: .28em .5em; border-bottom: 1px solid rgba(128,128,128,.35); }
.nnlab-board-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.nnlab-board-table td.small { font-size: .72em; line-height: 1.25; }
@media (max-width: 1500px) { .nnlab-board-table { font-size: 1.1rem; } }
.nnlab-stat { font-size: 1.6rem; font-weight: 700; }
.nnlab-stat span { font-size: 2.6rem; font-weight: 800; margin-right: .15em; }
.nnlab-status-running { color: #16a34a !important; font-weight: 700; }
.nnlab-status-queued { color: #d97706 !important; font-weight: 700; }
.nnlab-status-failed { color: #dc2626 !important; font-weight: 700; }
"""


def board_style(theme: str) -> None:
    """Large type for the board, in the chosen colours (whatever Streamlit's own theme is)."""
    st.html(f"<style>{_BOARD_CSS}{_THEME_CSS.get(theme, '')}</style>")


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    small: Sequence[int] = (),
    cell_classes: dict[int, Sequence[str]] | None = None,
) -> str:
    """A large-type HTML table; every cell is escaped (display names are typed by students).

    numeric: columns aligned right; small: columns in smaller type; cell_classes: column ->
    a CSS class per row (e.g. the status colour).
    """
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = []
    for index, row in enumerate(rows):
        cells = []
        for column, cell in enumerate(row):
            names = ["num"] if column in numeric else []
            names += ["small"] if column in small else []
            if cell_classes and column in cell_classes:
                names.append(cell_classes[column][index])
            attribute = f' class="{html.escape(" ".join(names))}"' if names else ""
            cells.append(f"<td{attribute}>{html.escape(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    # Scrolls sideways inside its column on a narrow screen rather than spilling out of it.
    return (
        '<div style="overflow-x: auto">'
        f'<table class="nnlab-board-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def stat(number: str, text: str) -> str:
    """A big number with its words, as HTML."""
    return f'<div class="nnlab-stat"><span>{html.escape(number)}</span>{html.escape(text)}</div>'
