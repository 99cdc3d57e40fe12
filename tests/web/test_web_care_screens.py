"""Care co-ordination on the screens: the versioned care-plan editor (a stale edit is refused and shows the current
version), the team thread between clinician and patient, and informal advice asked and answered."""

from __future__ import annotations

from web_screens import check_screen, log_in


def test_care_plan_versions_and_a_stale_edit(served, browser):
    patient = served.logins["patient"].detail.split()[-1]
    first, second = browser.new_context(), browser.new_context()
    try:
        gp, nurse = first.new_page(), second.new_page()
        log_in(gp, served.url, served.logins["gp"])
        log_in(nurse, served.url, served.logins["nurse"])
        gp.goto(f"{served.url}/record/{patient}/care-plan")
        gp.get_by_label("What matters to me").fill("Staying in my own home")
        gp.get_by_role("button", name="Save the care plan").click()
        assert "The care plan is saved." in gp.locator("#notice").inner_text()

        gp.goto(f"{served.url}/record/{patient}/care-plan")  # the live plan's editor, at version 1
        nurse.goto(f"{served.url}/record/{patient}/care-plan")
        check_screen(gp, "care-plan-editor")
        nurse.get_by_label("Goals, one a line").fill("Walk to the post office")
        nurse.get_by_role("button", name="Save the care plan").click()
        assert "The care plan is saved." in nurse.locator("#notice").inner_text()

        gp.get_by_label("Goals, one a line").fill("A goal written over a version that has moved on")
        gp.get_by_role("button", name="Save the care plan").click()
        assert gp.get_by_role("heading", name="Someone else changed this plan").is_visible()
        assert gp.get_by_label("Goals, one a line").input_value() == "Walk to the post office"
        check_screen(gp, "care-plan-conflict")
        gp.get_by_label("Goals, one a line").fill("Walk to the post office\nSee my grandson at Easter")
        gp.get_by_role("button", name="Save the care plan").click()
        assert gp.get_by_text("See my grandson at Easter").is_visible()
        assert "version 3" in gp.locator("#care-plan ~ .nhsuk-card").first.inner_text()
    finally:
        first.close()
        second.close()


def test_team_thread_and_advice(served, browser):
    patient = served.logins["patient"].detail.split()[-1]
    anp_clinician = served.logins["anp"].detail.split()[-1]
    contexts = [browser.new_context() for _ in range(3)]
    try:
        gp, me, anp = (c.new_page() for c in contexts)
        log_in(gp, served.url, served.logins["gp"])
        gp.goto(f"{served.url}/record/{patient}")
        gp.get_by_label("Write to the team").fill("Your blood test results are normal.")
        gp.get_by_role("button", name="Send the message").click()
        assert "Your message is sent to the team." in gp.locator("#notice").inner_text()

        log_in(me, served.url, served.logins["patient"])
        assert me.get_by_text("Your blood test results are normal.").is_visible()
        me.get_by_label("Write to the team").fill("Thank you, that is a relief.")
        me.get_by_role("button", name="Send the message").click()
        check_screen(me, "portal-thread")

        gp.goto(f"{served.url}/record/{patient}")
        assert gp.get_by_text("Thank you, that is a relief.").is_visible()
        gp.get_by_text("Ask a colleague's advice").click()
        gp.get_by_label("Colleague").select_option(anp_clinician)
        gp.get_by_label("Your question").fill("Would you review her inhaler technique?")
        gp.get_by_role("button", name="Ask").click()
        assert "Your question is sent." in gp.locator("#notice").inner_text()

        log_in(anp, served.url, served.logins["anp"])
        waiting = anp.locator("#advice-waiting ~ .nhsuk-card", has_text="inhaler technique")
        assert waiting.count() == 1
        check_screen(anp, "my-day-advice")
        waiting.get_by_label("Your answer").fill("Yes - book her with me next week.")
        waiting.get_by_role("button", name="Send the answer").click()
        assert "Your answer is sent." in anp.locator("#notice").inner_text()

        gp.goto(f"{served.url}/record/{patient}")
        assert gp.get_by_text("Yes - book her with me next week.").is_visible()
        check_screen(gp, "record-care")
    finally:
        for c in contexts:
            c.close()


def test_the_patient_edits_their_own_goals(served, browser):
    ctx, staff = browser.new_context(), browser.new_context()
    try:
        me = ctx.new_page()
        log_in(me, served.url, served.logins["patient"])
        if me.get_by_text("Change my goals").count() == 0:  # run alone: the team agrees a plan first
            gp = staff.new_page()
            log_in(gp, served.url, served.logins["gp"])
            gp.goto(f"{served.url}/record/{served.logins['patient'].detail.split()[-1]}/care-plan")
            gp.get_by_role("button", name="Save the care plan").click()
            me.reload()
        me.get_by_text("Change my goals").first.click()
        me.get_by_label("My goals, one a line").first.fill("Dance at my granddaughter's wedding")
        me.get_by_role("button", name="Save my goals").first.click()
        assert "Your goals are saved." in me.locator("#notice").inner_text()
        card = me.locator("#care-plan ~ .nhsuk-card").first.inner_text()
        assert "Dance at my granddaughter's wedding" in card and "(set by the patient)" in card
        check_screen(me, "portal-goals")
    finally:
        ctx.close()
        staff.close()


def test_the_social_prescribing_loop(served, browser):
    import sqlalchemy as sa

    from carenet.service.store.tables import CANONICAL

    patient = served.logins["patient"].detail.split()[-1]
    with served.store.engine.begin() as conn:
        network = conn.execute(sa.select(CANONICAL["networks"].c.network_id)).scalars().first()
        conn.execute(CANONICAL["community_services"].insert().values(
            service_id="CS-walking", name="Tuesday walking group", category="exercise", network_id=network,
            weekly_capacity=12))
    staff, manager_ctx = browser.new_context(), browser.new_context()
    try:
        gp = staff.new_page()
        log_in(gp, served.url, served.logins["gp"])
        gp.goto(f"{served.url}/record/{patient}")
        gp.get_by_text("Refer to a community service").click()
        gp.get_by_label("Service").select_option("CS-walking")
        gp.get_by_role("button", name="Refer", exact=True).click()
        assert "The referral to the community service is made." in gp.locator("#notice").inner_text()
        row = gp.locator("#social-prescribing + table tr", has_text="Tuesday walking group")
        assert "referred" in row.inner_text()
        for step in ("accepted", "attended"):
            row = gp.locator("#social-prescribing + table tr", has_text="Tuesday walking group")
            row.get_by_label("Record").select_option(step)
            row.get_by_role("button", name="Record step").click()
            assert "The step is recorded." in gp.locator("#notice").inner_text()
        assert "attended" in gp.locator("#social-prescribing + table tr", has_text="Tuesday walking group").inner_text()

        manager = manager_ctx.new_page()
        log_in(manager, served.url, served.logins["practice_manager"])
        manager.goto(f"{served.url}/manage/social-prescribing")
        cells = manager.locator("tr", has_text="Tuesday walking group").locator("td").all_inner_texts()
        assert cells[-1] == "100%" and cells[4] == "1"  # attended, taken up
    finally:
        staff.close()
        manager_ctx.close()
