"""The account a verified ID token signs in to: found by its identity, matched, or made; and its groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from learners.models import WebUser
from signin.models import ExternalIdentity, GroupClaimMapping
from signin.policy import is_break_glass
from signin.refusals import Refusal, SignInRefused

Claims = Mapping[str, Any]


def account_for_claims(*, claims: Claims, issuer: str) -> User:
    """The account for a verified ID token: the one already linked, a learner's web user, or a new staff account.

    A new staff account has no rights but the groups mapped from the token's group claim,
    which are brought up to date at every sign-in.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(Refusal.MISSING_CLAIM, "no sub claim")
    with transaction.atomic():
        identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        if identity is None:
            user = _web_user_for(claims) or _staff_account_for(claims)
            identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        user = identity.user
        if not user.is_active:
            raise SignInRefused(Refusal.INACTIVE)
        if not hasattr(user, "web_user"):
            groups_sync(user=user, claims=claims)
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
    return user


def groups_sync(*, user: User, claims: Claims) -> None:
    """Give the account the mapped groups its token claims, and take away mapped groups it no longer claims."""
    values = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    claimed = {values} if isinstance(values, str) else {str(v) for v in values}
    mappings = list(GroupClaimMapping.objects.all())
    wanted = {m.group_id for m in mappings if m.claim_value in claimed}
    managed = {m.group_id for m in mappings}
    held = set(user.groups.filter(id__in=managed).values_list("id", flat=True))
    if wanted - held:
        user.groups.add(*(wanted - held))
    if held - wanted:
        user.groups.remove(*(held - wanted))


def _web_user_for(claims: Claims) -> User | None:
    """Where the college lets learners sign in to the Hub this way: their web user, by email or username."""
    if not settings.OIDC_HUB_SIGN_IN:
        return None
    value = str(claims.get(settings.OIDC_HUB_MATCH_CLAIM) or "")
    if not value:
        return None
    if settings.OIDC_HUB_MATCH_CLAIM == "email":
        match = Q(user__email__iexact=value) | Q(learner__email__iexact=value)
    else:
        match = Q(user__username__iexact=value)
    found = list(WebUser.objects.filter(match).select_related("user")[:2])
    # Two web users with one email: matching either would be a guess.
    return found[0].user if len(found) == 1 else None


def _staff_account_for(claims: Claims) -> User:
    username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or "")[:150]
    if not username:
        raise SignInRefused(Refusal.MISSING_CLAIM, f"no {settings.OIDC_USERNAME_CLAIM} claim")
    existing = User.objects.filter(username__iexact=username).first()
    if existing is None:
        return User.objects.create_user(
            username=username,
            email=str(claims.get("email") or ""),
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
            is_staff=True,
        )
    if _may_link(existing):
        return existing
    raise SignInRefused(Refusal.ACCOUNT_TAKEN, username)


def _may_link(user: User) -> bool:
    # Never a superuser or a break-glass account: a provider account must not take over the keys to everything.
    return bool(
        settings.OIDC_LINK_EXISTING_ACCOUNTS
        and user.is_staff
        and not user.is_superuser
        and not is_break_glass(user.get_username())
        and not hasattr(user, "web_user")
        and not user.external_identities.exists()
    )
