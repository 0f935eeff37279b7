"""Share links and the Classroom page in a real browser, in Korean and English; screenshots kept."""

from __future__ import annotations

import re

import pytest
from helpers import screenshot, wait_for_idle

from nnlab.i18n import translate

pytestmark = pytest.mark.browser

EXERCISE = "/build_and_train?preset=t000_sigmoid_mse&lock=dataset,loss,optimizer&lang=ko"


_FINITE_ANIMATIONS_DONE = """() => document.getAnimations().every(
    (animation) => animation.playState !== "running"
        || animation.effect?.getComputedTiming().iterations === Infinity
)"""


def _settle(page) -> None:
    """Wait until no one-off animation runs (an expander opening, a tab sliding): screenshots
    then show the finished layout. Endless ones (spinners) do not count."""
    page.wait_for_function(_FINITE_ANIMATIONS_DONE, timeout=10_000)


def _select_input(main, label: str):
    """The text input inside the select box labelled `label`."""
    return main.get_by_test_id("stSelectbox").filter(has_text=label).locator("input")


def test_exercise_link_restores_settings_and_shows_locks(page) -> None:
    from playwright.sync_api import expect

    page.goto(page.base_url + EXERCISE)
    wait_for_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=translate("build.title", "ko"))).to_be_visible()

    # The preset's settings are in the widgets: learning rate 0.2, 10 epochs, batch 100.
    learning_rate = main.get_by_label(translate("build.learning_rate", "ko"), exact=True)
    expect(learning_rate).to_have_value(re.compile(r"^0\.20*$"))
    expect(main.get_by_label(translate("build.epochs", "ko"), exact=True)).to_have_value("10")
    expect(main.get_by_label(translate("build.batch_size", "ko"), exact=True)).to_have_value("100")

    # Locked: data set, loss and optimizer are shown but disabled; the rest stays free.
    expect(_select_input(main, translate("build.loss", "ko"))).to_be_disabled()
    expect(_select_input(main, translate("build.optimizer", "ko"))).to_be_disabled()
    # A segmented control's options are radio buttons.
    for name in ("MNIST", "Fashion-MNIST"):
        expect(main.get_by_role("radio", name=name, exact=True)).to_be_disabled()
    expect(learning_rate).to_be_enabled()
    expect(main.get_by_text(translate("share.locked_note", "ko"))).to_be_visible()

    # The address bar keeps the settings, the locks and the language.
    expect(page).to_have_url(re.compile(r"preset=t000_sigmoid_mse"))
    expect(page).to_have_url(re.compile(r"lock=dataset(,|%2C)loss(,|%2C)optimizer"))
    expect(page).to_have_url(re.compile(r"lang=ko"))
    _settle(page)
    screenshot(page, "classroom_link_locked_ko")
    # The training group: the locked loss and optimizer, the lock note and the share link.
    _select_input(main, translate("build.loss", "ko")).scroll_into_view_if_needed()
    main.get_by_text(translate("share.title", "ko")).click()
    expect(main.get_by_test_id("stCode").first).to_contain_text("lock=dataset,loss,optimizer")
    _settle(page)
    screenshot(page, "classroom_link_locked_training_ko")

    # Switch to English at any moment: the page follows, the locks stay.
    page.get_by_test_id("stSidebar").get_by_role("radio", name="English").click()
    wait_for_idle(page)
    expect(main.get_by_role("heading", name=translate("build.title", "en"))).to_be_visible()
    expect(_select_input(main, translate("build.loss", "en"))).to_be_disabled()
    expect(main.get_by_label(translate("build.epochs", "en"), exact=True)).to_have_value("10")
    expect(page).to_have_url(re.compile(r"lang=en"))
    _select_input(main, translate("build.loss", "en")).scroll_into_view_if_needed()
    _settle(page)
    screenshot(page, "classroom_link_locked_training_en")


