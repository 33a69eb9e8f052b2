"""publishing progress: when processing started and ended, when publishing began, why a post
waits, status reads, containers made, and how long its outcome is reconciled

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ready_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('publish_started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_publish_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reconcile_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('wait_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('status_reads', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('containers_created', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        for column in ('containers_created', 'status_reads', 'wait_reason', 'reconcile_until',
                       'last_publish_at', 'publish_started_at', 'ready_at',
                       'processing_started_at'):
            batch_op.drop_column(column)
