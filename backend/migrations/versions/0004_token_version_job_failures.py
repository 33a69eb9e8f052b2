"""token store and lease helper: a token version for compare-and-set writes, consecutive job
failures per leased row

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('job_failures', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_failures', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.drop_column('job_failures')
    with op.batch_alter_table('sns_accounts', schema=None) as batch_op:
        batch_op.drop_column('job_failures')
        batch_op.drop_column('token_version')
