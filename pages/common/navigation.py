"""The app's page table: every page in navigation order, its script, url path, icon and title.

app.py builds the navigation from it; Home lists its pages; links and tests find pages here. The
library names the url paths it links to as plain strings (nnlab.core.links.link_url's default
page, nnlab.classroom.codes.BOARD_PAGE_PATH); tests/test_pages_render.py checks that each one is
a url_path of this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One page of the app, in navigation order."""

    key: str
    file: str | None  # the page script; None for the home page, which app.py draws itself
    url_path: str
    icon: str
    title_key: str
    in_menu: bool = True  # False: reached by its link only (not in the sidebar or on Home)


PAGES: tuple[Page, ...] = (
    Page("home", None, "home", ":material/neurology:", "nav.home"),
    Page(
        "build",
        "pages/1_build_and_train.py",
        "build_and_train",
        ":material/model_training:",
        "nav.build",
    ),
    Page("evaluate", "pages/2_evaluate.py", "evaluate", ":material/fact_check:", "nav.evaluate"),
    Page("draw", "pages/3_draw.py", "draw", ":material/draw:", "nav.draw"),
    Page("inside", "pages/4_inside.py", "inside", ":material/biotech:", "nav.inside"),
    Page("classroom", "pages/5_classroom.py", "classroom", ":material/school:", "nav.classroom"),
    # Opened by a teacher's link (?class_key=...), which nnlab.classroom.codes.BOARD_PAGE_PATH
    # makes.
    Page(
        "class_board",
        "pages/6_class_board.py",
        "class_board",
        ":material/leaderboard:",
        "nav.class_board",
        in_menu=False,  # a student has nothing to do there; the teacher has the link
    ),
)


def page(key: str) -> Page:
    """The page with this key ("home", "build", "evaluate", "draw", "inside", "classroom")."""
    for entry in PAGES:
        if entry.key == key:
            return entry
    raise ValueError(f"Unknown page {key!r}.")
