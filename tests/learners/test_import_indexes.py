"""A load into an empty register on PostgreSQL builds the non-unique indexes of the learners
and blocking keys after the rows, rather than row by row, and always puts them back."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from lrs.core.actor import Actor, Channel
from lrs.core.bulk import SecondaryIndex, build_indexes, load_constraints, secondary_indexes
from lrs.learners import imports
from lrs.learners.details import SearchDetails
from lrs.learners.imports import import_learners
from lrs.learners.models import KnownLearner, Learner, LearnerMatchKey
from lrs.learners.selectors import search_learners
from lrs.matching import MatchKind
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, write_register_csv

# The indexes are dropped and built on connections of their own, with the drop committed: the
# tests see the database as the import leaves it, not inside a transaction rolled back after.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

TABLES = (Learner._meta.db_table, LearnerMatchKey._meta.db_table)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL loads by COPY and sets indexes aside (DATABASE_URL)")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "ROWS_PER_TASK", 7)
    monkeypatch.setattr(imports, "CHUNK_SIZE", 20)


def _indexes() -> dict[str, str]:
    """Every index of the learner and blocking-key tables, by name, with its definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [list(TABLES)],
        )
        return dict(cursor.fetchall())


# The blocking keys' primary key, (key, learner): set aside for a load like a unique constraint.
KEY_PRIMARY = "learners_learnermatchkey_pkey"


def _primary(indexes: Mapping[str, str]) -> dict[str, str]:
    """The indexes that stay during a load into an empty register: the learners' primary key.
    The unique ULN and identity and the blocking keys' (key, learner) primary key are set aside
    with the foreign keys and checked after it."""
    return {name: sql for name, sql in indexes.items() if name == "learners_learner_pkey"}


