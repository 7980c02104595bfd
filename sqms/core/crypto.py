"""Field encryption (AES-256-GCM, tagged with the key id) and blind indexes for exact look-up.

Keys come from `settings.SQMS_KEYS` (see sqms.secrets_store): `data_keys` maps key ids to
base64 32-byte keys, newest first; `blind_index_key` is the HMAC key of the blind indexes.
Nothing here keeps keys in mutable module state: every call reads the settings, and the parsed
key ring is cached only under the exact settings value it was built from, so a rotated key
(or a test's override_settings) is seen at once.

A ciphertext token looks like ``v1:<key_id>:<base64url(nonce || ciphertext || tag)>``. The key
id says which key decrypts it, so old and new keys work side by side during a rotation. The
associated data binds a token to its column ("core.user.mobile"), so a token copied into
another column, or into another model, does not decrypt.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_VERSION = "v1"  # noqa: S105 -- a format tag, not a password
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_TOKEN = re.compile(r"^v1:([A-Za-z0-9_.-]{1,32}):([A-Za-z0-9_-]+)$")


class CryptoError(Exception):
    """A value could not be encrypted or decrypted."""


class UnknownKeyError(CryptoError):
    """The token names a key id that is not configured (anymore)."""


class DecryptionError(CryptoError):
    """The token is malformed, was tampered with, or belongs to another column."""


@dataclass(frozen=True)
class KeyRing:
    newest_id: str
    ciphers: Mapping[str, AESGCM]
    blind_index_key: bytes


def _decode_key(name: str, encoded: object) -> bytes:
    if not isinstance(encoded, str):
        raise ImproperlyConfigured(f"SQMS_KEYS: {name} must be a base64 string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"SQMS_KEYS: {name} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(f"SQMS_KEYS: {name} must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


@functools.lru_cache(maxsize=8)
def _build_keyring(data_keys: tuple[tuple[str, str], ...], blind_key: str) -> KeyRing:
    if not data_keys:
        raise ImproperlyConfigured("SQMS_KEYS: data_keys must name at least one key")
    ciphers: dict[str, AESGCM] = {}
    for key_id, encoded in data_keys:
        if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"SQMS_KEYS: key id {key_id!r} must be 1-32 letters, digits, '.', '_' or '-'"
            )
        ciphers[key_id] = AESGCM(_decode_key(f"data key {key_id!r}", encoded))
    return KeyRing(
        newest_id=data_keys[0][0],
        ciphers=ciphers,
        blind_index_key=_decode_key("blind_index_key", blind_key),
    )


def keyring() -> KeyRing:
    """The key ring of the current settings (cached per settings value, never stale)."""
    config: Any = getattr(settings, "SQMS_KEYS", None)
    if not isinstance(config, Mapping) or not isinstance(config.get("data_keys"), Mapping):
        raise ImproperlyConfigured("SQMS_KEYS must be a dict with 'data_keys' and a blind key")
    # dicts keep insertion order, which is how "newest first" is expressed.
    data_keys = tuple((str(k), v) for k, v in config["data_keys"].items())
    blind_key = config.get("blind_index_key")
    for name, value in (*data_keys, ("blind_index_key", blind_key)):
        if not isinstance(value, str):  # also keeps the cache key hashable
            raise ImproperlyConfigured(f"SQMS_KEYS: {name} must be a base64 string")
    return _build_keyring(data_keys, blind_key)


def current_key_id() -> str:
    return keyring().newest_id


def _associated_data(key_id: str, context: str) -> bytes:
    return f"{TOKEN_VERSION}|{key_id}|{context}".encode()


def encrypt(plaintext: str, context: str) -> str:
    """Encrypt `plaintext` under the newest key, bound to `context` (e.g. "core.user.mobile")."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.newest_id].encrypt(
        nonce, plaintext.encode(), _associated_data(ring.newest_id, context)
    )
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
    return f"{TOKEN_VERSION}:{ring.newest_id}:{body}"


def is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.match(value) is not None


def key_id_of(token: str) -> str:
    match = _TOKEN.match(token)
    if match is None:
        raise DecryptionError("not an sqms ciphertext token")
    return match.group(1)


def decrypt(token: str, context: str) -> str:
    """Decrypt a token made by `encrypt` for the same `context`, with the key its tag names."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if match is None:
        raise DecryptionError(f"{context}: stored value is not an sqms ciphertext token")
    key_id, body = match.groups()
    cipher = keyring().ciphers.get(key_id)
    if cipher is None:
        raise UnknownKeyError(f"{context}: value is encrypted under unknown key id {key_id!r}")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError(f"{context}: ciphertext is not valid base64") from exc
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError(f"{context}: ciphertext is truncated")
    try:
        plain = cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, context)
        )
    except InvalidTag as exc:
        raise DecryptionError(
            f"{context}: ciphertext failed authentication (tampered, or from another column)"
        ) from exc
    return plain.decode()


def needs_rotation(token: str) -> bool:
    """Whether a stored token is under a key other than the newest one."""
    return key_id_of(token) != current_key_id()


def blind_index(value: str, purpose: str) -> str:
    """HMAC-SHA256 (hex) of an already normalised value; `purpose` separates columns, so equal
    values in two columns give unrelated digests."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(keyring().blind_index_key, message, hashlib.sha256).hexdigest()
