"""Access on the screens: another practice without sharing sees nothing of a record and the attempt is
audited; break-glass asks for a reason and is flagged; a carer sees only what the patient shared."""

from __future__ import annotations

import sqlalchemy as sa
from web_screens import check_screen, log_in

from carenet.service.audit.tables import AUDIT_EVENTS
from carenet.service.store.tables import CANONICAL


def _other_practice_patient(served, practice: str) -> dict:
    patients = CANONICAL["patients"]
    with served.store.engine.connect() as conn:
        row = conn.execute(sa.select(patients).where(patients.c.practice_id != practice)
                           .order_by(patients.c.patient_id).limit(1)).one()
    return dict(row._mapping)


def _audit(served, patient_id: str) -> list:
    with served.store.engine.connect() as conn:
        return conn.execute(sa.select(AUDIT_EVENTS).where(AUDIT_EVENTS.c.patient_id == patient_id)
                            .order_by(AUDIT_EVENTS.c.seq)).all()


def test_another_practice_without_sharing_sees_nothing_and_is_audited(served, context):
    gp = served.logins["gp"]
    page = context.new_page()
    log_in(page, served.url, gp)
    own = page.url
    with served.store.engine.connect() as conn:
        practice = conn.execute(sa.text("select practice_id from users where user_id = 'U-gp'")).scalar_one()
    other = _other_practice_patient(served, practice)
    before = len(_audit(served, other["patient_id"]))
    response = page.goto(f"{served.url}/record/{other['patient_id']}")
    assert response.status == 403
    assert page.get_by_role("heading", name="You cannot see this").is_visible()
    body = page.locator("main").inner_text()
    assert other["nhs_number"] not in body and "Conditions" not in body
    assert "no data-sharing agreement" in body and "recorded in the audit log" in body
    check_screen(page, "denied")
    denied = _audit(served, other["patient_id"])[before:]
    assert [(e.user_id, e.outcome, e.resource) for e in denied] == [("U-gp", "denied", "Patient")]

    page.get_by_label("Reason for emergency access").fill("collapsed in our waiting room, unresponsive")
    page.get_by_role("button", name="See the record in an emergency").click()
    assert page.get_by_text("You are seeing this record by emergency access").is_visible()
    assert other["nhs_number"] in page.locator("main").inner_text()
    check_screen(page, "break-glass")
    glass = _audit(served, other["patient_id"])[before + 1:]
    assert glass and all(e.break_glass and e.outcome == "allowed" for e in glass)
    assert "collapsed in our waiting room" in glass[0].reason
    assert own.endswith("/day")


def test_reception_and_a_patient_of_another_practice_are_refused_plainly(served, browser):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        log_in(page, served.url, served.logins["receptionist"])
        with served.store.engine.connect() as conn:
            practice = conn.execute(sa.text("select practice_id from users where user_id = 'U-receptionist'")
                                    ).scalar_one()
        other = _other_practice_patient(served, practice)
        response = page.goto(f"{served.url}/record/{other['patient_id']}")
        assert response.status == 403 and other["nhs_number"] not in page.content()
        assert page.get_by_role("button", name="See the record in an emergency").count() == 0  # clinicians only
        assert _audit(served, other["patient_id"])[-1].outcome == "denied"
    finally:
        ctx.close()


def test_a_carer_sees_what_the_patient_shared(served, browser):
    patient_ctx, carer_ctx = browser.new_context(), browser.new_context()
    try:
        me = patient_ctx.new_page()
        log_in(me, served.url, served.logins["patient"])
        me.get_by_role("link", name="My carers").first.click()
        check_screen(me, "my-carers")
        me.get_by_label("My appointments").check()
        me.get_by_label("My conditions").uncheck()
        me.get_by_role("button", name="Save what").first.click()
        assert "Your choice is saved." in me.locator("#notice").inner_text()

        carer = carer_ctx.new_page()
        log_in(carer, served.url, served.logins["carer"])
        assert carer.url.endswith("/carer")
        text = carer.locator("main").inner_text()
        assert "Not shown: the patient has not consented to share this with you" in text
        conditions = carer.locator("#conditions + *").inner_text()
        assert "Not shown" in conditions
        assert "Not shown" not in carer.locator("#appointments + *").inner_text()
        check_screen(carer, "carer")
    finally:
        patient_ctx.close()
        carer_ctx.close()


def test_another_practice_sees_the_record_when_sharing_and_consent_allow(served, context):
    import datetime as dt

    from carenet.service.access.tables import CONSENTS, DATA_SHARING_AGREEMENTS

    with served.store.engine.connect() as conn:
        practice = conn.execute(sa.text("select practice_id from users where user_id = 'U-gp'")).scalar_one()
        patients = CANONICAL["patients"]
        other = dict(conn.execute(sa.select(patients).where(patients.c.practice_id != practice)
                                  .order_by(patients.c.patient_id.desc()).limit(1)).one()._mapping)
    at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    with served.store.engine.begin() as conn:
        conn.execute(DATA_SHARING_AGREEMENTS.insert().values(
            agreement_id="DSA-web", from_practice_id=other["practice_id"], to_organisation_id=practice,
            start_date=dt.date(2026, 1, 1), end_date=None, recorded_by="U-network_admin"))
        for kind, organisation in (("share_out", None), ("share_in", practice)):
            conn.execute(CONSENTS.insert().values(
                consent_id=f"C-web-{kind}", patient_id=other["patient_id"], kind=kind, organisation_id=organisation,
                grantee_user_id=None, resources=None, granted=True, recorded_at=at, recorded_by="U-network_admin"))
    page = context.new_page()
    log_in(page, served.url, served.logins["gp"])
    response = page.goto(f"{served.url}/record/{other['patient_id']}")
    assert response.status == 200
    assert other["nhs_number"] in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Conditions").is_visible()
    assert _audit(served, other["patient_id"])[0].policy == "shared-record"


def test_a_screen_not_for_the_role_is_refused_without_claiming_an_audit(served, context):
    """A screen refused for the role (not patient data, so not audited) says why and does not say it was audited."""
    page = context.new_page()
    log_in(page, served.url, served.logins["network_analyst"])
    response = page.goto(f"{served.url}/manage/panels")
    assert response.status == 403
    body = page.locator("main").inner_text()
    assert "panel management is for" in body and "audit log" not in body


def test_conditions_are_named_by_register_or_frailty_deficit():
    from carenet.service.web.render import condition_name

    assert condition_name({"snomed_code": "38341003", "register": "HYP", "efi_deficit": None}) == \
        "Hypertension (SNOMED 38341003)"
    assert condition_name({"snomed_code": "161898004", "register": None, "efi_deficit": 12}).endswith(
        "(SNOMED 161898004)")
    assert condition_name({"snomed_code": "carenet-efi-26", "register": None, "efi_deficit": None}) == \
        "code carenet-efi-26"
