"""The audit row names its organisation and learner by id, no longer by foreign key: core sits
below the organisations and learners apps (DESIGN 2).

The columns, their values and the indexes stay as they were; only the two foreign-key
constraints are dropped (a table rebuild on SQLite, which cannot drop a constraint in place),
then the fields become plain integers in Django's state alone.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_learner_single_index"),
        ("learners", "0002_drop_unused_like_indexes"),
        ("organisations", "0002_sign_in_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="learner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="audit_events",
                to="learners.learner",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="organisation",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="organisations.organisation",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="auditevent", name="audit_learner_time"),
                migrations.RemoveField(model_name="auditevent", name="learner"),
                migrations.RemoveField(model_name="auditevent", name="organisation"),
                migrations.AddField(
                    model_name="auditevent",
                    name="learner_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
                migrations.AddField(
                    model_name="auditevent",
                    name="organisation_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        fields=["learner_id", "occurred_at"], name="audit_learner_time"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
