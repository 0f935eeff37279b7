"""Share links, teacher locks and the Keras code export, as page widgets.

app.py calls `restore_from_link` on every rerun (it acts once per session); the Build & Train page
calls `share_controls` and `code_export` with its current spec and loads `_state.PENDING_SPEC`
at its top. The encoding itself is pure Python in nnlab.core.links, the script in
nnlab.core.codegen.
"""

from __future__ import annotations

import streamlit as st

from nnlab.core.codegen import keras_script, script_filename
from nnlab.core.fields import table
from nnlab.core.links import (
    FIELD_PARAMS,
    DecodedLink,
    LinkNotice,
    decode_link,
    encode_link,
    link_url,
    notice_parts,
)
from nnlab.core.locks import Locks
from nnlab.core.spec import LayerSpec, RunSpec
from pages.common import navigation, state
from pages.common.lab import LAB_PARAM, lab_id
from pages.common.ui import PROJECTOR_PARAM, is_projector, lang, t

BUILD_PAGE_PATH = navigation.page("build").url_path  # where share links open
# url_paths of app.py's pages: st.context.url ends with the current one, which a link replaces.
PAGE_PATHS = tuple(page.url_path for page in navigation.PAGES)
LOCAL_URL = "http://localhost:8501"


def notice_text(notice: LinkNotice) -> str:
    """A link notice in the session's language, the setting named by its label (not `lr`)."""
    field = FIELD_PARAMS.get(notice.param)
    return t(
        f"share.notice.{notice.kind}",
        param=t(f"field.{field}") if field else notice.param,
        value=notice.value,
        fallback=notice.fallback,
    )


def notices_summary(notices: list[LinkNotice]) -> str:
    """One sentence naming, in plain words, every part of a link that could not be used."""
    names = [
        t(f"field.{name}")
        if kind == "field"
        else t("link.part.unknown", name=name)
        if kind == "unknown"
        else t(f"link.part.{kind}")
        for kind, name in notice_parts(notices)
    ]
    return t("link.garbled", parts=", ".join(names))


def apply_link(decoded: DecodedLink) -> None:
    """Put a decoded link's settings, locks and language into session state."""
    if decoded.language:
        state.LANGUAGE.set(decoded.language)
    if decoded.has_settings:
        state.PENDING_SPEC.set((decoded.spec, decoded.preset_key))
        state.LOCKED_FIELDS.set(set(decoded.locked))
        state.HIDDEN_FIELDS.set(set(decoded.hidden))
        # The link's values are the locked ones: a preset or challenge cannot change them later.
        fixed = decoded.locked or decoded.hidden
        state.LINK_LOCKS.set(
            Locks(decoded.spec, decoded.locked, decoded.hidden, "link") if fixed else None
        )


def restore_from_link() -> None:
    """On a session's first run, read settings and locks from the URL into session state."""
    if state.LINK_RESTORED.get():
        return
    state.LINK_RESTORED.set(True)
    decoded = decode_link(st.query_params.to_dict())
    apply_link(decoded)
    if decoded.notices:
        # One notice for the whole link, however garbled; the details stay listed under
        # "Share these settings".
        st.toast(notices_summary(list(decoded.notices)), icon=":material/warning:", duration="long")
    state.LINK_NOTICES.set(list(decoded.notices))


def app_base_url() -> str:
    """The app's address as the browser sees it, without the page path."""
    url = None
    try:
        url = st.context.url
    except Exception:  # outside a browser session (AppTest, bare mode) there is no URL
        url = None
    if not url:
        host = st.context.headers.get("Host") if st.context.headers else None
        if not host:
            return LOCAL_URL
        scheme = st.context.headers.get("X-Forwarded-Proto", "http")
        url = f"{scheme}://{host}"
    url = url.split("?")[0].rstrip("/")
    for path in PAGE_PATHS:
        if url.endswith(f"/{path}"):
            return url.removesuffix(f"/{path}")
    return url


def current_link_params(spec: RunSpec, preset_key: str | None) -> dict[str, str]:
    """URL parameters for `spec` with this session's language and locks."""
    return encode_link(
        spec,
        preset_key,
        language=lang(),
        locked=state.LOCKED_FIELDS.get(),
        hidden=state.HIDDEN_FIELDS.get(),
    )


