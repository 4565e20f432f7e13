from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from learners.importing import COLUMNS, learners_import
from learners.models import Kind, Learner, LearningStatus, SystemStatus, WebUser
from tests.factories import LearnerFactory, UserFactory, WebUserFactory
from tests.support import csv_file, row, run

pytestmark = pytest.mark.django_db


def refused(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_learners", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue() + str(excinfo.value)


def test_good_file_creates_learners_and_their_web_users(tmp_path):
    path = csv_file(
        tmp_path,
        [
            row("L000001", web_username="amira.khan", bksb_user="yes", bksb_username="akhan"),
            row("A000002", kind="Applicant", first_name="Ben", system_status="", learning_status="", start_date=""),
        ],
    )
    out, _ = run(path)
    assert "Imported 2 rows: 2 created, 0 updated, 0 unchanged, 1 web users created" in out
    amira = Learner.objects.get(learner_ref="L000001")
    assert (amira.first_name, amira.email, amira.date_of_birth) == (
        "Amira",
        "l000001@example.ac.uk",
        dt.date(2004, 5, 17),
    )
    assert (amira.bksb_user, amira.bksb_username) == (True, "akhan")
    assert amira.web_user.user.username == "amira.khan"
    assert not amira.web_user.user.has_usable_password()
    assert not amira.web_user.user.is_staff
    ben = Learner.objects.get(learner_ref="A000002")
    assert ben.kind == Kind.APPLICANT
    assert (ben.system_status, ben.learning_status, ben.start_date) == (
        SystemStatus.LIVE,
        LearningStatus.IN_LEARNING,
        None,
    )
    assert amira.history.get().history_type == "+"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"system_status": "Archived", "learning_status": "Break in Learning"}, ("archived", "break_in_learning")),
        ({"system_status": "LIVE", "learning_status": "in learning"}, ("live", "in_learning")),
        ({"system_status": "live", "learning_status": "break_in_learning"}, ("live", "break_in_learning")),
        ({"system_status": "", "learning_status": "Withdrawn"}, ("live", "withdrawn")),
    ],
)
def test_statuses_are_read_by_value_or_label_in_any_case(tmp_path, given, stored):
    run(csv_file(tmp_path, [row(**given)]))
    assert Learner.objects.values_list("system_status", "learning_status").get() == stored


def test_file_with_bad_rows_is_refused_whole_with_line_numbers(tmp_path):
    path = csv_file(tmp_path, [row("L000001"), row("L000123", email="not-an-email"), row("L000003", kind="teacher")])
    out, err = refused(path)
    assert "line 3 (L000123): email: Enter a valid email address." in err
    assert "line 4 (L000003): kind: “teacher” is not one of: Learner, Applicant." in err
    assert "2 rows refused" in err
    assert "Nothing imported" in out
    assert not Learner.objects.exists()


def test_skip_invalid_imports_the_good_rows_lists_the_rest_and_still_fails(tmp_path):
    path = csv_file(tmp_path, [row("L000001"), row("L000002", date_of_birth="17/05/2004"), row("L000003")])
    out, err = refused(path, "--skip-invalid")
    assert "Imported 2 rows: 2 created" in out
    assert "line 3 (L000002): date_of_birth: “17/05/2004” is not a date as YYYY-MM-DD." in err
    assert sorted(Learner.objects.values_list("learner_ref", flat=True)) == ["L000001", "L000003"]


def test_dry_run_checks_without_writing(tmp_path):
    out, _ = run(csv_file(tmp_path, [row("L000001", web_username="amira.khan")]), "--dry-run")
    assert "dry run" in out
    assert "1 created" in out
    assert not Learner.objects.exists()
    assert not get_user_model().objects.exists()


def test_reimport_updates_by_reference_and_never_duplicates(tmp_path):
    run(csv_file(tmp_path, [row("L000001"), row("L000002")]))
    first = Learner.objects.get(learner_ref="L000001")
    out, _ = run(
        csv_file(tmp_path, [row("L000001", last_name="Khan-Ali", learning_status="Completed"), row("L000002")])
    )
    assert "Imported 2 rows: 0 created, 1 updated, 1 unchanged" in out
    assert Learner.objects.count() == 2
    updated = Learner.objects.get(learner_ref="L000001")
    assert (updated.pk, updated.last_name, updated.learning_status) == (first.pk, "Khan-Ali", "completed")
    assert updated.created_at == first.created_at
    assert [h.history_type for h in updated.history.order_by("history_date")] == ["+", "~"]


