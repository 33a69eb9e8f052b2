"""The sandbox's in-memory state: settings, clock, accounts, tokens, faults and usage."""
import threading
from datetime import timedelta

from ..accounts.personas import AccountStore
from ..oauth.tokens import TokenStore
from .clock import SandboxClock
from .faults import BUILTIN_ACTIONS, FaultQueue
from .persistence import FORMAT
from .settings import DEFAULTS, Settings, validate
from .usage import UsageMeter


class SandboxState:
    """Everything a sandbox knows, behind one re-entrant lock.

    Request handling holds `lock` for the whole call; code using the state from another thread
    (in-process tests) takes it too. Later modules keep their own stores here through
    `add_store`, so `reset()` rebuilds them with the rest and `find_object` sees their objects.
    """

    def __init__(self, settings=None):
        self.lock = threading.RLock()
        self.clock = SandboxClock()
        self.fault_actions = dict(BUILTIN_ACTIONS)
        # Meta's own error for a (code, subcode): factory(request params) -> GraphError. An
        # error fault naming only a code and subcode borrows its texts; features add theirs.
        self.known_errors = {}
        self._initial_settings = validate(settings)
        self._store_factories = {}
        self.stores = {}
        self.reset()

    def reset(self):
        """Back to the start: creation settings, real time, freshly seeded accounts."""
        with self.lock:
            self.settings = Settings(DEFAULTS, **self._initial_settings)
            self.clock.reset()
            self.accounts = AccountStore()
            self.tokens = TokenStore()
            self.faults = FaultQueue(self.fault_actions)
            self.usage = UsageMeter()
            self.stores = {name: factory(self) for name, factory in self._store_factories.items()}

    def snapshot(self):
        """What a restart keeps, JSON-ready: the clock offset, accounts, tokens, and every store
        with a `snapshot()` (media, containers). Settings, faults and usage figures are not
        kept: a restart begins with the creation settings, no faults and a fresh hour."""
        with self.lock:
            return {"format": FORMAT, "clock_offset_seconds": self.clock.offset.total_seconds(),
                    "accounts": self.accounts.snapshot(), "tokens": self.tokens.snapshot(),
                    "stores": {name: store.snapshot() for name, store in self.stores.items()
                               if hasattr(store, "snapshot")}}

    def restore(self, data):
        """Back to a `snapshot()`; stores without `restore` start fresh."""
        with self.lock:
            self.reset()
            self.clock.offset = timedelta(seconds=float(data["clock_offset_seconds"]))
            self.accounts.restore(data["accounts"])
            self.tokens.restore(data["tokens"])
            # Rebuilt now that every account exists: a store without a snapshot seeds them all.
            self.stores = {name: factory(self) for name, factory in self._store_factories.items()}
            for name, saved in data.get("stores", {}).items():
                if hasattr(self.stores.get(name), "restore"):
                    self.stores[name].restore(saved)

    def add_store(self, name, factory):
        """Keep `factory(state)`'s result as `stores[name]`, rebuilt on every reset."""
        with self.lock:
            self._store_factories[name] = factory
            self.stores[name] = factory(self)
            return self.stores[name]

    def update_settings(self, changes):
        with self.lock:
            self.settings.update(validate(changes))

    def now(self):
        """Sandbox time in Unix seconds."""
        return self.clock.timestamp()

    def find_object(self, object_id):
        """The account, user, Page or store object with this id, or None."""
        with self.lock:
            found = self.accounts.find(object_id)
            for store in self.stores.values():
                if found is None and hasattr(store, "find"):
                    found = store.find(object_id)
            return found

    def owner_name(self, token):
        """The username behind a token (for listings)."""
        obj = self.accounts.find(token.subject_id)
        return getattr(obj, "username", None)
