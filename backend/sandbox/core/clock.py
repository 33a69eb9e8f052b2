"""The sandbox clock (real UTC plus an adjustable offset) and Meta's time formats."""
from datetime import datetime, timedelta, timezone


class SandboxClock:
    """Real UTC shifted by an offset that control endpoints and tests move forward."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self):
        return datetime.now(timezone.utc) + self.offset

    def timestamp(self):
        return self.now().timestamp()

    def advance(self, seconds):
        self.offset += timedelta(seconds=seconds)

    def set(self, moment):
        """Make `now()` return `moment` (an aware datetime) at this instant."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        self.offset = moment - datetime.now(timezone.utc)

    def reset(self):
        self.offset = timedelta(0)

    def describe(self):
        return {"now": self.now().isoformat(), "offset_seconds": self.offset.total_seconds()}


def graph_time(ts):
    """Unix seconds as Meta's ISO form with a `+0000` offset, e.g. 2019-04-05T07:56:32+0000."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def pacific_text(ts):
    """Unix seconds as Meta's expiry-message wording, e.g. 'Tuesday, 05-May-26 10:00:00 PDT'.

    Meta words these in Pacific time; a fixed UTC-7 offset keeps the sandbox free of tz data.
    """
    moment = datetime.fromtimestamp(ts, timezone(timedelta(hours=-7)))
    return moment.strftime("%A, %d-%b-%y %H:%M:%S PDT")
