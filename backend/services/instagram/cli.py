"""Operator commands: `flask --app backend.app instagram <command>`."""
import click
from flask import current_app
from flask.cli import AppGroup

from backend.extensions import db
from backend.models import SNSAccount
from backend.services.instagram.accounts import token_store
from backend.services.instagram.accounts.token_refresh import refresh_due_tokens
from backend.services.instagram.core.runtime import runtime
from backend.services.instagram.insights.jobs import sync_insights

instagram_cli = AppGroup("instagram", help="Instagram integration maintenance.")


@instagram_cli.command("rotate-keys")
def rotate_keys():
    """Re-encrypt every stored token under the first key of INSTAGRAM_TOKEN_KEYS."""
    cipher = runtime().cipher
    ids = db.session.execute(db.select(SNSAccount.id).where(
        SNSAccount.access_token_encrypted.is_not(None))).scalars().all()
    done = skipped = 0
    for account_id in ids:
        account = db.session.get(SNSAccount, account_id)
        if account.access_token_encrypted and token_store.rotate(account, cipher):
            done += 1
        else:
            skipped += 1
    click.echo(f"re-encrypted {done} token(s) under the newest key")
    if skipped:
        click.echo(f"{skipped} token(s) not re-encrypted: unreadable with the configured keys "
                   "(keep the old key in INSTAGRAM_TOKEN_KEYS until rotation is done) or "
                   "changed meanwhile (run the command again)", err=True)


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
