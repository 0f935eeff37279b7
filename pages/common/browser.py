"""Small pieces of behaviour that only the browser can do, as Streamlit components (v2, inline).

- `canvas_clear_button`: a Clear button that empties the drawing canvas in the browser, through
  the canvas's own reset (its toolbar's bin). Clearing from Python would rerun the page and swap
  in a new canvas, and strokes drawn in the second or two before it arrived were lost.
- It also spaces the canvas's toolbar buttons to WCAG 2.2's least target size (24 px between
  centres), and fits the canvas to its column: a canvas wider than its column is zoomed down
  (CSS zoom; the canvas maps the pointer through its on-screen size, so drawing stays exact), so
  its right part can always be drawn on, on a tablet or a phone.
- `collapse_sidebar_on_touch_tablets`: Streamlit's "auto" sidebar collapses only at 768 px and
  below; an 820 px touch tablet would keep it open over half the page. Closed once per tab.
"""

from __future__ import annotations

import streamlit as st

TABLET_MAX_WIDTH = 1100  # touch screens up to this wide (CSS px) start with the sidebar closed

_CLEAR_HTML = '<button type="button" class="nnlab-clear" data-testid="nnlabCanvasClear"></button>'
_CLEAR_CSS = """
.nnlab-clear {
  display: inline-flex; align-items: center; gap: 0.4rem;
  padding: 0.25rem 0.75rem; min-height: 2.5rem; border-radius: 0.5rem; cursor: pointer;
  font: inherit; color: var(--st-text-color, #31333f);
  background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
}
.nnlab-clear:hover { border-color: var(--st-primary-color, #ff4b4b);
  color: var(--st-primary-color, #ff4b4b); }
.nnlab-clear svg { width: 1.1rem; height: 1.1rem; }
"""
_CLEAR_JS = """
const BIN = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ' +
  'stroke-linecap="round" stroke-linejoin="round"><path d="M4 7h16"/><path d="M9 7V4h6v3"/>' +
  '<path d="M6 7l1 13h10l1-13"/></svg>';

// WCAG 2.2 target size: the canvas's toolbar buttons are 22.4 px, so their centres must be 24 px
// apart at least. A little margin beside each does it; a taller toolbar would cover the
// canvas's top, where strokes start. Its styles live in its shadow root, so the rule goes there.
const TOOLBAR_CSS = ".dc-icon-button { margin: 0 1.5px; }";

function sizeToolbar(host) {
  if (host.shadowRoot.querySelector("style[data-nnlab-toolbar]")) return;
  const style = document.createElement("style");
  style.dataset.nnlabToolbar = "1";
  style.textContent = TOOLBAR_CSS;
  host.shadowRoot.appendChild(style);
}

function canvasHost(box) {
  // The canvas lives in a shadow root (its styles are isolated): find the element holding it.
  for (const element of box.querySelectorAll("*")) {
    if (element.shadowRoot && element.shadowRoot.querySelector(".dc-root")) return element;
  }
  return null;
}

export default function ({ parentElement, data }) {
  const button = parentElement.querySelector("button.nnlab-clear");
  button.innerHTML = BIN + "<span></span>";
  button.querySelector("span").textContent = data.label;
  const box = () => document.querySelector(".st-key-" + data.box);
  button.onclick = () => {
    const host = box() && canvasHost(box());
    const bin = host && host.shadowRoot.querySelector(".dc-toolbar button[aria-label^='Reset']");
    if (bin) bin.click();  // cleared in the browser at once; the app hears of it as a new drawing
  };
  const fit = () => {
    const element = box();
    const host = element && canvasHost(element);
    if (!host) return;
    sizeToolbar(host);
    const zoom = Math.min(1, element.clientWidth / data.width);
    host.style.zoom = zoom < 0.999 ? String(zoom) : "";
  };
  const resize = new ResizeObserver(fit);
  const mutations = new MutationObserver(fit);  // a new canvas (another colour scheme) mounts
  const element = box();
  if (element) {
    resize.observe(element);
    mutations.observe(element, { childList: true, subtree: true });
  }
  // The canvas fills its shadow root after it mounts, which no observer out here sees: look
  // again a few times a second for the first seconds.
  const started = Date.now();
  const poll = setInterval(() => {
    fit();
    if (Date.now() - started > 10000) clearInterval(poll);
  }, 200);
  fit();
  return () => { clearInterval(poll); resize.disconnect(); mutations.disconnect(); };
}
"""

_SIDEBAR_JS = """
export default function ({ data }) {
  if (sessionStorage.getItem("nnlab-sidebar-checked")) return;
  sessionStorage.setItem("nnlab-sidebar-checked", "1");  // once per tab: the user decides after
  const touch = window.matchMedia("(pointer: coarse)").matches;
  if (!touch || window.innerWidth > data.max_width) return;
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (!sidebar || sidebar.getAttribute("data-collapsed") !== "false") return;
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (close) close.click();
}
"""


@st.cache_resource
def _components() -> tuple:
    # Registered once per process (a component is declared, then called on every run).
    clear = st.components.v2.component(
        "nnlab_canvas_clear", html=_CLEAR_HTML, css=_CLEAR_CSS, js=_CLEAR_JS, isolate_styles=False
    )
    sidebar = st.components.v2.component("nnlab_tablet_sidebar", js=_SIDEBAR_JS)
    return clear, sidebar


def canvas_clear_button(label: str, box_key: str, canvas_width: int) -> None:
    """A Clear button for the canvas inside `st.container(key=box_key)`; also fits that canvas
    (`canvas_width` px wide) to its column."""
    clear, _ = _components()
    clear(data={"label": label, "box": box_key, "width": canvas_width}, key=f"{box_key}_clear")


def collapse_sidebar_on_touch_tablets() -> None:
    """Close the sidebar once per tab on touch screens up to TABLET_MAX_WIDTH px wide."""
    _, sidebar = _components()
    sidebar(data={"max_width": TABLET_MAX_WIDTH}, key="nnlab_tablet_sidebar")
