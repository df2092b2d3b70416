"""`make run-cluster`: the scaled-out stack on one machine, in the foreground.

    PostgreSQL 127.0.0.1:5432   progress store and Rasa tracker store (data in var/cluster/pg)
    Redis      127.0.0.1:6379   Rasa's lock store (config in var/cluster/redis; nothing persisted)
    nginx      127.0.0.1:5005   REST channel  -> Rasa replicas rasa-1 :5011, rasa-2 :5012
               127.0.0.1:5055   action calls  -> action servers actions-1 :5056, actions-2 :5057
    web app    127.0.0.1:8000   learner chat and trainer dashboard, talking to Rasa through :5005

Any replica takes any message: conversations live in PostgreSQL (rasa_server/tracker_store.py
checks its kept trackers against the database), a conversation's messages are serialised across
replicas by the Redis lock store (rasa_server/lock_store.py), and the tutor's own state is in the
progress store. DATABASE_URL, TRACKER_STORE_URL and REDIS_URL point at existing servers instead;
then the local one is not started (PostgreSQL only if neither database URL is given).

The supervision is bot/stack.py's: a child that dies or hangs is restarted with backoff while the
others keep serving; SIGTERM (or Ctrl-C) stops everything, the front first (web app, nginx,
replicas, action servers) so in-flight messages drain while the stores they write to still run,
PostgreSQL last with a fast shutdown (SIGINT). var/run/cluster.json names what is running, so a
start after a supervisor killed with SIGKILL stops what it left. A file var/cluster/hold/<name>
(e.g. rasa-2) holds that child stopped until the file is removed: a rolling restart, or measuring
with one replica.

PostgreSQL refuses to run as root: when the supervisor is root, initdb runs as the `postgres`
user (runuser) and the server is started as that user; var/cluster/pg belongs to it. The
passwords made at the first start are in var/cluster/secrets.json (mode 600).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from bot.stack import BIN, ROOT, Child, Supervisor, quiet_env, stop_leftovers, tracker_store_endpoint

PG_USER = "postgres"  # the Debian package's system user
APP_ROLE = "pmo_tutor"
PROGRESS_DB = "pmo_progress"
TRACKER_DB = "pmo_tracker"
LOCK_STORE = "rasa_server.lock_store.QuickRedisLockStore"
# Seconds a conversation's lock outlives a replica that died holding it. Longer than any message
# takes under load (p99 under 200 learners on 2 cores: ~17 s), shorter than Rasa's 60 s.
TICKET_LOCK_LIFETIME = 30


class ClusterError(Exception):
    """Something the operator must fix before the cluster can start; the message says what."""


def _ports(name: str, default: str) -> list[int]:
    return [int(p) for p in os.environ.get(name, default).split(",") if p.strip()]


@dataclass
class Ports:
    rest: int = 5005  # nginx: the REST channel
    actions: int = 5055  # nginx: the action servers
    web: int = 8000
    postgres: int = 5432
    redis: int = 6379
    replicas: tuple[int, ...] = (5011, 5012)
    action_servers: tuple[int, ...] = (5056, 5057)

    @classmethod
    def from_env(cls) -> "Ports":
        """The defaults, or RASA_PORT, ACTION_PORT, WEB_PORT, PG_PORT, REDIS_PORT,
        RASA_REPLICA_PORTS and ACTION_SERVER_PORTS (comma-separated)."""
        e = os.environ
        return cls(int(e.get("RASA_PORT", 5005)), int(e.get("ACTION_PORT", 5055)), int(e.get("WEB_PORT", 8000)),
                   int(e.get("PG_PORT", 5432)), int(e.get("REDIS_PORT", 6379)),
                   tuple(_ports("RASA_REPLICA_PORTS", "5011,5012")), tuple(_ports("ACTION_SERVER_PORTS", "5056,5057")))


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _system_user(name: str) -> pwd.struct_passwd | None:
    """The user to run a server as when the supervisor is root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _chown(path: Path, user: pwd.struct_passwd | None) -> None:
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def _as_user(user: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user.pw_name, "--", *argv] if user is not None else argv


