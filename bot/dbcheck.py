"""Is a database there? Checked before a service that would wait for it forever is started: Rasa's
SQL tracker store retries a database that does not answer every few seconds, without end and
without saying so to anyone but its own log, so `make run` would sit at "starting" for ever."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL at all: say so without echoing it whole
        return "(not a database URL)"
    return str(u.set(password="***")) if u.password else str(u)


def unreachable(url: str, timeout: float = 5.0) -> str | None:
    """None when the database at `url` answers a query within about `timeout` seconds; else why
    not, in a line (never the password)."""
    try:
        u = make_url(url)
    except Exception as e:  # noqa: BLE001 - sqlalchemy raises ArgumentError and others
        return f"not a database URL ({type(e).__name__})"
    args: dict = {}
    if u.drivername.startswith("postgresql"):
        args["connect_timeout"] = max(1, int(timeout))
    elif u.drivername.startswith("sqlite"):
        args["timeout"] = timeout
    try:
        engine = create_engine(u, poolclass=NullPool, connect_args=args)
    except Exception as e:  # noqa: BLE001 - an unknown dialect, a driver not installed
        return f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - whatever the driver raises, the answer is "not there"
        orig = getattr(e, "orig", None) or e
        first = str(orig).strip().splitlines()[0][:200] if str(orig).strip() else ""
        return f"{type(orig).__name__}: {first}".rstrip(": ").replace(u.password or "\0", "***")
    finally:
        engine.dispose()
    return None
