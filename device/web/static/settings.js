// The Settings screen: config.toml's keys (GET/POST /api/settings, device/settings.py) and the
// paired devices (GET/DELETE /api/devices). Loaded when shown, not refreshed while being edited.
// Uses app.js's api(), say(), sayBeside(), clearErrors(), report(), element(), fillList() and registerScreen().
"use strict";

const settingsScreen = { values: null, filled: false };

function settingInputs() { return [...document.querySelectorAll("#settings-form [data-key]")]; }

function nameOf(key) {
  const input = document.querySelector(`#settings-form [data-key="${CSS.escape(key)}"]`);
  return input ? input.dataset.name : key;
}

async function loadSettings() {
  const form = $("#settings-form");
  clearErrors(form);
  const answer = await api("GET", "/api/settings");
  if (!settingsScreen.filled) {  // the choices do not change while the light runs
    $("#set-timezone").replaceChildren(...answer.timezones.map((zone) => new Option(zone, zone)));
    $("#set-led-type").replaceChildren(...answer.led_types.map((type) => new Option(type, type)));
    settingsScreen.filled = true;
  }
  settingsScreen.values = answer.values;
  for (const input of settingInputs()) {
    const value = answer.values[input.dataset.key];
    input.value = value === null ? "" : String(value);
  }
  say($("#settings-message"), answer.problem ? `config.toml cannot be read (${answer.problem}); showing what runs` :
    waiting(answer.restart));
  await loadDevices();
}

function waiting(keys) {
  return keys.length ? `Applies when the light restarts: ${keys.map(nameOf).join(", ")}.` : "";
}

function inputValue(input) {
  const text = input.value.trim();
  if (input.type !== "number") return text;
  return text === "" ? null : Number(text);  // a number input's value is "" for what is no number
}

// The keys whose input differs from what was loaded, with their values as the API takes them.
function changedSettings() {
  const changed = {};
  for (const input of settingInputs()) {
    const value = inputValue(input);
    if (value !== settingsScreen.values[input.dataset.key]) changed[input.dataset.key] = value;
  }
  // A place needs both: one changed sends the other as it is.
  const place = settingInputs().filter((input) => input.dataset.key.startsWith("location."));
  if (place.some((input) => input.dataset.key in changed)) {
    for (const input of place) changed[input.dataset.key] = inputValue(input);
  }
  return changed;
}

async function saveSettings(event) {
  event.preventDefault();
  const form = $("#settings-form");
  clearErrors(form);
  say($("#settings-message"), "");
  const changed = changedSettings();
  const keys = Object.keys(changed);
  if (!keys.length) return say($("#settings-message"), "Nothing changed.");
  let answer;
  try {
    answer = await api("POST", "/api/settings", changed);
  } catch (error) {
    sayBeside(form, error);
    return;
  }
  settingsScreen.values = answer.values;
  const now = keys.filter((key) => answer.apply_now.includes(key)).map(nameOf);
  say($("#settings-message"), ["Saved.", now.length ? `Applies now: ${now.join(", ")}.` : "", waiting(answer.restart)]
    .filter(Boolean).join(" "));
}

// Paired devices

function deviceName(agent) {
  const systems = [["iPhone", "iPhone"], ["iPad", "iPad"], ["Android", "Android"], ["Windows", "Windows"],
                   ["Mac OS X", "Mac"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];
  const browsers = [["Firefox", "Firefox"], ["Edg/", "Edge"], ["Chrome", "Chrome"], ["Safari", "Safari"]];
  const system = systems.find(([mark]) => agent.includes(mark));
  const browser = browsers.find(([mark]) => agent.includes(mark));
  if (!system && !browser) return agent ? agent.slice(0, 40) : "A device";
  return `${browser ? browser[1] : "A browser"} on ${system ? system[1] : "a device"}`;
}

async function loadDevices() {
  const devices = await api("GET", "/api/devices");
  fillList($("#device-list"), devices, (device) => {
    const paired = new Date(device.paired).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    const what = element("div", "what", `${deviceName(device.device)}${device.this ? " (this one)" : ""} · paired ${paired}`);
    const revoke = element("button", "", "Revoke");
    revoke.type = "button";
    revoke.setAttribute("aria-label", `revoke device ${device.id}${device.this ? " (this one)" : ""}`);
    revoke.addEventListener("click", () => attempt($("#device-error"), async () => {
      const warning = `${device.this ? "This phone" : "It"} will need a new code to pair again.`;
      if (!confirm(`Revoke ${deviceName(device.device)}? ${warning}`)) return;
      await api("DELETE", `/api/devices/${device.id}`);
      await loadDevices();
    }));
    const item = element("li");
    item.append(what, revoke);
    return item;
  }, "No paired devices (this page is open on the light itself).");
}

function wireSettings() {
  $("#settings-form").addEventListener("submit", saveSettings);
  registerScreen("settings", { periodic: false, refresh: () => report($("#settings-message"), loadSettings) });
}

wireSettings();
