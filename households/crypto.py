"""ID numbers encrypted at rest (Fernet) with a keyed digest (HMAC-SHA256) for uniqueness.

The key comes from settings.FIELD_ENCRYPTION_KEY (one Fernet key, or several separated by
commas: the first encrypts, all decrypt, so keys can be rotated); when empty it is derived from
SECRET_KEY. The digest key is derived from the *last* key of the list, so adding a new key in
front keeps every stored digest valid. See docs/households.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_key(material: str) -> bytes:
    raw = material.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (ValueError, TypeError):
        pass
    # Not a Fernet key (e.g. a passphrase or SECRET_KEY): derive one.
    return base64.urlsafe_b64encode(hashlib.sha256(b"smartvillage-id-fernet:" + raw).digest())


@lru_cache(maxsize=4)
def _keys(field_key: str, secret_key: str) -> tuple[MultiFernet, bytes]:
    materials = [k for k in field_key.split(",") if k.strip()] or [secret_key]
    fernet = MultiFernet([Fernet(_fernet_key(m)) for m in materials])
    digest_key = hashlib.sha256(b"smartvillage-id-digest:" + materials[-1].strip().encode())
    return fernet, digest_key.digest()


def _current() -> tuple[MultiFernet, bytes]:
    return _keys(settings.FIELD_ENCRYPTION_KEY or "", settings.SECRET_KEY)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _current()[0].encrypt(value.encode()).decode()


class WrongKeyError(RuntimeError):
    """The stored ID numbers cannot be decrypted with FIELD_ENCRYPTION_KEY."""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current()[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Wrong key: fail loudly. Answering "" would show an empty ID number in the edit form,
        # and saving that form would erase the stored number. Never shows the ciphertext.
        raise WrongKeyError(
            "FIELD_ENCRYPTION_KEY cannot decrypt a stored ID number: restore the previous key "
            "(keep it after the new one, comma-separated, when rotating)."
        ) from exc


def digest(value: str) -> str | None:
    if not value:
        return None
    return hmac.new(_current()[1], value.encode(), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """022******345 for a 12-digit number, 022***345 for a 9-digit one."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]
