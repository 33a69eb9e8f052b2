"""Access tokens encrypted at rest with MultiFernet; key loading, and rotation."""
import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

DEV_KEY_FILE = "instagram_token.key"


class TokenKeyError(RuntimeError):
    """The token encryption keys are missing or unusable."""


class TokenCipher:
    """Encrypts with the first key; decrypts with any of them (so old keys keep working)."""

    def __init__(self, keys):
        if not keys:
            raise TokenKeyError("at least one token key is needed")
        try:
            self._fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        except (ValueError, TypeError) as exc:
            raise TokenKeyError("INSTAGRAM_TOKEN_KEYS holds a key that is not a valid Fernet "
                                "key (32 url-safe base64-encoded bytes)") from exc
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, token):
        return self._multi.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext):
        try:
            return self._multi.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise TokenKeyError("a stored token cannot be decrypted with the configured keys") \
                from exc

    def rotate(self, ciphertext):
        """Re-encrypt under the first (newest) key; TokenKeyError when no key reads it."""
        try:
            return self._multi.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise TokenKeyError("a stored token cannot be decrypted with the configured keys") \
                from exc


def parse_keys(value):
    return [k.strip() for k in (value or "").split(",") if k.strip()]


def configured_cipher(keys_setting, *, sandbox):
    """The cipher of INSTAGRAM_TOKEN_KEYS (comma-separated Fernet keys, newest first), or
    None when it is empty in sandbox mode. Raises TokenKeyError when a key is not a Fernet
    key, or when none is set outside sandbox mode. Reads no file (gunicorn's master checks
    the settings with it before any worker starts)."""
    keys = parse_keys(keys_setting)
    if keys:
        return TokenCipher(keys)
    if not sandbox:
        raise TokenKeyError(
            "INSTAGRAM_TOKEN_KEYS is not set. Tokens must be encrypted with a key you keep: "
            "generate one with `python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\"` and put it in .env.")
    return None


def load_cipher(keys_setting, *, sandbox, instance_path):
    """The cipher from INSTAGRAM_TOKEN_KEYS, or in sandbox mode a generated development key
    kept in the instance folder. Outside sandbox mode a missing key is an error."""
    cipher = configured_cipher(keys_setting, sandbox=sandbox)
    if cipher is not None:
        return cipher
    path = os.path.join(instance_path, DEV_KEY_FILE)
    os.makedirs(instance_path, exist_ok=True)
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(Fernet.generate_key().decode())
    log.warning("INSTAGRAM_TOKEN_KEYS is not set: using the development key in %s "
                "(sandbox mode only; set INSTAGRAM_TOKEN_KEYS for real accounts)", path)
    with open(path) as handle:
        return TokenCipher([handle.read().strip()])