def _constraints() -> dict[str, str]:
    """Every constraint of the tables a load writes, by name, with its definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relname = ANY(%s)",
            [[*TABLES, KnownLearner._meta.db_table]],
        )
        return dict(cursor.fetchall())


def _rows(count: int, *, seed: int) -> list[dict[str, str]]:
    buffer = io.StringIO()
    write_register_csv(generate_register(count, seed=seed), buffer)
    buffer.seek(0)
    return [dict(row) for row in csv.DictReader(buffer)]


def _cli() -> Actor:
    return service_desk_system_actor(channel=Channel.CLI)


@pytest.mark.usefixtures("small_chunks")
def test_a_load_into_an_empty_register_rebuilds_the_same_indexes(view_actor: Actor) -> None:
    before = _indexes()
    constraints_before = _constraints()
    assert constraints_before[KEY_PRIMARY] == "PRIMARY KEY (key, learner_id)"
    assert "learners_learner_uln_key" in constraints_before
    assert "learners_learner_identity_key_key" in constraints_before
    assert len(_primary(before)) < len(before), "the tables have indexes to set aside"
    during: list[dict[str, str]] = []
    notes: list[str] = []
    rows = _rows(90, seed=11)
    # A ULN twice in the file: refused, as ever (the file's own ULNs are kept track of).
    rows[70] = {**_rows(91, seed=12)[90], "ULN": rows[4]["ULN"]}

    report = import_learners(
        rows=rows,
        actor=_cli(),
        jobs=2,
        progress=lambda *_counts: during.append(_indexes()),
        note=notes.append,
    )

    assert report.loaded == 89
    assert report.rejected == 1
    # While the rows went in, only the primary keys were there.
    assert during[0] == _primary(before)
    assert _indexes() == before
    assert _constraints() == constraints_before
    assert any(note.startswith("Rebuilding 11 indexes and constraints") for note in notes), notes
    # Should the load be killed, the statements given put the primary key back as it was.
    (dropped,) = [note for note in notes if note.startswith("Dropped 11 indexes")]
    assert (
        f"CREATE UNIQUE INDEX {KEY_PRIMARY} ON public.learners_learnermatchkey USING btree "
        f'(key, learner_id); ALTER TABLE "learners_learnermatchkey" ADD CONSTRAINT '
        f'"{KEY_PRIMARY}" PRIMARY KEY USING INDEX "{KEY_PRIMARY}"' in dropped
    )
    (rebuilt,) = [note for note in notes if note.startswith("Rebuilt 11 indexes")]
    # It names the three slowest builds, with their times.
    longest = rebuilt.split("(longest: ")[1].rstrip(").").split(", ")
    assert len(longest) == 3, rebuilt
    assert all(part.rsplit(" ", 2)[0] in before | constraints_before for part in longest), rebuilt
    # The learners are found through their blocking keys, as after any registration.
    person = next(iter(generate_register(90, seed=11)))
    outcome = search_learners(
        details=SearchDetails(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            gender=person.gender,
            last_known_postcode=person.last_known_postcode,
        ),
        actor=view_actor,
    )
    assert outcome.kind is MatchKind.EXACT
    assert [learner.uln for learner in outcome.learners] == [person.uln]


@pytest.mark.usefixtures("small_chunks")
def test_a_load_that_fails_half_way_leaves_the_indexes_in_place() -> None:
    before = _indexes()
    constraints_before = _constraints()
    during: list[dict[str, str]] = []

    def failing_file() -> Iterator[dict[str, str]]:
        yield from _rows(50, seed=13)
        raise OSError("the file's disk went away")

    with pytest.raises(OSError, match="went away"):
        import_learners(
            rows=failing_file(),
            actor=_cli(),
            jobs=1,
            progress=lambda *_counts: during.append(_indexes()),
        )

    assert during, "chunks were written before the failure"
    assert during[0] == _primary(before), "the indexes were set aside for the load"
    assert _indexes() == before
    assert _constraints() == constraints_before
    # The chunks written before the failure stay, each in its own transaction.
    assert Learner.objects.count() == 40


@pytest.mark.usefixtures("small_chunks")
def test_a_load_into_a_register_with_learners_keeps_its_indexes() -> None:
    import_learners(rows=_rows(10, seed=14), actor=_cli())
    before = _indexes()
    during: list[dict[str, str]] = []
    notes: list[str] = []

    report = import_learners(
        rows=_rows(40, seed=15)[10:],
        actor=_cli(),
        progress=lambda *_counts: during.append(_indexes()),
        note=notes.append,
    )

    assert report.loaded == 30
    assert during[0] == before
    assert notes == []


def test_the_command_says_when_it_rebuilds_the_indexes_and_how_long_it_took(
    tmp_path: Path,
) -> None:
    before = _indexes()
    csv_file = tmp_path / "learners.csv"
    with csv_file.open("w", newline="", encoding="utf-8") as fh:
        write_register_csv(generate_register(30, seed=16), fh)
    out, err = io.StringIO(), io.StringIO()

    call_command("import_learners", str(csv_file), "--jobs", "2", stdout=out, stderr=err)

    assert "Loaded 30 learners, rejected 0" in out.getvalue()
    log = err.getvalue()
    assert "Dropped 11 indexes and constraints for the load" in log
    assert (
        "Rebuilding 11 indexes and constraints of learners_knownlearner, learners_learner, "
        "learners_learnermatchkey" in log
    )
    assert "Rebuilt 11 indexes and constraints in " in log
    assert _indexes() == before


def test_keep_indexes_leaves_them_during_the_load() -> None:
    before = _indexes()
    during: list[dict[str, str]] = []

    report = import_learners(
        rows=_rows(10, seed=17),
        actor=_cli(),
        progress=lambda *_counts: during.append(_indexes()),
        keep_indexes=True,
    )

    assert report.loaded == 10
    assert during[0] == before


def test_every_index_is_attempted_when_one_cannot_be_built() -> None:
    before = _indexes()
    dropped = secondary_indexes([Learner, LearnerMatchKey])
    with connection.cursor() as cursor:
        for index in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
    broken = SecondaryIndex(
        "learner_no_such_column",
        Learner._meta.db_table,
        f"CREATE INDEX learner_no_such_column ON {Learner._meta.db_table} (no_such_column)",
    )
    notes: list[str] = []

    with pytest.raises(RuntimeError, match="learner_no_such_column") as failure:
        build_indexes([broken, *dropped], builders=2, note=notes.append)

    assert "learners_learner_master_id" not in str(failure.value)
    assert _indexes() == before
    assert notes[0].startswith("Rebuilding 5 indexes and constraints")


@pytest.mark.slow
def test_an_import_stopped_by_sigterm_rebuilds_the_indexes_before_it_exits(tmp_path: Path) -> None:
    before = _indexes()
    constraints_before = _constraints()
    csv_file = tmp_path / "learners.csv"
    with csv_file.open("w", newline="", encoding="utf-8") as fh:
        write_register_csv(generate_register(8000, seed=18), fh)
    settings = connection.settings_dict
    env = {
        **os.environ,
        # The test database, whose rows the command sees (these tests commit).
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
        f"{settings['NAME']}",
    }
    command = [sys.executable, "-m", "lrs.cli", "import-learners", str(csv_file), "--jobs", "1"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # the first chunk is in: the indexes are set aside
        lines.append(line)
        if "loaded," in line:
            break
    assert any("Dropped 11 indexes and constraints" in line for line in lines), lines
    process.send_signal(signal.SIGTERM)
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 128 + signal.SIGTERM

    assert "Rebuilt 11 indexes and constraints in " in rest
    assert _indexes() == before
    assert _constraints() == constraints_before
    assert 0 < Learner.objects.count() < 8000


def _copy_of_a_loaded_learner(*, uln: str | None = None, identity_key: str) -> Learner:
    """A learner saved as another process would (its id from the sequence), beside the load."""
    learner = Learner.objects.order_by("id").first()
    assert learner is not None
    learner.pk = None
    learner.uln = uln or "9999999999"
    learner.identity_key = identity_key
    learner.save()
    return learner


@pytest.mark.usefixtures("small_chunks")
def test_a_learner_written_by_another_process_during_the_load_stops_it() -> None:
    before = _indexes()
    constraints_before = _constraints()
    written: list[Learner] = []

    def between_chunks(loaded: int, _rejected: int) -> None:
        if not written:
            written.append(_copy_of_a_loaded_learner(identity_key="someone else"))

    with pytest.raises(RuntimeError, match="Another process wrote learners to the register"):
        import_learners(rows=_rows(60, seed=19), actor=_cli(), progress=between_chunks)

    # The first chunk stays, with the other process's learner; every index is back.
    assert Learner.objects.count() == 20 + 1
    assert _indexes() == before
    assert _constraints() == constraints_before


@pytest.mark.usefixtures("small_chunks")
def test_a_duplicate_that_got_in_during_the_load_is_refused_by_the_rebuild_and_named() -> None:
    before = _indexes()
    written: list[Learner] = []

    def between_chunks(loaded: int, _rejected: int) -> None:
        if not written:
            first = Learner.objects.order_by("id").first()
            assert first is not None
            written.append(_copy_of_a_loaded_learner(uln=first.uln, identity_key="x"))

    with pytest.raises(RuntimeError) as failure:
        import_learners(rows=_rows(60, seed=20), actor=_cli(), progress=between_chunks)

    message = str(failure.value)
    duplicate = written[0].uln
    assert "learners_learner_uln_key: could not create unique index" in message
    assert f"Key (uln)=({duplicate}) is duplicated" in message
    assert "The rows loaded are kept" in message
    assert Learner.objects.count() == 20 + 1
    # Only the unique ULN is missing; once the duplicate goes, the statement given restores it.
    missing = {name for name in before if name not in _indexes()}
    assert missing == {"learners_learner_uln_key"}
    written[0].delete()
    statement = message.split("run: ", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute(statement)
    assert _indexes() == before


@pytest.mark.usefixtures("small_chunks")
def test_a_blocking_key_twice_is_refused_by_the_primary_key_rebuild_and_named() -> None:
    before = _indexes()
    constraints_before = _constraints()
    table = LearnerMatchKey._meta.db_table
    doubled: list[tuple[int, str]] = []

    def between_chunks(loaded: int, _rejected: int) -> None:
        # The primary key is set aside: a key row written twice gets in.
        assert KEY_PRIMARY not in _constraints()
        if not doubled:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (key, learner_id) "  # noqa: S608 - a model's table
                    f"SELECT key, learner_id FROM {table} ORDER BY learner_id, key LIMIT 1 "
                    "RETURNING learner_id, key"
                )
                doubled.append(cursor.fetchone())

    with pytest.raises(RuntimeError) as failure:
        import_learners(rows=_rows(60, seed=24), actor=_cli(), progress=between_chunks)

    message = str(failure.value)
    learner_id, key = doubled[0]
    assert f"{KEY_PRIMARY}: could not create unique index" in message
    assert f"Key (key, learner_id)=({key}, {learner_id}) is duplicated" in message
    assert "The rows loaded are kept" in message
    assert Learner.objects.count() == 60
    # Only the primary key is missing; once the copy goes, the statement given restores it.
    assert {name for name in before if name not in _indexes()} == {KEY_PRIMARY}
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE ctid = (SELECT max(ctid) FROM {table} "  # noqa: S608
            "WHERE key = %s AND learner_id = %s)",
            [key, learner_id],
        )
        cursor.execute(message.split("run: ", 1)[1])
    assert _indexes() == before
    assert _constraints() == constraints_before
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerMatchKey.objects.create(learner_id=learner_id, key=key)


def _stored() -> tuple[list[tuple[object, ...]], set[tuple[str, str]]]:
    fields = ["uln", "identity_key", "learner_status", "version_number", "created_by_organisation"]
    learners = sorted(
        Learner.objects.values_list(*fields, "given_name", "family_name", "date_of_birth")
    )
    keys = set(LearnerMatchKey.objects.values_list("learner__uln", "key"))
    return learners, keys


@pytest.mark.usefixtures("small_chunks")
def test_the_sole_writers_load_stores_what_the_checking_load_stores() -> None:
    rows = _rows(70, seed=21)
    rows[50] = {**rows[50], "ULN": rows[3]["ULN"]}  # refused by both
    checked = import_learners(rows=rows, actor=_cli(), keep_indexes=True)
    stored_checked = _stored()
    Learner.objects.all().delete()

    sole = import_learners(rows=rows, actor=_cli())

    assert (sole.loaded, sole.rejected) == (checked.loaded, checked.rejected) == (69, 1)
    assert [(r.row_number, r.errors) for r in sole.rejections] == [
        (r.row_number, r.errors) for r in checked.rejections
    ]
    assert _stored() == stored_checked


@pytest.mark.usefixtures("small_chunks")
def test_learner_ids_are_the_sequences_in_both_kinds_of_load() -> None:
    import_learners(rows=_rows(45, seed=22)[:25], actor=_cli())  # into an empty register
    import_learners(rows=_rows(45, seed=22)[25:], actor=_cli())  # into one with learners
    ids = sorted(Learner.objects.values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 45))
    # The next learner saved takes the next id: the sequence gave the load's.
    assert _copy_of_a_loaded_learner(identity_key="next").pk == ids[-1] + 1
    # Every learner's keys, audit and known rows point at its own id.
    assert set(LearnerMatchKey.objects.values_list("learner_id", flat=True)) == set(ids)
    assert set(KnownLearner.objects.values_list("learner_id", flat=True)) == set(ids)


def test_two_unique_constraints_of_one_table_are_rebuilt_at_once_without_a_deadlock() -> None:
    """Each unique index is built, then taken over by its constraint in a transaction of its
    own: in one, two builders on one table each held their SHARE lock while waiting for the
    other's to take the ACCESS EXCLUSIVE one, and PostgreSQL killed one of them."""
    import_learners(rows=_rows(30, seed=23), actor=_cli(), keep_indexes=True)
    constraints_before = _constraints()
    unique = [
        index
        for index in load_constraints((Learner,))
        if index.name in {"learners_learner_uln_key", "learners_learner_identity_key_key"}
    ]
    assert len(unique) == 2
    assert all(index.then for index in unique)
    for _attempt in range(5):
        with connection.cursor() as cursor:
            for index in unique:
                cursor.execute(index.drop_statement)
        build_indexes(unique, builders=2, note=lambda _message: None)
        assert _constraints() == constraints_before


def test_a_primary_key_is_set_aside_only_when_asked_for_and_comes_back_as_it_was() -> None:
    import_learners(rows=_rows(20, seed=25), actor=_cli(), keep_indexes=True)
    constraints_before = _constraints()
    assert not any(
        index.name.endswith("_pkey") for index in load_constraints((Learner, LearnerMatchKey))
    )
    (primary,) = load_constraints((), primary_keys=(LearnerMatchKey,))
    assert primary.name == KEY_PRIMARY
    assert primary.definition.startswith(f"CREATE UNIQUE INDEX {KEY_PRIMARY} ")
    assert primary.then.endswith(
        f'ADD CONSTRAINT "{KEY_PRIMARY}" PRIMARY KEY USING INDEX "{KEY_PRIMARY}"'
    )
    with connection.cursor() as cursor:
        cursor.execute(primary.drop_statement)
    assert KEY_PRIMARY not in _indexes()

    build_indexes([primary], builders=1, note=lambda _message: None)

    assert _constraints() == constraints_before
