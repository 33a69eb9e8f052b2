"""`story_insights` events: sent about an hour after a story expires, with its final figures."""
from ..core.context import get_state
from ..insights.engagement import media_figures
from ..media.objects import STORY_SECONDS
from ..media.objects import store as media_store
from .delivery import notify, route, store

SENT_AFTER_EXPIRY = 3600  # Meta: "Sent 1 hour after the story expires"
THRESHOLD = 5  # Meta sends -1 for counts under 5


def story_values(media):
    """The story's figures as they stood when it expired; counts under 5 as -1."""
    figures = media_figures(media, media.timestamp + STORY_SECONDS)
    navigation = figures["navigation"]
    counts = {"exits": navigation["tap_exit"], "replies": figures["replies"],
              "reach": figures["reach"], "taps_forward": navigation["tap_forward"],
              "taps_back": navigation["tap_back"], "impressions": figures["views"]}
    return {"media_id": media.id,
            **{name: value if value >= THRESHOLD else -1 for name, value in counts.items()}}


def deliver_due(options=None):
    """Send story_insights for every story of a subscribed account that expired (an hour
    ago, on the sandbox clock) since the account subscribed, once per story."""
    state, hooks = get_state(), store()
    now, results = state.now(), []
    for account in list(state.accounts.ig_accounts.values()):
        found = route(account, "story_insights")
        if found is None:
            continue
        since = found[1]
        due = [media for media in media_store().all_of(account)
               if media.is_story and media.id not in hooks.stories_sent
               and since < media.timestamp + STORY_SECONDS + SENT_AFTER_EXPIRY <= now]
        if due:
            hooks.stories_sent.update(media.id for media in due)
            results.append({"account": account.username, "stories": [m.id for m in due],
                            **notify(account, "story_insights",
                                     [story_values(m) for m in due], options)})
    return results
