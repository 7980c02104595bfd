"""Secrets: read from the environment, or for the embedded default generated once into var/."""

import base64
import json
import os
import secrets
import time
from pathlib import Path


class MissingSecretError(RuntimeError):
    pass


def _create_once(path: Path, content: str) -> str:
    """Write `content` to `path` unless it exists; return what the file holds.

    O_EXCL makes concurrent first runs (several test workers, web + worker) agree on one value.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            text = path.read_text()
            if text:
                return text
            time.sleep(0.05)
        raise MissingSecretError(f"{path} exists but is empty") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    return content


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(var_dir: Path, production: bool) -> str:
    if value := os.environ.get("SECRET_KEY"):
        return value
    if production:
        raise MissingSecretError("SECRET_KEY must be set when SQMS_ENV=production")
    return _create_once(var_dir / "secret_key", secrets.token_urlsafe(50)).strip()


def data_keys(var_dir: Path, production: bool) -> dict[str, object]:
    """Return {"data_keys": {key_id: b64, ...} newest first, "blind_index_key": b64}.

    Sources, in order: SQMS_DATA_KEYS ("k2:BASE64,k1:BASE64", newest first) with
    SQMS_BLIND_INDEX_KEY; a key file named by SQMS_KEY_FILE; var/keys.json made on first run.
    """
    env_keys = os.environ.get("SQMS_DATA_KEYS")
    if env_keys:
        pairs = [item.split(":", 1) for item in env_keys.split(",") if item.strip()]
        blind = os.environ.get("SQMS_BLIND_INDEX_KEY")
        if not blind:
            raise MissingSecretError("SQMS_BLIND_INDEX_KEY must be set with SQMS_DATA_KEYS")
        return {"data_keys": {k.strip(): v.strip() for k, v in pairs}, "blind_index_key": blind}
    key_file = os.environ.get("SQMS_KEY_FILE")
    if key_file:
        loaded: dict[str, object] = json.loads(Path(key_file).read_text())
        return loaded
    if production:
        raise MissingSecretError(
            "SQMS_DATA_KEYS and SQMS_BLIND_INDEX_KEY (or SQMS_KEY_FILE) must be set "
            "when SQMS_ENV=production"
        )
    initial = json.dumps({"data_keys": {"k1": new_key()}, "blind_index_key": new_key()}, indent=2)
    stored: dict[str, object] = json.loads(_create_once(var_dir / "keys.json", initial))
    return stored
