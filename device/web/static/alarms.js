// The Alarms screen: wake alarms and bedtimes (on/off, add, edit, delete with undo) and vacation.
// Uses app.js's api(), say(), sayBeside(), clearErrors(), report(), element(), fillList() and registerScreen();
// the API checks every field (device/book.py) and its one-line error is shown beside the field it names.
"use strict";

const RISE_MIN = 5, RISE_MAX = { wake: 90, bedtime: 180 };
const UNDO_MS = 8000;
const alarmsScreen = { sequences: null, editing: null, kind: "wake", deleted: null, undoTimer: null, pausable: [] };

// The list

async function refreshAlarms() {
  if (!alarmsScreen.sequences) await loadSequences();
  const [alarms, pauses] = await Promise.all([api("GET", "/api/alarms"), api("GET", "/api/pauses")]);
  for (const kind of ["wake", "bedtime"]) {
    const list = $(kind === "wake" ? "#alarm-list" : "#bedtime-list");
    const mine = alarms.filter((alarm) => alarm.kind === kind);
    fillList(list, mine, alarmRow, kind === "wake" ? "No wake alarms yet." : "No bedtimes.");
  }
  alarmsScreen.pausable = alarms.filter((alarm) => alarm.kind === "wake");
  showPauses(pauses);
}

function when(alarm) {
  const days = alarm.on ? `once, ${dayName(alarm.on + "T12:00")}` : alarm.days;
  const length = alarm.kind === "wake" ? `rise ${alarm.rise}` : `for ${alarm.rise}`;
  const paused = alarm.paused.length ? `paused to ${alarm.paused[alarm.paused.length - 1].to}` : "";
  return [days, alarm.label, alarm.sequence, length, alarm.skipped ? "next skipped" : "", paused]
    .filter(Boolean).join(" · ");
}

function rowButton(text, label, action) {
  const button = element("button", "", text);
  button.type = "button";
  if (label) button.setAttribute("aria-label", label);
  button.addEventListener("click", () => attempt($("#list-error"), action));
  return button;
}

function alarmRow(alarm) {
  const row = element("li", alarm.enabled ? "on" : "off");
  row.dataset.id = alarm.id;
  const what = element("div", "what");
  what.append(element("div", "time", alarm.time), element("div", "days", when(alarm)));
  const noun = alarm.kind === "wake" ? "alarm" : "bedtime";
  const state = alarm.enabled ? "on" : "off";
  const toggle = rowButton(alarm.enabled ? "On" : "Off", `${noun} ${alarm.time} ${state}`, async () => {
    await api("POST", `/api/alarms/${alarm.id}/${alarm.enabled ? "disable" : "enable"}`);
    await refreshAlarms();
  });
  toggle.setAttribute("aria-pressed", String(alarm.enabled));
  const edit = rowButton("✎", `edit ${noun} ${alarm.time}`, async () => openEditor(alarm));
  const remove = rowButton("✕", `delete ${noun} ${alarm.time}`, async () => deleteAlarm(alarm));
  row.append(what, toggle, edit, remove);
  return row;
}

// Delete, and undo: the same alarm added again (a new id), with its own pauses and its skip.

async function deleteAlarm(alarm) {
  await api("DELETE", `/api/alarms/${alarm.id}`);
  if (alarmsScreen.editing && alarmsScreen.editing.id === alarm.id) closeEditor();
  alarmsScreen.deleted = alarm;
  $("#toast-text").textContent = `Deleted ${alarm.time}`;
  $("#toast").hidden = false;
  clearTimeout(alarmsScreen.undoTimer);
  alarmsScreen.undoTimer = setTimeout(() => { $("#toast").hidden = true; alarmsScreen.deleted = null; }, UNDO_MS);
  await refreshAlarms();
}

async function undoDelete() {
  const alarm = alarmsScreen.deleted;
  $("#toast").hidden = true;
  clearTimeout(alarmsScreen.undoTimer);
  if (!alarm) return;
  alarmsScreen.deleted = null;
  const body = { kind: alarm.kind, time: alarm.time, sequence: alarm.sequence, rise: alarm.rise_s,
                 label: alarm.label, enabled: alarm.enabled };
  if (alarm.on) body.on = alarm.on; else body.days = alarm.days;
  if (alarm.kind === "wake") body.hold = alarm.hold_s;
  const again = await api("POST", "/api/alarms", body);
  for (const pause of alarm.paused.filter((p) => p.alarm === alarm.id)) {
    await api("POST", "/api/pause", { from: pause.from, to: pause.to, id: again.id });
  }
  if (alarm.skipped) await api("POST", `/api/alarms/${again.id}/skip`);
  await refreshAlarms();
}

// The editor: a new alarm or bedtime, or one being edited (alarmsScreen.editing).

