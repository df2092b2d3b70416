"""Load test: a class of learners logging in at once, each playing a whole session over REST;
then the progress store is read back to check that nothing was lost, duplicated or credited to
the wrong learner.

    python scripts/load.py --rasa http://127.0.0.1:5005 --database-url postgresql://... --learners 200 --json
    python scripts/load.py --start-stack --learners 200     # a one-machine stack of its own (make bench)

Each learner has its own sender id (`load-<run>-<n>`, unique per run) and plays, one message after
the other: /start_scenario{"scenario": ..., "seed": ...}, a question or two to the PM, model
challenges of five to seven of the register's real flaws (the scenario's answer key, rendered for
the learner's seed by bot.scenarios.variants.variant), the fix for some of the flaws the PM
concedes, a hint, sometimes a progress request, and "I'm done" (12-16 messages). Learners start
at random moments within the first --ramp seconds (a class at 9:00) and send as fast as the
server answers (--think adds a pause between messages).

A message that fails with a connection error or a 5xx is sent again up to --retries times (each
retry counted). A message is an error if it still fails, times out, or is answered with the
action server's apology or with nothing.

The store check (every learner's rows, found by the run's sender prefix):
- each learner has exactly one session, in its own conversation;
- each message the server answered is in that session's transcript exactly once, said by that
  learner (lost: missing; duplicated: there more often than sent);
- each challenge whose reply shows a verdict (the flaw's hit, partial or repeat reply) has
  exactly one Challenge row for that flaw with that text and a challenge verdict; each hint
  answered has one hint row; a finish answered with the debrief left the session finished;
- misattributed: a row of this learner in another session, or a row in this learner's session
  credited to someone else.
Every attempt at a message carries the same message id (metadata.message_id), so a retry of a
message that had been processed before its reply was lost gets that reply and is not recorded
again. Were it recorded twice anyway, the second is counted as `recorded_twice_after_retry` (it
should stay 0), not as a duplicate.

Prints a summary (or JSON with --json); exit status 1 if anything was lost, duplicated or
misattributed, or more than 1% of the messages were errors. Only talks to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.evaluation.claims import without_question  # noqa: E402
from bot.evaluation.state import CHALLENGE_VERDICTS  # noqa: E402
from bot.scenarios.variants import variant  # noqa: E402

SORRY = "Sorry, something went wrong on my side"  # actions/actions.py: an action that failed
QUESTIONS = [
    "What's the budget?",
    "When do we go live?",
    "Who is the sponsor?",
    "Who holds the main supplier contract?",
    "When was the register last reviewed?",
    "What happens if we slip the date?",
]
FINISHES = ["I'm done", "finish", "That's all from me, how did I do?"]
HINT_PREFIXES = ("Hint:", "A stronger hint:", "The answer:")
CHALLENGE_VALUES = {v.value for v in CHALLENGE_VERDICTS}


@dataclass
class Sent:
    kind: str  # start | question | challenge | fix | hint | progress | finish
    text: str
    flaw: str | None = None
    ok: bool = False  # answered (HTTP 200, not the apology, not empty)
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    attempts: int = 0
    verdict: str | None = None  # a challenge's verdict as the PM's reply shows it
    shown: str | None = None  # hint given / debrief given, as the reply shows it
    # the message's id, sent with every attempt (as the web chat and the Telegram bridge do)
    key: str = field(default_factory=lambda: secrets.token_hex(8))


@dataclass
class Learner:
    n: int
    sender: str
    seed: int
    sent: list[Sent] = field(default_factory=list)
    gave_up: bool = False  # the start failed: nothing else was sent


# -- the learners -------------------------------------------------------------------------------

class Client:
    def __init__(self, session: aiohttp.ClientSession, url: str, retries: int):
        self.session, self.url, self.retries = session, url, retries
        self.retried = 0

    async def say(self, sender: str, m: Sent) -> list[dict]:
        start = time.perf_counter()
        replies: list[dict] = []
        while True:
            m.attempts += 1
            try:
                body = {"sender": sender, "message": m.text, "metadata": {"message_id": m.key}}
                async with self.session.post(self.url, json=body) as r:
                    m.status = r.status
                    body = await r.read()
                    if r.status == 200:
                        replies = json.loads(body)
                        m.error = None
                        break
                    m.error = f"HTTP {r.status}"
                    retry = r.status >= 500
            except asyncio.TimeoutError:
                m.status, m.error, retry = None, "timeout", False  # it may still be processed: never resent
            except aiohttp.ClientError as e:  # refused, reset, server went away
                m.status, m.error, retry = None, f"{type(e).__name__}: {e}"[:200], True
            if not retry or m.attempts > self.retries:
                break
            self.retried += 1
            await asyncio.sleep(min(2.0, 0.2 * 2 ** (m.attempts - 1)))
        m.latency_ms = (time.perf_counter() - start) * 1000
        if m.error is None:
            text = joined(replies)
            if not replies:
                m.error = "empty reply"
            elif SORRY in text:
                m.error = "the action failed (apology)"
        m.ok = m.error is None
        return replies


def joined(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies if isinstance(r, dict))


def verdict_shown(flaw, text: str) -> str | None:
    if flaw.replies.hit in text or without_question(flaw.replies.hit) in text:  # conceded (the fix given at once)
        return "hit"
    if flaw.replies.partial in text:
        return "partial"
    if (flaw.replies.repeat and flaw.replies.repeat in text) or "We're agreed on that one." in text:
        return "repeat"
    return None


async def play(client: Client, learner: Learner, scenario: str, s, delay: float, think: float,
               rng: random.Random) -> None:
    """One whole session on `s` (the learner's register), one message at a time."""
    await asyncio.sleep(delay)
    flaws = [f for f in s.flaws if f.challenge]
    rng.shuffle(flaws)
    flaws = flaws[:rng.randint(min(5, len(flaws)), min(7, len(flaws)))]
    questions = rng.sample(QUESTIONS, 2)
    n_questions = rng.choice([1, 2])
    fixes_wanted = rng.choice([2, 3])
    hint_after = rng.randrange(1, len(flaws))
    progress = rng.random() < 0.5
    # 1 start + 1-2 questions + 5-7 challenges + 2-3 fixes + 1 hint + 0-1 progress + 1 finish; at least 12
    if 1 + n_questions + len(flaws) + fixes_wanted + 1 + progress + 1 < 12:
        n_questions = 2

    async def say(kind: str, text: str, flaw=None) -> tuple[Sent, str]:
        m = Sent(kind, text, flaw.id if flaw else None)
        learner.sent.append(m)
        replies = await client.say(learner.sender, m)
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        return m, joined(replies)

    start, _ = await say("start", f'/start_scenario{{"scenario": "{scenario}", "seed": {learner.seed}}}')
    if not start.ok:
        learner.gave_up = True
        return
    await say("question", questions[0])
    fixes = 0
    for i, flaw in enumerate(flaws):
        m, reply = await say("challenge", flaw.challenge, flaw)
        m.verdict = verdict_shown(flaw, reply) if m.ok else None
        fixed_at_once = flaw.fix.accepted_reply in reply  # the challenge carried its fix
        if m.verdict == "hit" and not fixed_at_once and fixes < fixes_wanted:
            # Only when the PM has conceded and asks for it: the model fix, as the learner's answer.
            await say("fix", flaw.fix.model_answer, flaw)
            fixes += 1
        if i + 1 == hint_after:
            m, reply = await say("hint", "hint")
            m.shown = "hint" if m.ok and any(p in reply for p in HINT_PREFIXES) else None
        if i == len(flaws) // 2 and n_questions == 2:
            await say("question", questions[1])
    if progress:
        await say("progress", "progress")
    m, reply = await say("finish", rng.choice(FINISHES))
    m.shown = "debrief" if m.ok and s.persona.closing in reply else None


async def run_learners(url: str, learners: list[Learner], scenario: str, ramp: float, think: float,
                       retries: int, timeout: float, rng: random.Random) -> tuple[float, int]:
    # One connection per learner, as a real class; an idle one is dropped before the server's
    # keep-alive (Sanic: 5 s) closes it, so a message is never sent down a closing connection.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3.0)
    # Every learner's register is built before the clock starts: building them during the ramp
    # would take this process's CPU from the servers on the same machine.
    registers = {l.seed: variant(scenario, l.seed) for l in learners}
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        client = Client(session, url, retries)
        start = time.perf_counter()
        await asyncio.gather(*(
            play(client, l, scenario, registers[l.seed], rng.uniform(0, ramp), think, random.Random(rng.random()))
            for l in learners
        ))
        return time.perf_counter() - start, client.retried


# -- reading the store back ------------------------------------------------------------------

def check_store(database_url: str, prefix: str, learners: list[Learner]) -> dict:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session as DbSession

    from bot.progress.models import Challenge, HintGiven, Session, Utterance

    engine = sa.create_engine(database_url, future=True)
    like = prefix.replace("_", r"\_").replace("%", r"\%") + "%"
    with DbSession(engine) as db:
        sessions = db.execute(sa.select(Session).where(
            sa.or_(Session.conversation_id.like(like, escape="\\"), Session.learner_id.like(like, escape="\\")))
            .order_by(Session.id)).scalars().all()  # oldest first: [-1] is the newest (PostgreSQL returns no set order)
        ids = [s.id for s in sessions] or [-1]
        mine = sa.or_(Challenge.session_id.in_(ids), Challenge.learner_id.like(like, escape="\\"))
        challenges = db.execute(sa.select(Challenge).where(mine)).scalars().all()
        utterances = db.execute(sa.select(Utterance).where(
            sa.or_(Utterance.session_id.in_(ids), Utterance.learner_id.like(like, escape="\\")))).scalars().all()
        hints = db.execute(sa.select(HintGiven).where(
            sa.or_(HintGiven.session_id.in_(ids), HintGiven.learner_id.like(like, escape="\\")))).scalars().all()
    engine.dispose()

    by_conversation: dict[str, list] = defaultdict(list)
    for s in sessions:
        by_conversation[s.conversation_id].append(s)
    session_owner = {s.id: s.conversation_id for s in sessions}
    said: dict[int, Counter] = defaultdict(Counter)  # session -> learner text -> times in the transcript
    judged: dict[int, Counter] = defaultdict(Counter)  # session -> (text, flaw) -> challenge-verdict rows
    challenge_rows: Counter = Counter()  # session -> rows with a challenge verdict
    hinted: Counter = Counter()
    out = Counter()
    problems: list[str] = []

    def problem(kind: str, what: str) -> None:
        out[kind] += 1
        if len(problems) < 20:
            problems.append(f"{kind}: {what}")

    # Misattributed: a learner's row in someone else's session, or someone else's in a learner's.
    for u in utterances:
        if u.speaker != "learner":
            continue
        if session_owner.get(u.session_id) != u.learner_id:
            problem("misattributed", f"utterance {u.id} by {u.learner_id} in session {u.session_id} "
                                     f"of {session_owner.get(u.session_id)}")
        else:
            said[u.session_id][u.text] += 1
    for c in challenges:
        if session_owner.get(c.session_id) != c.learner_id:
            problem("misattributed", f"challenge {c.id} by {c.learner_id} in session {c.session_id} "
                                     f"of {session_owner.get(c.session_id)}")
        elif c.verdict in CHALLENGE_VALUES:
            judged[c.session_id][(c.text, c.flaw_id)] += 1
            challenge_rows[c.session_id] += 1
    for h in hints:
        if session_owner.get(h.session_id) != h.learner_id:
            problem("misattributed", f"hint {h.id} by {h.learner_id} in session {h.session_id}")
        else:
            hinted[h.session_id] += 1

    twice_after_retry = 0
    sessions_finished = 0
    challenge_messages_with_verdict = 0
    challenge_rows_total = 0
    unjudged_challenges = 0
    for l in learners:
        mine_ = by_conversation.get(l.sender, [])
        if l.gave_up and not mine_:
            continue  # the start failed and left nothing: counted as an error already
        start_retried = bool(l.sent) and l.sent[0].attempts > 1
        if not mine_:
            problem("lost", f"{l.sender}: no session")
            continue
        if len(mine_) == 2 and start_retried:
            twice_after_retry += 1  # the first attempt's start was processed too
        elif len(mine_) > 1:
            problem("duplicated", f"{l.sender}: {len(mine_)} sessions")
        s = mine_[-1]
        if s.status == "finished":
            sessions_finished += 1
        answered = [m for m in l.sent if m.ok]
        expected = Counter(m.text for m in answered)
        retried = {m.text for m in l.sent if m.attempts > 1}
        failed = Counter(m.text for m in l.sent if not m.ok)
        for text, n in (expected | said[s.id]).items():
            got, want = said[s.id][text], expected[text]
            if got < want:
                problem("lost", f"{l.sender}: {want - got} x {text[:60]!r} not in the transcript")
            elif got > want:
                extra = got - want
                allowed = min(extra, failed[text])  # a failed or timed-out attempt may have been processed
                if text in retried:
                    twice = min(extra - allowed, sum(m.attempts - 1 for m in l.sent if m.text == text))
                    twice_after_retry += twice
                    allowed += twice
                if extra > allowed:
                    problem("duplicated", f"{l.sender}: {text[:60]!r} {got} times in the transcript, sent {want}")
        sent_texts = {m.text for m in l.sent}
        for text, flaw in judged[s.id]:
            if text not in sent_texts:
                problem("misattributed", f"{l.sender}: a challenge row for {flaw} with words it never sent: {text[:60]!r}")
        for m in answered:
            if m.kind == "challenge":
                if m.verdict is None:
                    unjudged_challenges += 1
                    continue
                challenge_messages_with_verdict += 1
                rows = judged[s.id][(m.text, m.flaw)]
                if rows == 0:
                    problem("lost", f"{l.sender}: no challenge row for {m.flaw} ({m.verdict} shown)")
                elif rows > 1 and not (m.text in retried and rows == 2):
                    problem("duplicated", f"{l.sender}: {rows} challenge rows for {m.flaw}")
        challenge_rows_total += challenge_rows[s.id]
        hints_shown = sum(1 for m in answered if m.kind == "hint" and m.shown)
        if hinted[s.id] < hints_shown:
            problem("lost", f"{l.sender}: {hints_shown} hints given, {hinted[s.id]} recorded")
        elif hinted[s.id] > hints_shown and not any(m.kind == "hint" and (m.attempts > 1 or not m.ok) for m in l.sent):
            problem("duplicated", f"{l.sender}: {hints_shown} hints given, {hinted[s.id]} recorded")
        if any(m.kind == "finish" and m.shown for m in answered) and s.status != "finished":
            problem("lost", f"{l.sender}: debriefed, but the session is {s.status}")
    return {
        "lost": out["lost"], "duplicated": out["duplicated"], "misattributed": out["misattributed"],
        "recorded_twice_after_retry": twice_after_retry,
        "sessions": sum(len(v) for k, v in by_conversation.items()),
        "sessions_finished": sessions_finished,
        "challenge_messages_with_verdict": challenge_messages_with_verdict,
        "challenge_rows": challenge_rows_total,
        "challenges_without_verdict_shown": unjudged_challenges,
        "problems": problems,
    }


# -- a one-machine stack of its own (make bench) ----------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnStack:
    """`pmo-tutor run` on free ports with its own databases in a temporary folder, as
    tests/conftest.py and scripts/bench.py start it."""

    def __init__(self, model: Path):
        self.tmp = Path(tempfile.mkdtemp(prefix="pmo-load-"))
        self.ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
        self.rasa = f"http://127.0.0.1:{self.ports['RASA_PORT']}"
        self.database_url = f"sqlite:///{self.tmp}/progress.db"
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", PYTHONWARNINGS="ignore",
                   PMO_TUTOR_VAR=str(self.tmp / "var"), DATABASE_URL=self.database_url,
                   TRACKER_STORE_URL=f"sqlite:///{self.tmp}/tracker.db", PMO_TUTOR_TRAINER_TOKEN="load")
        env.update({k: str(v) for k, v in self.ports.items()})
        env.pop("TELEGRAM_BOT_TOKEN", None)
        env.pop("RASA_REST_TOKEN", None)
        self.log = self.tmp / "stack.out"
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "pmo-tutor"), "run", "--model", str(model)],
                                     cwd=ROOT, env=env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 240
        while "is running" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the stack did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# -- the run ------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
    return round(ordered[k], 1)


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'progress.db'}"