def test_reimport_renames_the_learners_web_user_instead_of_adding_one(tmp_path):
    existing = WebUserFactory(learner=LearnerFactory(learner_ref="L000001"), user__username="old.name")
    out, _ = run(csv_file(tmp_path, [row("L000001", web_username="new.name")]))
    assert "1 renamed" in out
    assert WebUser.objects.count() == 1
    existing.user.refresh_from_db()
    assert existing.user.username == "new.name"
    assert existing.user.has_usable_password()  # renaming keeps the learner's login


def test_web_username_of_another_learner_or_a_staff_user_is_a_bad_row(tmp_path, admin_user):
    WebUserFactory(learner=LearnerFactory(learner_ref="L000009"), user__username="taken.name")
    UserFactory(username="someone.else")
    path = csv_file(
        tmp_path,
        [
            row("L000001", web_username="taken.name"),
            row("L000002", web_username=admin_user.username),
            row("L000003", web_username="someone.else"),
            row("L000004", web_username="bad name!"),
        ],
    )
    _, err = refused(path)
    assert "line 2 (L000001): web_username: taken.name already belongs to learner L000009." in err
    assert f"line 3 (L000002): web_username: {admin_user.username} belongs to a staff user." in err
    assert "line 4 (L000003): web_username: someone.else is already taken by another account." in err
    assert "line 5 (L000004): web_username: Enter a valid username." in err


def test_a_reference_or_web_username_repeated_in_the_file_is_a_bad_row(tmp_path):
    path = csv_file(
        tmp_path,
        [row("L000001", web_username="a.b"), row("L000002", web_username="a.b"), row("L000001", first_name="Again")],
    )
    _, err = refused(path, "--skip-invalid")
    assert "line 3 (L000002): web_username: a.b is already on line 2." in err
    assert "line 4 (L000001): learner_ref: L000001 is already on line 2." in err
    assert Learner.objects.get().first_name == "Amira"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"learner_ref": ""}, "learner_ref: This field is required."),
        ({"learner_ref": "L" * 31}, "learner_ref: Ensure this value has at most 30 characters (it has 31)."),
        ({"first_name": ""}, "first_name: This field is required."),
        ({"last_name": "x" * 101}, "last_name: Ensure this value has at most 100 characters (it has 101)."),
        ({"kind": ""}, "kind: This field is required."),
        ({"date_of_birth": "2004-5-17"}, "date_of_birth: “2004-5-17” is not a date as YYYY-MM-DD."),
        ({"date_of_birth": "2004-02-30"}, "date_of_birth: “2004-02-30” is not a date as YYYY-MM-DD."),
        ({"start_date": "2025-09-01", "end_date": "2025-08-31"}, "end_date: The end date is before the start date."),
        ({"bksb_user": "maybe"}, "bksb_user: Enter yes or no"),
        ({"web_username": "x" * 151}, "web_username: Ensure this value has at most 150 characters (it has 151)."),
        (
            {"learning_status": "asleep"},
            "learning_status: “asleep” is not one of: In Learning, Completed, Withdrawn, Break in Learning, "
            "Transferred.",
        ),
    ],
)
def test_each_bad_value_is_named_with_its_column(values, reason):
    summary = learners_import(rows=[row(**values)], skip_invalid=False, dry_run=False)
    [error] = summary.refused
    assert error.line == 2
    assert reason in str(error)
    assert not summary.written


@pytest.mark.parametrize("flag", ["yes", "YES", "true", "1", "no", "false", "0", ""])
def test_bksb_user_accepts_yes_no_true_false_one_zero_or_empty(flag):
    summary = learners_import(rows=[row(bksb_user=flag)], skip_invalid=False, dry_run=False)
    assert summary.written
    assert Learner.objects.get().bksb_user is (flag.lower() in ("yes", "true", "1"))


