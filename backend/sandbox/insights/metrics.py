"""The insights metric catalogue (contract 4.1, 4.2): names, titles, removals, breakdowns."""
from ..core.errors import GraphError, missing_parameter

TITLES = {
    "views": ("Views", "The number of times your content was played or displayed."),
    "reach": ("Accounts reached", "The number of unique accounts that saw your content at "
              "least once."),
    "likes": ("Likes", "The number of likes on your content."),
    "comments": ("Comments", "The number of comments on your content."),
    "shares": ("Shares", "The number of shares of your content."),
    "saved": ("Saved", "The number of saves of your content."),
    "saves": ("Saves", "The number of saves of your content."),
    "total_interactions": ("Interactions", "Likes, saves, comments and shares, minus the "
                           "unlikes, unsaves and deleted comments."),
    "profile_visits": ("Profile visits", "The number of times your profile was visited."),
    "follows": ("Follows", "The number of accounts that started following you."),
    "profile_activity": ("Profile activity", "Actions people took on your profile after "
                         "engaging with your content."),
    "replies": ("Replies", "The number of replies to your story."),
    "navigation": ("Navigation", "Taps forward and back, exits and swipes on your story."),
    "ig_reels_avg_watch_time": ("Average watch time", "The average time your reel was "
                                "played, in milliseconds."),
    "ig_reels_video_view_total_time": ("Total watch time", "The total time your reel was "
                                       "played, in milliseconds, replays included."),
    "accounts_engaged": ("Accounts engaged", "The number of accounts that interacted with "
                         "your content."),
    "reposts": ("Reposts", "The number of reposts of your content."),
    "profile_links_taps": ("Profile links taps", "Taps on the links and buttons of your "
                           "profile."),
    "follows_and_unfollows": ("Follows and unfollows", "Accounts that followed or unfollowed "
                              "you."),
    "profile_views": ("Profile views", "The number of times your profile was viewed."),
    "follower_count": ("Follower count", "The number of new followers per day."),
    "online_followers": ("Online followers", "Your followers online per hour of the day."),
    "follower_demographics": ("Follower demographics", "Your followers by age, gender, country "
                              "or city."),
    "engaged_audience_demographics": ("Engaged audience demographics", "The accounts that "
                                      "engaged with your content by age, gender, country or "
                                      "city."),
}

_FEED = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
         "profile_visits", "follows", "profile_activity")
MEDIA_METRICS = {
    "FEED": _FEED,
    "REELS": ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
              "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"),
    "STORY": ("views", "reach", "replies", "shares", "total_interactions", "follows",
              "profile_visits", "profile_activity", "navigation"),
}
REMOVED_MEDIA_METRICS = (
    "impressions", "plays", "video_views", "clips_replays_count",
    "ig_reels_aggregated_all_plays_count", "taps_forward", "taps_back", "exits", "engagement",
    "carousel_album_engagement", "carousel_album_impressions", "carousel_album_reach",
    "carousel_album_saved", "carousel_album_video_views")
STORY_BREAKDOWN = "story_navigation_action_type"

INTERACTION_METRICS = ("views", "reach", "accounts_engaged", "total_interactions", "likes",
                       "comments", "shares", "saves", "replies", "reposts",
                       "profile_links_taps", "follows_and_unfollows", "profile_views")
DAY_SERIES = ("reach", "follower_count")
LIFETIME_SERIES = ("online_followers",)
DEMOGRAPHICS = ("follower_demographics", "engaged_audience_demographics")
ACCOUNT_METRICS = INTERACTION_METRICS + ("follower_count",) + LIFETIME_SERIES + DEMOGRAPHICS
REMOVED_ACCOUNT_METRICS = ("impressions", "email_contacts", "get_direction_clicks",
                           "text_message_clicks", "website_clicks", "phone_call_clicks")
# Metrics Meta reports only for accounts with at least 100 followers.
MIN_FOLLOWERS = 100
NEEDS_FOLLOWERS = ("follower_count", "online_followers") + DEMOGRAPHICS

BREAKDOWN_VALUES = {
    "follower_type": ("FOLLOWER", "NON_FOLLOWER"),
    "media_product_type": ("FEED", "REELS", "STORY"),
    "follow_type": ("FOLLOWER", "NON_FOLLOWER"),
    "contact_button_type": ("BOOK_NOW", "CALL", "DIRECTION", "EMAIL", "TEXT", "UNDEFINED"),
    "age": ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("F", "M", "U"),
    "country": ("US", "GB", "DE", "FR", "BR", "IN", "ES", "JP"),
    "city": ("London, England", "New York, New York", "Berlin, Berlin", "Paris, Ile-de-France",
             "Sao Paulo, Sao Paulo", "Mumbai, Maharashtra", "Madrid, Madrid", "Tokyo, Tokyo"),
}
_BY_PRODUCT = ("media_product_type",)
TOTAL_BREAKDOWNS = {
    "views": ("follower_type", "media_product_type"),
    "reach": ("follower_type", "media_product_type"),
    "total_interactions": _BY_PRODUCT, "likes": _BY_PRODUCT, "comments": _BY_PRODUCT,
    "shares": _BY_PRODUCT, "saves": _BY_PRODUCT, "replies": _BY_PRODUCT,
    "follows_and_unfollows": ("follow_type",), "profile_links_taps": ("contact_button_type",),
}
DEMOGRAPHIC_BREAKDOWNS = ("age", "gender", "country", "city")
TIMEFRAMES = ("this_week", "this_month")


def metric_names(params):
    """The comma-separated `metric` parameter (required)."""
    names = [name.strip() for name in (params.get("metric") or "").split(",") if name.strip()]
    if not names:
        raise missing_parameter("metric")
    return names


def not_supported(name, api="Media Insights API", what="media product type"):
    return GraphError(100, f"(#100) The {api} does not support the {name} metric for this "
                           f"{what}")


def one_of(index, valid):
    return GraphError(100, f"(#100) metric[{index}] must be one of the following values: "
                           f"{', '.join(valid)}")


def entry(owner_id, name, period, **body):
    """One metric of an insights answer, in Meta's key order."""
    title, description = TITLES[name]
    return {"name": name, "period": period, **body, "title": title,
            "description": description, "id": f"{owner_id}/insights/{name}/{period}"}
