"""Call accounting behind the X-App-Usage and X-Business-Use-Case-Usage headers and throttling."""
import json
import math
from collections import defaultdict, deque

from .errors import GraphError

WINDOW_SECONDS = 3600
# Synthetic costs: each call uses these fractions of the time budgets, so call_count is the
# first figure to reach 100 and drives throttling.
_TIME_SHARE = 0.6
_CPU_SHARE = 0.4


class UsageMeter:
    """Rolling-hour call counts per app and per (app, Instagram account) on the sandbox clock.

    Every Graph call counts, throttled ones included: Meta warns that calls made while limited
    extend the block.
    """

    def __init__(self):
        self._calls = defaultdict(deque)

    def record(self, key, now):
        """Count a call and return how many calls `key` had in the window before it."""
        window = self._window(key, now)
        before = len(window)
        window.append(now)
        return before

    def figures(self, key, now, budget):
        """Usage percentages, and minutes until a throttled key is below its budget again."""
        window = self._window(key, now)
        if budget <= 0:
            return {"call_count": 0, "total_time": 0, "total_cputime": 0}, 0
        calls = len(window)
        percent = calls * 100 / budget
        regain = 0
        if calls >= budget:
            # The call that must leave the window for the count to drop below the budget.
            leaving = window[calls - budget]
            regain = max(1, math.ceil((leaving + WINDOW_SECONDS - now) / 60))
        return {"call_count": int(percent), "total_time": int(percent * _TIME_SHARE),
                "total_cputime": int(percent * _CPU_SHARE)}, regain

    def _window(self, key, now):
        window = self._calls[key]
        if window and window[-1] > now:
            # The clock went back (a test's time travel ended): later calls never happened.
            window = self._calls[key] = deque(t for t in window if t <= now)
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        return window

    def reset_key(self, key):
        self._calls.pop(key, None)


def _compact(value):
    return json.dumps(value, separators=(",", ":"))


def app_key(app_id):
    return ("app", app_id)


def account_key(app_id, professional_id):
    return ("account", app_id, professional_id)


def charge_app(meter, app_id, now, budget, enforce=True):
    """Count an app call; raise 4 when the app was already at its budget and `enforce`.

    Calls on an Instagram account are limited by its Business Use Case budget instead (Meta:
    where both could apply, BUC wins), so they are counted here but not refused.
    """
    before = meter.record(app_key(app_id), now)
    if enforce and 0 < budget <= before:
        raise GraphError(4, is_transient=True)


def charge_account(meter, app_id, professional_id, now, budget):
    """Count a call on an Instagram account; raise 80002 when it was already at its budget."""
    before = meter.record(account_key(app_id, professional_id), now)
    if 0 < budget <= before:
        raise GraphError(80002, is_transient=True)


def _buc_header(professional_id, figures, regain):
    entry = {"type": "instagram", "call_count": figures["call_count"],
             "total_cputime": figures["total_cputime"], "total_time": figures["total_time"],
             "estimated_time_to_regain_access": regain}
    return _compact({professional_id: [entry]})


def usage_headers(meter, app_id, professional_id, now, budget):
    """The usage headers of one response (the BUC header only for an account's calls)."""
    figures, _ = meter.figures(app_key(app_id), now, budget)
    headers = {"X-App-Usage": _compact(figures)}
    if professional_id:
        figures, regain = meter.figures(account_key(app_id, professional_id), now, budget)
        headers["X-Business-Use-Case-Usage"] = _buc_header(professional_id, figures, regain)
    return headers


def exhausted_headers(professional_id, regain_minutes):
    """Usage headers at 100% whatever the meter says (a fault's `usage_exhausted`)."""
    figures = {"call_count": 100, "total_time": 100, "total_cputime": 100}
    headers = {"X-App-Usage": _compact(figures)}
    if professional_id:
        headers["X-Business-Use-Case-Usage"] = _buc_header(professional_id, figures,
                                                           regain_minutes)
    return headers
