"""Who may open a learner's record is recorded (KnownLearner, ADR 2), no longer inferred from
the audit trail: the existing evidence is copied once, from the audit rows of the actions that
introduced an organisation to a learner (the first such row per organisation and learner).
"""

import django.db.models.deletion
from django.db import migrations, models

# The audit actions that made a learner known to an organisation, and how each is recorded.
HOW = {
    "learner.registered": "registered",
    "learner.imported": "imported",
    "learner.found_by_uln": "found_by_uln",
    "learner.search_result": "search_result",
    "learner.updated": "updated",
}


def copy_from_audit(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    KnownLearner = apps.get_model("learners", "KnownLearner")
    Learner = apps.get_model("learners", "Learner")
    Organisation = apps.get_model("organisations", "Organisation")
    quote = schema_editor.connection.ops.quote_name
    audit = quote(AuditEvent._meta.db_table)
    known = quote(KnownLearner._meta.db_table)
    learners = quote(Learner._meta.db_table)
    organisations = quote(Organisation._meta.db_table)
    actions = ", ".join(f"'{action}'" for action in HOW)
    how = " ".join(f"WHEN '{action}' THEN '{value}'" for action, value in HOW.items())
    # One statement, whatever the size of the audit trail; ids grow with time, so the lowest
    # id of a pair is its first introduction.
    schema_editor.execute(
        f"""
        INSERT INTO {known} (organisation_id, learner_id, how, since)
        SELECT a.organisation_id, a.learner_id, CASE a.action {how} END, a.occurred_at
        FROM {audit} a
        JOIN {learners} l ON l.id = a.learner_id
        JOIN {organisations} o ON o.id = a.organisation_id
        WHERE a.id IN (
            SELECT MIN(id) FROM {audit}
            WHERE action IN ({actions})
              AND learner_id IS NOT NULL AND organisation_id IS NOT NULL
            GROUP BY organisation_id, learner_id
        )
        """
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_ids_not_foreign_keys"),
        ("learners", "0002_drop_unused_like_indexes"),
        ("organisations", "0002_sign_in_rules"),
    ]

    operations = [
        migrations.CreateModel(
            name="KnownLearner",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organisation",
                        "learner",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "how",
                    models.CharField(
                        choices=[
                            ("registered", "Registered"),
                            ("imported", "Imported"),
                            ("found_by_uln", "Found By Uln"),
                            ("search_result", "Search Result"),
                            ("updated", "Updated"),
                        ],
                        max_length=16,
                    ),
                ),
                ("since", models.DateTimeField()),
                (
                    "learner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="learners.learner",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organisations.organisation",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_from_audit, migrations.RunPython.noop),
    ]
