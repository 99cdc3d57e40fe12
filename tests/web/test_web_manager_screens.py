"""Managers' screens in Chromium: the scorecard of the live store with SPC drill-down and the twin's predictions,
panels with the rebalance suggestion, diary fill and third next available, and the social-prescribing loop."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa
from web_screens import check_screen, log_in

from carenet.service.store.tables import CANONICAL
from carenet.service.store.transfer import STORE_WRITTEN


def _history(served, practice: str, weeks: int = 10) -> None:
    """Past attended appointments of the practice's patients, a few a working day, for the SPC charts to show."""
    patients, clinicians = CANONICAL["patients"], CANONICAL["clinicians"]
    with served.store.engine.begin() as conn:
        ids = conn.execute(sa.select(patients.c.patient_id).where(patients.c.practice_id == practice)
                           .order_by(patients.c.patient_id).limit(60)).scalars().all()
        gp = conn.execute(sa.select(clinicians.c.clinician_id).where(
            clinicians.c.practice_id == practice, clinicians.c.role == "gp")).scalars().first()
        first = dt.datetime(2026, 3, 2, 9) - dt.timedelta(weeks=weeks)
        rows = []
        for day in range(weeks * 7):
            when = first + dt.timedelta(days=day)
            if when.weekday() >= 5:
                continue
            for k in range(3 + day % 4):
                pid = ids[(day * 7 + k) % len(ids)]
                rows.append({"appointment_id": f"A-history-{day}-{k}", "patient_id": pid, "clinician_id": gp,
                             "role": "gp", "practice_id": practice, "site_id": practice, "request_id": None,
                             "requested_at": when - dt.timedelta(days=(day + k) % 5, hours=1),
                             "booked_for": when + dt.timedelta(minutes=15 * k), "duration_minutes": 15,
                             "mode": None, "status": "attended", "urgency": "routine", "need_type": "acute_minor"})
        conn.execute(CANONICAL["appointments"].insert(), rows)
        conn.execute(STORE_WRITTEN)  # written beside the service: a kept scorecard is no longer current


def test_scorecard_with_spc_drill_down_and_the_twin(served, context):
    manager = served.logins["practice_manager"]
    with served.store.engine.connect() as conn:
        practice = conn.execute(sa.text("select practice_id from users where user_id = 'U-practice_manager'")
                                ).scalar_one()
    _history(served, practice)
    page = context.new_page()
    log_in(page, served.url, manager)
    assert page.url.endswith("/manage")
    check_screen(page, "manager-overview")
    page.get_by_role("link", name="Scorecard").first.click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "Scorecard of the live record" in heading and practice in heading
    for attribute in ("Person centred", "Access", "Continuity", "Coordination", "Community"):
        assert page.get_by_role("heading", name=attribute, exact=True).count() == 1, attribute
    twin_cell = page.locator("tr", has_text="Mean wait").first.inner_text()
    assert "3.4" in twin_cell and "2.9 to 3.9" in twin_cell  # the twin's prediction for the store's model
    assert page.locator("figure.carenet-chart svg").count() >= 1
    check_screen(page, "scorecard")
    page.get_by_label("Drill down by").select_option("team")
    page.get_by_role("button", name="Show").click()
    assert "by micro-team or panel" in page.locator("#spc").inner_text()
    assert page.locator("figure.carenet-chart svg").count() >= 1
    page.get_by_label("Drill down by").select_option("segment")
    page.get_by_role("button", name="Show").click()
    assert page.locator("figure.carenet-chart").count() >= 1


def test_the_scorecard_is_kept_until_the_store_changes(served, monkeypatch):
    """A second view with nothing changed in between does not score the store again; a booking made meanwhile
    does (the store's version moved on)."""
    from carenet.service.scorecard import logic

    scored = []
    real = logic.live_scorecard
    monkeypatch.setattr(logic, "live_scorecard", lambda *args: scored.append(args) or real(*args))
    manager, receptionist = served.logins["practice_manager"], served.logins["receptionist"]
    with httpx.Client(base_url=served.url, timeout=120) as browser_like:
        assert browser_like.post("/auth/login", json={"username": manager.username,
                                                      "password": manager.password}).status_code == 200
        view = "/manage/scorecard?series=dna_rate&by=practice"
        first = browser_like.get(view)
        assert first.status_code == 200 and "Scorecard of the live record" in first.text
        kept = len(scored)  # 0 if an earlier view left it kept, 1 otherwise
        again = browser_like.get(view)
        assert again.status_code == 200 and again.text.count("<h2") == first.text.count("<h2")
        assert len(scored) == kept  # kept: nothing changed
        token = browser_like.post("/auth/token", json={"username": receptionist.username,
                                                       "password": receptionist.password}).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        with served.store.engine.connect() as conn:
            patient = conn.execute(sa.text(
                "select p.patient_id from patients p join users u on u.practice_id = p.practice_id "
                "where u.user_id = 'U-receptionist' order by p.patient_id desc limit 1")).scalar_one()
        asked = browser_like.post("/booking/requests", headers=staff,
                                  json={"patient_id": patient, "need_type": "acute_minor"})
        assert asked.status_code == 201, asked.text
        slot = asked.json()["proposals"][0]
        booked = browser_like.post("/booking/appointments", headers=staff, json={
            "patient_id": patient, "clinician_id": slot["clinician_id"], "start": slot["start"],
            "request_id": asked.json()["request_id"]})
        assert booked.status_code == 201, booked.text
        after = browser_like.get(view)
        assert after.status_code == 200 and len(scored) == kept + 1  # the booking moved the store's version on
        assert browser_like.get(view).status_code == 200 and len(scored) == kept + 1


def test_panels_diary_and_the_social_prescribing_loop(served, browser):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        log_in(page, served.url, served.logins["practice_manager"])
        page.goto(f"{served.url}/manage/panels")
        assert page.get_by_role("heading", name="Rebalance suggestion").is_visible()
        check_screen(page, "panels")
        if page.get_by_role("button", name="Accept the suggestion").count():
            page.get_by_role("button", name="Accept the suggestion").click()
            assert "The panels are rebalanced." in page.locator("#notice").inner_text()
            assert page.get_by_text("nothing to move").is_visible()
        page.goto(f"{served.url}/manage/diary")
        assert page.get_by_role("heading", name="Third next available appointment").is_visible()
        assert page.locator("#fill + table tbody tr").count() >= 1
        check_screen(page, "diary-fill")
        page.goto(f"{served.url}/manage/social-prescribing")
        check_screen(page, "social-prescribing")

        admin = ctx.new_page()
        admin_ctx = browser.new_context()
        admin = admin_ctx.new_page()
        log_in(admin, served.url, served.logins["network_admin"])
        admin.goto(f"{served.url}/manage/panels")
        assert admin.get_by_label("Practice").count() == 1  # a network administrator picks the practice
        admin_ctx.close()
    finally:
        ctx.close()


def test_a_practice_manager_invites_from_a_worklist(served, browser):
    """The manager's worklist names who is due and offers the invitation only; the record is the clinicians'."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        log_in(page, served.url, served.logins["practice_manager"])
        page.get_by_role("link", name="Worklists").first.click()
        check_screen(page, "manager-worklists")
        page.goto(f"{served.url}/lists/multimorbid_without_review")
        check_screen(page, "manager-worklist")
        assert page.locator("table a[href^='/record/']").count() == 0
        assert page.get_by_role("button", name="Book review").count() == 0
        page.get_by_role("button", name="Invite").first.click()
        assert page.locator("#notice").inner_text().strip().endswith("The patient is invited: a recall task is open.")
    finally:
        ctx.close()
