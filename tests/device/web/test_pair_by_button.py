"""Pairing a phone by a hold of the light's button (device/web/pairing.py), through the running
service: gpiozero's real Button on a MockFactory pin, the gate over HTTP, the test clock. Only with
a code open; the hold then only lets the phone in; one request at a time (a second cancels both),
with an id no other client can use; it expires with its code or after two minutes; each request
counts towards the lockout. And the page: "Hold the light's button instead", then Home, without a reload."""

from __future__ import annotations

import pytest

from device.web.pairing import CODE_VALID_S, CONFIRM_WAIT_S, FREE_ATTEMPTS

ASK = {"confirm": "button"}


def ask(light) -> str:
    """Open a request for the button, as the page does; its id."""
    answer = light.request("POST", "/api/pair", ASK)
    assert answer.status == 202, answer.body
    return answer.body["request"]


def poll(light, request: str):
    return light.request("POST", "/api/pair", {**ASK, "request": request})


def next_wake(light) -> dict:
    return light.request("GET", "/api/next?count=1&kind=wake", host="127.0.0.1").body[0]


def one_line(answer) -> str:
    error = answer.body["error"]
    assert "\n" not in error and error
    return error


def test_without_an_open_code_the_request_is_refused_in_one_line(light_with_button):
    light = light_with_button
    refused = light.request("POST", "/api/pair", ASK)
    assert refused.status == 409 and "emberwake web pair" in one_line(refused)
    light.code()
    light.clock.advance(CODE_VALID_S + 1)  # the code expired: no pairing is open any more
    assert light.request("POST", "/api/pair", ASK).status == 409
    light.hold(5.0)  # and a hold is the button's own
    assert light.service.player.state.label != "ack-pair"


def test_a_hold_lets_the_waiting_phone_in_and_its_poll_gets_a_token_that_works(light_with_button):
    light = light_with_button
    code = light.code()
    request = ask(light)
    light.settle()
    assert light.service.player.state.label == "ack-pair"  # the ring says the light waits for its button
    waiting = poll(light, request)
    assert waiting.status == 202 and waiting.body["wait_s"] == CONFIRM_WAIT_S and "token" not in waiting.body
    light.hold()
    answer = poll(light, request)
    assert answer.status == 200, answer.body
    token = answer.body["token"]
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"emberwake_token={token};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert light.request("GET", "/api/status", token=token).status == 200
    assert light.request("POST", "/api/light", {"on": True}, headers={"Cookie": cookie.split(";")[0]}).status == 200
    assert light.request("POST", "/api/pair", {"code": code}).status == 403  # the approval used the code up
    assert poll(light, request).status == 403  # and the request: one token per request
    assert len(light.request("GET", "/api/devices", token=token).body) == 1


def test_a_hold_with_a_phone_waiting_does_only_that_and_the_next_hold_is_the_buttons_own(light_with_button):
    light = light_with_button
    assert light.request("POST", "/api/alarms", {"kind": "wake", "time": "06:30", "days": "daily"},
                         host="127.0.0.1").status == 201
    light.code()
    light.hold(5.0)  # a code open, but no phone waiting: the long hold skips the next alarm, as ever
    assert next_wake(light)["skipped"]
    light.clock.advance(3.0)  # the skip's cue ends
    light.settle()
    request = ask(light)
    light.hold(5.0)  # a phone waits: the hold lets it in, and the long hold of the same press does nothing
    assert next_wake(light)["skipped"]
    assert poll(light, request).status == 200
    light.hold(5.0)  # nobody waits now: the button's own again (the skip undone)
    assert not next_wake(light)["skipped"]


def test_a_request_expires_after_two_minutes_or_with_its_code_whichever_comes_first(light_with_button):
    light = light_with_button
    light.code()
    issued_s = light.clock.monotonic()
    request = ask(light)
    light.clock.advance(CONFIRM_WAIT_S + 1)
    expired = poll(light, request)
    assert expired.status == 403 and "ask again" in one_line(expired)
    light.hold()  # too late: the hold lets nobody in (and is the button's own)
    assert light.request("GET", "/api/devices", host="127.0.0.1").body == []
    light.clock.advance(issued_s + CODE_VALID_S - 30 - light.clock.monotonic())  # the code has 30 s left
    late = light.request("POST", "/api/pair", ASK)
    assert late.status == 202 and late.body["wait_s"] == 30
    light.clock.advance(30)
    assert poll(light, late.body["request"]).status == 403
    assert light.request("POST", "/api/pair", ASK).status == 409  # and the code is gone with it