# --- PostgreSQL -------------------------------------------------------------------------------

def pg_bindir() -> Path:
    """PG_BIN, or the newest /usr/lib/postgresql/<version>/bin (Debian's layout)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise ClusterError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): "
                       "apt-get install postgresql, or set DATABASE_URL and TRACKER_STORE_URL")


class Postgres:
    def __init__(self, cluster: Path, port: int):
        self.data = cluster / "pg"
        self.secrets_file = cluster / "secrets.json"
        self.port = port
        self.bin = pg_bindir()
        self.user = _system_user(PG_USER)
        if os.geteuid() == 0 and self.user is None:
            raise ClusterError(f"PostgreSQL refuses to run as root and there is no '{PG_USER}' user "
                               "(the postgresql package creates it)")

    def secrets(self) -> dict:
        try:
            return json.loads(self.secrets_file.read_text())
        except (OSError, ValueError):
            raise ClusterError(
                f"{self.data} holds a database but {self.secrets_file} (its passwords) is missing or "
                f"unreadable; restore it, or move {self.data} away to start with an empty database") from None

    def prepare(self) -> bool:
        """initdb on the first start. True if the database was made now."""
        if (self.data / "PG_VERSION").exists():
            self.secrets()
            return False
        if self.data.exists() and any(self.data.iterdir()):
            raise ClusterError(f"{self.data} is neither empty nor a PostgreSQL data directory")
        self.data.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        _chown(self.data, self.user)
        if self.user is not None:
            check = subprocess.run(_as_user(self.user, ["test", "-w", str(self.data)]))
            if check.returncode != 0:
                raise ClusterError(
                    f"the '{PG_USER}' user cannot write {self.data}: every folder above it must be "
                    f"searchable by others (chmod o+x on each), or set PMO_TUTOR_VAR to such a place")
        passwords = {PG_USER: secrets.token_urlsafe(24), APP_ROLE: secrets.token_urlsafe(24)}
        pwfile = self.data.parent / ".initdb.pw"
        pwfile.write_text(passwords[PG_USER] + "\n")
        pwfile.chmod(0o600)
        _chown(pwfile, self.user)
        try:
            print(f"Creating the PostgreSQL database in {self.data} (initdb)...", flush=True)
            done = subprocess.run(
                _as_user(self.user, [str(self.bin / "initdb"), "-D", str(self.data), "-U", PG_USER,
                                     f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale"]),
                capture_output=True, text=True)
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise ClusterError(f"initdb failed:\n{done.stdout}{done.stderr}")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# make run-cluster (bot/cluster.py): loopback TCP only, password (scram) for everyone\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 200\n"
            )
        self.secrets_file.write_text(json.dumps(passwords, indent=2) + "\n")
        self.secrets_file.chmod(0o600)
        return True

    def child(self) -> Child:
        return Child(
            "postgres", [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)], None,
            probe=self.probe, stop_signal=signal.SIGINT, death_signal=signal.SIGINT,  # fast shutdown
            user=self.user.pw_name if self.user else None, tier=0,
        )

    def connect(self, dbname: str = "postgres", user: str = PG_USER):
        import psycopg2

        password = self.secrets()[user]
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=user, password=password,
                                dbname=dbname, connect_timeout=2)

    def probe(self) -> bool:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("select 1")
                return cur.fetchone() == (1,)
        finally:
            conn.close()

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg2://{APP_ROLE}:{self.secrets()[APP_ROLE]}@127.0.0.1:{self.port}/{dbname}"

    def ensure_databases(self) -> tuple[str, str]:
        """The application role and its two databases, made on the first start."""
        conn = self.connect()
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,))
                if cur.fetchone() is None:
                    cur.execute(f"create role {APP_ROLE} login password %s", (self.secrets()[APP_ROLE],))
                for db in (PROGRESS_DB, TRACKER_DB):
                    cur.execute("select 1 from pg_database where datname = %s", (db,))
                    if cur.fetchone() is None:
                        cur.execute(f"create database {db} owner {APP_ROLE}")
                        print(f"Created database {db}", flush=True)
        finally:
            conn.close()
        return self.url(PROGRESS_DB), self.url(TRACKER_DB)


# --- Redis ------------------------------------------------------------------------------------

def redis_endpoint(url: str) -> dict:
    """REDIS_URL (redis://[:password@]host[:port][/db], rediss:// for TLS) as the keys of Rasa's
    Redis lock store in endpoints.yml. db 1 unless the URL names one (Rasa's default)."""
    u = urlsplit(url)
    if u.scheme not in ("redis", "rediss") or not u.hostname:
        raise ClusterError(f"REDIS_URL must look like redis://host:6379/1, not {url!r}")
    ep: dict = {"url": u.hostname, "port": u.port or 6379}
    db = u.path.strip("/")
    ep["db"] = int(db) if db.isdigit() else 1
    if u.password:
        ep["password"] = unquote(u.password)
    if u.username:
        ep["username"] = unquote(u.username)
    if u.scheme == "rediss":
        ep["use_ssl"] = True
    return ep


def redis_ping(host: str, port: int, password: str | None = None, timeout: float = 2.0) -> bool:
    with socket.create_connection((host, port), timeout=timeout) as s:
        if password:
            s.sendall(f"AUTH {password}\r\n".encode())
            if not s.recv(64).startswith(b"+OK"):
                return False
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")


def redis_child(cluster: Path, port: int) -> Child:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ClusterError("redis-server is not installed: apt-get install redis-server, or set REDIS_URL")
    home = cluster / "redis"
    home.mkdir(parents=True, exist_ok=True)
    user = _system_user("redis")
    _chown(home, user)
    conf = home / "redis.conf"
    conf.write_text(
        "# make run-cluster (bot/cluster.py): Rasa's lock store only, so nothing is persisted\n"
        "bind 127.0.0.1\n"
        f"port {port}\n"
        "protected-mode yes\n"
        "daemonize no\n"
        f"dir {home}\n"
        'save ""\n'
        "appendonly no\n"
        'logfile ""\n'
    )
    return Child("redis", [binary, str(conf)], None, probe=lambda: redis_ping("127.0.0.1", port),
                 user=user.pw_name if user else None, tier=0)


# --- nginx ------------------------------------------------------------------------------------

def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise ClusterError("nginx is not installed: apt-get install nginx")


def nginx_conf(home: Path, logdir: Path, ports: Ports, worker_user: str | None,
               out: frozenset[int] = frozenset()) -> str:
    """The load balancer: the REST channel over the Rasa replicas, the action calls over the
    action servers. A message is never sent to a second replica once the first has it (POST is
    not retried after it was sent; the learner's client retries, and the tutor tells them to
    repeat); a replica that refuses the connection (down, restarting) is skipped at once. The
    upstream ports in `out` are marked down: held for a rolling restart (Rotation)."""
    tmp = home / "tmp"

    def upstream(name: str, upstream_ports) -> str:
        # max_fails=0: never mark a replica down. On loopback a stopped replica refuses the
        # connection at once and nginx goes to the next (the message was not sent, so this is
        # safe), so nothing is saved by skipping it for a while; and marking it down for a
        # fail_timeout can leave no replica marked live during a rolling restart (measured: 38
        # messages answered 502 "no live upstreams" when rasa-2 was stopped 2 s after rasa-1 came
        # back). Across hosts, where a dead host costs a connect timeout, docs/deploy.md keeps
        # max_fails=1 fail_timeout=5s and waits 10 s between replicas.
        servers = "".join(f"        server 127.0.0.1:{p} max_fails=0{' down' if p in out else ''};\n"
                          for p in upstream_ports)
        # keep-alive connections are closed before Sanic's own 5 s keep-alive timeout closes them
        return f"    upstream {name} {{\n{servers}        keepalive 64;\n        keepalive_timeout 3s;\n    }}\n"

    def server(port: int, name: str) -> str:
        return (
            f"    server {{\n"
            f"        listen 127.0.0.1:{port};\n"
            # One connection per message from the web app, Telegram bridge and replicas: a reload
            # (Rotation) closes the old workers' idle keep-alive connections, and a client sending
            # on one just then gets a broken pipe (8 of 562 messages in tests/test_cluster.py).
            # On loopback a connection costs well under a millisecond.
            f"        keepalive_timeout 0;\n"
            f"        location = /nginx-health {{ access_log off; default_type text/plain; return 200 \"ok\\n\"; }}\n"
            f"        location / {{\n"
            f"            proxy_pass http://{name};\n"
            f"            proxy_http_version 1.1;\n"
            f"            proxy_set_header Connection \"\";\n"
            f"            proxy_set_header Host $host;\n"
            f"            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            f"            proxy_connect_timeout 2s;\n"
            f"            proxy_read_timeout 120s;\n"
            f"            proxy_send_timeout 30s;\n"
            f"            proxy_next_upstream error timeout;\n"
            f"            proxy_next_upstream_tries 2;\n"
            f"        }}\n"
            f"    }}\n"
        )

    user = f"user {worker_user};\n" if worker_user else ""
    return (
        "# Generated by make run-cluster (bot/cluster.py) on every start; edit that, not this.\n"
        f"{user}"
        "daemon off;\n"
        "worker_processes auto;\n"
        f"pid {home / 'nginx.pid'};\n"
        "error_log stderr warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        # the path without its query string: a ?token= never reaches the log
        "    log_format upstreams '$remote_addr [$time_local] \"$request_method $uri\" $status '\n"
        "                         '$body_bytes_sent $request_time $upstream_addr $upstream_status $upstream_response_time';\n"
        f"    access_log {logdir / 'nginx-access.log'} upstreams buffer=32k flush=2s;\n"
        f"    client_body_temp_path {tmp / 'client_body'};\n"
        f"    proxy_temp_path {tmp / 'proxy'};\n"
        f"    fastcgi_temp_path {tmp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {tmp / 'uwsgi'};\n"
        f"    scgi_temp_path {tmp / 'scgi'};\n"
        "    client_max_body_size 1m;\n"
        # a tracker sent to the action server, a register sent back: kept in memory, not in temp files
        "    client_body_buffer_size 256k;\n"
        "    proxy_buffer_size 16k;\n"
        "    proxy_buffers 32 16k;\n"
        "    server_tokens off;\n"
        + upstream("rasa_replicas", ports.replicas)
        + upstream("action_servers", ports.action_servers)
        + server(ports.rest, "rasa_replicas")
        + server(ports.actions, "action_servers")
        + "}\n"
    )


class Rotation:
    """Which replicas and action servers nginx sends to. A held one is taken out (its server
    marked down, nginx reloaded) BEFORE it is drained: a replica shutting down closes its idle
    keep-alive connections, and a message nginx had just sent on one was answered 502 (seen once
    in 1,366 during a rolling restart; POST is not retried once sent). Released, it goes back in
    at once: until it listens it refuses, and a refused message goes to the other one."""

    RELOAD_SETTLE = 1.0  # seconds for nginx's new workers to take over from the old ones

    def __init__(self, cluster: Path, logdir: Path, ports: Ports):
        self.binary = nginx_binary()
        self.home = cluster / "nginx"
        self.conf = self.home / "nginx.conf"
        self.logdir, self.ports = logdir, ports
        self.upstreams = {f"rasa-{n}": p for n, p in enumerate(ports.replicas, start=1)}
        self.upstreams.update({f"actions-{n}": p for n, p in enumerate(ports.action_servers, start=1)})
        self.out: set[int] = set()
        self.child: Child | None = None
        worker = _system_user("www-data")
        self.worker = worker.pw_name if worker else None
        tmp = self.home / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        _chown(tmp, worker)

    def write(self) -> None:
        self.conf.write_text(nginx_conf(self.home, self.logdir, self.ports, self.worker, frozenset(self.out)))
        check = subprocess.run([self.binary, "-t", "-q", "-c", str(self.conf), "-p", str(self.home)],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise ClusterError(f"nginx rejects {self.conf}:\n{check.stderr}")

    def nginx(self) -> Child:
        self.write()
        self.child = Child("nginx", [self.binary, "-c", str(self.conf), "-p", str(self.home)],
                           f"http://127.0.0.1:{self.ports.rest}/nginx-health",
                           stop_signal=signal.SIGQUIT,  # graceful: finish the requests in flight
                           death_signal=signal.SIGTERM,  # the master takes its workers with it
                           tier=3)
        return self.child

    def __call__(self, c: Child, held: bool) -> None:
        """Supervisor.on_hold: out of rotation before `c` is drained, back in once started."""
        port = self.upstreams.get(c.name)
        if port is None:
            return
        (self.out.add if held else self.out.discard)(port)
        self.write()  # a restarted nginx reads it too
        nginx = self.child
        if nginx is not None and nginx.proc is not None and nginx.proc.poll() is None:
            os.kill(nginx.proc.pid, signal.SIGHUP)  # reload: old workers finish what they have
            print(f"nginx: {c.name} {'out of' if held else 'back in'} rotation", flush=True)
            if held:
                time.sleep(self.RELOAD_SETTLE)


# --- the databases' tables ----------------------------------------------------------------------

def check_database(url: str, what: str) -> None:
    """Fail fast and clearly on a database that cannot be reached (Rasa's SQL tracker store would
    wait forever at start-up)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgres") else {})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.SQLAlchemyError as e:
        raise ClusterError(f"cannot reach {what} ({engine.url!r}): {getattr(e, 'orig', e)}") from None
    finally:
        engine.dispose()


def create_tables(progress_url: str, tracker_url: str) -> None:
    """Make the tables once, before several processes start: two processes making them at the
    same moment can fail on PostgreSQL."""
    import sqlalchemy as sa

    from bot.progress.models import Base

    engine = sa.create_engine(progress_url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    engine = sa.create_engine(tracker_url)
    try:
        if sa.inspect(engine).has_table("events"):
            return
    finally:
        engine.dispose()
    # Rasa's events table (and our index), made by the tracker store itself, in a child process so
    # the supervisor does not keep all of Rasa in memory.
    code = (
        "import sys, yaml; from rasa_server.tracker_store import RecentEventsSQLTrackerStore as S; "
        "ep = yaml.safe_load(sys.argv[1]); ep.pop('type'); S(host=ep.pop('url', None), **ep)"
    )
    done = subprocess.run([sys.executable, "-c", code, yaml.safe_dump(tracker_store_endpoint(tracker_url))],
                          cwd=ROOT, env=quiet_env(), capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ClusterError(f"could not create the tracker store's tables:\n{done.stderr[-3000:]}")


# --- the whole cluster ------------------------------------------------------------------------

def lock_store_endpoint(redis_url: str) -> dict:
    return {"type": LOCK_STORE, **redis_endpoint(redis_url), "key_prefix": "pmotutor"}  # alphanumeric (Rasa's rule)


def write_endpoints(cluster: Path, ports: Ports, tracker_url: str, redis_url: str) -> Path:
    endpoints = {
        # Through nginx: either action server may run any action.
        "action_endpoint": {"url": f"http://127.0.0.1:{ports.actions}/webhook", "enable_selective_domain": True},
        "tracker_store": tracker_store_endpoint(tracker_url),
        "lock_store": lock_store_endpoint(redis_url),
    }
    path = cluster / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    path.chmod(0o600)  # holds the database password
    return path


def app_children(ports: Ports, model: str, endpoints: Path, env: dict, rotation: Rotation) -> list[Child]:
    rasa = str(BIN / "rasa")
    children = [
        Child(f"actions-{n}", [rasa, "run", "actions", "--port", str(port), "--actions", "actions"],
              f"http://127.0.0.1:{port}/health", tier=1)
        for n, port in enumerate(ports.action_servers, start=1)
    ]
    replica_env = {
        # Without --enable-api Rasa leaves Sanic's 60 s response timeout, which answers a slow
        # message with 200 and no reply at all; nginx (120 s) and the web app (90 s) give up first.
        "SANIC_RESPONSE_TIMEOUT": env.get("SANIC_RESPONSE_TIMEOUT", "300"),
        # A replica killed mid-message leaves its conversation locked in Redis until the ticket
        # expires; the next message (on the other replica) waits that long. Rasa's default is 60 s.
        "TICKET_LOCK_LIFETIME": env.get("TICKET_LOCK_LIFETIME", str(TICKET_LOCK_LIFETIME)),
    }
    children += [
        Child(f"rasa-{n}", [sys.executable, "-m", "rasa_server", "run", "--model", model, "--interface", "127.0.0.1",
                            "--port", str(port), "--credentials", "credentials.yml", "--endpoints", str(endpoints)],
              f"http://127.0.0.1:{port}/", tier=2, env=replica_env)
        for n, port in enumerate(ports.replicas, start=1)
    ]
    children.append(rotation.nginx())
    children.append(Child("web", [str(BIN / "pmo-tutor"), "web", "--port", str(ports.web)],
                          f"http://127.0.0.1:{ports.web}/api/health", tier=4))
    if env.get("TELEGRAM_BOT_TOKEN"):  # one bridge: Telegram allows one poller per bot
        children.append(Child("telegram", [str(BIN / "pmo-tutor"), "telegram"], None, tier=4))
    return children


def _redact(url: str) -> str:
    u = urlsplit(url)
    if u.password:
        return url.replace(f":{u.password}@", ":***@", 1)
    return url


ELSEWHERE = Path("/var/lib/pmo-tutor")  # the cluster's data when the checkout is private


def _passable(path: Path) -> bool:
    """Can any user pass through every folder from / down to `path` (o+x on each)?"""
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def cluster_home(var: Path) -> Path:
    """Where the cluster keeps its data: var/cluster, unless the servers' own users (postgres,
    redis, www-data) cannot reach it (a checkout under /root or a private home directory): then a
    folder of /var/lib/pmo-tutor, with var/cluster a symbolic link to it."""
    here = var / "cluster"
    if here.is_symlink():
        target = here.resolve()
        target.mkdir(parents=True, exist_ok=True)
        return target
    here.mkdir(parents=True, exist_ok=True)
    for d in (var, here):
        d.chmod(d.stat().st_mode | 0o011)  # the postgres, redis and www-data users pass through
    if os.geteuid() != 0 or _passable(here) or any(here.iterdir()):
        return here  # (data already there: keep it; Postgres.prepare says what to fix if need be)
    digest = hashlib.sha1(str(here).encode()).hexdigest()[:10]
    target = ELSEWHERE / f"cluster-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    for d in (ELSEWHERE, target):
        d.chmod(0o755)
    here.rmdir()
    here.symlink_to(target)
    print(f"Other users (postgres, redis, www-data) cannot reach {here}: the cluster's data is in "
          f"{target} ({here} links to it)", flush=True)
    return target


def main(model: str = "models/pmo-tutor.tar.gz") -> int:
    var = Path(os.environ.get("PMO_TUTOR_VAR", ROOT / "var")).resolve()
    var.mkdir(parents=True, exist_ok=True)
    cluster = cluster_home(var)
    logdir = cluster / "log"
    hold = cluster / "hold"
    for d in (logdir, hold):
        d.mkdir(parents=True, exist_ok=True)
    runfile = var / "run" / "cluster.json"
    stop_leftovers(runfile)
    ports = Ports.from_env()
    env = quiet_env()
    env["SANIC_HOST"] = "127.0.0.1"  # the action servers listen on loopback only
    env["RASA_URL"] = f"http://127.0.0.1:{ports.rest}"  # the web app and Telegram go through nginx
    if not env.get("PMO_TUTOR_TRAINER_TOKEN"):
        env["PMO_TUTOR_TRAINER_TOKEN"] = secrets.token_urlsafe(24)
        print(f"Trainer token (generated for this run): {env['PMO_TUTOR_TRAINER_TOKEN']}", flush=True)

    local_pg = not (env.get("DATABASE_URL") and env.get("TRACKER_STORE_URL"))
    local_redis = not env.get("REDIS_URL")
    wanted = [ports.rest, ports.actions, ports.web, *ports.replicas, *ports.action_servers]
    wanted += [ports.postgres] if local_pg else []
    wanted += [ports.redis] if local_redis else []
    busy = [p for p in wanted if _listening(p)]
    if busy:
        print(f"Port(s) {', '.join(map(str, busy))} on 127.0.0.1 are in use (is `make run` or another cluster "
              "running?); stop what holds them first.", file=sys.stderr)
        return 1

    try:
        rotation = Rotation(cluster, logdir, ports)
    except ClusterError as e:
        print(f"make run-cluster: {e}", file=sys.stderr)
        return 1
    sup = Supervisor(env, logdir, runfile, hold_dir=hold, on_hold=rotation)
    sup.install_signals()
    try:
        infra = []
        pg = None
        if local_pg:
            pg = Postgres(cluster, ports.postgres)
            pg.prepare()
            infra.append(pg.child())
        if local_redis:
            infra.append(redis_child(cluster, ports.redis))
            env["REDIS_URL"] = f"redis://127.0.0.1:{ports.redis}/1"
        else:
            r = redis_endpoint(env["REDIS_URL"])
            try:
                if not redis_ping(r["url"], r["port"], r.get("password"), timeout=5):
                    raise OSError("no PONG")
            except OSError as e:
                raise ClusterError(f"cannot reach REDIS_URL ({_redact(env['REDIS_URL'])}): {e}") from None
        if infra and not sup.launch(infra):
            return sup.shutdown(0 if sup.stopping else 1)
        if pg is not None:
            progress_url, tracker_url = pg.ensure_databases()
            env.setdefault("DATABASE_URL", progress_url)
            env.setdefault("TRACKER_STORE_URL", tracker_url)
        check_database(env["DATABASE_URL"], "the progress database (DATABASE_URL)")
        check_database(env["TRACKER_STORE_URL"], "the tracker store (TRACKER_STORE_URL)")
        create_tables(env["DATABASE_URL"], env["TRACKER_STORE_URL"])
        endpoints = write_endpoints(cluster, ports, env["TRACKER_STORE_URL"], env["REDIS_URL"])
        rotation.out = {rotation.upstreams[p.name] for p in hold.iterdir() if p.name in rotation.upstreams}
        apps = app_children(ports, model, endpoints, env, rotation)
    except ClusterError as e:
        print(f"make run-cluster: {e}", file=sys.stderr)
        return sup.shutdown(1)
    except Exception as e:  # noqa: BLE001 - e.g. the database refused to make a table: say so, stop cleanly
        print(f"make run-cluster: could not prepare the cluster: {type(e).__name__}: {e}", file=sys.stderr)
        return sup.shutdown(1)
    held = sorted(p.name for p in hold.iterdir())
    if held:
        print(f"Held (not started while the file is there): {', '.join(held)} in {hold}", flush=True)
    if not sup.launch([c for c in apps if not (hold / c.name).exists()]):
        return sup.shutdown(0 if sup.stopping else 1)
    for c in apps:  # held ones join the supervision, to start when released
        if c not in sup.children:
            sup.children.append(c)

    print(
        "\nPMO Challenge Tutor (cluster) is running.\n"
        f"  Learner chat:      http://127.0.0.1:{ports.web}/\n"
        f"  Trainer dashboard: http://127.0.0.1:{ports.web}/trainer\n"
        f"  Rasa REST channel: POST http://127.0.0.1:{ports.rest}/webhooks/rest/webhook (nginx -> "
        + ", ".join(f":{p}" for p in ports.replicas) + ")\n"
        f"  Action servers:    http://127.0.0.1:{ports.actions}/webhook (nginx -> "
        + ", ".join(f":{p}" for p in ports.action_servers) + ")\n"
        f"  Progress store:    {_redact(env['DATABASE_URL'])}\n"
        f"  Tracker store:     {_redact(env['TRACKER_STORE_URL'])}\n"
        f"  Lock store:        {_redact(env['REDIS_URL'])}\n"
        f"  Logs:              {logdir}\n"
        f"  Hold a child:      touch {hold}/<name> (rm to release)\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    return sup.supervise()


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/pmo-tutor.tar.gz")
    args = parser.parse_args(argv)
    return main(args.model)


if __name__ == "__main__":
    sys.exit(cli())
