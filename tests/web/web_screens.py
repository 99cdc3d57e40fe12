"""What the browser tests check on every screen: axe-core finds no serious or critical violation, and the
screenshot is not blank; and how they log in."""

from __future__ import annotations

import os
from pathlib import Path

from report_png import read_png

AXE = Path(__file__).parent / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SHOTS: dict[str, bytes] = {}
"""Screenshots taken, by screen name."""
README_SHOTS = {"record": "screen-record.png", "proposals": "screen-booking.png", "scorecard": "screen-scorecard.png"}
"""Screens the README shows: with CARENET_README_SHOTS set to a folder, their first screenful is written there."""


def check_screen(page, name: str) -> None:
    """axe-core (WCAG 2.2 AA rules) has no serious or critical violation; the screenshot shows something."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert result["passes"], (name, "axe-core checked nothing")
    assert not bad, (name, page.url, bad)
    shot = page.screenshot(full_page=True)
    pixels = read_png(shot)
    inked = (pixels[..., :3].min(axis=2) < 200).mean()
    assert inked > 0.01, (name, f"the screenshot is blank ({inked:.2%} of it inked)")
    SHOTS[name] = shot
    folder = os.environ.get("CARENET_README_SHOTS")
    if folder and name in README_SHOTS:
        page.screenshot(path=str(Path(folder) / README_SHOTS[name]), type="png")


def log_in(page, base: str, login) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
