"""Home page: opens without TensorFlow, says where the data comes from, links every page."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO_ROOT, app_test, page_files

# Runs in a fresh interpreter, so imports made by other tests cannot hide one made by the home page.
HOME_IN_SUBPROCESS = """
import json, sys, time
sys.path.insert(0, "tests")
from helpers import app_test
started = time.perf_counter()
app = app_test(language="en")
app.run()
print(json.dumps({
    "exception": [str(e.value) for e in app.exception],
    "tensorflow": "tensorflow" in sys.modules,
    "keras": "keras" in sys.modules,
    "seconds": time.perf_counter() - started,
    "markdown": [m.value for m in app.markdown],
}))
"""


def test_home_renders_without_importing_tensorflow() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HOME_IN_SUBPROCESS],
        cwd=REPO_ROOT,
        env={**os.environ, "NNLAB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["exception"] == []
    assert not report["tensorflow"] and not report["keras"]
    # How fast it opens is measured by benchmarks/bench_cold_start.py, not asserted here: this
    # machine is shared, and a timed assertion fails on load rather than on a regression.
    data_lines = [line for line in report["markdown"] if line.startswith("**MNIST")]
    assert data_lines and "images" in data_lines[0]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_home_names_the_data_sources_and_every_page(language: str) -> None:
    from nnlab.data.datasets import load_dataset, probe_source

    app = app_test(language=language)
    app.run()
    assert not app.exception
    markdown = " ".join(element.value for element in app.markdown)
    if probe_source("mnist") == "bundled_sample":
        sample = load_dataset("mnist")
        assert f"{sample.num_train + sample.num_test:,}" in markdown
    for number in ("000", "001", "002", "003", "004"):
        assert number in markdown
    links = [element for element in app.main if element.type == "page_link"]
    # every page of the menu; the class board is reached by the teacher's link only
    assert len(links) == len(page_files()) - 1 == 5
