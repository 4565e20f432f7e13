"""The learner list's search column: each record's searched words, kept by every writer of them.

Search matches words anywhere in a record's reference, names, email, BKSB Username and web username. Those live
in two tables, so each record keeps a lower-cased copy of them in Learner.search_text, which PostgreSQL indexes
with trigrams (migration 0002): a search of 50,000 records reads the index, not every row.

No save() keeps it: each service that writes those fields, or a record's web user, says so by calling one of
these. A writer that builds rows in memory (the CSV import) sets search_text_for on each row before its bulk
write; every other writer calls search_text_refresh for the records it wrote, one UPDATE however many.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower

from learners.models import Learner, WebUser

SEARCHED_FIELDS = ("learner_ref", "first_name", "last_name", "email", "bksb_username")


def search_text_for(*, learner: Learner, web_username: str = "") -> str:
    """A record's search column from its fields in memory and its web username: what search_text_refresh writes."""
    parts = [getattr(learner, field) or "" for field in SEARCHED_FIELDS] + [web_username]
    return " ".join(parts).lower()


def search_text_refresh(*, learner_ids: Iterable[int] | None = None) -> int:
    """Recompute the search column in one UPDATE, for the given records or all of them; how many it wrote."""
    web_username = WebUser.objects.filter(learner_id=OuterRef("pk")).values("user__username")[:1]
    pieces: list[Any] = []
    for field in SEARCHED_FIELDS:
        pieces += [Coalesce(field, Value(""), output_field=TextField()), Value(" ")]
    pieces.append(Coalesce(Subquery(web_username), Value(""), output_field=TextField()))
    qs = Learner.objects.all()
    if learner_ids is not None:
        qs = qs.filter(pk__in=list(learner_ids))
    return qs.update(search_text=Lower(Concat(*pieces, output_field=TextField())))
