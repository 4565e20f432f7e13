"""Staff (and, where turned on, learners) sign in with the college's OpenID Connect provider."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from signin.models import ExternalIdentity, GroupClaimMapping, SignInEvent
from tests.signin.flows import provider_sign_in

pytestmark = pytest.mark.django_db

JO = "jo.bloggs@college.ac.uk"


@pytest.fixture
def jo(oidc_provider):
    oidc_provider.add_account(
        JO, email=JO, given_name="Jo", family_name="Bloggs", groups=["grp-mis-managers", "grp-other"]
    )
    return JO


def test_first_sign_in_makes_a_staff_account_with_the_groups_mapped_from_its_claims(client, oidc_provider, jo, roles):
    GroupClaimMapping.objects.create(claim_value="grp-mis-managers", group=roles["Managers"])

    response = provider_sign_in(client, oidc_provider, jo)

    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200
    user = User.objects.get(username=JO)
    assert (user.is_staff, user.is_superuser, user.email, user.first_name) == (True, False, JO, "Jo")
    assert [g.name for g in user.groups.all()] == ["Managers"]
    assert not user.has_usable_password()
    assert client.get(reverse("learners:list")).status_code == 200
    event = SignInEvent.objects.get()
    assert (event.username, event.method, event.succeeded) == (JO, "provider", True)
    assert ExternalIdentity.objects.get(user=user).last_sign_in_at is not None


def test_first_sign_in_with_no_mapped_group_has_no_rights(client, oidc_provider, jo):
    provider_sign_in(client, oidc_provider, jo)

    assert list(User.objects.get(username=JO).groups.all()) == []
    assert client.get(reverse("learners:list")).status_code == 403


def test_groups_follow_the_claims_at_each_sign_in_and_hand_given_groups_stay(client, oidc_provider, jo, roles):
    GroupClaimMapping.objects.create(claim_value="grp-mis-managers", group=roles["Managers"])
    provider_sign_in(client, oidc_provider, jo)
    user = User.objects.get(username=JO)
    user.groups.add(roles["Tutors"])  # given on Edit Permissions, named by no mapping
    client.post(reverse("logout"))
    oidc_provider.accounts[JO]["groups"] = ["grp-other"]

    provider_sign_in(client, oidc_provider, jo)

    assert sorted(g.name for g in user.groups.all()) == ["Tutors"]
    assert User.objects.filter(username=JO).count() == 1


@pytest.mark.parametrize(
    ("misbehaviour", "message", "reason"),
    [
        ("wrong_audience", "issued for another application", "AUDIENCE"),
        ("bad_signature", "signature does not match the keys the provider publishes", "SIGNATURE"),
        ("expired", "The sign-in token has expired", "EXPIRED"),
        ("wrong_issuer", "issued by someone other than the configured provider", "ISSUER"),
    ],
)
def test_a_bad_id_token_is_refused_with_a_clear_page(client, oidc_provider, jo, misbehaviour, message, reason):
    oidc_provider.misbehave = misbehaviour

    response = provider_sign_in(client, oidc_provider, jo)

    assert response.status_code == 403
    assert "Sign-in refused" in response.text
    assert message in response.text
    assert not User.objects.filter(username=JO).exists()
    assert client.get(reverse("learners:list")).status_code == 302  # still signed out
    refusal = SignInEvent.objects.get()
    assert (refusal.succeeded, refusal.reason) == (False, reason)


def test_a_token_with_a_replayed_nonce_is_refused(client, oidc_provider, jo):
    provider_sign_in(client, oidc_provider, jo)  # the provider keeps this sign-in's nonce
    client.post(reverse("logout"))
    oidc_provider.misbehave = "replay_nonce"

    response = provider_sign_in(client, oidc_provider, jo)

    assert response.status_code == 403
    assert "it may have been replayed" in response.text
    assert client.get(reverse("learners:list")).status_code == 302
    assert SignInEvent.objects.filter(succeeded=False, reason="NONCE").count() == 1


def test_an_answer_for_a_sign_in_this_browser_never_started_is_refused(client, oidc_provider):
    response = client.get(reverse("signin:callback"), {"code": "stolen", "state": "forged"})

    assert response.status_code == 403
    assert "does not match a sign-in started in this browser" in response.text


def test_the_provider_saying_no_is_shown(client, oidc_provider):
    client.get(reverse("signin:start"))
    response = client.get(
        reverse("signin:callback"), {"error": "access_denied", "error_description": "User cancelled the sign-in"}
    )

    assert response.status_code == 403
    assert "Test College said: User cancelled the sign-in" in response.text


def test_a_local_account_of_the_same_name_is_not_taken_over(client, oidc_provider, jo, django_user_model):
    django_user_model.objects.create_user(username=JO, password="pw-local", is_staff=True)

    response = provider_sign_in(client, oidc_provider, jo)

    assert response.status_code == 403
    assert "already exists here and is not linked" in response.text
    assert not ExternalIdentity.objects.exists()


def test_linking_existing_accounts_when_turned_on_never_takes_a_superuser(
    client, oidc_provider, jo, settings, django_user_model
):
    settings.OIDC_LINK_EXISTING_ACCOUNTS = True
    local = django_user_model.objects.create_user(username=JO, password="pw-local", is_staff=True)
    provider_sign_in(client, oidc_provider, jo)
    assert ExternalIdentity.objects.get().user == local

    oidc_provider.add_account("root", email="root@college.ac.uk")
    django_user_model.objects.create_superuser(username="root", password="pw-root")
    assert provider_sign_in(client, oidc_provider, "root").status_code == 403


def test_an_account_switched_off_here_cannot_sign_in(client, oidc_provider, jo):
    provider_sign_in(client, oidc_provider, jo)
    client.post(reverse("logout"))
    User.objects.filter(username=JO).update(is_active=False)

    response = provider_sign_in(client, oidc_provider, jo)

    assert response.status_code == 403
    assert "Your account here is switched off" in response.text


def test_signing_out_ends_the_session_and_offers_the_providers_sign_out(client, oidc_provider, jo):
    provider_sign_in(client, oidc_provider, jo)

    response = client.post(reverse("logout"))

    assert response.status_code == 200
    assert "You have signed out of bksbmis" in response.text
    link = response.context["provider_logout_url"]
    assert link.startswith(oidc_provider.url + "/logout?client_id=")
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Flogin%2F" in link
    assert client.get(reverse("learners:list")).status_code == 302
    assert requests.get(link, timeout=10).status_code == 200
    assert oidc_provider.signed_out == ["bksbmis-test-client"]


def test_a_password_sign_out_goes_back_to_the_login_page(client, tutor, oidc_provider):
    client.force_login(tutor)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_learners_sign_in_to_the_hub_where_the_college_turns_it_on(client, oidc_provider, web_user, settings):
    settings.OIDC_HUB_SIGN_IN = True
    web_user.user.email = "amira.khan@students.college.ac.uk"
    web_user.user.save()
    oidc_provider.add_account("amira", email="AMIRA.KHAN@students.college.ac.uk")

    response = provider_sign_in(client, oidc_provider, "amira")

    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == reverse("hub:dashboard")
    assert ExternalIdentity.objects.get().user == web_user.user
    assert not User.objects.filter(username="amira").exists()


def test_without_the_provider_configured_its_pages_are_not_there(client, settings):
    settings.OIDC_ISSUER = ""
    assert client.get(reverse("signin:start")).status_code == 404
    assert "Sign in with" not in client.get(reverse("login")).text


def test_the_login_page_offers_the_provider(client, oidc_provider):
    page = client.get(reverse("login")).text
    assert "Sign in with Test College" in page
    assert 'name="password"' in page


@pytest.mark.real_second_factor
def test_a_provider_sign_in_counts_as_the_second_factor(client, oidc_provider, jo, roles):
    GroupClaimMapping.objects.create(claim_value="grp-mis-managers", group=roles["Administrators"])

    provider_sign_in(client, oidc_provider, jo)

    assert User.objects.get(username=JO).has_perm("permissions.manage_bksb_settings")
    assert client.get(reverse("learners:list")).status_code == 200


def test_admins_see_who_signed_in_and_when(client, admin_user, oidc_provider, jo):
    provider_sign_in(Client(), oidc_provider, jo)
    client.force_login(admin_user)

    page = client.get(reverse("signin:sign_ins")).text

    assert JO in page
    assert "College account" in page


def test_admins_map_a_group_claim_and_the_audit_trail_records_it(client, admin_user, roles):
    client.force_login(admin_user)

    response = client.post(
        reverse("signin:group_claims"),
        {"claim_value": "grp-mis-managers", "group": roles["Managers"].pk, "description": "MIS managers"},
        follow=True,
    )

    assert "“grp-mis-managers” now grants Managers at each sign-in." in response.text
    assert GroupClaimMapping.objects.get().group == roles["Managers"]
    assert "Group claim “grp-mis-managers”" in client.get(reverse("permissions:audit")).text
    twice = client.post(
        reverse("signin:group_claims"), {"claim_value": "grp-mis-managers", "group": roles["Tutors"].pk}
    )
    assert twice.status_code == 400


def test_only_admins_map_group_claims(client, manager):
    client.force_login(manager)
    assert client.get(reverse("signin:group_claims")).status_code == 403


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(client, oidc_provider, settings):
    settings.OIDC_ISSUER = oidc_provider.url + "/nowhere"  # discovery answers 404 there

    response = client.get(reverse("signin:start"))

    assert response.status_code == 403
    assert "The sign-in provider could not be reached" in response.text
