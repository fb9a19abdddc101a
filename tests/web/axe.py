"""axe-core (npm registry, pinned in package-lock.json; `make test` installs it) run in a page of a browser test.

The source is evaluated in the page (not added as a script tag, which a Content-Security-Policy without inline
scripts would block). Missing, it skips the test, or fails it in CI.
"""

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Only colours change with the scheme: the second one is checked by the rules about colours alone.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# The violations that fail a test: serious or critical, with each rule's id, help and first offending elements.
AXE_RUN = """async rules => {
    const options = {resultTypes: ["violations"]};
    if (rules) options.runOnly = {type: "rule", values: rules};
    const result = await axe.run(document, options);
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.slice(0, 5).map(
                        n => n.target.join(" ") + " — " + n.failureSummary.split("\\n")[1])}));
}"""


def axe_source() -> str:
    if AXE.exists():
        return AXE.read_text()
    reason = f"axe-core not installed at {AXE.relative_to(AXE.parents[2])}: `make test` installs it (npm ci)"
    if os.environ.get("CI") == "true" or os.environ.get("OASST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def audit(page, source: str, label: str) -> list[str]:
    """The serious and critical violations of the page as it is, in the light and then the dark colour scheme
    (by every rule, then by the rules about colours)."""
    found = []
    backgrounds = set()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(source)
        for violation in page.evaluate(AXE_RUN, None if scheme == "light" else COLOUR_RULES):
            targets = "\n      ".join(violation["targets"])
            summary = f"{violation['id']} ({violation['impact']}): {violation['help']}"
            found.append(f"{label} [{scheme}] {summary}\n      {targets}")
    assert len(backgrounds) == 2, f"{label} looks the same in both colour schemes"
    return found


def report(found: list[str]) -> str:
    return f"{len(found)} serious or critical accessibility violations:\n" + "\n".join(found)
