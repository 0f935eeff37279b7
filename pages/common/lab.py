"""The student's lab (whose runs these are) and the training engine, as every page sees them.

A lab is a random id the browser keeps: in the `lab` URL parameter, which app.py puts back on
every page and which survives a reload, and in a cookie, so a share link opened in the same
browser (which never carries `lab`) still finds the student's runs. "New lab" starts afresh.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import streamlit as st

from nnlab import config
from nnlab.core.labs import new_lab_id, valid_lab_id
from pages.common import state
from pages.common.ui import notice_slot, t

if TYPE_CHECKING:
    from nnlab.classroom.service import ClassStore
    from nnlab.engine.contract import TrainingEngine

LAB_PARAM = "lab"
LAB_COOKIE = "nnlab_lab"
COOKIE_DAYS = 180
DATABASE_URL_SECRET = "NNLAB_DATABASE_URL"


def database_url() -> str | None:
    """The store's URL: the environment, else Streamlit secrets, else None (local SQLite)."""
    if os.environ.get(DATABASE_URL_SECRET):
        return os.environ[DATABASE_URL_SECRET]
    return _secret_database_url()


# Without a secrets file Streamlit looks for one (and raises) on every read, and the live panel
# asks several times a second per student: read at most every 30 s.
@st.cache_resource(ttl=30, show_spinner=False)
def _secret_database_url() -> str | None:
    try:
        value = st.secrets.get(DATABASE_URL_SECRET)
    except Exception:  # no secrets file at all: the usual local case
        return None
    return str(value) if value else None


def engine() -> TrainingEngine:
    """The process-wide training engine (created on first use, workers start lazily)."""
    # Imported here: the home page never needs the engine, nor SQLAlchemy behind it.
    from nnlab.engine.factory import get_engine

    return get_engine(database_url())


def class_store() -> ClassStore:
    """The process-wide class store (nnlab.classroom.service) on the engine's run store."""
    from nnlab.classroom.service import class_store as store_of

    return store_of(engine().store)


def _cookie_lab() -> str | None:
    try:
        value = st.context.cookies.get(LAB_COOKIE)
    except Exception:  # AppTest and bare mode have no browser cookies
        return None
    return value if value and valid_lab_id(value) else None


def cookie_script(lab: str) -> str:
    """The script that keeps `lab` in the browser's cookie: COOKIE_DAYS, this site only, Lax."""
    # json.dumps quotes the id; valid_lab_id already limits it to URL-safe characters. Secure on
    # https (Cloud), so the id is never sent over plain http from there; locally it is http.
    return (
        f"<script>document.cookie = {json.dumps(LAB_COOKIE)} + '=' + {json.dumps(lab)} + "
        f"'; path=/; max-age={COOKIE_DAYS * 86400}; SameSite=Lax' + "
        "(location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def _remember_in_browser(lab: str) -> None:
    # A cookie outlives the URL: a share link opened in the same tab still finds this lab.
    st.sidebar.html(cookie_script(lab), unsafe_allow_javascript=True)


def lab_id() -> str:
    """This session's lab: from the URL, the session, the browser's cookie, or a new one."""
    current = state.LAB_ID.peek()
    from_url = st.query_params.get(LAB_PARAM)
    if from_url and from_url != current:
        if valid_lab_id(from_url):
            current = from_url
        else:
            state.LAB_NOTICE.set(t("lab.bad_link"))
    if current is None:
        current = _cookie_lab() or new_lab_id()
    state.LAB_ID.set(current)
    return current


def keep_lab() -> str:
    """Put the lab back into the URL and the cookie (call on every run of app.py)."""
    lab = lab_id()
    if st.query_params.get(LAB_PARAM) != lab:
        st.query_params[LAB_PARAM] = lab
    if state.COOKIE_LAB.peek() != lab and _cookie_lab() != lab:
        _remember_in_browser(lab)
        state.COOKIE_LAB.set(lab)
    notice = state.LAB_NOTICE.pop()
    if notice:
        st.toast(notice, icon=":material/warning:", duration="long")
    return lab


def start_new_lab() -> None:
    """Leave the current lab (its runs stay stored) and open an empty one."""
    lab = new_lab_id()
    state.LAB_ID.set(lab)
    state.ACTIVE_RUN_ID.set(None)
    st.query_params[LAB_PARAM] = lab


def lab_sidebar() -> None:
    """The lab's short name and a button for a fresh lab, at the bottom of the sidebar."""
    with st.sidebar:
        st.caption(t("lab.caption", short=lab_id()[:6]), help=t("lab.help"))
        st.button(
            t("lab.new"),
            icon=":material/restart_alt:",
            on_click=start_new_lab,
            key="lab_new",
            type="tertiary",
        )


def store_notices() -> None:
    """Say what is not as configured: settings not used, a fallback store, a failed write.

    Always one container, empty or not (see `notice_slot`)."""
    with notice_slot():
        problems = config.current().problems
        if problems:
            st.warning(
                t("config.problems", problems=" ".join(problems)), icon=":material/settings:"
            )
        current = engine()
        warning = current.store_warning
        if warning:
            st.warning(t("store.fallback", warning=warning), icon=":material/database:")
        error = current.store_error
        if error:
            st.warning(t("store.write_failed", error=error), icon=":material/database:")
