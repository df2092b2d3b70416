"""Shared fixtures for the core's unit tests: plain Python, no Rasa, no network."""
from __future__ import annotations

import pytest

from bot.progress.store import ProgressStore
from bot.scenarios.loader import DEFAULT_DIR, get_scenario
from bot.tutor import Tutor

SCENARIO_IDS = ("riverside-wms", "northgate-epr")
# Seed 0 is the register as written; 7 is a shuffled, renumbered variant.
SEEDS = (0, 7)


@pytest.fixture(autouse=True)
def shipped_scenarios(monkeypatch):
    """Every unit test reads the scenarios shipped in data/scenarios, whatever the shell says."""
    monkeypatch.setenv("PMO_TUTOR_SCENARIOS", str(DEFAULT_DIR))


@pytest.fixture
def store(tmp_path) -> ProgressStore:
    return ProgressStore(f"sqlite:///{tmp_path}/p.db")


@pytest.fixture
def tutor(store) -> Tutor:
    return Tutor(store)


@pytest.fixture(params=SCENARIO_IDS)
def scenario(request):
    return get_scenario(request.param)