def test_row_with_too_many_or_too_few_fields_is_a_bad_row(tmp_path):
    path = tmp_path / "learners.csv"
    good = ",".join(row().values())
    path.write_text(",".join(COLUMNS) + "\n" + good + ",extra\nL000002,learner,Ben\n")
    _, err = refused(path)
    assert "line 2 (L000001): This row has 14 fields but the header has 13." in err
    assert "line 3 (L000002): This row has 3 fields but the header has 13." in err


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([c for c in COLUMNS if c != "email"], "missing columns: email"),
        ([*COLUMNS, "nickname"], "unknown columns: nickname"),
        (["ref", *COLUMNS[1:]], "missing columns: learner_ref; unknown columns: ref"),
    ],
)
def test_wrong_header_refuses_the_whole_file_naming_the_columns(tmp_path, header, message):
    path = tmp_path / "learners.csv"
    path.write_text(",".join(header) + "\n" + ",".join(["x"] * len(header)) + "\n")
    with pytest.raises(CommandError, match=message):
        run(path)
    assert not Learner.objects.exists()


def test_empty_file_is_refused_clearly(tmp_path):
    path = tmp_path / "learners.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        run(path)


def test_utf8_bom_and_windows_line_endings_are_read(tmp_path):
    path = csv_file(tmp_path, [row("L000001", first_name="Zoë"), row("L000002")], encoding="utf-8-sig", eol="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbflearner_ref,")
    assert b"\r\n" in path.read_bytes()
    out, _ = run(path)
    assert "2 created" in out
    assert Learner.objects.get(learner_ref="L000001").first_name == "Zoë"
    assert Learner.objects.get(learner_ref="L000002").bksb_username == ""


def test_non_utf8_file_is_refused_with_a_clear_message(tmp_path):
    path = csv_file(tmp_path, [row("L000001"), row("L000002", first_name="Zoë")], encoding="latin-1")
    with pytest.raises(CommandError, match=r"not UTF-8 text \(byte 0xeb on line 3\)"):
        run(path)


def test_html_in_a_name_is_stored_as_text(tmp_path):
    run(csv_file(tmp_path, [row(first_name="<script>alert(1)</script>")]))
    assert Learner.objects.get().first_name == "<script>alert(1)</script>"


def test_failure_part_way_leaves_nothing_written(tmp_path):
    path = csv_file(tmp_path, [row("L000001", web_username="amira.khan")])
    failing = mock.patch("learners.importing._web_users_write", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        run(path)
    assert not Learner.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nope.csv")


def test_ten_thousand_rows_import_in_batches_not_a_query_per_row(tmp_path, django_assert_max_num_queries):
    rows = 10_000
    LearnerFactory(learner_ref="L0000000", first_name="Before")
    path = csv_file(
        tmp_path,
        [row(f"L{n:07d}", first_name=f"First{n}", web_username=f"learner.{n}" if n % 3 else "") for n in range(rows)],
    )
    # SQLite allows 999 parameters a query, so it needs ~600 batches (800 since a record carries the ILR's
    # ULN, grades and prior attainment, and the caseload's tutor group and tutor); PostgreSQL ~60. A query per
    # row would be over 10,000.
    with django_assert_max_num_queries(900):
        out, _ = run(path)
    assert f"Imported {rows} rows: {rows - 1} created, 1 updated, 0 unchanged, 6666 web users created" in out
    assert Learner.objects.count() == rows
    assert WebUser.objects.count() == 6666
    assert Learner.objects.get(learner_ref="L0009998").web_user.user.username == "learner.9998"
    assert Learner.history.count() == rows + 1


def test_imported_learners_are_found_by_the_list_search(client, tutor, tmp_path):
    path = csv_file(
        tmp_path,
        [
            row("L000101", first_name="Imogen", last_name="Fairweather", web_username="ifair01"),
            row("L000102", first_name="Osman", last_name="Baptiste"),
        ],
    )
    run(path)
    client.force_login(tutor)
    expected = {"fairweather": "Fairweather, Imogen", "ifair01": "Fairweather, Imogen"}
    expected |= {"L000102": "Baptiste, Osman", "osman baptiste": "Baptiste, Osman"}
    for query, name in expected.items():
        assert name in client.get("/learners/", {"q": query}).text, query
    renamed = csv_file(
        tmp_path, [row("L000101", first_name="Imogen", last_name="Fairweather", web_username="imogen.f")]
    )
    run(renamed)
    assert "Fairweather, Imogen" in client.get("/learners/", {"q": "imogen.f"}).text
    assert "Fairweather, Imogen" not in client.get("/learners/", {"q": "ifair01"}).text
