"""Clinicians' and reception's screens in Chromium: login -> worklist -> patient -> care plan -> book, with the
engine's reasons; a patient's online request routed to reception and booked there, visible to the patient."""

from __future__ import annotations

import re

import sqlalchemy as sa
from web_screens import check_screen, log_in

from carenet.service.store.tables import CANONICAL


def test_staff_login_worklist_patient_care_plan_book(served, context):
    page = context.new_page()
    log_in(page, served.url, served.logins["gp"])
    assert page.url.endswith("/day")
    assert page.get_by_role("heading", name="My diary").is_visible()
    check_screen(page, "my-day")

    page.get_by_role("link", name="Worklists").first.click()
    check_screen(page, "worklists")
    page.get_by_role("link", name="Frail, without a care plan").click()
    check_screen(page, "worklist")
    patient_link = page.locator("table a[href^='/record/']").first
    patient = patient_link.inner_text()
    patient_link.click()
    assert page.get_by_role("heading", name=re.compile(patient)).is_visible()
    check_screen(page, "record")

    page.get_by_role("link", name="Edit care plan").click()
    check_screen(page, "care-plan")
    page.get_by_label("Goals, one a line").fill("Walk to the park each morning\nSleep through the night")
    page.get_by_label("The patient set these goals").check()
    page.get_by_role("button", name="Save the care plan").click()
    assert page.locator("#notice").inner_text().strip().endswith("The care plan is saved.")
    assert page.get_by_text("Walk to the park each morning").is_visible()

    page.get_by_role("link", name="Book or re-book").click()
    check_screen(page, "book")
    page.get_by_label("What the patient needs").select_option("acute_minor")
    page.get_by_role("button", name="Find slots").click()
    why = page.locator(".nhsuk-radios__hint").first.inner_text()
    assert "triage" in why and "sends acute minor requests to" in why
    check_screen(page, "proposals")
    chosen = page.locator("label.nhsuk-radios__label").first.inner_text()
    slot = page.locator("input.nhsuk-radios__input").first.get_attribute("value")
    assert slot.split("|")[0] not in chosen and " minutes with " in chosen  # the clinician by name, not identifier
    page.get_by_role("button", name="Book this slot").click()
    assert "The appointment is booked." in page.locator("#notice").inner_text()
    with_whom = chosen.split(" minutes with ")[1].split(" (")[0]
    assert page.locator("#appointments ~ table").first.get_by_text(with_whom).count() >= 1
    when = chosen.split(",")[0] + "," + chosen.split(",")[1]
    assert page.locator("#appointments ~ table").first.get_by_text(when.split(",")[0]).count() >= 1
    with served.store.engine.connect() as conn:
        plans = conn.execute(sa.select(CANONICAL["care_plans"]).where(
            CANONICAL["care_plans"].c.patient_id == patient)).all()
        booked = conn.execute(sa.select(sa.func.count()).select_from(CANONICAL["appointments"]).where(
            CANONICAL["appointments"].c.patient_id == patient, CANONICAL["appointments"].c.status == "booked"
        )).scalar_one()
    assert any(p.goals == ["Walk to the park each morning", "Sleep through the night"] and p.goals_patient_set
               for p in plans)
    assert booked >= 1


def test_a_portal_request_is_routed_to_reception_booked_and_seen_by_the_patient(served, browser):
    patient_ctx, reception_ctx = browser.new_context(), browser.new_context()
    try:
        me = patient_ctx.new_page()
        log_in(me, served.url, served.logins["patient"])
        check_screen(me, "portal")
        me.get_by_role("link", name="Ask for help").first.click()
        check_screen(me, "ask-for-help")
        me.get_by_label("Joint, back or muscle pain").check()
        me.get_by_role("button", name="Send my request").click()
        assert "Your request is sent." in me.locator("#notice").inner_text()
        request_id = me.url.rstrip("/").split("/")[-1].split("?")[0]

        desk = reception_ctx.new_page()
        log_in(desk, served.url, served.logins["receptionist"])
        assert desk.url.endswith("/reception")
        row = desk.locator("tr", has=desk.locator(f"a[href='/requests/{request_id}']"))
        assert "sends musculoskeletal requests to" in row.inner_text()  # the routing suggestion, with its reason
        check_screen(desk, "reception")
        row.get_by_role("link", name=re.compile("Book")).click()
        check_screen(desk, "reception-book")
        desk.get_by_role("button", name="Book this slot").click()
        assert "The appointment is booked." in desk.locator("#notice").inner_text()

        me.goto(f"{served.url}/portal")
        appointments = me.locator("#appointments + table")
        assert "musculoskeletal" in appointments.inner_text()
        with served.store.engine.connect() as conn:
            outcome = conn.execute(sa.select(CANONICAL["requests"].c.outcome).where(
                CANONICAL["requests"].c.request_id == request_id)).scalar_one()
        assert outcome == "booked"
    finally:
        patient_ctx.close()
        reception_ctx.close()


def test_rebook_cancels_the_old_appointment_once_the_new_one_is_booked(served, context):
    patient = served.logins["patient"].detail.split()[-1]
    a = CANONICAL["appointments"]
    page = context.new_page()
    log_in(page, served.url, served.logins["receptionist"])
    page.goto(f"{served.url}/record/{patient}/book")
    page.get_by_label("What the patient needs").select_option("admin_results")
    page.get_by_role("button", name="Find slots").click()
    page.get_by_role("button", name="Book this slot").click()
    with served.store.engine.connect() as conn:
        old = conn.execute(sa.select(a.c.appointment_id).where(a.c.patient_id == patient, a.c.status == "booked",
                                                               a.c.need_type == "admin_results")).scalar_one()
    page.locator(f"form[action$='/appointments/{old}/rebook'] button").click()
    assert f"appointment {old} is cancelled when you book" in page.locator("main").inner_text()
    check_screen(page, "rebook")
    page.locator("input[name='slot']").nth(1).check()
    page.get_by_role("button", name="Book this slot").click()
    assert "re-booked" in page.locator("#notice").inner_text()
    with served.store.engine.connect() as conn:
        statuses = dict(conn.execute(sa.select(a.c.appointment_id, a.c.status).where(
            a.c.patient_id == patient, a.c.need_type == "admin_results")).all())
    assert statuses[old] == "cancelled" and list(statuses.values()).count("booked") == 1
