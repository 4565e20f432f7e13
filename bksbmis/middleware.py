"""Project-wide response headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class VaryOnHtmxMiddleware:
    """Pages answer htmx requests with a fragment and others with the whole page.

    Vary: HX-Request stops a browser reusing a cached fragment as the page
    (for example on Back after a live search).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class PrivateCacheMiddleware:
    """Nothing shown to a signed-in user is kept by a browser or a proxy.

    Pages and downloads carry learner data, and colleges share computers: Back
    after signing out, or the next person on the machine, must not find them in a cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
