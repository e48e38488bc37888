// The Sequences screen: the gallery (each sequence's title, description and timeline, drawn from
// GET /api/sequences/NAME/timeline), a live preview on a drawn ring (server-sent events from
// GET /api/sequences/NAME/preview), and "show on the light" (POST /api/play). Uses app.js's helpers.
"use strict";

(() => {
  const TIMELINE_HEIGHT_PX = 44;
  const RING_SHARE = 0.36;  // the ring's radius, of the canvas's size
  const KINDS = ["wake", "dusk", "ambient", "cue"];  // the gallery's order: what users pick from first
  let loaded = false;
  let fetching = false;  // timelines being fetched (one at a time: the light has other work)
  let preview = null;  // the one playing: { sequence, item, source, url, t_s, rgb, frames, drawn, ended }

  function clockText(seconds) {
    const whole = Math.floor(seconds), h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60, s = whole % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  function lengthText(seconds) {
    if (seconds < 60) return `${seconds} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    return `${+(seconds / 3600).toFixed(1)} h`;
  }

  // A canvas's backing store at the screen's own pixel density; its drawing context, in CSS pixels.
  function context(canvas, widthPx, heightPx) {
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(widthPx * scale);
    canvas.height = Math.round(heightPx * scale);
    const drawing = canvas.getContext("2d");
    drawing.setTransform(scale, 0, 0, scale, 0, 0);
    return drawing;
  }

  // Gallery

  async function load() {
    const sequences = await api("GET", "/api/sequences");
    const rank = (sequence) => (KINDS.indexOf(sequence.kind) + KINDS.length + 1) % (KINDS.length + 1);  // unknown: last
    sequences.sort((a, b) => rank(a) - rank(b));  // stable: by name within a kind
    $("#gallery").replaceChildren(...sequences.map(card));
    loaded = true;
  }

  // The timelines not drawn yet (the screen may have been left half way), one request at a time.
  async function drawTimelines() {
    if (fetching) return;
    fetching = true;
    try {
      for (const canvas of document.querySelectorAll("#gallery canvas.timeline:not([data-drawn])")) {
        if (screen !== "sequences") return;
        const name = canvas.closest("li").dataset.name;
        try {
          drawTimeline(canvas, await api("GET", `/api/sequences/${encodeURIComponent(name)}/timeline`));
        } catch (error) {
          if (error instanceof Refused && error.status === 401) return;
          canvas.nextElementSibling.textContent = error.message;  // asked once: a file broken since the listing
        }
        canvas.dataset.drawn = "";
      }
    } finally {
      fetching = false;
    }
  }

  function card(sequence) {
    const item = element("li", "card sequence");
    item.dataset.name = sequence.name;
    const heading = element("div", "heading");
    heading.append(element("h2", "", sequence.title || sequence.name),
                   element("span", "kind", sequence.error ? sequence.origin
                     : [sequence.kind, lengthText(sequence.duration_s), sequence.origin === "yours" ? "yours" : ""]
                       .filter(Boolean).join(" · ")));
    item.append(heading);
    if (sequence.error) {  // a file of the user's own that does not load: why, in one line
      item.append(element("p", "error", sequence.error));
      return item;
    }
    const timeline = element("canvas", "timeline");
    timeline.setAttribute("aria-label", `${sequence.title}: its light over ${lengthText(sequence.duration_s)}`);
    const actions = element("div", "row");
    const play = element("button", "", "Preview");
    play.type = "button";
    play.dataset.action = "preview";
    const onLight = element("button", "", "Show on the light");
    onLight.type = "button";
    onLight.dataset.action = "show";
    actions.append(play, onLight);
    const error = element("p", "error");
    error.setAttribute("role", "alert");
    item.append(element("p", "sub", sequence.description), timeline, element("p", "phases"), actions, error);
    play.addEventListener("click", () => startPreview(sequence, item, 0));
    onLight.addEventListener("click", () => attempt(error, async () => {
      const answer = await api("POST", "/api/play", { sequence: sequence.name });
      say($("#on-light-what"), answer.message);
      $("#on-light").hidden = false;
    }));
    return item;
  }

  function drawTimeline(canvas, timeline) {
    const width = canvas.clientWidth, height = TIMELINE_HEIGHT_PX;
    const drawing = context(canvas, width, height);
    const columns = timeline.levels.length;
    const colour = (i) => "#" + timeline.colours.slice(i * 6, i * 6 + 6);
    for (let i = 0; i < columns; i++) {
      drawing.fillStyle = colour(i);
      drawing.fillRect(Math.floor(i * width / columns), 0, Math.ceil(width / columns) + 1, height);
    }
    // The level (L*) as a line in the light's own hue, at full strength so that it shows on the dark.
    drawing.lineWidth = 2;
    const y = (i) => height - 3 - timeline.levels[i] / 100 * (height - 6);
    for (let i = 1; i < columns; i++) {
      const rgb = [0, 2, 4].map((at) => parseInt(timeline.colours.slice(i * 6 + at, i * 6 + at + 2), 16));
      const top = Math.max(...rgb, 1);
      drawing.strokeStyle = `rgb(${rgb.map((c) => Math.round(c * 255 / top)).join(",")})`;
      drawing.beginPath();
      drawing.moveTo((i - 0.5) * width / columns, y(i - 1));
      drawing.lineTo((i + 0.5) * width / columns, y(i));
      drawing.stroke();
    }
    drawing.fillStyle = "rgba(0, 0, 0, 0.6)";
    for (const phase of timeline.phases.slice(1)) {
      drawing.fillRect(Math.round(phase.start_s / timeline.duration_s * width), 0, 1, height);
    }
    canvas.nextElementSibling.textContent = timeline.phases.map((phase) => phase.name.replace(/-/g, " ")).join(" → ");
  }

  // Preview

  function startPreview(sequence, item, fromSeconds) {
    stopPreview();
    const box = $("#preview");
    item.insertBefore(box, item.querySelector(":scope > .row"));  // the ring opens under the sequence tapped
    box.hidden = false;
    say($("#preview-error"), "");
    $("#preview-title").textContent = `Preview: ${sequence.title}`;
    const speed = Number($("#preview-speed").value);
    const url = `/api/sequences/${encodeURIComponent(sequence.name)}/preview?speed=${speed}&from=${fromSeconds.toFixed(1)}`;
    const source = new EventSource(url);
    const playing = { sequence, item, source, url, t_s: fromSeconds, rgb: "", drawn: true, ended: false, frames: 0 };
    preview = playing;
    source.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      playing.t_s = frame.t_s;
      playing.rgb = frame.rgb;
      playing.frames += 1;
      if (playing.drawn) { playing.drawn = false; requestAnimationFrame(() => drawRing(playing)); }
    };
    source.addEventListener("end", () => { playing.ended = true; source.close(); showTime(playing); });
    source.onerror = () => {  // closed from the other end: never reconnect (it would start again)
      source.close();
      if (playing.ended || preview !== playing) return;
      playing.ended = true;
      explain(playing);
    };
    $("#preview-ring").dataset.tS = "";
    drawRing(playing);
  }

  // The stream stopped early: if the light refused it, its one-line reason; else that it went away.
  async function explain(playing) {
    if (playing.frames > 0) return say($("#preview-error"), "the preview stopped: the light went away");
    const abort = new AbortController();
    try {
      const response = await fetch(playing.url, { signal: abort.signal, cache: "no-store" });
      const refused = !response.ok && await response.json();
      say($("#preview-error"), refused ? refused.error : "the preview could not start");
    } catch (_) {
      say($("#preview-error"), "the preview could not start: the light does not answer");
    } finally {
      abort.abort();  // a stream that did start is not wanted: it was only asked why
    }
  }

  function stopPreview() {
    if (!preview) return;
    preview.source.close();
    preview = null;
  }

  function closePreview() {
    stopPreview();
    $("#preview").hidden = true;
  }

  function drawRing(playing) {
    playing.drawn = true;
    if (preview !== playing) return;
    const canvas = $("#preview-ring");
    const size = canvas.clientWidth || 240;
    const drawing = context(canvas, size, size);
    const centre = size / 2, radius = size * RING_SHARE;
    drawing.clearRect(0, 0, size, size);
    drawing.strokeStyle = "#2b221a";  // the diffuser, so that a dark ring is still a ring
    drawing.lineWidth = size * 0.09;
    drawing.beginPath();
    drawing.arc(centre, centre, radius, 0, 2 * Math.PI);
    drawing.stroke();
    const count = playing.rgb.length / 6;
    const dot = Math.min(0.4 * 2 * Math.PI * radius / Math.max(count, 1), size * 0.05);
    // First every LED's glow, then every LED itself over the glows: each shows its own colour exactly.
    for (const glow of [dot * 2, 0]) {
      drawing.shadowBlur = glow;
      for (let i = 0; i < count; i++) {
        const colour = "#" + playing.rgb.slice(i * 6, i * 6 + 6);
        const angle = -Math.PI / 2 + 2 * Math.PI * i / count;  // LED 0 at the top, clockwise
        drawing.fillStyle = colour;
        drawing.shadowColor = colour;
        drawing.beginPath();
        drawing.arc(centre + radius * Math.cos(angle), centre + radius * Math.sin(angle), dot, 0, 2 * Math.PI);
        drawing.fill();
      }
    }
    if (count) canvas.dataset.tS = String(playing.t_s);  // the moment the ring shows (the tests wait on it)
    showTime(playing);
  }

  function showTime(playing) {
    if (preview !== playing) return;
    const speed = $("#preview-speed").value;
    $("#preview-time").textContent = `${clockText(playing.t_s)} of ${clockText(playing.sequence.duration_s)} · ${speed}×`
      + (playing.ended ? " · done" : "");
  }

  // The screen

  async function refresh() {
    await attempt($("#sequences-error"), async () => {
      if (!loaded) await load();
      drawTimelines();
      const now = await api("GET", "/api/status");
      const on = now.mode !== "idle" && now.mode !== "snooze" && now.playing;
      $("#on-light").hidden = !on;
      if (on) $("#on-light-what").textContent = now.playing;
    });
  }

  function wireSequences() {
    $("#preview-stop").addEventListener("click", closePreview);
    $("#preview-speed").addEventListener("change", () => {
      // the same moment, at the new speed
      if (preview && !preview.ended) startPreview(preview.sequence, preview.item, preview.t_s);
    });
    $("#on-light-stop").addEventListener("click", () => attempt($("#on-light-error"), async () => {
      await api("POST", "/api/stop");
      await refresh();
    }));
    document.addEventListener("visibilitychange", () => { if (document.hidden) closePreview(); });
    registerScreen("sequences", { refresh, leave: closePreview, periodic: true });
  }

  wireSequences();
})();
