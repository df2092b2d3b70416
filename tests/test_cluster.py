"""`make run-cluster` (bot/cluster.py) and the supervision it shares with `make run` (bot/stack.py):
the generated configuration, holding a child stopped, telling a busy child from a hung one.
The whole cluster under load, with a replica killed, is `make test-scale` (scripts/test_scale.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from bot import cluster, stack
from bot.stack import Child, Supervisor
from local import free_port


def test_redis_url_becomes_the_lock_store_section():
    assert cluster.lock_store_endpoint("redis://127.0.0.1:6379/1") == {
        "type": "rasa_server.lock_store.QuickRedisLockStore", "url": "127.0.0.1", "port": 6379, "db": 1,
        "key_prefix": "pmotutor"}
    ep = cluster.redis_endpoint("rediss://:s%40cret@redis.internal:6380")
    assert ep == {"url": "redis.internal", "port": 6380, "db": 1, "password": "s@cret", "use_ssl": True}
    with pytest.raises(cluster.ClusterError):
        cluster.redis_endpoint("http://redis.internal")


def test_the_replicas_endpoints_point_at_nginx_postgres_and_redis(tmp_path):
    ports = cluster.Ports()
    path = cluster.write_endpoints(tmp_path, ports, "postgresql+psycopg2://pmo_tutor:pw@127.0.0.1:5432/pmo_tracker",
                                   "redis://127.0.0.1:6379/1")
    ep = yaml.safe_load(path.read_text())
    assert ep["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"  # nginx, not one action server
    assert ep["tracker_store"] == {"type": "rasa_server.tracker_store.RecentEventsSQLTrackerStore",
                                   "dialect": "postgresql+psycopg2", "db": "pmo_tracker", "url": "127.0.0.1",
                                   "port": 5432, "username": "pmo_tutor", "password": "pw"}
    assert ep["lock_store"]["type"] == "rasa_server.lock_store.QuickRedisLockStore"
    assert path.stat().st_mode & 0o077 == 0  # it holds a password


def test_ports_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RASA_REPLICA_PORTS", "6011,6012,6013")
    monkeypatch.setenv("RASA_PORT", "6005")
    ports = cluster.Ports.from_env()
    assert ports.replicas == (6011, 6012, 6013) and ports.rest == 6005 and ports.web == 8000


def test_nginx_balances_the_replicas_and_never_logs_a_query_string(tmp_path):
    conf = cluster.nginx_conf(tmp_path, tmp_path, cluster.Ports(), None)
    assert "server 127.0.0.1:5011" in conf and "server 127.0.0.1:5012" in conf
    assert "server 127.0.0.1:5056" in conf and "server 127.0.0.1:5057" in conf
    assert "listen 127.0.0.1:5005;" in conf and "listen 127.0.0.1:5055;" in conf
    assert "non_idempotent" not in conf  # a message that reached a replica is never sent to a second one
    assert "server 127.0.0.1:5011 max_fails=0;" in conf  # never "no live upstreams" in a rolling restart
    assert "$request_uri" not in conf and '"$request_method $uri"' in conf  # ?token= stays out of the log
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx not installed (make run-cluster installs it)")
    (tmp_path / "conf").write_text(conf)
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / d).mkdir(parents=True, exist_ok=True)
    check = subprocess.run([nginx, "-t", "-c", str(tmp_path / "conf"), "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


_BACKEND = """
import asyncio, sys
from sanic import Sanic, response
app = Sanic("replica_" + sys.argv[2].replace("-", "_"))
@app.route("/", methods=["GET", "POST"])
@app.route("/webhooks/rest/webhook", methods=["POST"])
async def answer(request):
    await asyncio.sleep(0.05)  # a message takes a while, as in Rasa
    return response.text(sys.argv[2])
