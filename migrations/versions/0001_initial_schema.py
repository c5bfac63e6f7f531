"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 02:14:11.631729
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=True),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sheet', sa.String(length=200), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('coalition', 'sha256', name='uq_delivery_checksum')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_coalition'), ['coalition'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('target', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('previous_value', sa.Float(), nullable=True),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('coalition', 'period', 'indicator', 'scope', 'scope_name', name='uq_indicator_value')
    )
    op.create_table('period_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=True),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('released_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('coalition', 'period', name='uq_period_release')
    )
    op.create_table('quality_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('check_name', sa.String(length=100), nullable=False),
    sa.Column('scope_name', sa.String(length=200), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('blocking', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quality_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_result_coalition'), ['coalition'], unique=False)

    op.create_table('report_dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_path', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('coalition', 'period', 'audience', 'area', name='uq_report_dispatch')
    )
    op.create_table('activity_session',
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('target_group', sa.String(length=10), nullable=False),
    sa.Column('theme_1', sa.String(length=200), nullable=False),
    sa.Column('theme_2', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('supervisors', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.create_index('ix_activity_session_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_session_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_activity_session_period', ['coalition', 'period'], unique=False)

    op.create_table('attendance',
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('school_group', sa.Integer(), nullable=False),
    sa.Column('pupil', sa.String(length=64), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_attendance_period', ['coalition', 'period'], unique=False)

    op.create_table('child_response',
    sa.Column('response_id', sa.String(length=100), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('school_group', sa.Integer(), nullable=True),
    sa.Column('feels_safe', sa.String(length=20), nullable=True),
    sa.Column('knows_where_to_go', sa.String(length=10), nullable=True),
    sa.Column('enjoyment', sa.Integer(), nullable=True),
    sa.Column('idea', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('child_response', schema=None) as batch_op:
        batch_op.create_index('ix_child_response_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_response_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_child_response_period', ['coalition', 'period'], unique=False)

    op.create_table('complaint',
    sa.Column('complaint_date', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_complaint_period', ['coalition', 'period'], unique=False)

    op.create_table('parent_response',
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('feels_safe', sa.Integer(), nullable=True),
    sa.Column('knows_where_to_complain', sa.String(length=10), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parent_response', schema=None) as batch_op:
        batch_op.create_index('ix_parent_response_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_response_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_parent_response_period', ['coalition', 'period'], unique=False)

    op.create_table('partner_response',
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=300), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('reach', sa.Integer(), nullable=False),
    sa.Column('experiences', sa.Text(), nullable=True),
    sa.Column('results', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partner_response', schema=None) as batch_op:
        batch_op.create_index('ix_partner_response_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_response_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_partner_response_period', ['coalition', 'period'], unique=False)

    op.create_table('pupil_count',
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('group_1', sa.Integer(), nullable=False),
    sa.Column('group_2', sa.Integer(), nullable=False),
    sa.Column('group_3', sa.Integer(), nullable=False),
    sa.Column('group_4', sa.Integer(), nullable=False),
    sa.Column('group_5', sa.Integer(), nullable=False),
    sa.Column('group_6', sa.Integer(), nullable=False),
    sa.Column('group_7', sa.Integer(), nullable=False),
    sa.Column('group_8', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pupil_count', schema=None) as batch_op:
        batch_op.create_index('ix_pupil_count_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_pupil_count_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_pupil_count_period', ['coalition', 'period'], unique=False)

    op.create_table('quarantined_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=True),
    sa.Column('record_key', sa.String(length=500), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantined_row_coalition'), ['coalition'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarantined_row_delivery_id'), ['delivery_id'], unique=False)

    op.create_table('spending',
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('spending_point', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.create_index('ix_spending_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_spending_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_spending_period', ['coalition', 'period'], unique=False)

    op.create_table('staff_feedback',
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('group_atmosphere', sa.Integer(), nullable=False),
    sa.Column('cooperation', sa.Integer(), nullable=False),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_staff_feedback_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_feedback_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_staff_feedback_period', ['coalition', 'period'], unique=False)

    op.create_table('supervisor',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('structural', sa.Boolean(), nullable=False),
    sa.Column('vog_date', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coalition', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=500), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['delivery.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervisor', schema=None) as batch_op:
        batch_op.create_index('ix_supervisor_current', ['coalition', 'record_key', 'superseded_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisor_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_supervisor_period', ['coalition', 'period'], unique=False)

    op.create_table('quarantine_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarantined_row_id', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.String(length=200), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['quarantined_row_id'], ['quarantined_row.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quarantine_reason', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantine_reason_quarantined_row_id'), ['quarantined_row_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarantine_reason', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantine_reason_quarantined_row_id'))

    op.drop_table('quarantine_reason')
    with op.batch_alter_table('supervisor', schema=None) as batch_op:
        batch_op.drop_index('ix_supervisor_period')
        batch_op.drop_index(batch_op.f('ix_supervisor_delivery_id'))
        batch_op.drop_index('ix_supervisor_current')

    op.drop_table('supervisor')
    with op.batch_alter_table('staff_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_feedback_period')
        batch_op.drop_index(batch_op.f('ix_staff_feedback_delivery_id'))
        batch_op.drop_index('ix_staff_feedback_current')

    op.drop_table('staff_feedback')
    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.drop_index('ix_spending_period')
        batch_op.drop_index(batch_op.f('ix_spending_delivery_id'))
        batch_op.drop_index('ix_spending_current')

    op.drop_table('spending')
    with op.batch_alter_table('quarantined_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantined_row_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_quarantined_row_coalition'))

    op.drop_table('quarantined_row')
    with op.batch_alter_table('pupil_count', schema=None) as batch_op:
        batch_op.drop_index('ix_pupil_count_period')
        batch_op.drop_index(batch_op.f('ix_pupil_count_delivery_id'))
        batch_op.drop_index('ix_pupil_count_current')

    op.drop_table('pupil_count')
    with op.batch_alter_table('partner_response', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_response_period')
        batch_op.drop_index(batch_op.f('ix_partner_response_delivery_id'))
        batch_op.drop_index('ix_partner_response_current')

    op.drop_table('partner_response')
    with op.batch_alter_table('parent_response', schema=None) as batch_op:
        batch_op.drop_index('ix_parent_response_period')
        batch_op.drop_index(batch_op.f('ix_parent_response_delivery_id'))
        batch_op.drop_index('ix_parent_response_current')

    op.drop_table('parent_response')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_period')
        batch_op.drop_index(batch_op.f('ix_complaint_delivery_id'))
        batch_op.drop_index('ix_complaint_current')

    op.drop_table('complaint')
    with op.batch_alter_table('child_response', schema=None) as batch_op:
        batch_op.drop_index('ix_child_response_period')
        batch_op.drop_index(batch_op.f('ix_child_response_delivery_id'))
        batch_op.drop_index('ix_child_response_current')

    op.drop_table('child_response')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_period')
        batch_op.drop_index(batch_op.f('ix_attendance_delivery_id'))
        batch_op.drop_index('ix_attendance_current')

    op.drop_table('attendance')
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_session_period')
        batch_op.drop_index(batch_op.f('ix_activity_session_delivery_id'))
        batch_op.drop_index('ix_activity_session_current')

    op.drop_table('activity_session')
    op.drop_table('report_dispatch')
    with op.batch_alter_table('quality_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_result_coalition'))

    op.drop_table('quality_result')
    op.drop_table('period_release')
    op.drop_table('indicator_value')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_coalition'))

    op.drop_table('delivery')
