from datetime import datetime, timedelta, timezone
import pytest
from tests.publishing.test_scheduling_e2e import Scheduler, iso, HOUR  # noqa
from tests.publishing.test_publish_e2e import sandbox_publishes


@pytest.fixture
def pub(live, live_user, connect_account, sandbox):
    headers = live_user()
    return Scheduler(live, sandbox, headers, connect_account(headers))


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))
