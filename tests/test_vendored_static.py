"""The vendored front-end files (and the tests' axe-core) are the versions package.json pins, with their licences."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHARTJS = ROOT / "static" / "vendor" / "chartjs"


def test_vendored_chartjs_is_the_pinned_version_with_its_licences():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["chart.js"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/chart.js"]
    assert locked["version"] == pinned
    assert (CHARTJS / "VERSION").read_text().strip() == f"chart.js {pinned}"
    head = (CHARTJS / "chart.umd.min.js").read_text()[:200]
    assert f"Chart.js v{pinned}" in head
    assert "MIT License" in (CHARTJS / "LICENSE.md").read_text()
    assert "MIT License" in (CHARTJS / "LICENSE-kurkle-color.md").read_text()


def test_vendored_chartjs_names_no_missing_source_map():
    # The manifest storage (collectstatic) fails on a sourceMappingURL whose file is absent.
    assert "sourceMappingURL" not in (CHARTJS / "chart.umd.min.js").read_text()


def test_vendored_htmx_is_the_pinned_version_with_its_licence():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["htmx.org"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/htmx.org"]
    htmx = ROOT / "static" / "vendor" / "htmx"
    assert locked["version"] == pinned
    assert (htmx / "VERSION").read_text().strip() == f"htmx.org {pinned}"
    assert f'version:"{pinned}"' in (htmx / "htmx.min.js").read_text()
    assert "Zero-Clause BSD" in (htmx / "LICENSE").read_text()
    assert "sourceMappingURL" not in (htmx / "htmx.min.js").read_text()


def test_vendored_axe_core_is_the_pinned_dev_version_with_its_licences():
    # Only the accessibility browser tests load it (tests/browser/vendor), never a page.
    package = json.loads((ROOT / "package.json").read_text())
    pinned = package["devDependencies"]["axe-core"]
    assert "axe-core" not in package["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/axe-core"]
    axe = ROOT / "tests" / "browser" / "vendor" / "axe-core"
    assert locked["version"] == pinned
    assert locked["dev"] is True
    assert (axe / "VERSION").read_text().strip() == f"axe-core {pinned}"
    assert (axe / "axe.min.js").read_text()[:40].startswith(f"/*! axe v{pinned}\n")
    assert "Mozilla Public License, version 2.0" in (axe / "LICENSE").read_text()
    assert (axe / "LICENSE-3RD-PARTY.txt").stat().st_size > 0
