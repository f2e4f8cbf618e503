"""gunicorn's settings for ``sukuma serve --workers N`` (``-c python:sukuma.gunicorn_conf``).

gunicorn starts, watches and replaces the API's uvicorn workers; ``sukuma serve`` passes the
address, the number of workers and the log level on the command line.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

worker_class = "uvicorn_worker.UvicornWorker"
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections
# over them. On one shared socket whichever worker wakes first accepts: a burst of keep-alive
# connections lands on one worker while the other idles (measured here: all 24 of a
# benchmark's on one of two workers, more often than not).
reuse_port = True
keepalive = 5  # seconds, uvicorn's default, as when one worker serves
graceful_timeout = 30  # requests in flight finish on SIGTERM
# uvicorn's own proxy headers trust nobody (gunicorn's default trusts 127.0.0.1, which let a
# local client rotate X-Forwarded-For past the sign-in throttle): the app trusts only
# SUKUMA_TRUSTED_PROXIES itself (api.main).
forwarded_allow_ips = ""


def when_ready(server: Any) -> None:
    """Stop gracefully when ``sukuma serve`` is gone, even killed outright (SIGKILL): it owns
    the projector, the scheduler and maybe the embedded PostgreSQL the workers use."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        server.log.warning("sukuma serve (pid %s) is gone: stopping", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    # Only this sleeping thread in the master: workers forked later do not inherit it.
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
