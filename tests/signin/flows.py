"""Sign-in with the test provider through the Django test client: every hop over real HTTP to the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client
from django.urls import reverse

from tests.oidc_provider import TestProvider


def provider_sign_in(client: Client, provider: TestProvider, username: str):
    """Start at the login page's button, sign in at the provider as username, and come back to the callback."""
    start = client.get(reverse("signin:start"))
    assert start.status_code == 302, start
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == provider.url
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    answer = requests.post(
        provider.url + "/authorize", data={**query, "username": username}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
