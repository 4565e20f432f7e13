from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learners import views_import
from learners.importing import COLUMNS
from learners.models import Learner
from tests.factories import LearnerFactory, WebUserFactory
from tests.support import line, upload

pytestmark = pytest.mark.django_db

URL = reverse("learners:import")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def pending_files(var_dir: Path) -> list[Path]:
    return sorted((var_dir / "imports").glob("*")) if (var_dir / "imports").exists() else []


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    """Confirm the checked file: the import job runs (eagerly) once the request commits; its page is returned."""

    def post():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, {"confirm": "1"})
        return client.get(response["Location"], follow=True)

    return post


@pytest.mark.parametrize("persona", ["tutor", "outsider", "web_user"])
def test_staff_without_import_right_and_web_users_are_refused(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"csv_file": upload(line("L000777"))}).status_code == 403
    assert client.post(URL, {"confirm": "1"}).status_code == 403
    assert not Learner.objects.filter(learner_ref="L000777").exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_holding_just_the_import_right_may_import(client, staff_with):
    client.force_login(staff_with("view_learners", "import_learners"))
    assert client.get(URL).status_code == 200


def test_tools_menu_offers_import_only_to_those_who_may(client, manager, tutor):
    client.force_login(manager)
    assert "Import learners" in client.get(reverse("learners:list")).text
    client.force_login(tutor)
    assert "Import learners" not in client.get(reverse("learners:list")).text


def test_upload_form_has_a_labelled_file_field_and_skip_checkbox(client, manager):
    client.force_login(manager)
    text = client.get(URL).text
    assert '<label for="id_csv_file">CSV or ILR file</label>' in text
    assert "Skip invalid rows" in text
    assert 'enctype="multipart/form-data"' in text


def test_upload_previews_then_confirm_imports_and_forgets_the_file(client, manager, var_dir, confirm):
    LearnerFactory(learner_ref="L000002", first_name="Old")
    client.force_login(manager)
    preview = client.post(URL, {"csv_file": upload(line("L000001", web_username="amira.k"), line("L000002"))})
    assert preview.status_code == 200
    assert preview.context["summary"].created == 1
    assert preview.context["summary"].updated == 1
    assert "Confirm import" in preview.text
    assert not Learner.objects.filter(learner_ref="L000001").exists()
    [waiting] = pending_files(var_dir)
    assert "learners" not in waiting.name  # named by a random token, not by the upload

    result = confirm()
    assert result.status_code == 200
    assert "Imported 2 rows: 1 created, 1 updated, 0 unchanged, 1 web user created" in result.text
    assert Learner.objects.get(learner_ref="L000001").web_user.username == "amira.k"
    assert Learner.objects.get(learner_ref="L000002").first_name == "Amira"
    assert pending_files(var_dir) == []
    assert views_import.SESSION_KEY not in client.session


def test_import_is_recorded_in_history_as_the_staff_user(client, manager, confirm):
    client.force_login(manager)
    client.post(URL, {"csv_file": upload(line("L000001"))})
    confirm()
    assert Learner.objects.get().history.get().history_user == manager


def test_bad_rows_are_listed_and_nothing_can_be_confirmed(client, manager, var_dir):
    client.force_login(manager)
    response = client.post(URL, {"csv_file": upload(line("L000001"), line("L000002", email="nope"))})
    assert response.status_code == 200
    assert "Confirm import" not in response.text
    assert "L000002" in response.text
    assert "email: Enter a valid email address." in response.text
    assert '<td class="num">3</td>' in response.text
    assert pending_files(var_dir) == []
    client.post(URL, {"confirm": "1"})
    assert not Learner.objects.exists()


def test_skip_invalid_rows_confirms_the_good_rows_only(client, manager, confirm):
    client.force_login(manager)
    response = client.post(
        URL, {"csv_file": upload(line("L000001"), line("L000002", end_date="2020-01-01")), "skip_invalid": "on"}
    )
    assert "Confirm import" in response.text
    assert "will be left out" in response.text
    result = confirm()
    assert "Imported 1 row:" in result.text
    assert "end_date: The end date is before the start date." in result.text
    assert list(Learner.objects.values_list("learner_ref", flat=True)) == ["L000001"]


def test_confirming_twice_imports_once_and_then_asks_for_the_file(client, manager, confirm):
    client.force_login(manager)
    client.post(URL, {"csv_file": upload(line("L000001"))})
    confirm()
    again = confirm()
    assert "There is no checked file waiting to be imported" in again.text
    assert Learner.objects.count() == 1


def test_session_token_cannot_point_outside_the_imports_folder(client, manager, var_dir):
    (var_dir / "secret.csv").write_text(",".join(COLUMNS) + "\n" + line("L000666") + "\n")
    client.force_login(manager)
    session = client.session
    session[views_import.SESSION_KEY] = {"token": "../secret", "skip_invalid": False}
    session.save()
    response = client.post(URL, {"confirm": "1"}, follow=True)
    assert "There is no checked file waiting" in response.text
    assert not Learner.objects.exists()
    assert (var_dir / "secret.csv").exists()


def test_wrong_header_is_shown_on_the_form(client, manager):
    client.force_login(manager)
    bad = SimpleUploadedFile("x.csv", b"learner_ref,name\nL1,Amira\n", content_type="text/csv")
    response = client.post(URL, {"csv_file": bad})
    assert "missing columns: kind" in response.text
    assert "unknown columns: name" in response.text
    assert "Confirm import" not in response.text


def test_non_utf8_file_is_refused_on_the_form(client, manager):
    client.force_login(manager)
    response = client.post(URL, {"csv_file": upload(line("L000001", first_name="Zoë"), encoding="latin-1")})
    assert "not UTF-8 text" in response.text
    assert "CSV UTF-8" in response.text


def test_too_large_file_is_refused(client, manager, monkeypatch):
    monkeypatch.setattr(views_import, "MAX_UPLOAD_BYTES", 100)
    client.force_login(manager)
    response = client.post(URL, {"csv_file": upload(line("L000001"))})
    assert "The file is larger than" in response.text
    assert not Learner.objects.exists()


def test_html_in_a_name_is_shown_escaped_on_the_learner_list(client, manager, confirm):
    client.force_login(manager)
    preview = client.post(URL, {"csv_file": upload(line("L000001", first_name="<b>Bold</b>"))})
    assert "<b>Bold</b>" not in preview.text
    confirm()
    text = client.get(reverse("learners:list")).text
    assert "Khan, &lt;b&gt;Bold&lt;/b&gt;" in text
    assert "<b>Bold</b>" not in text


def test_web_username_taken_by_another_learner_is_reported_in_preview(client, manager):
    WebUserFactory(learner=LearnerFactory(learner_ref="L000009"), user__username="taken")
    client.force_login(manager)
    response = client.post(URL, {"csv_file": upload(line("L000001", web_username="taken"))})
    assert "web_username: taken already belongs to learner L000009." in response.text
    assert "Confirm import" not in response.text