function setKind(kind) {
  alarmsScreen.kind = kind;
  for (const chip of document.querySelectorAll("#kind-chips button")) {
    chip.setAttribute("aria-pressed", String(chip.dataset.kind === kind));
  }
  const bedtime = kind === "bedtime";
  $("#sunset-field").hidden = !bedtime;
  if (!bedtime) $("#add-sunset").checked = false;
  showSunset();
  $("#hold-field").hidden = bedtime;
  $("#rise-name").textContent = bedtime ? "Duration" : "Rise";
  $("#add-rise").max = String(RISE_MAX[kind]);
  fillSequences(kind);
  if (!alarmsScreen.editing) {
    $("#editor-title").textContent = bedtime ? "New bedtime" : "New wake alarm";
    $("#editor-save").textContent = bedtime ? "Add bedtime" : "Add alarm";
  }
}

function showSunset() {
  const atSunset = $("#add-sunset").checked;
  $("#time-field").hidden = atSunset;
  $("#offset-field").hidden = !atSunset;
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
  if (pressed) $("#add-on").value = "";  // days, or a date: not both
}

function showDays(days) {
  const named = ["daily", "weekdays", "weekends"].includes(days);
  const single = named ? [] : (days || "").split(",");
  for (const chip of document.querySelectorAll("#day-chips button")) {
    const on = chip.dataset.days ? chip.dataset.days === days : single.includes(chip.dataset.day);
    chip.setAttribute("aria-pressed", String(on));
  }
}

function openEditor(alarm) {
  alarmsScreen.editing = alarm;
  clearErrors($("#add-form"));
  setKind(alarm.kind);
  for (const chip of document.querySelectorAll("#kind-chips button")) chip.disabled = chip.dataset.kind !== alarm.kind;
  const sunset = /^sunset(?:([+-])(\d+)m)?$/.exec(alarm.time);
  $("#add-sunset").checked = Boolean(sunset);
  $("#add-offset").value = sunset && sunset[1] ? String(Number(sunset[2]) * (sunset[1] === "-" ? -1 : 1)) : "0";
  $("#add-time").value = sunset ? "" : alarm.time;
  showSunset();
  showDays(alarm.on ? "" : alarm.days);
  $("#add-on").value = alarm.on || "";
  const select = $("#add-sequence");
  if (![...select.options].some((option) => option.value === alarm.sequence)) select.append(new Option(alarm.sequence));
  select.value = alarm.sequence;
  $("#add-rise").value = String(Math.round(alarm.rise_s / 60));
  $("#add-hold").value = String(Math.round(alarm.hold_s / 60));
  $("#add-label").value = alarm.label;
  $("#editor-title").textContent = `Edit ${alarm.kind === "wake" ? "alarm" : "bedtime"} ${alarm.time}`;
  $("#editor-save").textContent = "Save";
  $("#editor-cancel").hidden = false;
  $("#add-form").scrollIntoView({ block: "start" });
}

function closeEditor() {
  alarmsScreen.editing = null;
  for (const chip of document.querySelectorAll("#kind-chips button")) chip.disabled = false;
  $("#editor-cancel").hidden = true;
  $("#add-form").reset();
  showDays("");
  clearErrors($("#add-form"));
  setKind(alarmsScreen.kind);
}

// A whole number of minutes, as the API takes it ("20m"), or null.
function minutes(input, low, high) {
  const value = Number(input.value);
  return input.value !== "" && Number.isInteger(value) && value >= low && value <= high ? `${value}m` : null;
}

// The fields as the API takes them, or [field, one-line error] for one the page can check itself.
// Editing `original`, only the fields that differ from it are sent (and checked): a rise of 2 h set
// with the CLI, or of 90 s, stays as it is when only the label is changed.
function editorBody(original) {
  const kind = alarmsScreen.kind;
  const fields = {};
  if (kind === "bedtime" && $("#add-sunset").checked) {
    const offset = Number($("#add-offset").value);
    if (!Number.isInteger(offset)) return ["time", "sunset offset must be whole minutes"];
    fields.time = offset ? `sunset${offset > 0 ? "+" : "-"}${Math.abs(offset)}m` : "sunset";
  } else {
    if (!$("#add-time").value) return ["time", "time: choose a time"];
    fields.time = $("#add-time").value;
  }
  if ($("#add-on").value) fields.on = $("#add-on").value; else fields.days = chosenDays();
  const rise = $("#add-rise"), hold = $("#add-hold");
  if (!original || rise.value !== String(Math.round(original.rise_s / 60))) {
    fields.rise = minutes(rise, RISE_MIN, RISE_MAX[kind]);
    if (!fields.rise) return ["rise", `${kind === "wake" ? "rise" : "duration"} must be ${RISE_MIN}-${RISE_MAX[kind]} min`];
  }
  if (kind === "wake" && (!original || hold.value !== String(Math.round(original.hold_s / 60)))) {
    fields.hold = minutes(hold, 0, 240);
    if (!fields.hold) return ["hold", "hold must be 0-240 min"];
  }
  if ($("#add-sequence").value) fields.sequence = $("#add-sequence").value;
  fields.label = $("#add-label").value;
  if (!original) return { kind, ...fields };
  const same = { time: original.time, sequence: original.sequence, label: original.label,
                 [original.on ? "on" : "days"]: original.on || original.days };
  const changed = Object.fromEntries(Object.entries(fields).filter(([key, value]) => same[key] !== value));
  return { kind, ...changed };
}

