"""Small helpers shared by tests that run real servers on 127.0.0.1 (imported as `local`: the
tests folder is on sys.path through its conftest.py)."""
import socket

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float = 2) -> bool:
    """Does `url` answer 200 within `timeout` seconds?"""
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False
