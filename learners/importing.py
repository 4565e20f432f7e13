"""Learner CSV import: check every row, then upsert the good ones in bulk, a chunk per transaction.

learners_import_plan reads and checks a whole file against itself and the database
without writing; learners_import_write writes a plan's good rows in chunks of
CHUNK_ROWS, each chunk checked again against the database in its own transaction, so
other users' writes wait for one chunk at most. learners_import does both: the
import_learners command uses it, and the staff pages' preview is its dry run; their
confirm runs the same plan and write as a background job (learners.import_job).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.db import transaction
from simple_history.utils import get_history_manager_for_model

from learners.import_rows import (
    ATTAINMENT_COLUMNS,
    ATTAINMENT_FIELDS,
    CASELOAD_COLUMNS,
    COLUMNS,
    LEARNER_FIELDS,
    CheckedRow,
    RowError,
    row_check,
)
from learners.import_warnings import RowWarning, bksb_username_warnings
from learners.models import Learner, WebUser
from learners.search_text import search_text_for
from learners.signals import learners_imported

BATCH_SIZE = 1000
# Good rows written per transaction: big enough for bulk writes to pay, small enough
# that nobody waits long on the rows and indexes a chunk locks.
CHUNK_ROWS = settings.LEARNERS_IMPORT_CHUNK_ROWS
LOOKUP_CHUNK = 900  # refs per IN (...) lookup: under SQLite's classic 999-parameter limit


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header): no row is looked at."""


@dataclass
class ImportPlan:
    """What importing a file would do. Learner instances carry the row's values."""

    create: list[Learner] = field(default_factory=list)
    update: list[Learner] = field(default_factory=list)
    unchanged: list[Learner] = field(default_factory=list)
    new_web_users: list[tuple[Learner, str]] = field(default_factory=list)
    renames: list[tuple[int, str]] = field(default_factory=list)  # (user id, new username)
    refused: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    existing_pks: dict[str, int] = field(default_factory=dict)
    good: list[CheckedRow] = field(default_factory=list)  # the rows planned above, in line order
    # Unchanged records whose search column is not as planned (their web user is new or renamed).
    search_text_stale: list[Learner] = field(default_factory=list)
    attainment: bool = False  # the file has the optional attainment columns
    caseload: bool = False  # the file has the optional caseload columns

    @property
    def fields(self) -> tuple[str, ...]:
        """The record's fields the file sets: compared against the database, and written."""
        return (
            LEARNER_FIELDS
            + (ATTAINMENT_FIELDS if self.attainment else ())
            + (CASELOAD_COLUMNS if self.caseload else ())
        )

    @property
    def rows(self) -> int:
        return len(self.create) + len(self.update) + len(self.unchanged)


@dataclass(frozen=True)
class ChunkWritten:
    """One committed chunk: the counts it wrote, the last line it covered, and rows the database
    refused by the time they were written (records changed since the file was checked)."""

    through_line: int
    rows: int
    created: int
    updated: int
    unchanged: int
    web_users_created: int
    web_users_renamed: int
    refused: list[RowError]

    @classmethod
    def of(cls, plan: ImportPlan, *, through_line: int) -> ChunkWritten:
        return cls(
            through_line=through_line,
            rows=plan.rows,
            created=len(plan.create),
            updated=len(plan.update),
            unchanged=len(plan.unchanged),
            web_users_created=len(plan.new_web_users),
            web_users_renamed=len(plan.renames),
            refused=plan.refused,
        )


