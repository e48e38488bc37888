// The Status screen: whether the light's clock is synchronised, its version, how long it has run
// (GET /api/status), and the last problems it logged (GET /api/log). Uses app.js's helpers.
"use strict";

(() => {
  function uptimeText(seconds) {
    const minutes = Math.floor(seconds / 60), hours = Math.floor(minutes / 60), days = Math.floor(hours / 24);
    if (days) return `${days} d ${hours % 24} h`;
    if (hours) return `${hours} h ${minutes % 60} min`;
    return minutes ? `${minutes} min` : `${Math.floor(seconds)} s`;
  }

  function problemRow(problem) {
    const row = element("li");
    row.dataset.level = problem.level.toLowerCase();
    const when = `${problem.at.slice(5, 10)} ${problem.at.slice(11, 16)}`;  // MM-DD HH:MM, the light's zone
    row.append(element("span", "when", when), element("span", "", problem.message));
    return row;
  }

  function refresh() { return attempt($("#status-error"), showStatus); }

  async function showStatus() {
    const [now, problems] = await Promise.all([api("GET", "/api/status"), api("GET", "/api/log")]);
    $("#status-clock").textContent = now.clock_synchronized ? "synchronised"
      : `not synchronised${now.clock_trusted ? "" : ": alarms wait for it"}`;
    $("#status-clock").dataset.level = now.clock_synchronized ? "" : "warning";
    $("#status-version").textContent = now.version;
    $("#status-uptime").textContent = now.uptime_s === null ? "–" : uptimeText(now.uptime_s);
    fillList($("#problems"), problems, problemRow, "None.");
  }

  registerScreen("status", { refresh, periodic: true });
})();
