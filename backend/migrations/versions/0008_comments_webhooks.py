"""comments and webhooks: the comment inbox, @mentions, first comments of posts, each account's
comment feed (webhook subscription or poll), and received webhook events

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sns_webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('object', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('entry_time', sa.DateTime(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('job_failures', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sns_webhook_events')),
    sa.UniqueConstraint('event_key', name=op.f('uq_sns_webhook_events_event_key'))
    )
    with op.batch_alter_table('sns_webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sns_webhook_events_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_sns_webhook_events_status_id', ['status', 'id'], unique=False)

    op.create_table('sns_comment_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('subscribed_fields', sa.JSON(), nullable=True),
    sa.Column('subscribed_at', sa.DateTime(), nullable=True),
    sa.Column('subscription_error', sa.JSON(), nullable=True),
    sa.Column('subscribe_attempts', sa.Integer(), nullable=False),
    sa.Column('next_subscribe_at', sa.DateTime(), nullable=True),
    sa.Column('last_event_at', sa.DateTime(), nullable=True),
    sa.Column('polled_at', sa.DateTime(), nullable=True),
    sa.Column('next_poll_at', sa.DateTime(), nullable=True),
    sa.Column('media_counts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('job_failures', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sns_accounts.id'], name=op.f('fk_sns_comment_feeds_account_id_sns_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sns_comment_feeds')),
    sa.UniqueConstraint('account_id', name=op.f('uq_sns_comment_feeds_account_id'))
    )
    op.create_table('sns_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.String(length=64), nullable=False),
    sa.Column('media_id', sa.String(length=64), nullable=True),
    sa.Column('media_product_type', sa.String(length=32), nullable=True),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('from_id', sa.String(length=64), nullable=True),
    sa.Column('timestamp', sa.DateTime(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('like_count', sa.Integer(), nullable=True),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sns_accounts.id'], name=op.f('fk_sns_comments_account_id_sns_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sns_comments')),
    sa.UniqueConstraint('account_id', 'comment_id', name='uq_sns_comments_account_comment')
    )
    with op.batch_alter_table('sns_comments', schema=None) as batch_op:
        batch_op.create_index('ix_sns_comments_account_media', ['account_id', 'media_id'], unique=False)
        batch_op.create_index('ix_sns_comments_account_timestamp', ['account_id', 'timestamp'], unique=False)

    op.create_table('sns_mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.String(length=64), nullable=False),
    sa.Column('mention_key', sa.String(length=64), nullable=False),
    sa.Column('comment_id', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('permalink', sa.String(length=512), nullable=True),
    sa.Column('media_type', sa.String(length=32), nullable=True),
    sa.Column('timestamp', sa.DateTime(), nullable=False),
    sa.Column('details_error', sa.JSON(), nullable=True),
    sa.Column('replied_comment_id', sa.String(length=64), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sns_accounts.id'], name=op.f('fk_sns_mentions_account_id_sns_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sns_mentions')),
    sa.UniqueConstraint('account_id', 'media_id', 'mention_key', name='uq_sns_mentions_account_media_key')
    )
    with op.batch_alter_table('sns_mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sns_mentions_account_id'), ['account_id'], unique=False)

    op.create_table('sns_first_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('comment_id', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempt_started_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('job_failures', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sns_accounts.id'], name=op.f('fk_sns_first_comments_account_id_sns_accounts')),
    sa.ForeignKeyConstraint(['post_id'], ['sns_posts.id'], name=op.f('fk_sns_first_comments_post_id_sns_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sns_first_comments')),
    sa.UniqueConstraint('post_id', name=op.f('uq_sns_first_comments_post_id'))
    )
    with op.batch_alter_table('sns_first_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sns_first_comments_next_attempt_at'), ['next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sns_first_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sns_first_comments_next_attempt_at'))

    op.drop_table('sns_first_comments')
    with op.batch_alter_table('sns_mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sns_mentions_account_id'))

    op.drop_table('sns_mentions')
    with op.batch_alter_table('sns_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_sns_comments_account_timestamp')
        batch_op.drop_index('ix_sns_comments_account_media')

    op.drop_table('sns_comments')
    op.drop_table('sns_comment_feeds')
    with op.batch_alter_table('sns_webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_sns_webhook_events_status_id')
        batch_op.drop_index(batch_op.f('ix_sns_webhook_events_entry_id'))

    op.drop_table('sns_webhook_events')