@dataclass(frozen=True)
class ImportSummary:
    """Counts describe the good rows; written says whether they reached the database."""

    rows: int
    created: int
    updated: int
    unchanged: int
    web_users_created: int
    web_users_renamed: int
    refused: list[RowError]
    warnings: list[RowWarning]
    written: bool

    @classmethod
    def of(cls, plan: ImportPlan, *, written: bool) -> ImportSummary:
        return cls(
            rows=plan.rows,
            created=len(plan.create),
            updated=len(plan.update),
            unchanged=len(plan.unchanged),
            web_users_created=len(plan.new_web_users),
            web_users_renamed=len(plan.renames),
            refused=plan.refused,
            warnings=plan.warnings,
            written=written,
        )

    @classmethod
    def of_chunks(cls, plan: ImportPlan, chunks: list[ChunkWritten]) -> ImportSummary:
        """What the chunks wrote; the rows refused are the plan's and those refused at writing."""
        return cls(
            rows=sum(chunk.rows for chunk in chunks),
            created=sum(chunk.created for chunk in chunks),
            updated=sum(chunk.updated for chunk in chunks),
            unchanged=sum(chunk.unchanged for chunk in chunks),
            web_users_created=sum(chunk.web_users_created for chunk in chunks),
            web_users_renamed=sum(chunk.web_users_renamed for chunk in chunks),
            refused=sorted(plan.refused + [e for chunk in chunks for e in chunk.refused], key=lambda e: e.line),
            warnings=plan.warnings,
            written=True,
        )


