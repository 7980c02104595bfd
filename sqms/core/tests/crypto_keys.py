"""Deterministic SQMS_KEYS for tests of encryption and key rotation."""

import base64


def key(seed: int) -> str:
    return base64.b64encode(bytes([seed]) * 32).decode()


def keys(*ids: str, blind: int = 99) -> dict[str, object]:
    """SQMS_KEYS with the named data keys, newest first (key material derived from the id)."""
    return {
        "data_keys": {key_id: key(sum(key_id.encode()) % 256) for key_id in ids},
        "blind_index_key": key(blind),
    }
