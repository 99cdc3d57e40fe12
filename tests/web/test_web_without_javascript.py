"""The core flows with JavaScript off: plain form posts and redirects book for a patient, edit a care plan, and
take a request from the patient portal to an appointment the patient sees."""

from __future__ import annotations

from web_screens import log_in


def test_staff_flows_without_javascript(served, no_js_context):
    patient = served.logins["patient"].detail.split()[-1]
    page = no_js_context.new_page()
    log_in(page, served.url, served.logins["nurse"])
    assert page.url.endswith("/day")
    page.goto(f"{served.url}/lists")
    page.get_by_role("link", name="Care plan review overdue").click()
    page.goto(f"{served.url}/record/{patient}")
    page.get_by_role("link", name="Edit care plan").click()
    page.get_by_label("Goals, one a line").fill("Manage my breathlessness on the stairs")
    page.get_by_role("button", name="Save the care plan").click()
    assert "The care plan is saved." in page.locator("#notice").inner_text()
    assert page.get_by_text("Manage my breathlessness on the stairs").is_visible()

    page.get_by_role("link", name="Book or re-book").click()
    page.get_by_label("What the patient needs").select_option("medication")
    page.get_by_role("button", name="Find slots").click()
    assert "sends medication requests to" in page.locator(".nhsuk-radios").inner_text()
    page.get_by_role("button", name="Book this slot").click()
    assert "The appointment is booked." in page.locator("#notice").inner_text()


def test_portal_request_to_booking_without_javascript(served, no_js_context):
    page = no_js_context.new_page()
    log_in(page, served.url, served.logins["patient"])
    page.get_by_role("link", name="Ask for help").first.click()
    page.get_by_label("My medicines or a prescription").check()
    page.get_by_label("I need help in the next day or two").check()
    page.get_by_role("button", name="Send my request").click()
    assert page.get_by_role("heading", name="Choose an appointment").is_visible()
    page.get_by_role("button", name="Book this slot").click()
    assert "The appointment is booked." in page.locator("#notice").inner_text()
    assert "medication" in page.locator("#appointments + table").inner_text()

    page.get_by_label("Write to the team").fill("Booked online without scripts.")
    page.get_by_role("button", name="Send the message").click()
    assert page.get_by_text("Booked online without scripts.").is_visible()
