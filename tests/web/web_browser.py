"""Debian's chromium under Playwright, as every browser test starts it (Playwright cannot
download its own browser here), and where the tests' screenshots go."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
# `make screenshots` refreshes the README's images in docs/; a test run only writes under results/
# so that running the tests leaves the working tree as it was.
SHOTS = ROOT / ("docs" if os.environ.get("PMO_TUTOR_UPDATE_SCREENSHOTS") else "results/screenshots")


@contextlib.contextmanager
def open_browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `make test` installs chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def screenshot(page, name: str, **kwargs) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), **kwargs)
