"""The supervisor (`pmo-tutor run`, bot/stack.py) keeps the stack serving: real processes, no
mocks. One stack on its own free ports and var directory for the module (never the default 5005,
5055, 8000): a child killed with SIGKILL is restarted while the others keep answering; a hung
(SIGSTOPped) child is killed and restarted; a supervisor killed with SIGKILL takes its children
with it, and the next one on the same ports stops what its var/run/stack.json says is left."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from local import answers, free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "pmo-tutor.tar.gz"


def dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(check, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    return check()


class Supervisor:
    """`pmo-tutor run` (what `make run` runs) on given ports; each start writes its own output file."""

    def __init__(self, tmp: Path, ports: dict | None = None):
        self.tmp = tmp
        self.ports = ports or {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
        self.rasa = f"http://127.0.0.1:{self.ports['RASA_PORT']}"
        self.actions = f"http://127.0.0.1:{self.ports['ACTION_PORT']}"
        self.web = f"http://127.0.0.1:{self.ports['WEB_PORT']}"
        self.runfile = tmp / "var" / "run" / "stack.json"
        self.proc = None
        self.output = None
        self.starts = 0

    def launch(self) -> subprocess.Popen:
        self.starts += 1
        self.output = self.tmp / f"supervisor-{self.starts}.out"
        env = dict(os.environ)
        env.update({k: str(v) for k, v in self.ports.items()})
        env.update(
            PMO_TUTOR_VAR=str(self.tmp / "var"),
            DATABASE_URL=f"sqlite:///{self.tmp}/progress.db",
            TRACKER_STORE_URL=f"sqlite:///{self.tmp}/tracker.db",
            PMO_TUTOR_TRAINER_TOKEN="sup-test-token",
        )
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "pmo-tutor"), "run", "--model", str(MODEL)],
            cwd=ROOT, env=env, stdout=open(self.output, "wb"), stderr=subprocess.STDOUT,
        )
        return self.proc

    def start(self) -> float:
        """Launch and wait for "is running"; the seconds it took."""
        began = time.monotonic()
        self.launch()
        deadline = began + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"supervisor exited during start-up:\n{self.out()}")
            if "is running" in self.out():
                return time.monotonic() - began
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"stack not ready in time:\n{self.out()}")

    def out(self) -> str:
        return self.output.read_text(errors="replace") if self.output else ""

    def children(self) -> dict[str, int]:
        """Child name -> process group (= the child's pid), as the supervisor records them."""
        data = json.loads(self.runfile.read_text())
        return {name: c["pgid"] for name, c in data["children"].items()}

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.returncode if self.proc else None

    def say(self, message: str) -> list[dict]:
        r = requests.post(f"{self.rasa}/webhooks/rest/webhook", json={"sender": "sup-test", "message": message},
                          timeout=60)
        r.raise_for_status()
        return r.json()


@pytest.fixture(scope="module")
def sup(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    s = Supervisor(tmp_path_factory.mktemp("supervisor"))
    took = s.start()
    print(f"stack up in {took:.1f}s")
    yield s
    try:
        pgids = list(s.children().values())
    except (OSError, ValueError):
        pgids = []
    code = s.stop()
    # Whatever the tests did, nothing of this stack outlives the module.
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert code == 0, f"supervisor exit {code}:\n{s.out()[-3000:]}"


def test_a_child_failing_during_start_up_stops_the_stack(tmp_path):
    """Start-up failure is still fatal: the action server cannot bind its port -> exit 1, with the
    child's name and log, and nothing left running."""
    s = Supervisor(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", s.ports["ACTION_PORT"]))  # bound, not listening: bind fails, no answer
        s.launch()
        try:
            code = s.proc.wait(timeout=120)
        finally:
            s.stop()
    assert code == 1, s.out()
    assert "actions exited during start-up" in s.out()
    assert not s.runfile.exists()
    assert not answers(f"{s.web}/api/health") and not answers(f"{s.rasa}/")


def test_a_killed_child_is_restarted_while_the_others_keep_serving(sup):
    old = sup.children()["actions"]
    assert psutil.Process(old).ppid() == sup.proc.pid
    rasa_before = sup.children()["rasa"]
    seen = len(sup.out())
    web_down = []
    os.killpg(old, signal.SIGKILL)
    began = time.monotonic()
    while time.monotonic() - began < 25:
        if not answers(f"{sup.web}/api/health"):
            web_down.append(round(time.monotonic() - began, 1))
        log = sup.out()[seen:]
        if "actions ready again" in log and answers(f"{sup.actions}/health"):
            break
        time.sleep(0.2)
    took = time.monotonic() - began
    log = sup.out()[seen:]
    print(f"actions back after {took:.1f}s")
    assert "actions exited (signal 9); restarting in 1s (restart 1)" in log, log
    assert answers(f"{sup.actions}/health"), log
    assert took < 20, log
    assert not web_down, f"web app stopped answering at {web_down}s"
    assert dead(old)
    assert sup.children()["actions"] != old
    assert sup.children()["rasa"] == rasa_before and sup.proc.poll() is None
    # Rasa reaches the new action server: the greeting and menu come from custom actions.
    reply = sup.say("hello")
    assert any(m.get("text") for m in reply), reply


def test_a_hung_child_is_killed_and_restarted(sup):
    old = sup.children()["web"]
    others = {k: v for k, v in sup.children().items() if k != "web"}
    seen = len(sup.out())
    os.killpg(old, signal.SIGSTOP)  # alive, port open, never answers
    began = time.monotonic()
    try:
        back = wait_until(
            lambda: "web ready again" in sup.out()[seen:] and answers(f"{sup.web}/api/health"), timeout=40
        )
    finally:
        if not dead(old):
            os.killpg(old, signal.SIGCONT)
    took = time.monotonic() - began
    log = sup.out()[seen:]
    print(f"hung web app replaced after {took:.1f}s")
    assert back, log
    assert "web hung" in log and "SIGKILL" in log and "restarting in 1s" in log, log
    assert took < 30, log
    assert dead(old), "the hung web app was not killed"
    assert sup.children()["web"] != old
    assert {k: v for k, v in sup.children().items() if k != "web"} == others


def test_while_no_action_server_answers_the_learner_is_told_and_the_resend_counts_once(sup):
    """kill -9 of the action server while the supervisor is paused (so it stays down): Rasa
    answers 503 with the reason instead of an empty reply, the web chat says the tutor is not
    answering (the page keeps the text), nothing is in the transcript; once the action server is
    back the same message (same id) is answered and recorded once."""
    chat = requests.Session()
    chat.headers.update({"Cookie": "pmo_learner=web-" + "d" * 24, "Content-Type": "application/json"})
    start = '/start_scenario{"scenario": "riverside-wms", "seed": 1}'
    assert chat.post(f"{sup.web}/chat/message", json={"message": start, "message_id": "t-start"}, timeout=60).ok
    challenge = "R2 is marked closed but the vendor has not delivered the scanners yet"
    actions = sup.children()["actions"]
    os.kill(sup.proc.pid, signal.SIGSTOP)  # nothing restarts the action server meanwhile
    try:
        os.killpg(actions, signal.SIGKILL)
        assert wait_until(lambda: dead(actions), timeout=10)
        r = requests.post(f"{sup.rasa}/webhooks/rest/webhook", json={"sender": "sup-test-down", "message": challenge},
                          timeout=60)
        assert r.status_code == 503 and r.headers.get("Retry-After") == "5", (r.status_code, r.text)
        assert "send it again" in r.json()["error"]
        hello = requests.post(f"{sup.rasa}/webhooks/rest/webhook", json={"sender": "sup-test-down", "message": "hello"},
                              timeout=60)
        assert hello.status_code == 503, hello.text  # the greeting without the menu action is not an answer
        w = chat.post(f"{sup.web}/chat/message", json={"message": challenge, "message_id": "t-1"}, timeout=60)
        assert w.status_code == 503 and "restarting" in w.json()["error"], w.text
        seen = len(sup.out())
    finally:
        os.kill(sup.proc.pid, signal.SIGCONT)
    # back, and known to the supervisor to be back (a child still starting is not checked for hangs)
    assert wait_until(lambda: "actions ready again" in sup.out()[seen:] and answers(f"{sup.actions}/health"),
                      timeout=40), sup.out()[-2000:]
    w = chat.post(f"{sup.web}/chat/message", json={"message": challenge, "message_id": "t-1"}, timeout=60)
    assert w.status_code == 200 and w.json()["messages"], w.text
    again = chat.post(f"{sup.web}/chat/message", json={"message": challenge, "message_id": "t-1"}, timeout=60)
    assert again.json()["messages"] == w.json()["messages"]  # a resend of an answered message: its answer
    said = [m["text"] for m in chat.get(f"{sup.web}/chat/history", timeout=30).json()["messages"]
            if m.get("speaker") == "learner"]
    assert said.count(challenge) == 1, said


def test_a_hung_action_server_costs_the_learner_seconds_and_a_clear_message(sup):
    """The action server stops answering (SIGSTOP) just before a challenge: the supervisor finds it
    hung and replaces it, Rasa's call to it fails, and the learner reads that the tutor is
    restarting within seconds (not a 90 s wait and an empty reply); the resend is answered."""
    chat = requests.Session()
    chat.headers.update({"Cookie": "pmo_learner=web-" + "h" * 24, "Content-Type": "application/json"})
    start = '/start_scenario{"scenario": "riverside-wms", "seed": 1}'
    assert chat.post(f"{sup.web}/chat/message", json={"message": start}, timeout=60).ok
    actions = sup.children()["actions"]
    os.killpg(actions, signal.SIGSTOP)
    try:
        began = time.monotonic()
        r = chat.post(f"{sup.web}/chat/message", json={"message": "Who owns R3?", "message_id": "hung-1"}, timeout=95)
        took = time.monotonic() - began
    finally:
        if not dead(actions):
            os.killpg(actions, signal.SIGCONT)
    print(f"answered {r.status_code} after {took:.1f}s")
    assert r.status_code == 503 and "restarting" in r.json()["error"], r.text
    assert took < 30, took
    assert wait_until(lambda: answers(f"{sup.actions}/health"), timeout=40)
    again = chat.post(f"{sup.web}/chat/message", json={"message": "Who owns R3?", "message_id": "hung-1"}, timeout=60)
    assert again.status_code == 200 and again.json()["messages"], again.text


def test_all_children_killed_at_once_come_back_and_the_session_goes_on(sup):
    """kill -9 of the action server, Rasa and the web app together: the supervisor restarts all
    three; the learner's transcript and verdicts are as they were and the role-play continues."""
    chat = requests.Session()
    chat.headers.update({"Cookie": "pmo_learner=web-" + "e" * 24, "Content-Type": "application/json"})
    start = '/start_scenario{"scenario": "riverside-wms", "seed": 1}'
    assert chat.post(f"{sup.web}/chat/message", json={"message": start}, timeout=60).ok
    first = chat.post(f"{sup.web}/chat/message", json={"message": "How many flaws have I found so far?"}, timeout=60)
    assert first.ok and "Progress on" in str(first.json()), first.text
    before = chat.get(f"{sup.web}/chat/history", timeout=30).json()["messages"]
    children = sup.children()
    seen = len(sup.out())
    for pgid in children.values():
        os.killpg(pgid, signal.SIGKILL)
    back = wait_until(lambda: all(f"{name} ready again" in sup.out()[seen:] for name in children)
                      and answers(f"{sup.web}/api/health") and answers(f"{sup.actions}/health"), timeout=120, step=0.5)
    assert back, sup.out()[seen:]
    assert set(sup.children()) == set(children) and not set(sup.children().values()) & set(children.values())
    assert chat.get(f"{sup.web}/chat/history", timeout=30).json()["messages"] == before
    after = chat.post(f"{sup.web}/chat/message", json={"message": "How many flaws have I found so far?"}, timeout=120)
    assert after.ok and "Progress on" in str(after.json()), after.text  # the same session, not a new start


def test_a_killed_supervisor_leaves_nothing_that_blocks_the_next(sup):
    children = sup.children()
    assert len(children) == 3
    sup.proc.kill()
    sup.proc.wait(timeout=10)
    began = time.monotonic()
    gone = wait_until(lambda: all(dead(pid) for pid in children.values()), timeout=5, step=0.1)
    print(f"children gone {time.monotonic() - began:.1f}s after the supervisor")
    assert gone, {name: pid for name, pid in children.items() if not dead(pid)}
    # Something of this checkout the stack file names, that did not die with the supervisor.
    straggler = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], cwd=ROOT, start_new_session=True
    )
    try:
        data = json.loads(sup.runfile.read_text())
        data["children"]["straggler"] = {"pgid": straggler.pid}
        sup.runfile.write_text(json.dumps(data))
        took = sup.start()  # same ports, same var directory
        print(f"fresh stack up in {took:.1f}s")
        assert f"straggler (pid {straggler.pid})" in sup.out() and "left processes running" in sup.out(), sup.out()
        assert straggler.wait(timeout=10) == -signal.SIGTERM
    finally:
        if straggler.poll() is None:
            straggler.kill()
    assert answers(f"{sup.web}/api/health") and answers(f"{sup.actions}/health")
    assert any(m.get("text") for m in sup.say("hello"))
    assert set(sup.children()) == {"actions", "rasa", "web"}
    assert all(psutil.Process(pid).ppid() == sup.proc.pid for pid in sup.children().values())
