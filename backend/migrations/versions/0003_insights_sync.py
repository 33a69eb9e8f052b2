"""insights: range start, media kind and read indexes on analytics rows, sync bookkeeping on posts
and accounts

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sns_analytics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_time', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('media_kind', sa.String(length=16), nullable=True))
        batch_op.drop_index('ix_sns_analytics_account_metric')
        batch_op.drop_index('ix_sns_analytics_media_metric')
        batch_op.create_index('ix_sns_analytics_account_series',
                              ['account_id', 'media_id', 'metric', 'end_time'], unique=False)
        batch_op.create_index('ix_sns_analytics_media_fetched', ['media_id', 'fetched_at'],
                              unique=False)
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insights_synced_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insights_synced_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('insights_next_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sns_posts_insights_next_at'), ['insights_next_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sns_posts_insights_next_at'))
        batch_op.drop_column('insights_next_at')
        batch_op.drop_column('insights_synced_at')
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.drop_column('insights_synced_at')
    with op.batch_alter_table('sns_analytics', schema=None) as batch_op:
        batch_op.drop_index('ix_sns_analytics_media_fetched')
        batch_op.drop_index('ix_sns_analytics_account_series')
        batch_op.create_index('ix_sns_analytics_media_metric',
                              ['media_id', 'metric', 'fetched_at'], unique=False)
        batch_op.create_index('ix_sns_analytics_account_metric',
                              ['account_id', 'metric', 'end_time'], unique=False)
        batch_op.drop_column('media_kind')
        batch_op.drop_column('start_time')
