"""Permission names each login accepts, and the `scope` parameter's comma/space syntax."""
import re

IG_REQUIRED = "instagram_business_basic"
IG_SCOPES = (
    IG_REQUIRED, "instagram_business_content_publish", "instagram_business_manage_comments",
    "instagram_business_manage_messages", "instagram_business_manage_insights",
)
# Removed on 2025-01-27; Meta's dialog rejects them.
IG_DEPRECATED = ("business_basic", "business_content_publish", "business_manage_comments",
                 "business_manage_messages")

FB_ALWAYS = "public_profile"
FB_SCOPES = (
    FB_ALWAYS, "email", "instagram_basic", "instagram_content_publish",
    "instagram_manage_comments", "instagram_manage_insights", "instagram_manage_messages",
    "pages_show_list", "pages_read_engagement", "pages_manage_metadata", "pages_manage_posts",
    "business_management", "ads_management", "ads_read",
)
# What a Facebook Login for Business `config_id` grants in the sandbox.
FB_CONFIG_SCOPES = (
    "instagram_basic", "instagram_content_publish", "instagram_manage_comments",
    "instagram_manage_insights", "pages_show_list", "pages_read_engagement",
    "business_management",
)

# The permission each kind of call needs, by login (Instagram Login, Facebook Login).
CAPABILITY_SCOPES = {
    "publish": {"instagram": "instagram_business_content_publish",
                "facebook": "instagram_content_publish"},
    "insights": {"instagram": "instagram_business_manage_insights",
                 "facebook": "instagram_manage_insights"},
    "comments": {"instagram": "instagram_business_manage_comments",
                 "facebook": "instagram_manage_comments"},
    "messages": {"instagram": "instagram_business_manage_messages",
                 "facebook": "instagram_manage_messages"},
}


def split_scopes(values):
    """Scope names from one or more comma- or space-separated values, first mention first."""
    if isinstance(values, str):
        values = [values]
    names = []
    for value in values:
        for name in re.split(r"[,\s]+", value or ""):
            if name and name not in names:
                names.append(name)
    return names


def unknown_scopes(names, facebook):
    known = FB_SCOPES if facebook else IG_SCOPES
    return [name for name in names if name not in known]
