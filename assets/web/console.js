// The counter console: the current ticket large, actions with shortcuts, live counts and lists.
// Every action carries a fresh request_id, and buttons are disabled while one is in flight, so
// a double click acts once. Applicant texts are inserted as text, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("console");
  var counter = root.dataset.counter;
  var office = root.dataset.office;
  var csrf = root.dataset.csrf;
  var myStages = root.dataset.stages.split(",");
  var texts = JSON.parse(document.getElementById("texts").textContent);
  var T = texts.console, P = texts.page, stageNames = texts.stages;
  var errorBox = document.getElementById("error");
  var current = null, counterState = "closed", busy = false, timer = null;
  try { localStorage.setItem("antrian.counter", counter); } catch (e) { /* private mode */ }

  function $(id) { return document.getElementById(id); }
  var requestId = window.Antrian.requestId;
  var api = window.Antrian.api(csrf);
  function showError(answer) {
    var code = answer && answer.data && answer.data.error ? answer.data.error.code : "network";
    errorBox.textContent = T["error_" + code] || (answer.data && answer.data.error ? answer.data.error.message : T.error_network);
    errorBox.hidden = false;
    if (code === "unauthorized") { setTimeout(function () { location.href = "/staff/login"; }, 1500); }
  }
  function setBusy(value) {
    busy = value;
    document.querySelectorAll("button").forEach(function (b) { if (value) { b.disabled = true; } });
    if (!value) { render(); }
  }
  function act(path, body) {
    if (busy) { return; }
    errorBox.hidden = true;
    setBusy(true);
    var payload = body || {};
    payload.request_id = requestId();
    api("POST", path, payload).then(function (answer) {
      if (!answer.ok) { showError(answer); }
      return refresh();
    }).catch(function () { showError(null); }).then(function () { setBusy(false); });
  }
  // The hub's clock decides ("waited 12 min"), not this PC's, which may be set wrong.
  var skew = 0;
  function minutesBetween(from, to) {
    return Math.max(0, Math.round((to - new Date(from).getTime()) / 60000));
  }
  function minutesSince(iso) {
    return minutesBetween(iso, Date.now() + skew);
  }
  var state = { counters: null, queue: null };
  function refresh() {
    return Promise.all([
      api("GET", "/api/v1/offices/" + office + "/counters"),
      api("GET", "/api/v1/offices/" + office + "/queue"),
      api("GET", "/api/v1/health")
    ]).then(function (answers) {
      if (!answers[0].ok) { showError(answers[0]); return; }
      if (answers[2].ok) { skew = new Date(answers[2].data.now).getTime() - Date.now(); }
      state.counters = answers[0].data.counters;
      state.queue = answers[1].data;
      render();
    });
  }
  function item(ticket, label, path) {
    var li = document.createElement("li");
    var text = document.createElement("span");
    text.className = "ticket";
    text.textContent = ticket.number + " · " + ticket.service_name + (ticket.priority ? " ★" : "") + " · " + T.waited.replace("{minutes}", minutesSince(ticket.checked_in_at));
    li.append(text);
    var button = document.createElement("button");
    button.textContent = label;
    button.dataset.ticket = ticket.id;
    button.disabled = busy || (path === "call" && current !== null);
    button.addEventListener("click", function () {
      if (path === "call") { act("/api/v1/counters/" + counter + "/call", { ticket: ticket.id }); }
      else { act("/api/v1/tickets/" + ticket.id + "/" + path); }
    });
    li.append(button);
    return li;
  }
  function render() {
    if (!state.counters) { return; }
    var mine = state.counters.filter(function (c) { return c.id === counter; })[0];
    current = mine ? mine.ticket : null;
    counterState = mine ? mine.state : "closed";
    $("counter-state").textContent = T["counter_" + counterState];
    $("number").textContent = current ? current.number : "—";
    $("current").className = "current" + (current ? " state-" + current.state : "");
    if (current) {
      $("meta").textContent = [current.service_name, current.stage_name, P["ticket_" + current.state],
        current.recall > 0 ? T.recall + " ×" + current.recall : "",
        T.waited.replace("{minutes}", current.called_at ? minutesBetween(current.checked_in_at, new Date(current.called_at).getTime()) : minutesSince(current.checked_in_at))]
        .filter(Boolean).join(" · ");
      $("applicant").textContent = [current.name ? T.applicant + ": " + current.name : "", current.booking_code ? T.booking + ": " + current.booking_code : ""].filter(Boolean).join(" · ");
    } else {
      $("meta").textContent = T.no_ticket;
      $("applicant").textContent = "";
    }
    var s = current ? current.state : null;
    $("call-next").disabled = busy || current !== null;
    $("recall").disabled = busy || s !== "called";
    $("start").disabled = busy || s !== "called";
    $("finish").disabled = busy || !(s === "called" || s === "serving");
    $("no-show").disabled = busy || s !== "called";
    $("transfer").disabled = busy || current === null;
    $("transfer-stage").disabled = current === null;
    var pause = $("pause");
    pause.textContent = counterState === "open" ? T.pause : T.resume;
    pause.disabled = busy || (counterState === "open" && current !== null);
    var counts = $("counts");
    counts.textContent = "";
    state.queue.stages.forEach(function (stage) {
      var box = document.createElement("div");
      box.className = "count" + (myStages.indexOf(stage.stage) >= 0 ? " mine" : "");
      box.dataset.stage = stage.stage;
      var n = document.createElement("strong");
      n.textContent = stage.waiting.length;
      box.append(n, document.createTextNode(" " + (stageNames[stage.stage] || stage.stage)));
      counts.append(box);
    });
    var list = $("waiting-list");
    list.textContent = "";
    state.queue.stages.filter(function (stage) { return myStages.indexOf(stage.stage) >= 0; }).forEach(function (stage) {
      stage.waiting.forEach(function (ticket) { list.append(item(ticket, T.call, "call")); });
    });
    if (!list.children.length) { var empty = document.createElement("li"); empty.textContent = T.nobody_waiting; list.append(empty); }
    var noShows = $("no-show-list");
    noShows.textContent = "";
    state.queue.no_show.filter(function (t) { return myStages.indexOf(t.stage) >= 0; }).forEach(function (ticket) {
      noShows.append(item(ticket, T.requeue, "requeue"));
    });
  }
  $("call-next").addEventListener("click", function () {
    if (busy) { return; }
    errorBox.hidden = true;
    setBusy(true);
    api("POST", "/api/v1/counters/" + counter + "/call-next", { request_id: requestId() }).then(function (answer) {
      if (!answer.ok) { showError(answer); }
      else if (answer.data === null) { errorBox.textContent = T.nobody_waiting; errorBox.hidden = false; }
      return refresh();
    }).catch(function () { showError(null); }).then(function () { setBusy(false); });
  });
  $("recall").addEventListener("click", function () { if (current) { act("/api/v1/tickets/" + current.id + "/recall"); } });
  $("start").addEventListener("click", function () { if (current) { act("/api/v1/tickets/" + current.id + "/start"); } });
  $("finish").addEventListener("click", function () { if (current) { act("/api/v1/tickets/" + current.id + "/finish"); } });
  $("no-show").addEventListener("click", function () { if (current) { act("/api/v1/tickets/" + current.id + "/no-show"); } });
  $("transfer").addEventListener("click", function () {
    if (current) { act("/api/v1/tickets/" + current.id + "/transfer", { stage: $("transfer-stage").value }); }
  });
  $("pause").addEventListener("click", function () {
    act("/api/v1/counters/" + counter + "/" + (counterState === "open" ? "pause" : "open"));
  });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var button = document.querySelector("button[data-key='" + event.key.toLowerCase() + "']");
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
  var source = new EventSource("/api/v1/offices/" + office + "/events");
  source.onmessage = function () {};
  // "reset": the hub's data was restored from a backup; what is shown is reloaded.
  ["called", "ticket", "waiting", "counter", "reset"].forEach(function (kind) {
    source.addEventListener(kind, function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 100);
    });
  });
  source.onopen = refresh;
  setInterval(render, 30000);
  refresh();
})();