def run(args: argparse.Namespace) -> dict:
    host = urlparse(args.rasa).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--rasa must be on 127.0.0.1 (this is a load generator), not {host}")
    rng = random.Random(args.seed)
    prefix = f"load-{secrets.token_hex(3)}-"
    learners = [Learner(n, f"{prefix}{n:04d}", seed=(args.seed * 7919 + n) % 100_000) for n in range(args.learners)]
    url = args.rasa.rstrip("/") + "/webhooks/rest/webhook"
    wall, retried = asyncio.run(run_learners(url, learners, args.scenario, args.ramp, args.think,
                                             args.retries, args.timeout, rng))
    sent = [m for l in learners for m in l.sent]
    ok = [m for m in sent if m.ok]
    errors = [m for m in sent if not m.ok]
    latencies = [m.latency_ms for m in ok]
    store = check_store(args.database_url, prefix, learners)
    by_kind = defaultdict(list)
    for m in ok:
        by_kind[m.kind].append(m.latency_ms)
    summary = {
        "learners": len(learners),
        "scenario": args.scenario,
        "messages": len(sent),
        "errors": len(errors),
        "error_rate": round(len(errors) / len(sent), 4) if sent else 0.0,
        "error_kinds": dict(Counter(m.error for m in errors).most_common(5)),
        "retries": retried,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "throughput_msg_s": round(len(ok) / wall, 1) if wall else 0.0,
        "wall_s": round(wall, 1),
        "messages_per_learner": [min(len(l.sent) for l in learners), max(len(l.sent) for l in learners)],
        "p50_ms_by_kind": {k: percentile(v, 50) for k, v in sorted(by_kind.items())},
        "verdicts_shown": dict(Counter(m.verdict for m in sent if m.kind == "challenge" and m.ok)),
        **store,
        "sender_prefix": prefix,
        "ramp_s": args.ramp,
        "think_s": args.think,
        "seed": args.seed,
    }
    summary["passed"] = (summary["lost"] == 0 and summary["duplicated"] == 0 and summary["misattributed"] == 0
                         and summary["error_rate"] <= 0.01)
    return summary


