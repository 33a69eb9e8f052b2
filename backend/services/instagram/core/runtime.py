"""The integration's per-app runtime: settings, token cipher, shared HTTP session and guards."""
from dataclasses import dataclass, field

import requests
from flask import current_app

from backend.services.instagram.core.metrics import Metrics


@dataclass
class InstagramRuntime:
    """Everything the integration shares across requests and jobs of one app."""

    settings: dict
    cipher: object
    session: requests.Session = field(default_factory=requests.Session)
    metrics: Metrics = field(default_factory=Metrics)
    usage: object = None
    breaker: object = None
    observer: object = None
    quota_cache: dict = field(default_factory=dict)
    # Metrics Meta refused lately, per (version, kind); see insight_catalogue.RejectedMetrics.
    rejected_metrics: object = None
    # Bounds how many uploaded images are decoded at once (preflight.uploads.ConversionGate).
    conversions: object = None


def runtime(app=None):
    return (app or current_app).extensions["instagram"]
