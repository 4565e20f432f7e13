"""axe-core in the browser tests: run it on the page in front of us, and say what it found so a person can fix it.

axe-core is the pinned devDependency in package.json, vendored by `make vendor` into tests/browser/vendor/axe-core
(a clean clone has no node_modules). It is evaluated through the DevTools protocol, so the product's
Content-Security-Policy, which admits no inline script, stays as it ships.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the Public Sector Bodies Accessibility Regulations ask.
WCAG_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# Two of axe's table rules are "experimental", so a run by tags leaves them out: named here, they run too.
TABLE_RULES = ("td-has-header", "table-fake-caption")

_RUN = """([tags, extra]) => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    rules: Object.fromEntries(extra.map(id => [id, {enabled: true}])),
    resultTypes: ['violations'],
  })
  .then(result => result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  })))"""


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    target: str
    summary: str

    def __str__(self) -> str:
        reason = " ".join(self.summary.split())
        return f"{self.page}: {self.rule} ({self.impact}) at {self.target}: {self.help}. {reason}"


@cache
def axe_source() -> str:
    return (AXE_DIR / "axe.min.js").read_text()


def axe_version() -> str:
    return (AXE_DIR / "VERSION").read_text().split()[-1]


def axe_violations(page: Any, *, where: str) -> list[Violation]:
    """Every WCAG 2.2 A/AA violation axe finds on the page as it stands, one per element, labelled `where`."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found = page.evaluate(_RUN, [list(WCAG_AA_TAGS), list(TABLE_RULES)])
    return [
        Violation(where, item["rule"], item["impact"] or "", item["help"], node["target"], node["summary"])
        for item in found
        for node in item["nodes"]
    ]


def violations_report(violations: list[Violation]) -> str:
    """A list a person can work through: the count by rule, then each element with its page."""
    by_rule: dict[str, int] = {}
    for violation in violations:
        by_rule[violation.rule] = by_rule.get(violation.rule, 0) + 1
    pages = len({violation.page for violation in violations})
    head = f"{len(violations)} WCAG 2.2 AA violations on {pages} pages (axe-core {axe_version()}): " + ", ".join(
        f"{rule} {count}" for rule, count in sorted(by_rule.items())
    )
    return "\n".join([head, *(f"  - {violation}" for violation in violations)])