def report(s: dict) -> str:
    lines = [
        f"Load: {s['learners']} learners on {s['scenario']}, {s['messages']} messages "
        f"({s['messages_per_learner'][0]}-{s['messages_per_learner'][1]} each), ramp {s['ramp_s']} s",
        f"  errors {s['errors']} ({100 * s['error_rate']:.2f}%), retries {s['retries']}"
        + (f"  {s['error_kinds']}" if s["errors"] else ""),
        f"  latency p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms",
        f"  throughput {s['throughput_msg_s']} msg/s over {s['wall_s']} s",
        f"  store: {s['sessions']} sessions ({s['sessions_finished']} finished); "
        f"{s['challenge_messages_with_verdict']} challenges with a verdict shown, {s['challenge_rows']} challenge rows; "
        f"lost {s['lost']}, duplicated {s['duplicated']}, misattributed {s['misattributed']}"
        + (f", recorded twice after a retry {s['recorded_twice_after_retry']}" if s["recorded_twice_after_retry"] else ""),
    ]
    lines += [f"    {p}" for p in s["problems"]]
    lines.append("  PASSED" if s["passed"] else "  FAILED")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rasa", default="http://127.0.0.1:5005", help="Rasa server (REST webhook base)")
    p.add_argument("--learners", type=int, default=200)
    p.add_argument("--scenario", default="riverside-wms")
    p.add_argument("--seed", type=int, default=1, help="seeds the learners' registers and scripts")
    p.add_argument("--database-url", default=None,
                   help="the progress database to check afterwards (default: DATABASE_URL, else var/progress.db)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--retries", type=int, default=0, help="resend a message after a connection error or a 5xx")
    p.add_argument("--ramp", type=float, default=5.0, help="learners start within this many seconds")
    p.add_argument("--think", type=float, default=0.0, help="mean pause between a learner's messages (s)")
    p.add_argument("--timeout", type=float, default=120.0, help="per message (s)")
    p.add_argument("--start-stack", action="store_true",
                   help="start a one-machine stack of its own (own ports and databases) and load it")
    p.add_argument("--model", default=str(ROOT / "models" / "pmo-tutor.tar.gz"), help="with --start-stack")
    p.add_argument("--out", type=Path, help="also write the JSON summary here")
    args = p.parse_args(argv)
    if args.learners < 1:
        p.error("--learners must be at least 1")
    stack = None
    if args.start_stack:
        stack = OwnStack(Path(args.model))
        args.rasa, args.database_url = stack.rasa, stack.database_url
    args.database_url = args.database_url or default_database_url()
    summary = None
    try:
        summary = run(args)
    finally:
        if stack is not None:
            stack.stop()
            if summary is not None and summary["passed"]:
                shutil.rmtree(stack.tmp, ignore_errors=True)
            else:
                print(f"The stack's logs and databases are kept in {stack.tmp}", file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2) if args.json else report(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
