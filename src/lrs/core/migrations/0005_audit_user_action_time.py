"""Index the audit trail by (user, action, occurred_at) in place of the user alone.

A user's recent actions of one kind are read on every credit check and learner verification
(their hourly limits) and on every capped search (the data-mining signal); by the user alone
that read went through the user's whole history, which for a management information system's
account making thousands of searches a day grows without end. The new index starts with the
user, so it serves every look-up the old one did; the old one is dropped, so an audit row still
dirties as many index pages. On PostgreSQL the index is declared on the partitioned table and
so made on every partition.

Only the index is dropped (no table rebuild on SQLite, whose ALTER FIELD copies the table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "core_auditevent_user_id_2b330de8"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_partition_audit_by_month"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["user", "action", "occurred_at"], name="audit_user_action_time"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "core_auditevent" ("user_id")',
                ),
            ],
        ),
    ]
