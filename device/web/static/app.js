// The phone page: a client of the JSON API (device/api.py), nothing more. No inline script (the
// CSP forbids it), no build step, no library. The token is an HttpOnly cookie: this script never sees it.
"use strict";

const $ = (selector) => document.querySelector(selector);
const REFRESH_MS = 3000;
const PAIR_POLL_MS = 1000;  // while the light waits for its button: the phone asks once a second
let screen = "home";
let timer = null;
let pairPoll = null;
let status = null;

class Refused extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// Each screen's hooks, by its section's id (alarms.js, sequences.js, settings.js and status.js add
// theirs): refresh(), leave() when another is shown (optional), and `periodic` for one refreshed
// every REFRESH_MS while shown (one being edited, the settings, is not).
const screens = { home: { refresh: () => refreshHome(), periodic: true } };
function registerScreen(name, hooks) { screens[name] = hooks; }

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin", cache: "no-store" };
  if (method !== "GET") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  const response = await fetch(path, options);
  let answer = null;
  try { answer = await response.json(); } catch (_) { answer = { error: `HTTP ${response.status}` }; }
  if (response.status === 401 && path !== "/api/pair") { show("pair"); throw new Refused(401, answer.error); }
  if (!response.ok) throw new Refused(response.status, answer.error || `HTTP ${response.status}`);
  return answer;
}

// One line of error beside what failed; an empty message clears it.
function say(element, message) { element.textContent = message || ""; }

