"""The blocking keys name their learner without a database foreign key.

The keys are an index derived from the learner (`lrs rebuild-match-keys` makes them again);
learners are never deleted and their ids never reused, and Django's cascade still takes a
learner's keys with it. The constraint cost most at the first national load: added back after
the load, PostgreSQL checked every key row (about 100 million at 10 million learners) against
the learners. On PostgreSQL this only drops the constraint; SQLite makes the table again.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0008_match_key_primary_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="learnermatchkey",
            name="learner",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="match_keys",
                to="learners.learner",
            ),
        ),
    ]
