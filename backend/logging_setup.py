"""Logging for the platform: one format, and secrets scrubbed from every record."""
import logging
import re

# Query/form parameters and JSON fields that carry secrets, in URLs, bodies or messages.
SECRET_PARAMS = ("access_token", "client_secret", "fb_exchange_token", "input_token",
                 "appsecret_proof", "refresh_token", "password", "long_lived_token")
_PARAM_RE = re.compile(
    r"(?P<key>\b(?:%s)\b)(?P<sep>\"?\s*[=:]\s*\"?)(?P<value>[^&\s\"',}]+)"
    % "|".join(SECRET_PARAMS), re.IGNORECASE)
# OAuth codes only in URLs: "code" alone is too common a word (error codes) to scrub.
_CODE_RE = re.compile(r"([?&]code=)[^&\s#\"']+")
_BEARER_RE = re.compile(r"\b(Bearer|OAuth)\s+[A-Za-z0-9._\-|]+", re.IGNORECASE)
# Meta's token shapes: Instagram (IG...), Facebook (EAA...), long enough not to hit words.
_TOKEN_RE = re.compile(r"\b(?:IG[A-Za-z0-9]{2}|EAA)[A-Za-z0-9_\-]{20,}")


def redact(text):
    """Replace anything that looks like a token or secret in text with [REDACTED]."""
    if not text:
        return text
    text = _PARAM_RE.sub(lambda m: f"{m.group('key')}{m.group('sep')}[REDACTED]", text)
    text = _CODE_RE.sub(r"\1[REDACTED]", text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} [REDACTED]", text)
    return _TOKEN_RE.sub("[REDACTED]", text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the whole line (message, arguments and traceback)."""

    def format(self, record):
        return redact(super().format(record))


_installed = False


def install_record_redaction():
    """Scrub secrets when any log record is created, so every handler sees clean text."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def configure_logging(level="INFO"):
    """Root handler with the redacting formatter; quiet urllib3 (it logs full URLs)."""
    install_record_redaction()
    root = logging.getLogger()
    if not any(getattr(h, "_platform", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._platform = True
        handler.setFormatter(RedactingFormatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