def test_a_request_id_is_the_asking_phones_alone(light_with_button):
    light = light_with_button
    light.code()
    request = ask(light)
    assert len(request) >= 22  # 128 random bits
    light.hold()
    for guess in (request[:-1], request + "A", "", None, 123):  # another client without the id gets nothing
        refused = poll(light, guess)  # and each guess counts: from the fifth try on, pairing is locked
        assert refused.status in (403, 429) and "token" not in refused.body, guess
    answer = poll(light, request)  # the phone with the id is not locked out by the guesses
    assert answer.status == 200 and light.request("GET", "/api/status", token=answer.body["token"]).status == 200


def test_a_second_request_while_one_waits_cancels_both_so_a_hold_lets_nobody_in(light_with_button):
    """A device on the LAN that asks after the user's phone, and before the user's hold, must not
    be the one let in: a hold cannot tell them apart, so pairing ends for both, and the code with it."""
    light = light_with_button
    code = light.code()
    yours = ask(light)
    theirs = light.request("POST", "/api/pair", ASK)
    assert theirs.status == 409 and "cancelled" in one_line(theirs) and "token" not in theirs.body
    light.hold()  # nobody waits now: the hold lets nobody in
    gone = poll(light, yours)
    assert gone.status == 403 and "token" not in gone.body and "ask again" in one_line(gone)
    assert light.request("POST", "/api/pair", {"code": code}).status == 403  # the code was used up too
    assert light.request("POST", "/api/pair", ASK).status == 409
    assert light.request("GET", "/api/devices", host="127.0.0.1").body == []  # nobody was let in


def test_requests_count_towards_the_lockout(light_with_button):
    light = light_with_button
    for _ in range(FREE_ATTEMPTS):
        light.code()  # each with a code of its own (a second request would cancel the first)
        assert light.request("POST", "/api/pair", ASK).status == 202
    light.code()
    locked = light.request("POST", "/api/pair", ASK)
    assert locked.status == 429 and "locked" in one_line(locked) and int(locked.headers["retry-after"]) > 0
    assert light.request("POST", "/api/pair", {"code": light.code()}).status == 429


@pytest.mark.parametrize("body", [{"confirm": "yes"}, {"confirm": "button", "code": "123456"}])
def test_a_confirm_that_is_not_the_button_is_one_line(light_with_button, body):
    light = light_with_button
    light.code()
    answer = light.request("POST", "/api/pair", body)
    assert answer.status == 400 and "confirm" in one_line(answer)


def test_the_phone_pairs_by_the_button_and_lands_on_home(light_with_button, phone, tmp_path):
    from playwright.sync_api import expect
    from tests.device.web.conftest import shot
    light = light_with_button
    phone.goto(f"http://emberwake.local:{light.port}/")
    expect(phone.locator("#pair-button")).to_be_visible()
    phone.click("#pair-button")  # no code open yet: one line says what to do
    expect(phone.locator("#pair-button-error")).to_contain_text("emberwake web pair")
    light.code()
    phone.click("#pair-button")
    expect(phone.locator("#pair-waiting")).to_have_text("Hold the button on the light…")
    expect(phone.locator("#pair-button")).to_be_disabled()  # a second tap would cancel the request
    expect(phone.locator("#pair-button-error")).to_have_text("")
    shot(phone, "pair-by-button", tmp_path, for_readme=False)
    phone.evaluate("document.body.dataset.loaded = 'once'")  # gone if the page reloads
    light.hold()  # while the page polls once a second
    expect(phone.locator("#home")).to_be_visible()
    expect(phone.locator("#pair")).to_be_hidden()
    assert phone.evaluate("document.body.dataset.loaded") == "once"  # no reload
    assert light.request("GET", "/api/devices", host="127.0.0.1").body[0]["device"]  # its User-Agent
