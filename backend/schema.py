"""Where the database's schema stands against this code's migrations: at head, behind or ahead.

The deploy order is: upgrade the database, then start the new workers. So while it runs, and
after a rollback of the code, old workers see a database migrated AHEAD of them, at a
revision their migration scripts do not know. Migrations are additive (docs/operations.md),
so such a database serves the older code; only a database BEHIND the code (or never
migrated) lacks what the code needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text

OK, AHEAD, BEHIND, EMPTY = "ok", "ahead", "behind", "not_migrated"
UPGRADE = "run `flask --app backend.app db upgrade`"


@dataclass(frozen=True)
class SchemaState:
    state: str  # OK, AHEAD, BEHIND or EMPTY
    database: tuple  # the revision(s) in alembic_version
    code: tuple  # the head revision(s) of this code's migration scripts

    @property
    def usable(self):
        """True when this code can work on the database (at head, or ahead of it)."""
        return self.state in (OK, AHEAD)

    def describe(self):
        found, heads = ", ".join(self.database) or "none", ", ".join(self.code)
        if self.state == OK:
            return "ok"
        if self.state == AHEAD:
            return (f"The database is at revision {found}, which this code (at {heads}) does "
                    "not know: a newer release migrated it, or this code was rolled back. "
                    "Serving: migrations are additive, so older code works on a newer schema.")
        return f"not at head (database: {found}; code: {heads}); {UPGRADE}"


@lru_cache(maxsize=4)
def _scripts(migrations_dir):
    """(heads, every known revision) of the migration scripts, read once per process."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    script = ScriptDirectory.from_config(config)
    return (frozenset(script.get_heads()),
            frozenset(rev.revision for rev in script.walk_revisions()))


def head_revisions(migrations_dir):
    return _scripts(migrations_dir)[0]


def compare(current, migrations_dir):
    """The SchemaState of a database whose alembic_version holds `current` (an iterable)."""
    heads, known = _scripts(migrations_dir)
    current = frozenset(current)
    if current == heads:
        state = OK
    elif not current:
        state = EMPTY
    elif current - known:
        state = AHEAD
    else:
        state = BEHIND
    return SchemaState(state, tuple(sorted(current)), tuple(sorted(heads)))


def current_revisions(connection):
    """The revisions in alembic_version; empty when the table does not exist yet (on
    PostgreSQL the failed read ends the connection's transaction: read nothing after it)."""
    try:
        return {row[0] for row in connection.execute(
            text("SELECT version_num FROM alembic_version"))}
    except Exception:  # no table: never migrated (the error's type varies by driver)
        return set()


def state_of(engine, migrations_dir):
    """Read the database's revision on a connection of its own and compare it."""
    with engine.connect() as connection:
        return compare(current_revisions(connection), migrations_dir)