def csv_text_decode(data: bytes) -> str:
    """The file's text, without a UTF-8 byte order mark; a clear error for other encodings."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}). "
            "Save it from your spreadsheet as “CSV UTF-8” and try again."
        ) from None


def learners_import(
    *, rows: Iterable[Mapping[str, str]] | TextIO, skip_invalid: bool, dry_run: bool, history_user: User | None = None
) -> ImportSummary:
    """Create or update learners (by learner_ref) and their web users from CSV rows.

    The whole file is checked before anything is written; a file with any bad row is
    refused whole unless skip_invalid. The good rows are then written a chunk per
    transaction (learners_import_write), in batches: never a query per row. Raises
    ImportFileError when the file itself is unreadable or its header is wrong.
    """
    plan = learners_import_plan(rows=rows)
    if dry_run or (plan.refused and not skip_invalid):
        return ImportSummary.of(plan, written=False)
    return learners_import_write(plan=plan, history_user=history_user)


def learners_import_plan(*, rows: Iterable[Mapping[str, str]] | TextIO) -> ImportPlan:
    """Check every row, on its own and against the rest of the file and the database. Writes nothing."""
    plan = ImportPlan()
    checked: list[CheckedRow] = []
    seen_refs: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    header: list[str] = []
    for line, raw in _rows_read(rows, header):
        plan.attainment, plan.caseload = ATTAINMENT_COLUMNS[0] in header, CASELOAD_COLUMNS[0] in header
        result = row_check(
            line=line,
            raw=raw,
            seen_refs=seen_refs,
            seen_usernames=seen_usernames,
            attainment=plan.attainment,
            caseload=plan.caseload,
        )
        if isinstance(result, RowError):
            plan.refused.append(result)
        else:
            checked.append(result)
    _rows_plan(plan, checked)
    plan.refused.sort(key=lambda error: error.line)
    plan.warnings = bksb_username_warnings(rows=plan.good)
    return plan


def learners_import_write(
    *,
    plan: ImportPlan,
    history_user: User | None = None,
    after_line: int = 0,
    chunk_rows: int | None = None,
    on_chunk: Callable[[ChunkWritten], None] | None = None,
) -> ImportSummary:
    """Write a checked plan's good rows after `after_line`, a chunk per transaction.

    Each chunk is checked again against the database inside its transaction: a row
    that became bad since the whole file was checked (another record took its web
    username) is left out and reported, as earlier chunks are already committed.
    on_chunk runs inside each chunk's transaction, so what it records (a job's
    progress) commits with the rows or not at all. A failure keeps the chunks before it.
    """
    rows = [row for row in plan.good if row.line > after_line]
    size = chunk_rows or CHUNK_ROWS
    chunks: list[ChunkWritten] = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        with transaction.atomic():
            part = ImportPlan(attainment=plan.attainment, caseload=plan.caseload)
            _rows_plan(part, chunk)
            _learners_write(part, history_user)
            _web_users_write(part)
            _search_text_write(part)
            written = ChunkWritten.of(part, through_line=chunk[-1].line)
            if on_chunk is not None:
                on_chunk(written)
        chunks.append(written)
    if chunks:
        learners_imported.send(sender=Learner)  # e.g. new records get their bksb users
    return ImportSummary.of_chunks(plan, chunks)


def _rows_plan(plan: ImportPlan, checked: list[CheckedRow]) -> None:
    """Sort good rows into create, update and unchanged against the database; refuse taken web usernames."""
    existing = _existing_learners([row.learner.learner_ref for row in checked], plan.fields)
    web_users = _existing_web_users([row.learner.learner_ref for row in checked])
    owners = _username_owners([row.web_username for row in checked if row.web_username])
    for row in checked:
        ref, username = row.learner.learner_ref, row.web_username
        if username and (reason := _username_refusal(username, ref, owners)):
            plan.refused.append(RowError(line=row.line, learner_ref=ref, reasons=(reason,)))
            continue
        plan.good.append(row)
        current_user = web_users.get(ref)
        # Written with the row, so the list's search column needs no second write of every row.
        final_username = username or (current_user[1] if current_user else "")
        row.learner.search_text = search_text_for(learner=row.learner, web_username=final_username)
        _plan_learner(plan, row.learner, existing.get(ref))
        if username:
            _plan_web_user(plan, row.learner, username, current_user)


def _rows_read(
    rows: Iterable[Mapping[str, str]] | TextIO, header: list[str]
) -> Iterator[tuple[int, Mapping[str, str | None]]]:
    """(line number, row) pairs, the header being line 1 (its names put in `header`); header problems refuse
    the file."""
    if isinstance(rows, io.TextIOBase) or hasattr(rows, "read"):
        yield from _csv_read(rows, header)  # type: ignore[arg-type]
        return
    for index, row in enumerate(rows):
        if index == 0:
            _header_check(list(row))
            header += list(row)
        yield index + 2, row


def _csv_read(stream: TextIO, header: list[str]) -> Iterator[tuple[int, Mapping[str, str | None]]]:
    reader = csv.DictReader(stream)
    try:
        if reader.fieldnames is None:
            raise ImportFileError("The file is empty: it needs a header row naming the columns.")
        reader.fieldnames = [name.lstrip("\ufeff").strip().lower() for name in reader.fieldnames]
        _header_check(reader.fieldnames)
        header += reader.fieldnames
        for raw in reader:
            yield reader.line_num, raw
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from None


def _header_check(names: list[str]) -> None:
    problems = []
    if missing := [name for name in COLUMNS if name not in names]:
        problems.append(f"missing columns: {', '.join(missing)}")
    for what, group in (("attainment", ATTAINMENT_COLUMNS), ("caseload", CASELOAD_COLUMNS)):
        optional = [name for name in group if name in names]
        if optional and len(optional) != len(group):
            problems.append(f"the {what} columns go together: {', '.join(group)}")
    known = COLUMNS + ATTAINMENT_COLUMNS + CASELOAD_COLUMNS
    if unknown := [name or "(blank)" for name in names if name not in known]:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if repeated := sorted({name for name in names if name and names.count(name) > 1}):
        problems.append(f"repeated columns: {', '.join(repeated)}")
    if problems:
        raise ImportFileError(
            f"The header row is wrong ({'; '.join(problems)}). Expected these columns: {', '.join(COLUMNS)}."
        )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def _existing_learners(refs: list[str], fields: tuple[str, ...]) -> dict[str, tuple[int, tuple[object, ...], str]]:
    """learner_ref -> (pk, current values of the fields, current search_text)."""
    found = {}
    for chunk in _chunks(refs):
        for pk, ref, search_text, *values in Learner.objects.filter(learner_ref__in=chunk).values_list(
            "pk", "learner_ref", "search_text", *fields
        ):
            found[ref] = (pk, tuple(values), search_text)
    return found


def _existing_web_users(refs: list[str]) -> dict[str, tuple[int, str]]:
    """learner_ref -> (user id, username) of the learner's current web user."""
    found = {}
    for chunk in _chunks(refs):
        rows = WebUser.objects.filter(learner__learner_ref__in=chunk).values_list(
            "learner__learner_ref", "user_id", "user__username"
        )
        found.update({ref: (user_id, username) for ref, user_id, username in rows})
    return found