// Run `action`; its error in one line at errorElement, but a 401's (api() has shown the pairing screen).
async function report(errorElement, action) {
  try { await action(); } catch (error) { if (!(error instanceof Refused && error.status === 401)) say(errorElement, error.message); }
}
// The same, with the line cleared first (for what the user just did).
async function attempt(errorElement, action) {
  say(errorElement, "");
  await report(errorElement, action);
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// `list` with a row per item, or one line saying there is none.
function fillList(list, items, row, noneText) {
  list.replaceChildren(...(items.length ? items.map(row) : [element("li", "", noneText)]));
}

// An API error beside the form's field it names: its first word ("time '25:00' is not HH:MM",
// "output.brightness: ...") is in that line's data-for; else the form's data-for="other" line.
function sayBeside(form, error) {
  if (error instanceof Refused && error.status === 401) return;
  const word = (error.message || "").split(/[\s:]/, 1)[0];
  const line = form.querySelector(`.error[data-for~="${CSS.escape(word)}"]`) || form.querySelector('.error[data-for="other"]');
  say(line, error.message);
}
function clearErrors(form) { for (const line of form.querySelectorAll(".error")) say(line, ""); }

function show(name) {
  if (screen !== name && screens[screen] && screens[screen].leave) screens[screen].leave();
  screen = name;
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== name;
  $("#nav").hidden = name === "pair";
  for (const button of document.querySelectorAll("nav button")) {
    if (button.dataset.screen === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (name === "pair") { stopRefreshing(); $("#pair-code").focus(); return; }
  stopPairPoll();
  refresh();
  if (screens[name] && screens[name].periodic) startRefreshing();
  else stopRefreshing();
}

function startRefreshing() {
  stopRefreshing();
  timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
}
function stopRefreshing() { if (timer) clearInterval(timer); timer = null; }

async function refresh() {
  if (screens[screen]) await report($("#status-line"), screens[screen].refresh);
}

// Home

function clockTime(iso) { return iso.slice(11, 16); }
function dayName(iso) {
  const date = new Date(iso.slice(0, 10) + "T12:00:00Z");
  return date.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "short", timeZone: "UTC" });
}

async function refreshHome() {
  const [now, coming] = await Promise.all([api("GET", "/api/status"), api("GET", "/api/next?count=1&kind=wake")]);
  status = now;
  const next = coming[0];
  $("#next-time").textContent = next ? clockTime(next.at) : "–";
  $("#next-when").textContent = next
    ? `${dayName(next.at)}${next.label ? " · " + next.label : ""}${next.skipped ? " · skipped" : ""}` : "no wake alarm set";
  const skip = $("#skip-next");
  skip.hidden = !next;
  skip.textContent = next && next.skipped ? "Unskip" : "Skip";
  skip.setAttribute("aria-pressed", String(Boolean(next && next.skipped)));
  const ringing = now.mode === "alarm" || now.mode === "snooze";
  $("#ringing").hidden = !ringing;
  $("#ringing-what").textContent = now.mode === "snooze" ? "Snoozed" : `On: ${now.playing || "alarm"}`;
  const light = $("#light-toggle");
  light.setAttribute("aria-pressed", String(now.night_light));
  light.textContent = now.night_light ? "Turn off" : "Turn on";
  say($("#status-line"), now.clock_trusted ? "" : "The light's clock is not synchronised: alarms wait for it.");
}

// Wiring

async function pair(event) {
  event.preventDefault();
  const code = $("#pair-code").value.trim();
  if (!/^[0-9]{6}$/.test(code)) return say($("#pair-error"), "code: six digits");
  await attempt($("#pair-error"), async () => {
    await api("POST", "/api/pair", { code });
    $("#pair-code").value = "";
    show("home");
  });
}

// Pairing by the button: ask the light to wait for a hold, then poll with the request's id
// until the hold lets this phone in (the token arrives as the cookie) or the request ends.
// The button stays disabled while a request waits: a second request would cancel both.
async function pairByButton() {
  stopPairPoll();
  const button = $("#pair-button");
  button.disabled = true;
  say($("#pair-error"), "");
  await attempt($("#pair-button-error"), async () => {
    try {
      const asked = await api("POST", "/api/pair", { confirm: "button" });
      $("#pair-waiting").hidden = false;
      pairPoll = setTimeout(() => pollPairing(asked.request), PAIR_POLL_MS);
    } finally {
      if (pairPoll === null) button.disabled = false;
    }
  });
}

async function pollPairing(request) {
  try {
    const answer = await api("POST", "/api/pair", { confirm: "button", request });
    if (answer.token) { show("home"); return; }
    if (pairPoll !== null) pairPoll = setTimeout(() => pollPairing(request), PAIR_POLL_MS);
  } catch (error) {
    stopPairPoll();
    say($("#pair-button-error"), error.message);
  }
}

function stopPairPoll() {
  if (pairPoll !== null) clearTimeout(pairPoll);
  pairPoll = null;
  $("#pair-waiting").hidden = true;
  $("#pair-button").disabled = false;
}

function wire() {
  $("#pair-form").addEventListener("submit", pair);
  $("#pair-button").addEventListener("click", pairByButton);
  for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => show(button.dataset.screen));
  $("#skip-next").addEventListener("click", () => attempt($("#skip-error"), async () => {
    await api("POST", "/api/skip-next");
    await refreshHome();
  }));
  for (const button of document.querySelectorAll("[data-control]")) {
    button.addEventListener("click", () => attempt($("#control-error"), async () => {
      await api("POST", `/api/${button.dataset.control}`);
      await refreshHome();
    }));
  }
  $("#light-toggle").addEventListener("click", () => attempt($("#light-error"), async () => {
    const on = !(status && status.night_light);
    await api("POST", "/api/light", on ? { on, level: Number($("#light-level").value) } : { on });
    await refreshHome();
  }));
  $("#light-level").addEventListener("change", () => attempt($("#light-error"), async () => {
    await api("POST", "/api/light", { on: true, level: Number($("#light-level").value) });
    await refreshHome();
  }));
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && screens[screen] && screens[screen].periodic) refresh();
  });
}

async function start() {
  wire();
  try {
    await api("GET", "/api/status");  // paired (or on the light itself)?
  } catch (error) {
    if (error instanceof Refused && error.status === 401) return;  // show() chose the pair screen
  }
  show("home");
}

// After every deferred script (alarms.js, sequences.js, settings.js, status.js) has added its screen.
document.addEventListener("DOMContentLoaded", start);
