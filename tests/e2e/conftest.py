"""The `stack` fixture (the real stack on its own ports) lives in tests/conftest.py, shared with
tests/telegram."""