def _username_owners(usernames: list[str]) -> dict[str, tuple[bool, str | None]]:
    """username -> (is staff, learner_ref of the learner whose web user it is, if any)."""
    found: dict[str, tuple[bool, str | None]] = {}
    for chunk in _chunks(usernames):
        rows = (
            get_user_model()
            .objects.filter(username__in=chunk)
            .values_list("username", "is_staff", "web_user__learner__learner_ref")
        )
        found.update({username: (is_staff, ref) for username, is_staff, ref in rows})
    return found


def _username_refusal(username: str, ref: str, owners: dict[str, tuple[bool, str | None]]) -> str | None:
    if username not in owners:
        return None
    is_staff, owner_ref = owners[username]
    if owner_ref == ref:
        return None
    if owner_ref is not None:
        return f"web_username: {username} already belongs to learner {owner_ref}."
    if is_staff:
        return f"web_username: {username} belongs to a staff user."
    return f"web_username: {username} is already taken by another account."


def _plan_learner(plan: ImportPlan, learner: Learner, existing: tuple[int, tuple[object, ...], str] | None) -> None:
    learner.pk = None  # planned afresh: a chunk's plan may differ from the whole file's
    if existing is None:
        plan.create.append(learner)
        return
    pk, current, search_text = existing
    plan.existing_pks[learner.learner_ref] = pk
    if current == tuple(getattr(learner, name) for name in plan.fields):
        learner.pk = pk  # never written, so it can carry its key now
        plan.unchanged.append(learner)
        if search_text != learner.search_text:
            plan.search_text_stale.append(learner)
    else:
        plan.update.append(learner)


def _plan_web_user(plan: ImportPlan, learner: Learner, username: str, current: tuple[int, str] | None) -> None:
    if current is None:
        plan.new_web_users.append((learner, username))
    elif current[1] != username:
        plan.renames.append((current[0], username))


def _learners_write(plan: ImportPlan, history_user: User | None) -> None:
    """Upsert by learner_ref, then record history in bulk (bulk_create skips signals)."""
    Learner.objects.bulk_create(
        plan.create + plan.update,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["learner_ref"],
        update_fields=[*plan.fields, *(("attainment_as_of",) if plan.attainment else ()), "search_text", "updated_at"],
    )
    for learner in plan.update:
        learner.pk = plan.existing_pks[learner.learner_ref]
    _missing_pks_fill(plan.create)
    history = get_history_manager_for_model(Learner)
    history.bulk_history_create(plan.create, batch_size=BATCH_SIZE, default_user=history_user)
    history.bulk_history_create(plan.update, batch_size=BATCH_SIZE, update=True, default_user=history_user)


def _search_text_write(plan: ImportPlan) -> None:
    """Created and updated records carried their search column; unchanged ones whose web user is new or renamed."""
    Learner.objects.bulk_update(plan.search_text_stale, ["search_text"], batch_size=BATCH_SIZE)


def _missing_pks_fill(learners: list[Learner]) -> None:
    """Backends that cannot return keys from a bulk insert leave them unset: look them up."""
    missing = {learner.learner_ref: learner for learner in learners if learner.pk is None}
    for chunk in _chunks(list(missing)):
        for ref, pk in Learner.objects.filter(learner_ref__in=chunk).values_list("learner_ref", "pk"):
            missing[ref].pk = pk


def _unusable_password() -> str:
    """What make_password(None) stores, from one call for random bytes instead of forty (a tenth of a big import)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)


def _web_users_write(plan: ImportPlan) -> None:
    """Web users get unusable passwords: they log in once a password is set for them."""
    user_model = get_user_model()
    if plan.renames:
        renamed = [user_model(pk=user_id, username=username) for user_id, username in plan.renames]
        user_model.objects.bulk_update(renamed, ["username"], batch_size=BATCH_SIZE)
    users = [user_model(username=username, password=_unusable_password()) for _, username in plan.new_web_users]
    user_model.objects.bulk_create(users, batch_size=BATCH_SIZE)
    if any(user.pk is None for user in users):
        by_name = {user.username: user for user in users}
        for chunk in _chunks(list(by_name)):
            for username, pk in user_model.objects.filter(username__in=chunk).values_list("username", "pk"):
                by_name[username].pk = pk
    WebUser.objects.bulk_create(
        [
            WebUser(user_id=user.pk, learner_id=learner.pk)
            for user, (learner, _) in zip(users, plan.new_web_users, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
