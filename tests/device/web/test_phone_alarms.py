"""The Alarms screen in Debian's Chromium at a phone's size, against a running service on the test
clock (Monday 2026-11-23, 04:00 in Berlin): edit an alarm (its time, label, hold, a one-off date)
and see it in `emberwake alarm list --json`; a bad value is one line beside its field and the
store is unchanged; delete with undo; a bedtime at sunset -30 min; a vacation paused and resumed."""

from __future__ import annotations

import json

from tests.device.web.conftest import alarms, paired_page


def bedtimes(light) -> list[dict]:
    return json.loads(light.cli.ok("bedtime", "list", "--json"))


def test_edit_an_alarm_and_a_bad_value_changes_nothing(light, phone):
    from playwright.sync_api import expect
    light.cli.ok("alarm", "add", "06:45", "--days", "weekdays", "--label", "work")
    [before] = alarms(light)
    paired_page(phone, light, "alarms")

    phone.click("#alarm-list li >> [aria-label='edit alarm 06:45']")
    expect(phone.locator("#editor-title")).to_have_text("Edit alarm 06:45")
    expect(phone.locator("#add-time")).to_have_value("06:45")
    expect(phone.locator("#add-label")).to_have_value("work")
    expect(phone.locator("#day-chips [data-days=weekdays]")).to_have_attribute("aria-pressed", "true")
    phone.fill("#add-time", "07:15")
    phone.fill("#add-hold", "10")
    phone.fill("#add-label", "early shift")
    phone.click("#editor-save")
    expect(phone.locator("#alarm-list li .time")).to_have_text(["07:15"])
    expect(phone.locator("#editor-title")).to_have_text("New wake alarm")  # the editor is back to adding
    [after] = alarms(light)
    assert after == {**before, "time": "07:15", "hold": "10m", "hold_s": 600.0, "label": "early shift",
                     "next": "2026-11-23T07:15:00+01:00"}

    # A one-off date instead of the weekdays.
    phone.click("#alarm-list li >> [aria-label^='edit alarm']")
    phone.fill("#add-on", "2026-11-25")
    phone.click("#editor-save")
    expect(phone.locator("#alarm-list li .days")).to_contain_text("once")
    [once] = alarms(light)
    assert (once["id"], once["on"], once["days"], once["next"]) == (
        before["id"], "2026-11-25", "2026-11-25", "2026-11-25T07:15:00+01:00")

    # Bad input: a date in the past, and a rise out of range; each beside its field, nothing stored.
    phone.click("#alarm-list li >> [aria-label^='edit alarm']")
    phone.fill("#add-on", "2026-11-01")
    phone.click("#editor-save")
    expect(phone.locator('#add-form [data-for="on"]')).to_have_text("on 2026-11-01 is in the past (today is 2026-11-23)")
    expect(phone.locator("#add-form .error:not(:empty)")).to_have_count(1)
    phone.fill("#add-on", "2026-11-26")
    phone.fill("#add-rise", "95")
    phone.click("#editor-save")
    expect(phone.locator('#add-form [data-for~="rise"]')).to_have_text("rise must be 5-90 min")
    expect(phone.locator('#add-form [data-for="on"]')).to_be_empty()
    assert alarms(light) == [once]
    phone.click("#editor-cancel")
    expect(phone.locator("#editor-title")).to_have_text("New wake alarm")
    assert alarms(light) == [once]


def test_delete_with_undo_brings_the_same_alarm_back(light, phone):
    from playwright.sync_api import expect
    light.cli.ok("alarm", "add", "06:30", "--days", "mon,wed", "--rise", "20m", "--hold", "5m", "--label", "gym",
                 "--sequence", "lavender-dawn")
    light.cli.ok("alarm", "pause", "1", "--from", "2026-12-07", "--to", "2026-12-09")
    [before] = alarms(light)
    paired_page(phone, light, "alarms")

    phone.click("#alarm-list li >> [aria-label='delete alarm 06:30']")
    expect(phone.locator("#toast")).to_be_visible()
    expect(phone.locator("#toast-text")).to_have_text("Deleted 06:30")
    expect(phone.locator("#alarm-list li")).to_have_text(["No wake alarms yet."])
    assert alarms(light) == []

    phone.click("#undo")
    expect(phone.locator("#toast")).to_be_hidden()
    expect(phone.locator("#alarm-list li .time")).to_have_text(["06:30"])
    [back] = alarms(light)
    assert back["id"] != before["id"]
    assert {**back, "id": before["id"], "paused": [{**p, "id": 0, "alarm": 0} for p in back["paused"]]} == {
        **before, "paused": [{**p, "id": 0, "alarm": 0} for p in before["paused"]]}
    assert [p["alarm"] for p in back["paused"]] == [back["id"]]


