"""Each waiting post on its own timer: looked at when its next check is due, not on a tick.

The periodic job (INSTAGRAM_PUBLISH_POLL_SECONDS) stays as the safety net: it finds posts
whose timer was in another process or was lost with a restart. A timer only triggers the
same leased work as the job, so a timer and the job never both work on a post.
"""
from backend.extensions import scheduler
from backend.models import utcnow


def schedule(post, work):
    """Ask for `work(app, post_id)` at the post's next check; False when no scheduler runs
    in this process (the periodic job will find the post)."""
    if post.next_check_at is None:
        return False
    # A time already past runs now (APScheduler would drop it as a missed run).
    when = max(post.next_check_at, utcnow())
    return scheduler.run_once_at(f"instagram_post_{post.id}", work, when, post.id)
