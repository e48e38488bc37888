// The phone page: a client of the JSON API (device/api.py), nothing more. No inline script (the
// CSP forbids it), no build step, no library. The token is an HttpOnly cookie: this script never sees it.
"use strict";

const $ = (selector) => document.querySelector(selector);
const REFRESH_MS = 3000;
const RISE_MIN = 5, RISE_MAX = 90;
let screen = "home";
let timer = null;
let status = null;
// The screens other scripts add (sequences.js, status.js): name -> { refresh(), leave() }.
const screens = {};
function registerScreen(name, hooks) { screens[name] = hooks; }

class Refused extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

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

async function attempt(errorElement, action) {
  say(errorElement, "");
  try { await action(); } catch (error) { if (!(error instanceof Refused && error.status === 401)) say(errorElement, error.message); }
}

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
  refresh();
  startRefreshing();
}

function startRefreshing() {
  stopRefreshing();
  timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
}
function stopRefreshing() { if (timer) clearInterval(timer); timer = null; }

async function refresh() {
  try {
    if (screen === "home") await refreshHome();
    else if (screen === "alarms") await refreshAlarms();
    else if (screens[screen]) await screens[screen].refresh();
  } catch (error) {
    if (!(error instanceof Refused && error.status === 401)) say($("#status-line"), error.message);
  }
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

// Alarms

async function refreshAlarms() {
  const alarms = await api("GET", "/api/alarms?kind=wake");
  const list = $("#alarm-list");
  list.replaceChildren(...alarms.map(alarmRow));
  if (!alarms.length) {
    const empty = document.createElement("li");
    empty.textContent = "No wake alarms yet.";
    list.append(empty);
  }
}

function alarmRow(alarm) {
  const row = document.createElement("li");
  row.className = alarm.enabled ? "on" : "off";
  row.dataset.id = alarm.id;
  const what = document.createElement("div");
  what.className = "what";
  const time = document.createElement("div");
  time.className = "time";
  time.textContent = alarm.time;
  const days = document.createElement("div");
  days.className = "days";
  days.textContent = [alarm.days, alarm.sequence, `rise ${alarm.rise}`, alarm.skipped ? "next skipped" : ""]
    .filter(Boolean).join(" · ");
  what.append(time, days);
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.setAttribute("aria-pressed", String(alarm.enabled));
  toggle.setAttribute("aria-label", `alarm ${alarm.time} ${alarm.enabled ? "on" : "off"}`);
  toggle.textContent = alarm.enabled ? "On" : "Off";
  toggle.addEventListener("click", () => attempt($("#list-error"), async () => {
    await api("POST", `/api/alarms/${alarm.id}/${alarm.enabled ? "disable" : "enable"}`);
    await refreshAlarms();
  }));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "✕";
  remove.setAttribute("aria-label", `delete alarm ${alarm.time}`);
  remove.addEventListener("click", () => attempt($("#list-error"), async () => {
    if (!confirm(`Delete the ${alarm.time} alarm?`)) return;
    await api("DELETE", `/api/alarms/${alarm.id}`);
    await refreshAlarms();
  }));
  row.append(what, toggle, remove);
  return row;
}

function chosenDays() {
  const set = document.querySelector("#day-chips [data-days][aria-pressed=true]");
  if (set) return set.dataset.days;
  const days = [...document.querySelectorAll("#day-chips [data-day][aria-pressed=true]")].map((b) => b.dataset.day);
  return days.length ? days.join(",") : "daily";
}

function pressChip(chip) {
  const pressed = chip.getAttribute("aria-pressed") !== "true";
  // A named set and single days exclude each other: the last tap wins.
  const others = chip.dataset.days ? "#day-chips button" : "#day-chips [data-days]";
  for (const other of document.querySelectorAll(others)) if (other !== chip) other.setAttribute("aria-pressed", "false");
  chip.setAttribute("aria-pressed", String(pressed));
}

// The API's error names its field first ("time '25:00' is not ..."): show it beside that field.
function fieldOf(message) {
  const word = (message || "").split(/[\s:]/, 1)[0].toLowerCase();
  return ["time", "days", "sequence", "rise"].includes(word) ? word : "other";
}

async function addAlarm(event) {
  event.preventDefault();
  for (const line of document.querySelectorAll("#add-form .error")) say(line, "");
  const time = $("#add-time").value;
  const rise = Number($("#add-rise").value);
  if (!time) return say(document.querySelector('[data-for="time"]'), "time: choose a time");
  if (!Number.isInteger(rise) || rise < RISE_MIN || rise > RISE_MAX) {
    return say(document.querySelector('[data-for="rise"]'), `rise must be ${RISE_MIN}-${RISE_MAX} min`);
  }
  const body = { kind: "wake", time, days: chosenDays(), rise: `${rise}m` };
  if ($("#add-sequence").value) body.sequence = $("#add-sequence").value;
  try {
    await api("POST", "/api/alarms", body);
  } catch (error) {
    if (!(error instanceof Refused && error.status === 401)) say(document.querySelector(`[data-for="${fieldOf(error.message)}"]`), error.message);
    return;
  }
  $("#add-time").value = "";
  await refreshAlarms();
}

async function loadSequences() {
  const sequences = await api("GET", "/api/sequences");
  const select = $("#add-sequence");
  for (const sequence of sequences.filter((s) => s.kind === "wake")) {
    const option = document.createElement("option");
    option.value = sequence.name;
    option.textContent = sequence.name;
    option.title = sequence.description;
    select.append(option);
  }
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
    loadSequences().catch(() => {});
  });
}

function wire() {
  $("#pair-form").addEventListener("submit", pair);
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
  for (const chip of document.querySelectorAll("#day-chips button")) {
    chip.setAttribute("aria-pressed", "false");
    chip.addEventListener("click", () => pressChip(chip));
  }
  $("#add-form").addEventListener("submit", addAlarm);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && screen !== "pair") refresh(); });
}

async function start() {
  wire();
  try {
    await api("GET", "/api/status");  // paired (or on the light itself)?
  } catch (error) {
    if (error instanceof Refused && error.status === 401) return;  // show() chose the pair screen
  }
  show("home");
  loadSequences().catch(() => {});
}

document.addEventListener("DOMContentLoaded", start);  // after every deferred script has registered its screens