def test_a_bedtime_at_sunset_minus_30_minutes(light, phone):
    from playwright.sync_api import expect
    paired_page(phone, light, "alarms")
    phone.click("#kind-chips >> text=Bedtime")
    expect(phone.locator("#editor-title")).to_have_text("New bedtime")
    expect(phone.locator("#hold-field")).to_be_hidden()
    expect(phone.locator("#rise-name")).to_have_text("Duration")
    phone.check("#add-sunset")
    expect(phone.locator("#time-field")).to_be_hidden()
    phone.fill("#add-offset", "-30")
    phone.click("#day-chips >> text=Every day")
    phone.fill("#add-rise", "45")
    phone.fill("#add-label", "wind down")
    phone.click("#editor-save")
    expect(phone.locator("#bedtime-list li .time")).to_have_text(["sunset-30m"])
    [bedtime] = bedtimes(light)
    assert (bedtime["time"], bedtime["days"], bedtime["rise_s"], bedtime["hold_s"], bedtime["label"],
            bedtime["sequence"]) == ("sunset-30m", "daily", 2700.0, 0.0, "wind down", "tend-the-flame")
    assert bedtime["next"].startswith("2026-11-23T15:")  # Berlin's sunset in late November is about 16:00

    # Edited back to a clock time, through the same editor.
    phone.click("#bedtime-list li >> [aria-label^='edit bedtime']")
    expect(phone.locator("#add-sunset")).to_be_checked()
    expect(phone.locator("#add-offset")).to_have_value("-30")
    phone.uncheck("#add-sunset")
    phone.fill("#add-time", "22:00")
    phone.click("#editor-save")
    expect(phone.locator("#bedtime-list li .time")).to_have_text(["22:00"])
    assert bedtimes(light)[0]["time"] == "22:00" and alarms(light) == []


def test_vacation_pauses_every_alarm_and_resumes(light, phone):
    from playwright.sync_api import expect
    light.cli.ok("alarm", "add", "06:45", "--days", "weekdays")
    paired_page(phone, light, "alarms")

    # Bad dates: one line beside the field, nothing paused.
    phone.fill("#pause-from", "2026-12-10")
    phone.fill("#pause-to", "2026-12-01")
    phone.click("#vacation button[type=submit]")
    expect(phone.locator('#vacation [data-for="to"]')).to_have_text("to 2026-12-01 is before from 2026-12-10")
    assert alarms(light)[0]["paused"] == []

    phone.fill("#pause-to", "2026-12-14")
    phone.click("#vacation button[type=submit]")
    expect(phone.locator("#pause-list li")).to_have_text(["No wake light 2026-12-10 to 2026-12-14 · every repeating alarm"])
    expect(phone.locator('#vacation [data-for="to"]')).to_be_empty()
    [alarm] = alarms(light)
    assert [(p["from"], p["to"], p["alarm"]) for p in alarm["paused"]] == [("2026-12-10", "2026-12-14", None)]

    phone.click("#resume")
    expect(phone.locator("#pause-list li")).to_have_count(0)
    expect(phone.locator("#resume")).to_be_hidden()
    assert alarms(light)[0]["paused"] == []


def test_an_edit_sends_only_what_changed_so_a_rise_beyond_the_page_s_range_stays(light, phone):
    from playwright.sync_api import expect
    light.cli.ok("alarm", "add", "07:00", "--rise", "2h", "--hold", "90s")  # more than the page's 90 min, and not whole
    [before] = alarms(light)
    paired_page(phone, light, "alarms")
    phone.click("#alarm-list li >> [aria-label='edit alarm 07:00']")
    expect(phone.locator("#add-rise")).to_have_value("120")
    phone.fill("#add-label", "slow")
    phone.click("#editor-save")
    expect(phone.locator("#alarm-list li .days")).to_contain_text("slow")
    assert alarms(light) == [{**before, "label": "slow"}]
