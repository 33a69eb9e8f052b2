"""posts keep the category of their failure

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_category', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('sns_posts', schema=None) as batch_op:
        batch_op.drop_column('error_category')
