"""Replacing an embedded-database install's master key (``sukuma keys rotate``): the keys
file is rewritten with a new master key beside the previous one, every data key is rewrapped,
then the previous key is forgotten."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sukuma.settings import KEYS_FILE, local_keys


def write_local_keys(data_dir: Path, keys: dict[str, str]) -> None:
    """Replace the data directory's keys file at once (a crash leaves the old or the new)."""
    path = data_dir.expanduser() / KEYS_FILE
    staging = path.with_suffix(".tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(keys, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(staging, path)


def begin_local_rotation(data_dir: Path) -> None:
    """Put a new master key in the keys file, keeping the old one as the previous key
    (unless a rotation cut off before is still to finish: then it is finished as it was)."""
    keys = local_keys(data_dir)
    if keys.get("previous_master_key"):
        return
    write_local_keys(
        data_dir,
        {
            "secret_key": keys["secret_key"],
            "master_key": secrets.token_hex(32),
            "previous_master_key": keys["master_key"],
        },
    )


def finish_local_rotation(data_dir: Path) -> None:
    """Forget the previous master key: every data key is wrapped by the current one now."""
    keys = local_keys(data_dir)
    write_local_keys(data_dir, {"secret_key": keys["secret_key"], "master_key": keys["master_key"]})
