"""Who may sign in with the provider, what their groups map to, and what happened when they did."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from simple_history.models import HistoricalRecords


class GroupClaimMapping(models.Model):
    """A value of the token's group claim (an Entra group's object id, or an app role) and the group it grants.

    At each sign-in with the provider, the account holds exactly the mapped groups whose
    claim values its token carries; groups that no mapping names are left as admins set them.
    """

    claim_value = models.CharField(
        max_length=200,
        unique=True,
        help_text="The value as the provider sends it, e.g. an Entra group's Object ID or an app role's value.",
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    description = models.CharField(max_length=200, blank=True, help_text="What the claim is, for people reading this.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_value"]
        verbose_name = "group claim mapping"

    def __str__(self) -> str:
        return f"{self.claim_value} → {self.group.name}"


class ExternalIdentity(models.Model):
    """An account's identity at the provider: its issuer and subject, which never change for that person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    first_sign_in_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="signin_identity_unique")]
        verbose_name = "college account"
        verbose_name_plural = "college accounts"

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class SignInMethod(models.TextChoices):
    PASSWORD = "password", "Password"
    PROVIDER = "provider", "College account"


class SignInEvent(models.Model):
    """One sign-in, or one refused sign-in with the provider, for Tools > Sign-ins."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the log still reads after the account is deleted.
    username = models.CharField(max_length=150, blank=True)
    method = models.CharField(max_length=20, choices=SignInMethod.choices)
    succeeded = models.BooleanField(default=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username or '?'} {self.get_method_display()} {self.at:%Y-%m-%d %H:%M}"


class SecondFactorAction(models.TextChoices):
    SET_UP = "set_up", "Second factor set up"
    NEW_RECOVERY_CODES = "new_recovery_codes", "New recovery codes made"
    TURNED_OFF = "turned_off", "Second factor turned off"
    RESET = "reset", "Second factor reset by an admin"


class SecondFactorChange(models.Model):
    """Each change to an account's second factor, for the audit trail."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=SecondFactorAction.choices)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username}: {self.get_action_display()}"