def share_controls(spec: RunSpec, preset_key: str | None) -> None:
    """Controls that keep the URL in step with `spec` and copy the share link."""
    state.CURRENT_SPEC.set((spec, preset_key))
    params = current_link_params(spec, preset_key)
    # The address bar also keeps the student's lab (a reload must find the runs); the link
    # offered for sharing never carries it.
    address = {**params, LAB_PARAM: lab_id()}
    if is_projector():
        address[PROJECTOR_PARAM] = "1"  # a reload stays in projector mode
    if st.query_params.to_dict() != address:
        st.query_params.from_dict(address)
    url = link_url(app_base_url(), params, page=BUILD_PAGE_PATH)
    locked = sorted(state.LOCKED_FIELDS.get())
    if locked:
        names = ", ".join(t(f"field.{name}") for name in locked)
        # A class member's locks come from the class (pages/classroom/membership.py), not a link.
        note = t("member.locked_note") if state.MEMBERSHIP.peek() else t("share.locked_note")
        st.caption(f":material/lock: {note}: {names}")
    with st.expander(t("share.title"), icon=":material/share:"):
        st.caption(t("share.explain"))
        st.code(url, language=None, wrap_lines=True)
        if state.LOCKED_FIELDS.get() or state.HIDDEN_FIELDS.get():
            st.caption(t("share.locks_kept"))
        notices = state.LINK_NOTICES.get()
        if notices:
            st.warning(
                notices_summary(notices)
                + "\n\n"
                + "\n".join(f"- {notice_text(n)}" for n in notices),
                icon=":material/warning:",
            )


def code_export(spec: RunSpec) -> None:
    """'Show code': the runnable Keras script for `spec`, with a download button."""
    with st.expander(t("code.show"), icon=":material/code:"):
        script = keras_script(spec, lang())
        st.caption(t("code.explain"))
        st.download_button(
            t("code.download"),
            data=script,
            file_name=script_filename(spec),
            mime="text/x-python",
            icon=":material/download:",
            on_click="ignore",
        )
        st.code(script, language="python", line_numbers=True)


def explanation(topic: str) -> None:
    """An expandable short explanation of a concept (activation, loss, optimizer, epoch, ...)."""
    with st.expander(t(f"explain.{topic}.title"), icon=":material/help:"):
        st.markdown(t(f"explain.{topic}.text"))


def explanation_tooltip(topic: str) -> str:
    """The same explanation as a widget's `help=` text."""
    return t(f"explain.{topic}.text")


# The app's one glossary (explain.<topic>.title / .text in nnlab/locales/classroom.py), in the
# order a beginner meets the ideas.
EXPLAINED_TOPICS = (
    "layer",
    "activation",
    "loss",
    "optimizer",
    "learning_rate",
    "batch",
    "epoch",
    "validation",
    "overfitting",
    "dropout",
    "l2",
    "early_stopping",
    "parameters",
    "lr_schedule",  # these four: nnlab/locales/learn.py
    "augmentation",
    "diagnostics",
    "hidden_map",
)


def glossary(nested: bool = False) -> None:
    """Every explanation, then every setting: expanders, or headed paragraphs inside an expander."""
    if not nested:
        for topic in EXPLAINED_TOPICS:
            explanation(topic)
        with st.expander(t("explain.settings.title"), icon=":material/tune:"):
            st.markdown(setting_glossary())
        return
    # Streamlit cannot put an expander inside another: two columns of short sections instead.
    columns = st.columns(2, gap="large")
    half = -(-len(EXPLAINED_TOPICS) // 2)  # first half on the left: read down, then across
    for index, topic in enumerate(EXPLAINED_TOPICS):
        with columns[index // half]:
            st.markdown(f"**{t(f'explain.{topic}.title')}**  \n{t(f'explain.{topic}.text')}")
    st.markdown(f"**{t('explain.settings.title')}**  \n{setting_glossary()}")


def setting_glossary() -> str:
    """One line per setting of the field table: its label, its share-link name and its help.

    Written from the table, so a new setting (AdamW's weight decay) is explained here the day it
    is added, under the same name as its widget.
    """
    lines = [t("explain.settings.intro")]
    for spec_field in (*table(RunSpec).values(), *table(LayerSpec).values()):
        link = f" (`{spec_field.param}=`)" if spec_field.param else ""
        lines.append(f"- **{t(spec_field.label)}**{link}: {t(spec_field.help)}")
    return "\n".join(lines)