async function saveAlarm(event) {
  event.preventDefault();
  const form = $("#add-form");
  clearErrors(form);
  const editing = alarmsScreen.editing;
  const body = editorBody(editing);
  if (Array.isArray(body)) return say(form.querySelector(`.error[data-for~="${body[0]}"]`), body[1]);
  try {
    if (editing) await api("POST", `/api/alarms/${editing.id}`, body);
    else await api("POST", "/api/alarms", body);
  } catch (error) {
    sayBeside(form, error);
    return;
  }
  if (editing) closeEditor();
  else { $("#add-time").value = ""; $("#add-label").value = ""; $("#add-on").value = ""; }
  await refreshAlarms();
  window.scrollTo({ top: 0 });  // the lists, with the alarm as saved
}

async function loadSequences() {
  alarmsScreen.sequences = await api("GET", "/api/sequences");
  fillSequences(alarmsScreen.kind);
}

function fillSequences(kind) {
  const select = $("#add-sequence");
  const wanted = kind === "wake" ? "wake" : "dusk";
  const options = (alarmsScreen.sequences || []).filter((s) => s.kind === wanted).map((sequence) => {
    const option = new Option(sequence.name, sequence.name);
    option.title = sequence.description;
    return option;
  });
  select.replaceChildren(new Option("default", ""), ...options);
}

// Vacation: dates with no wake light, for every repeating alarm or one.

function showPauses(pauses) {
  const list = $("#pause-list");
  list.replaceChildren(...pauses.map((pause) => {
    const whose = pause.alarm === null ? "every repeating alarm"
      : `alarm ${(alarmsScreen.pausable.find((a) => a.id === pause.alarm) || { time: pause.alarm }).time}`;
    return element("li", "", `No wake light ${pause.from} to ${pause.to} · ${whose}`);
  }));
  $("#resume").hidden = !pauses.length;
  const select = $("#pause-alarm");
  const chosen = select.value;
  select.replaceChildren(new Option("every repeating alarm", ""),
                         ...alarmsScreen.pausable.map((alarm) => new Option(`alarm ${alarm.time}`, String(alarm.id))));
  select.value = [...select.options].some((option) => option.value === chosen) ? chosen : "";
}

async function pauseAlarms(event) {
  event.preventDefault();
  const form = $("#vacation");
  clearErrors(form);
  const body = { from: $("#pause-from").value, to: $("#pause-to").value };
  if (!body.from) return say(form.querySelector('[data-for="from"]'), "from: choose the first day");
  if (!body.to) return say(form.querySelector('[data-for="to"]'), "to: choose the last day");
  if ($("#pause-alarm").value) body.id = Number($("#pause-alarm").value);
  try {
    await api("POST", "/api/pause", body);
  } catch (error) {
    sayBeside(form, error);
    return;
  }
  $("#pause-from").value = "";
  $("#pause-to").value = "";
  await refreshAlarms();
}

async function resumeAlarms() {
  const form = $("#vacation");
  clearErrors(form);
  try {
    await api("POST", "/api/resume", {});
  } catch (error) {
    sayBeside(form, error);
    return;
  }
  await refreshAlarms();
}

function wireAlarms() {
  for (const chip of document.querySelectorAll("#day-chips button")) {
    chip.setAttribute("aria-pressed", "false");
    chip.addEventListener("click", () => pressChip(chip));
  }
  for (const chip of document.querySelectorAll("#kind-chips button")) {
    chip.addEventListener("click", () => setKind(chip.dataset.kind));
  }
  $("#add-on").addEventListener("change", () => { if ($("#add-on").value) showDays(""); });
  $("#add-sunset").addEventListener("change", showSunset);
  $("#add-form").addEventListener("submit", saveAlarm);
  $("#editor-cancel").addEventListener("click", closeEditor);
  $("#undo").addEventListener("click", () => attempt($("#list-error"), undoDelete));
  $("#vacation").addEventListener("submit", pauseAlarms);
  $("#resume").addEventListener("click", resumeAlarms);
  registerScreen("alarms", { periodic: true, refresh: () => report($("#list-error"), refreshAlarms) });
}

wireAlarms();
