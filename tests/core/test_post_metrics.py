"""Posts as an operator watches them: the "oldest waiting" gauge behind InstagramPostsStuck and
the publish-duration histogram count from when a post was due, never from a schedule's wait."""
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.extensions import db
from backend.models import SNSPost, utcnow
from backend.services.instagram.core.metrics import observe_finished_post
from tests.prom import sample
from tests.rows import user_and_account


@pytest.fixture
def add_post(app):
    with app.app_context():
        user, account = user_and_account("stuck@b.co")
        db.session.commit()
        ids = (user.id, account.id)

    def add(status, created_ago, publish_in=None, **fields):
        now = utcnow()
        with app.app_context():
            post = SNSPost(user_id=ids[0], account_id=ids[1], post_type="reels", status=status,
                           created_at=now - created_ago,
                           publish_at=None if publish_in is None else now + publish_in,
                           **fields)
            db.session.add(post)
            db.session.commit()
            return post.id
    return add


def oldest_waiting(client):
    text = client.get("/metrics").get_data(as_text=True)
    [value] = [s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "instagram_post_oldest_waiting_seconds"]
    return value


def test_a_scheduled_reel_started_ahead_of_its_time_is_not_stuck(client, add_post):
    # Created three days ago for tomorrow... its containers are made an hour ahead.
    add_post("container_created", timedelta(days=3), publish_in=timedelta(minutes=50))
    add_post("scheduled", timedelta(days=9), publish_in=timedelta(days=1))  # not started
    assert oldest_waiting(client) == 0


def test_an_immediate_post_ages_from_its_request(client, add_post):
    add_post("container_created", timedelta(days=3), publish_in=timedelta(minutes=50))
    add_post("processing", timedelta(minutes=10))
    assert 590 <= oldest_waiting(client) <= 620


def test_a_scheduled_post_still_waiting_after_its_time_ages_from_that_time(client, add_post):
    add_post("publishing", timedelta(days=3), publish_in=-timedelta(minutes=70))
    assert 70 * 60 - 5 <= oldest_waiting(client) <= 70 * 60 + 30  # InstagramPostsStuck: > 3600


def test_publish_duration_counts_from_the_scheduled_time(app, add_post):
    post_id = add_post("published", timedelta(days=3), publish_in=-timedelta(minutes=2))
    before = sample("instagram_post_publish_duration_seconds_sum", post_type="reels")
    with app.app_context():
        post = db.session.get(SNSPost, post_id)
        post.published_at = post.publish_at + timedelta(seconds=90)
        observe_finished_post(post)
    assert sample("instagram_post_publish_duration_seconds_sum",
                  post_type="reels") == pytest.approx(before + 90)


def test_publish_duration_of_an_immediate_post_counts_from_its_request(app, add_post):
    post_id = add_post("published", timedelta(minutes=5))
    before = sample("instagram_post_publish_duration_seconds_sum", post_type="reels")
    with app.app_context():
        post = db.session.get(SNSPost, post_id)
        post.published_at = post.created_at + timedelta(seconds=40)
        observe_finished_post(post)
    assert sample("instagram_post_publish_duration_seconds_sum",
                  post_type="reels") == pytest.approx(before + 40)