def test_garbled_link_names_the_bad_value_and_keeps_the_rest(page) -> None:
    from playwright.sync_api import expect

    page.goto(page.base_url + "/build_and_train?preset=t000_sigmoid_mse&ep=lots&bs=64")
    wait_for_idle(page)
    # One notice, in plain words: the setting's name, not the link's "ep".
    expect(page.get_by_test_id("stToast")).to_have_count(1)
    expect(page.get_by_test_id("stToast")).to_contain_text(translate("build.epochs", "en"))
    main = page.get_by_test_id("stMain")
    expect(main.get_by_label(translate("build.epochs", "en"), exact=True)).to_have_value("10")
    expect(main.get_by_label(translate("build.batch_size", "en"), exact=True)).to_have_value("64")
    _settle(page)
    screenshot(page, "classroom_link_garbled")

    # Show code: the runnable script for these settings, with a download button.
    main.get_by_text(translate("code.show", "en"), exact=True).click()
    script = main.get_by_test_id("stCode").filter(has_text="keras.datasets.mnist.load_data()")
    expect(script).to_contain_text("BATCH_SIZE = 64")
    expect(script).to_contain_text(
        "keras.optimizers.SGD(learning_rate=0.2, momentum=0.0, nesterov=False)"
    )
    expect(main.get_by_test_id("stDownloadButton")).to_contain_text(
        translate("code.download", "en")
    )
    main.get_by_test_id("stDownloadButton").scroll_into_view_if_needed()
    _settle(page)
    screenshot(page, "classroom_code_export")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_classroom_page_challenges_and_exercise_builder(page, language: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{page.base_url}/classroom?lang={language}")
    wait_for_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=translate("classroom.title", language))).to_be_visible()
    title = translate("challenge.t000_fix.title", language)
    expect(main.get_by_role("heading", name=title)).to_be_visible()
    start_buttons = main.get_by_role("button", name=translate("classroom.start", language))
    expect(start_buttons).to_have_count(4)
    expect(start_buttons.last).to_be_visible()
    expect(main.get_by_test_id("stProgress")).to_have_count(4)
    expect(page.get_by_test_id("stSidebar").get_by_role("radio", name="English")).to_be_visible()
    _settle(page)
    screenshot(page, f"classroom_challenges_{language}")

    teacher_tab = translate("classroom.tab.teacher", language)
    main.get_by_role("tab", name=teacher_tab).click()
    # Only the open tab's panel: the class-mode tab has lock and hide choices of its own.
    panel = main.get_by_role("tabpanel", name=teacher_tab)
    code = panel.get_by_test_id("stCode").first
    expect(code).to_contain_text("lock=dataset,loss,optimizer,learning_rate")
    # Hide the seed: the link follows the form.
    hide_group = panel.get_by_test_id("stButtonGroup").nth(1)
    hide_group.get_by_text(translate("field.seed", language), exact=True).click()
    wait_for_idle(page)
    expect(code).to_contain_text("hide=seed")
    expect(code).to_contain_text(f"lang={language}")
    _settle(page)
    screenshot(page, f"classroom_teacher_{language}")

    main.get_by_role("tab", name=translate("classroom.tab.glossary", language)).click()
    main.get_by_text(translate("explain.activation.title", language)).click()
    expect(main.get_by_text("ReLU").first).to_be_visible()
    _settle(page)
    screenshot(page, f"classroom_glossary_{language}")


def test_start_challenge_opens_build_and_train_with_its_settings(page) -> None:
    from playwright.sync_api import expect

    page.goto(f"{page.base_url}/classroom?lang=en")
    wait_for_idle(page)
    # By the widget's key, not position: a rerun still drawing could shift the nth button.
    page.locator(".st-key-start_t000_fix").get_by_role("button").click()
    wait_for_idle(page)
    expect(page).to_have_url(re.compile(r"/build_and_train\?preset=t000_sigmoid_mse"))
    main = page.get_by_test_id("stMain")
    expect(main.get_by_label(translate("build.epochs", "en"), exact=True)).to_have_value("10")
