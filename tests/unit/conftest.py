"""Shared fixtures for the core's unit tests: plain Python, no Rasa, no network."""
from __future__ import annotations

import pytest

from bot.progress.store import ProgressStore
from bot.scenarios.loader import DEFAULT_DIR
from bot.tutor import Tutor


@pytest.fixture(autouse=True)
def shipped_scenarios(monkeypatch):
    """Every unit test reads the scenarios shipped in data/scenarios, whatever the shell says."""
    monkeypatch.setenv("PMO_TUTOR_SCENARIOS", str(DEFAULT_DIR))


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    """A progress database in a real SQLite file of the test's own."""
    return ProgressStore(f"sqlite:///{tmp_path}/p.db")


@pytest.fixture
def tutor(store) -> Tutor:
    """The tutor service on that database."""
    return Tutor(store)
