"""The insights sync job: decaying schedule, stories before expiry, accounts daily, budget."""
from datetime import datetime, timedelta, timezone

import pytest
import requests
import time_machine

from backend.extensions import db, scheduler
from backend.models import SNSAccount, SNSAnalytics, SNSPost, utcnow
from backend.services.instagram.insights.jobs import next_check, sync_insights
from backend.services.instagram.settings import resolve
from tests.insights.test_insights_e2e import Insights

pytestmark = pytest.mark.e2e
SETTINGS = resolve({}, {})
H = timedelta(hours=1)


@pytest.fixture
def setup(live, live_user, connect_account, sandbox):
    headers = live_user()
    return Insights(live, sandbox, headers, connect_account(headers))


def run_sync(app, at):
    """The job as the scheduler runs it, at a chosen time (no sleeping)."""
    with time_machine.travel(at, tick=False):
        with app.app_context():
            return sync_insights(app)


def fetches(app, post_id):
    """How many times the post's insights were stored (one fetch = one fetched_at)."""
    with app.app_context():
        return len({row.fetched_at for row in SNSAnalytics.query.filter_by(post_id=post_id)})


def test_schedule_decays_then_goes_daily_until_the_maximum_age():
    published = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
    assert next_check(published, published, False, SETTINGS) == published + H
    assert next_check(published, published + H, False, SETTINGS) == published + 6 * H
    assert next_check(published, published + 7 * H, False, SETTINGS) == published + 24 * H
    assert next_check(published, published + 25 * H, False, SETTINGS) == published + 48 * H
    assert next_check(published, published + timedelta(days=29, hours=23), False,
                      SETTINGS) == published + timedelta(days=30)  # the last one
    assert next_check(published, published + timedelta(days=30), False, SETTINGS) is None
    assert next_check(published, published + 7 * H, True, SETTINGS) == published + 22 * H
    assert next_check(published, published + 22 * H, True, SETTINGS) is None


def test_sync_follows_the_schedule_and_captures_stories_before_they_expire(setup, app):
    start = utcnow()
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    story = setup.publish(app, "/stories", {"image_url": setup.image(w=1080, h=1920)})
    stats = run_sync(app, start + timedelta(minutes=30))
    assert stats == {"accounts_synced": 1}  # nothing due yet for the posts
    assert fetches(app, image["id"]) == fetches(app, story["id"]) == 0
    plan = [(65, 1, 1), (70, 1, 1), (6 * 60 + 5, 2, 2), (22 * 60 + 5, 2, 3),
            (24 * 60 + 5, 3, 3), (30 * 60, 3, 3), (48 * 60 + 5, 4, 3)]
    for minutes, image_fetches, story_fetches in plan:
        run_sync(app, start + timedelta(minutes=minutes))
        assert (fetches(app, image["id"]), fetches(app, story["id"])) == (
            image_fetches, story_fetches), minutes
    with app.app_context():
        story_row = db.session.get(SNSPost, story["id"])
        assert story_row.insights_next_at is None  # its schedule ended before expiry
    history = setup.get(f"/{story['id']}/insights/history", metrics="reach").json()
    assert len(history["series"]["reach"]) == 3
    with time_machine.travel(start + timedelta(days=3)):
        account = setup.get(f"/accounts/{setup.account['id']}/insights/history",
                            metrics="views").json()
    days = account["series"]["views"]
    assert len(days) == 3  # one stored total per UTC day the sync ran
    assert all(p["end_time"] > p["start_time"] for p in days)


def test_sync_spends_at_most_its_share_of_the_account_budget(setup, app):
    start = utcnow()
    posts = [setup.publish(app, "/posts", {"image_url": setup.image()}) for _ in range(7)]
    # An hour later the publishing calls left Meta's window; the budget is now 10 calls an
    # hour, and the sync may use half of it.
    setup.sandbox_settings(usage_calls_per_hour=10)
    stats = run_sync(app, start + 65 * timedelta(minutes=1))
    assert stats["posts_available"] == 5 and stats["posts_deferred"] == 2
    assert stats["accounts_deferred"] == 1
    assert sum(fetches(app, p["id"]) for p in posts) == 5
    # Two hours on, the window has room again: the rest is done.
    stats = run_sync(app, start + timedelta(hours=3))
    assert sum(1 for p in posts if fetches(app, p["id"])) == 7


def test_sync_stops_for_an_account_that_needs_reauthentication(setup, app, sandbox):
    start = utcnow()
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    assert requests.post(
        f"{sandbox.url}/_sandbox/accounts/sandbox_business/invalidate").ok
    stats = run_sync(app, start + 2 * H)
    assert stats == {"accounts_need_reauth": 1}
    with app.app_context():
        assert db.session.get(SNSAccount, setup.account["id"]).status == "needs_reauth"
    assert run_sync(app, start + 3 * H) == {}  # no more calls for it
    assert fetches(app, image["id"]) == 0
    stored = setup.get(f"/{image['id']}/insights").json()
    assert stored["error"]["code"] == "account_needs_reauth"


def test_reading_insights_early_does_not_cancel_the_schedule(setup, app):
    start = utcnow()
    image = setup.publish(app, "/posts", {"image_url": setup.image()})
    with time_machine.travel(start + timedelta(minutes=20)):
        assert setup.get(f"/{image['id']}/insights").json()["insights"]["status"] == "available"
    run_sync(app, start + timedelta(minutes=65))
    assert fetches(app, image["id"]) == 2  # the user's read, then the schedule's first


def test_one_account_never_starves_another(setup, app, live_user, connect_account):
    from backend.services.instagram.core.runtime import runtime
    start = utcnow()
    busy = [setup.publish(app, "/posts", {"image_url": setup.image()}) for _ in range(3)]
    headers = live_user("bob@example.com")
    other = Insights(setup.live, setup.sandbox, headers,
                     connect_account(headers, persona="creator"))
    quiet = other.publish(app, "/posts", {"image_url": other.image()})
    runtime(app).settings.INSTAGRAM_INSIGHTS_BATCH_SIZE = 2
    stats = run_sync(app, start + 2 * H)
    assert stats["posts_available"] == 3
    assert [fetches(app, p["id"]) for p in busy] == [1, 1, 0]
    assert fetches(app, quiet["id"]) == 1


def test_the_sync_is_a_scheduled_job(app):
    job = scheduler.scheduler.get_job("instagram_sync_insights")
    assert job is not None
    assert job.trigger.interval == timedelta(minutes=15)


def test_operators_can_run_one_pass_from_the_command_line(setup, app):
    start = utcnow()
    setup.publish(app, "/posts", {"image_url": setup.image()})
    with time_machine.travel(start + 2 * H, tick=False):
        result = app.test_cli_runner().invoke(args=["instagram", "sync-insights"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "accounts_synced 1, posts_available 1"
