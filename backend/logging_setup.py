"""Logging for the platform: one format, and secrets scrubbed from every record."""
import logging

# The integration's client owns the one redaction (it runs without the platform too).
from backend.services.instagram.graph.redaction import RedactingFormatter, install_record_redaction


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