# Sanic, as Rasa runs it: on SIGTERM it stops listening, closes idle keep-alive connections and
# finishes the requests in flight
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False)
"""


def test_a_held_replica_leaves_nginx_rotation_before_it_stops_so_no_message_fails(tmp_path):
    """A rolling restart through the real nginx: while messages flow, rasa-1 is held (taken out
    of rotation, then stopped) and released; every message is answered, none by a held replica."""
    if not Path(shutil.which("nginx") or "/usr/sbin/nginx").exists():
        pytest.skip("nginx not installed (make run-cluster installs it)")
    ports = cluster.Ports(rest=free_port(), actions=free_port(), replicas=(free_port(), free_port()),
                          action_servers=(free_port(), free_port()))
    (tmp_path / "log").mkdir()
    hold = tmp_path / "hold"
    hold.mkdir()
    rotation = cluster.Rotation(tmp_path, tmp_path / "log", ports)
    sup = Supervisor({}, tmp_path / "log", tmp_path / "run.json", hold_dir=hold, on_hold=rotation)
    replicas = [Child(f"rasa-{n}", _python(_BACKEND) + [str(port), f"rasa-{n}"], f"http://127.0.0.1:{port}/")
                for n, port in enumerate(ports.replicas, start=1)]
    assert sup.launch([*replicas, rotation.nginx()])
    thread = _run(sup)
    answers: list[tuple[float, int, str]] = []
    sending = threading.Event()
    sending.set()

    def send() -> None:
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", ports.rest, timeout=10)
        while sending.is_set():
            try:
                conn.request("POST", "/webhooks/rest/webhook", body=b'{"message": "R3 has no owner"}')
                r = conn.getresponse()
                answers.append((time.monotonic(), r.status, r.read().decode()))
            except OSError as e:
                answers.append((time.monotonic(), 0, type(e).__name__))
                conn.close()
            time.sleep(0.01)

    senders = [threading.Thread(target=send, daemon=True) for _ in range(6)]
    held: list[tuple[str, float, float]] = []  # (name, stopped at, released at)
    try:
        for t in senders:
            t.start()
        time.sleep(1)
        for c in [*replicas, *replicas]:  # a rolling restart, twice over
            (hold / c.name).touch()
            assert _until(lambda: c.proc is None), f"{c.name} was not stopped"
            stopped = time.monotonic()
            time.sleep(1)
            (hold / c.name).unlink()
            held.append((c.name, stopped, time.monotonic()))
            assert _until(lambda: c.proc is not None and c.healthy())
            time.sleep(1)
        back = time.monotonic()
        time.sleep(1)
    finally:
        sending.clear()
        for t in senders:
            t.join(timeout=15)
        sup.stopping = True
        thread.join(timeout=60)
    failed = [a for a in answers if a[1] != 200]
    assert not failed, f"{len(failed)} of {len(answers)} messages failed: {failed[:5]}"
    for name, stopped, released in held:
        assert {who for at, _, who in answers if stopped + 0.1 < at < released} == {"rasa-1", "rasa-2"} - {name}
    assert {"rasa-1", "rasa-2"} <= {who for at, _, who in answers if at > back}  # both back in rotation
    assert "down;" not in (tmp_path / "nginx" / "nginx.conf").read_text()


# -- the supervisor ------------------------------------------------------------------------------

def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _run(sup: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=sup.supervise, daemon=True)
    thread.start()
    return thread


def _until(check, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_held_child_is_stopped_and_started_again_when_released(tmp_path, capsys):
    hold = tmp_path / "hold"
    hold.mkdir()
    sup = Supervisor({}, tmp_path, tmp_path / "run.json", hold_dir=hold)
    assert sup.launch([Child("sleeper", _python("import time; time.sleep(600)"), None)])
    first = sup.children[0].proc
    thread = _run(sup)
    try:
        (hold / "sleeper").touch()
        assert _until(lambda: first.poll() is not None), "the held child was not stopped"
        time.sleep(1.5)
        assert sup.children[0].proc is None  # and not restarted while held
        (hold / "sleeper").unlink()
        assert _until(lambda: sup.children[0].proc is not None and sup.children[0].proc.poll() is None)
        assert sup.children[0].restarts == 0  # a release is not a crash
    finally:
        sup.stopping = True
        thread.join(timeout=30)
    out = capsys.readouterr().out
    assert "sleeper held" in out and "sleeper released" in out


def _failing_child(code: str) -> Child:
    """A child whose health URL never answers (nothing listens on the port)."""
    return Child("worker", _python(code), "http://127.0.0.1:9/")


def test_a_child_that_does_not_answer_while_idle_is_hung_and_restarted(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(stack, "HEALTH_INTERVAL", 0.2)
    sup = Supervisor({}, tmp_path, tmp_path / "run.json")
    c = _failing_child("import time; time.sleep(600)")
    c.start({}, tmp_path)
    c.ready = True
    sup.children.append(c)
    first = c.proc
    thread = _run(sup)
    try:
        assert _until(lambda: first.poll() is not None, timeout=30), "an idle child that never answers was not killed"
    finally:
        sup.stopping = True
        thread.join(timeout=30)
    assert "worker hung" in capsys.readouterr().out


def test_a_busy_child_that_answers_late_is_not_killed_before_the_busy_limit(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(stack, "HEALTH_INTERVAL", 0.2)
    monkeypatch.setattr(stack, "BUSY_LIMIT", 4.0)
    sup = Supervisor({}, tmp_path, tmp_path / "run.json")
    c = _failing_child("while True: pass")  # all CPU, no answers: a replica under a class's load
    c.start({}, tmp_path)
    c.ready = True
    sup.children.append(c)
    first = c.proc
    thread = _run(sup)
    try:
        time.sleep(2.5)
        assert first.poll() is None, "a busy child was taken for hung"
        assert _until(lambda: first.poll() is not None, timeout=30), "busy past the limit and still not restarted"
    finally:
        sup.stopping = True
        thread.join(timeout=30)
    out = capsys.readouterr().out
    assert "busy" in out and "not restarting it" in out and "did not answer for" in out


def test_shutdown_stops_the_front_tiers_first(tmp_path):
    order = []
    sup = Supervisor({}, tmp_path, tmp_path / "run.json")
    for name, tier in (("database", 0), ("replica", 2), ("proxy", 3)):
        c = Child(name, _python("import time; time.sleep(600)"), None, tier=tier)
        c.start({}, tmp_path)
        sup.children.append(c)
    real = Supervisor._drain

    def drain(group):
        order.append([c.name for c in group])
        real(group)

    sup._drain = drain
    assert sup.shutdown(0) == 0
    assert order == [["proxy"], ["replica"], ["database"]]
    assert all(c.proc.poll() is not None for c in sup.children)
