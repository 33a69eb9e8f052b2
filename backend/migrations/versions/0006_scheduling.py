"""scheduling: drafts with their stored validation, publish_at and how it was chosen, what to
do at the publishing limit; each account's time zone, posting slots and spacing

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('schedule_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('when_limited', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('validation', sa.JSON(), nullable=True))
        batch_op.create_index('ix_sns_posts_status_publish_at', ['status', 'publish_at'],
                              unique=False)
        batch_op.create_index('ix_sns_posts_account_publish_at', ['account_id', 'publish_at'],
                              unique=False)
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('posting_slots', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('min_spacing_minutes', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.drop_column('min_spacing_minutes')
        batch_op.drop_column('posting_slots')
        batch_op.drop_column('timezone')
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_sns_posts_account_publish_at')
        batch_op.drop_index('ix_sns_posts_status_publish_at')
        for column in ('validation', 'when_limited', 'schedule_kind', 'publish_at'):
            batch_op.drop_column(column)
