"""Shared fixtures for the core's unit tests: plain Python, no Rasa, no network."""
from __future__ import annotations

import pytest

from bot.tutor import Tutor


@pytest.fixture
def tutor(store) -> Tutor:
    """The tutor service on that database."""
    return Tutor(store)
