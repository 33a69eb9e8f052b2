"""Operator commands: `flask --app backend.app instagram <command>`."""
import click
from flask import current_app
from flask.cli import AppGroup

from backend.extensions import db
from backend.models import SNSAccount
from backend.services.instagram.accounts.token_refresh import \
    refresh_due_tokens
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.insights.jobs import sync_insights

instagram_cli = AppGroup("instagram", help="Instagram integration maintenance.")


@instagram_cli.command("rotate-keys")
def rotate_keys():
    """Re-encrypt every stored token under the first key of INSTAGRAM_TOKEN_KEYS."""
    cipher = runtime().cipher
    rows = db.session.execute(db.select(SNSAccount).where(
        SNSAccount.access_token_encrypted.is_not(None))).scalars().all()
    for account in rows:
        account.access_token_encrypted = cipher.rotate(account.access_token_encrypted)
    db.session.commit()
    click.echo(f"re-encrypted {len(rows)} token(s) under the newest key")


@instagram_cli.command("refresh-tokens")
def refresh_tokens():
    """Run the token refresh job once, now."""
    result = refresh_due_tokens(current_app)
    click.echo(f"refreshed {result['refreshed']}, failed {result['failed']}")


@instagram_cli.command("sync-insights")
def sync_insights_now():
    """Run one pass of the insights sync job, now, and print what it did."""
    result = sync_insights(current_app)
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(result.items())) or "nothing was due")
