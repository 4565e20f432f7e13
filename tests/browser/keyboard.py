"""Driving the browser with the keyboard alone: Tab to a control by its name, checking at every stop that the focus
can be seen (WCAG 2.4.7), then Enter or Space. No test that uses these touches the mouse."""

from __future__ import annotations

import re
from typing import Any

# What has the focus: its accessible name (near enough: aria-label, its label, its text) and whether a focus
# indicator is drawn (an outline or a box shadow).
_FOCUSED = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const labelled = el.getAttribute('aria-labelledby');
  const name = el.getAttribute('aria-label')
    || (labelled && document.getElementById(labelled) ? document.getElementById(labelled).innerText : '')
    || (el.labels && el.labels.length ? el.labels[0].innerText : '')
    || el.innerText || el.value || '';
  return {
    name: name.replace(/\s+/g, ' ').trim(),
    tag: el.tagName.toLowerCase(),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    style: `outline ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow ${style.boxShadow}`,
  };
}"""


def focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(_FOCUSED)  # type: ignore[no-any-return]


def assert_focus_visible(page: Any) -> dict[str, Any]:
    now = focused(page)
    assert now is not None, "nothing has the focus"
    assert now["outline"] or now["shadow"], f"the focus on {now['tag']} {now['name']!r} cannot be seen ({now['style']})"
    return now


def tab_to(page: Any, name: str | re.Pattern[str], *, limit: int = 200) -> dict[str, Any]:
    """Press Tab until the control called `name` has the focus; the focus must be visible at every stop."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) is None:
            continue
        now = assert_focus_visible(page)
        seen.append(now["name"])
        if _called(now["name"], name):
            return now
    raise AssertionError(f"Tab never reached {name!r}; it reached: {seen[:80]}")


def _called(found: str, name: str | re.Pattern[str]) -> bool:
    return bool(name.search(found)) if isinstance(name, re.Pattern) else found == name


def press_on(page: Any, name: str | re.Pattern[str], key: str = "Enter") -> None:
    """Tab to the control called `name` and press `key` on it (Enter for buttons, Space for boxes), on this page."""
    tab_to(page, name)
    page.keyboard.press(key)


def follow(page: Any, name: str | re.Pattern[str]) -> None:
    """Tab to the link or button called `name` and press Enter, which loads another page."""
    tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def menu(page: Any, heading: str, item: str) -> None:
    """Open a top-bar menu (a disclosure) with Enter, then follow one of its links."""
    press_on(page, heading)
    follow(page, item)
