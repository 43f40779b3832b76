"""Drop the index on audit_event.learner alone: audit_learner_time (learner, occurred_at) serves
every look-up by learner, and the second index doubled the random pages each audit row dirtied.

Only the index is dropped (no table rebuild on SQLite, whose ALTER FIELD copies the table).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "core_auditevent_learner_id_1273bd43"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_events"),
        ("learners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="learner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="audit_events",
                        to="learners.learner",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "core_auditevent" ("learner_id")',
                ),
            ],
        ),
    ]
