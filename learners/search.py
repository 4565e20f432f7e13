"""The learner list's search column.

Search matches words anywhere in a learner's reference, names, email, BKSB
Username and web username. Those live in two tables, so each learner keeps a
lower-cased copy of them in search_text, which PostgreSQL indexes with
trigrams (migration 0002): a search of 50,000 learners reads the index, not
every row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower

from learners.models import Learner, WebUser

SEARCHED_FIELDS = ("learner_ref", "first_name", "last_name", "email", "bksb_username")


def search_text_for(*, learner: Learner, web_username: str = "") -> str:
    parts = [getattr(learner, field) or "" for field in SEARCHED_FIELDS] + [web_username]
    return " ".join(parts).lower()


def search_text_refresh(*, learner_ids: Iterable[int] | None = None) -> int:
    """Recompute search_text in one UPDATE, for the given learners or all of them."""
    web_username = WebUser.objects.filter(learner_id=OuterRef("pk")).values("user__username")[:1]
    pieces: list = []
    for field in SEARCHED_FIELDS:
        pieces += [Coalesce(field, Value(""), output_field=TextField()), Value(" ")]
    pieces.append(Coalesce(Subquery(web_username), Value(""), output_field=TextField()))
    qs = Learner.objects.all()
    if learner_ids is not None:
        qs = qs.filter(pk__in=list(learner_ids))
    return qs.update(search_text=Lower(Concat(*pieces, output_field=TextField())))
