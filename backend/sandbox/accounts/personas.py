"""Seeded personas: Instagram accounts, their Facebook users and Pages, with stable ids."""
import hashlib
import re
from dataclasses import dataclass, field

PERSONAS = {
    "business": {"account_type": "BUSINESS", "followers": 1520, "follows": 180,
                 "category": "Brand", "extra_page": "Blog"},
    "creator": {"account_type": "MEDIA_CREATOR", "followers": 12800, "follows": 412,
                "category": "Digital creator", "extra_page": None},
    "personal": {"account_type": "PERSONAL", "followers": 240, "follows": 310,
                 "category": "Personal blog", "extra_page": None},
}
DEFAULT_PERSONA = "business"
PAGE_TASKS = ("ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE")
USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$")
# Seeded personas use numbers 1..3; others derive theirs from the username's hash.
_HASHED_BASE = 1000
_HASHED_SPAN = 10 ** 10


@dataclass
class IGAccount:
    """An Instagram professional (or personal) account."""

    number: int
    username: str
    persona: str
    account_type: str
    name: str
    biography: str
    website: str
    followers_count: int
    follows_count: int
    media_count: int = 0
    kind = "ig_account"

    @property
    def professional_id(self):
        """The IG User id (Facebook Login `id`, Instagram Login `user_id`, webhook entry id)."""
        return f"178414{self.number:011d}"

    @property
    def app_scoped_id(self):
        """The Instagram-Login app-scoped user id (`id` on graph.instagram.com)."""
        return f"26{self.number:015d}"

    @property
    def ig_id(self):
        """The legacy Instagram user id (`ig_id` on graph.facebook.com)."""
        return f"4{self.number:011d}"

    @property
    def fb_user_id(self):
        return f"10{self.number:014d}"


@dataclass
class FBUser:
    """The Facebook user who logs in through Facebook Login and manages the Pages."""

    id: str
    name: str
    username: str
    page_ids: list = field(default_factory=list)
    kind = "fb_user"


@dataclass
class Page:
    """A Facebook Page, optionally linked to an Instagram professional account."""

    id: str
    name: str
    category: str
    owner_id: str
    ig_account_id: str = None
    tasks: tuple = PAGE_TASKS
    kind = "page"


class AccountStore:
    """All accounts, users and Pages, found by any of their ids or by username."""

    def __init__(self):
        self.ig_accounts = {}  # professional id -> IGAccount
        self.by_username = {}
        self.fb_users = {}
        self.pages = {}
        self._index = {}  # every id -> object
        for number, persona in enumerate(PERSONAS, start=1):
            self._create(f"sandbox_{persona}", persona, number)

    def find(self, object_id):
        return self._index.get(str(object_id))

    def default_for(self, persona):
        return self.by_username[f"sandbox_{persona}"]

    def pick(self, persona, username=None):
        """The account to log in as: an existing username, else a new one of `persona`."""
        if not username:
            return self.default_for(persona)
        if username in self.by_username:
            return self.by_username[username]
        return self._create(username, persona, self._number_for(username))

    def fb_user_of(self, account):
        return self.fb_users[account.fb_user_id]

    def account_of_user(self, user):
        return self.by_username[user.username]

    def pages_of(self, user):
        return [self.pages[page_id] for page_id in user.page_ids]

    def linked_page(self, account):
        """The Page whose `instagram_business_account` is `account`, if any."""
        for page in self.pages_of(self.fb_user_of(account)):
            if page.ig_account_id == account.professional_id:
                return page
        return None

    def _number_for(self, username):
        digest = int(hashlib.sha256(username.encode()).hexdigest(), 16)
        number = _HASHED_BASE + digest % _HASHED_SPAN
        while any(a.number == number for a in self.ig_accounts.values()):
            number += 1
        return number

    def _create(self, username, persona, number):
        spec = PERSONAS[persona]
        title = username.replace("_", " ").replace(".", " ").title()
        account = IGAccount(
            number=number, username=username, persona=persona,
            account_type=spec["account_type"], name=title,
            biography=f"{title}: a {persona} account of the Graph API sandbox.",
            website=f"https://example.com/{username}",
            followers_count=spec["followers"], follows_count=spec["follows"])
        user = FBUser(id=account.fb_user_id, name=f"{title} Owner", username=username)
        linked = None if persona == "personal" else account.professional_id
        pages = [Page(id=f"105{number:011d}01", name=f"{title} Page", category=spec["category"],
                      owner_id=user.id, ig_account_id=linked)]
        if spec["extra_page"]:
            pages.append(Page(id=f"105{number:011d}02", name=f"{title} {spec['extra_page']}",
                              category="Blog", owner_id=user.id))
        user.page_ids = [page.id for page in pages]
        self.ig_accounts[account.professional_id] = account
        self.by_username[username] = account
        self.fb_users[user.id] = user
        for obj_id, obj in [(account.professional_id, account), (account.app_scoped_id, account),
                            (user.id, user)] + [(page.id, page) for page in pages]:
            self._index[obj_id] = obj
        for page in pages:
            self.pages[page.id] = page
        return account

    def snapshot(self):
        """The accounts as what creates them; users and Pages follow from these."""
        return [{"username": a.username, "persona": a.persona, "number": a.number}
                for a in self.ig_accounts.values()]

    def restore(self, rows):
        for row in rows:
            if row["username"] not in self.by_username:
                self._create(row["username"], row["persona"], int(row["number"]))

    def listing(self):
        """Accounts as JSON-ready dicts for the control endpoint."""
        rows = []
        for account in self.ig_accounts.values():
            user = self.fb_user_of(account)
            rows.append({
                "username": account.username, "persona": account.persona,
                "account_type": account.account_type, "name": account.name,
                "professional_id": account.professional_id,
                "app_scoped_id": account.app_scoped_id, "ig_id": account.ig_id,
                "facebook_user": {"id": user.id, "name": user.name},
                "pages": [{"id": p.id, "name": p.name,
                           "instagram_business_account": p.ig_account_id}
                          for p in self.pages_of(user)],
            })
        return rows
