"""Which web addresses the Hub will send a learner's browser to."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

WEB_SCHEMES = ("http", "https")
_valid_url = URLValidator(schemes=list(WEB_SCHEMES))


def web_address_check(value: str) -> str:
    """Return the address trimmed, or raise ValidationError with a message fit for an admin.

    Only http(s) with a host: `javascript:`, `data:` and the like would run
    or show content under our name instead of taking the learner to bksb.
    """
    value = value.strip()
    scheme = urlsplit(value).scheme.lower() if ":" in value else ""
    if scheme not in WEB_SCHEMES:
        raise ValidationError(
            "Enter a web address starting with https:// (or http://); other kinds of link are not allowed.",
            code="scheme",
        )
    if not urlsplit(value).hostname:
        raise ValidationError("Enter a web address with a site name, e.g. https://yourcollege.bksblive2.co.uk/.")
    _valid_url(value)
    return value


def is_web_address(value: str) -> bool:
    try:
        web_address_check(value)
    except ValidationError:
        return False
    return True
