from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lrs.learners.models import Learner, LearnerMatchKey
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import authenticate_api_token

pytestmark = pytest.mark.django_db

HEADER = (
    "ULN,GivenName,MiddleOtherName,FamilyName,PreviousFamilyName,PreferredGivenName,"
    "DateOfBirth,Gender,LastKnownPostCode\n"
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_createorg_createuser_and_token():
    run("createorg", "10034567", "Riverside College", "--type", "college", "--roles", "online,view")
    assert Organisation.objects.get(ukprn="10034567").granted_roles == ["online", "view"]

    output = run("createuser", "10034567", "a.jones", "--roles", "online")
    assert "One-time password: " in output
    user = User.objects.get(username="a.jones")
    assert user.roles == ["online"]

    token = run("token", "a.jones").strip()
    assert token.startswith("lrs_")
    assert "\n" not in token
    assert authenticate_api_token(token) == user


def test_createuser_refuses_roles_not_granted():
    run("createorg", "10034567", "Riverside College", "--roles", "view")
    with pytest.raises(CommandError, match="not been granted"):
        run("createuser", "10034567", "a.jones", "--roles", "online")


def test_import_learners_loads_good_rows_and_reports_bad_ones(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text(
        HEADER
        + "1000000043,Siân,,O'Brien,,,2009-04-12,2,cf10 3at\n"
        + "1000000042,Bad,,Checksum,,,2009-04-12,2,CF10 3AT\n"
        + "1000000051,Gethin,Rhys,Morgan,Evans,Geth,12/05/2008,1,SA1 1NW\n"
        + "1000000051,Copy,,Again,,,2008-05-12,1,SA1 1NW\n"
        + "1000000078,Too,,Young,,,2024-01-01,1,SA1 1NW\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"

    output = run("import_learners", str(csv_file), "--rejects", str(rejects), "--quiet")

    assert "Loaded 2 learners, rejected 3" in output
    sian = Learner.objects.get(uln="1000000043")
    assert sian.given_name == "Siân"
    assert sian.last_known_postcode == "CF10 3AT"
    assert LearnerMatchKey.objects.filter(learner=sian).exists()
    assert Learner.objects.get(uln="1000000051").previous_family_name == "Evans"
    assert "check digit" in rejects.read_text().lower() or "uln" in rejects.read_text().lower()


def test_import_reads_windows_1252(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    csv_file.write_bytes(
        (HEADER + "1000000043,Siân,,Jones,,,2009-04-12,2,CF10 3AT\n").encode("cp1252")
    )
    run("import_learners", str(csv_file), "--quiet")
    assert Learner.objects.get(uln="1000000043").given_name == "Siân"


def test_import_reads_a_utf8_file_whose_first_non_ascii_letter_is_past_the_first_block(
    tmp_path: Path,
):
    # The encoding is checked block by block (the file is streamed, never read whole): a letter
    # that is not ASCII deep in a large file still makes it UTF-8, not Windows-1252.
    filler = "\n" * ((1 << 20) + 1)  # blank lines, which the CSV reader skips
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text(HEADER + filler + "1000000043,Siân,,Jones,,,2009-04-12,2,CF10 3AT\n")
    assert csv_file.stat().st_size > 1 << 20

    run("import_learners", str(csv_file), "--quiet")

    assert Learner.objects.get(uln="1000000043").given_name == "Siân"


def test_import_names_the_byte_of_a_file_in_neither_encoding(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    csv_file.write_bytes(HEADER.encode() + b"1000000043,Si\x81n,,Jones,,,2009-04-12,2,CF10 3AT\n")
    with pytest.raises(CommandError, match=r"neither UTF-8 nor Windows-1252 text \(byte \d+\)"):
        run("import_learners", str(csv_file), "--quiet")
    assert not Learner.objects.exists()


def test_import_refuses_a_file_without_required_columns(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text("ULN,GivenName\n1000000043,Megan\n")
    with pytest.raises(CommandError, match="missing column"):
        run("import_learners", str(csv_file))


def test_import_refuses_rows_already_on_the_register(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text(HEADER + "1000000043,Megan,,Jones,,,2009-04-12,2,CF10 3AT\n")
    run("import_learners", str(csv_file), "--quiet")
    output = run("import_learners", str(csv_file), "--quiet")
    assert "Loaded 0 learners, rejected 1" in output


@pytest.mark.slow
def test_the_lrs_command_prints_its_usage():
    result = subprocess.run(
        [sys.executable, "-m", "lrs.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    assert "import-learners" in result.stdout


def test_demo_prints_portal_logins_that_sign_in():
    from lrs.organisations.signin import SignInOutcome, sign_in

    output = run("demo", "--learners", "60", "--no-serve")
    assert "/sign-in/" in output
    logins = re.findall(r"^  (\S+)\s+(Demo-\S+)\s+roles=(\S+)$", output, flags=re.MULTILINE)
    roles = {role for _username, _password, held in logins for role in held.split(",")}
    assert {"online", "view", "super", "operator", "batch"} <= roles
    for username, password, _roles in logins:
        result = sign_in(username=username, password=password)
        assert result.outcome is SignInOutcome.SIGNED_IN, username


def test_demo_super_users_and_operator_get_a_working_second_factor():
    """Issue 19 item 12: their logins print an app key and a recovery code that both work."""
    import base64
    import time

    from django_otp.oath import TOTP

    from lrs.organisations.models import SYSTEM_USERNAME, User
    from lrs.organisations.second_factor import second_factor_required, verify_second_factor

    output = run("demo", "--learners", "60", "--no-serve")
    keys = dict(
        re.findall(
            r"^  (\S+)\s+Demo-\S+\s+roles=.*\n(?:      .*\n)*?      second factor: add key (\S+)",
            output,
            flags=re.MULTILINE,
        )
    )
    codes = dict(
        re.findall(
            r"^  (\S+)\s+Demo-\S+\s+roles=.*\n(?:      .*\n)*?"
            r"      or sign in once with the recovery code (\S+)",
            output,
            flags=re.MULTILINE,
        )
    )
    required = {
        u.username
        for u in User.objects.exclude(username=SYSTEM_USERNAME)
        if second_factor_required(u)
    }
    assert {"rcollege.super", "ysgol.super", "servicedesk.operator"} <= required
    assert set(keys) == set(codes) == required
    for username, key in keys.items():
        user = User.objects.get(username=username)
        totp = TOTP(base64.b32decode(key))
        totp.time = time.time()
        assert verify_second_factor(user=user, code=str(totp.token()).zfill(6)) is not None
        assert verify_second_factor(user=user, code=codes[username]) is not None
