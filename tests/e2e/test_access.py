"""Who can reach what, on the real stack (`pmo-tutor run`): the action server, Rasa and the web
app listen on 127.0.0.1 only (not reachable on the machine's other addresses); Rasa's HTTP API is
not enabled (its conversation, model and status routes are not there); the REST channel is."""
from __future__ import annotations

import ipaddress
import socket

import psutil
import pytest
import requests

pytestmark = pytest.mark.e2e


def other_addresses() -> list[str]:
    """The machine's IPv4 and IPv6 addresses other than loopback (link-local ones left out)."""
    out = []
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(a.address.split("%")[0])
            if not ip.is_loopback and not ip.is_link_local:
                out.append(str(ip))
    return out


def listening(port: int) -> set[str]:
    return {c.laddr.ip for c in psutil.net_connections("inet")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port}


@pytest.mark.parametrize("name", ["ACTION_PORT", "RASA_PORT", "WEB_PORT"])
def test_every_service_listens_on_loopback_only(stack, name):
    port = stack.ports[name]
    assert listening(port) == {"127.0.0.1"}, f"{name} {port} listens on {listening(port)}"


@pytest.mark.parametrize("name", ["ACTION_PORT", "RASA_PORT", "WEB_PORT"])
def test_no_service_is_reachable_on_another_address_of_the_machine(stack, name):
    addresses = other_addresses()
    if not addresses:
        pytest.skip("this machine has no address besides loopback")
    port = stack.ports[name]
    socket.create_connection(("127.0.0.1", port), timeout=5).close()  # there, on loopback
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family) as s:
            s.settimeout(3)
            with pytest.raises(OSError):  # refused (nothing listens there), or unreachable
                s.connect((address, port))


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/ana/tracker"), ("POST", "/conversations/ana/messages"),
    ("POST", "/conversations/ana/trigger_intent"), ("POST", "/conversations/ana/execute"),
    ("PUT", "/conversations/ana/tracker/events"), ("GET", "/conversations/ana/story"),
    ("POST", "/model/parse"), ("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train"),
    ("GET", "/status"), ("GET", "/domain"), ("GET", "/version"),
])
def test_rasas_http_api_is_not_enabled(stack, method, path):
    r = requests.request(method, f"{stack.rasa}{path}", json={"text": "hi", "sender": "user", "event": "slot"},
                         timeout=10)
    assert r.status_code in (403, 404, 405), (method, path, r.status_code, r.text[:200])
    assert "sender_id" not in r.text and "latest_message" not in r.text  # no conversation data


def test_the_rest_channel_is_the_way_in(stack):
    r = requests.post(f"{stack.rasa}/webhooks/rest/webhook", json={"sender": "access-check", "message": "hello"},
                      timeout=60)
    assert r.status_code == 200 and isinstance(r.json(), list)
    # the socket.io channel nobody uses is off
    assert requests.get(f"{stack.rasa}/socket.io/?EIO=4&transport=polling", timeout=10).status_code == 404
