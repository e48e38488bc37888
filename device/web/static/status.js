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
    const row = document.createElement("li");
    row.dataset.level = problem.level.toLowerCase();
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = `${problem.at.slice(5, 10)} ${problem.at.slice(11, 16)}`;  // MM-DD HH:MM, the light's zone
    const what = document.createElement("span");
    what.textContent = problem.message;
    row.append(when, what);
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
    const list = $("#problems");
    list.replaceChildren(...problems.map(problemRow));
    if (!problems.length) {
      const none = document.createElement("li");
      none.textContent = "None.";
      list.append(none);
    }
  }

  registerScreen("status", { refresh, periodic: true });
})();
