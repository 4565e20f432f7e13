"""Template helpers for the learner list's filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def choice_options(choices: Iterable[tuple[Any, Any]], chosen: Any) -> SafeString:
    """A select's <option>s, the chosen one selected, in one pass: the Aim filter lists up to 2,000 aims,
    and a template loop over them took half the list page's time (issue 20)."""
    options = (
        f'<option value="{conditional_escape(value)}"{" selected" if chosen == value else ""}>'
        f"{conditional_escape(text)}</option>"
        for value, text in choices
    )
    return mark_safe("".join(options))  # noqa: S308 - every value and text escaped above
