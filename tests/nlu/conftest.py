"""The held-out understanding checks: the scoring helpers live in evaluate_heldout.py beside this file."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config):
    config.addinivalue_line("markers", "nlu: needs the trained model models/pmo-tutor.tar.gz")
