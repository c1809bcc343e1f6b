// The ticket status page: live through EventSource, no reload.
(function () {
  "use strict";
  var root = document.getElementById("status");
  var token = root.dataset.token;
  var ticket = root.dataset.ticket;
  var page = JSON.parse(document.getElementById("texts").textContent).page || {};
  var live = document.getElementById("live");

  function show(s) {
    root.className = "status state-" + s.state;
    document.getElementById("number").textContent = s.number;
    document.getElementById("state").textContent = page["ticket_" + s.state] || s.state;
    document.getElementById("stage").textContent = s.stage_name;
    var called = s.state === "called" || s.state === "serving";
    document.getElementById("callout").hidden = !called;
    document.getElementById("counter").textContent = s.counter_name || "";
    document.getElementById("waiting").hidden = s.state !== "waiting";
    document.getElementById("ahead").textContent = s.people_ahead;
    document.getElementById("eta").textContent = s.eta_minutes;
    if (s.state === "done") { survey(); }
  }
  // Once served: the satisfaction survey's invitation, while it takes an answer.
  function survey() {
    fetch("/api/v1/survey/" + encodeURIComponent(token)).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (!v) { return; }
      document.getElementById("survey-invite").hidden = v.state !== "open";
      document.getElementById("survey-done").hidden = v.state !== "answered";
    });
  }
  function refresh() {
    fetch("/api/v1/status/" + encodeURIComponent(token)).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) { show(s); } });
  }
  var source = new EventSource("/api/v1/offices/" + root.dataset.office + "/events?token=" + encodeURIComponent(token));
  function mine(event) {
    try { return JSON.parse(event.data).ticket_id === ticket; } catch (e) { return false; }
  }
  source.addEventListener("called", function (e) { if (mine(e)) { refresh(); if (navigator.vibrate) { navigator.vibrate([300, 100, 300]); } } });
  source.addEventListener("ticket", function (e) { if (mine(e)) { refresh(); } });
  // Anyone called or leaving the queue moves this ticket up: refresh on queue changes too.
  source.addEventListener("waiting", refresh);
  // The hub's data was restored from a backup: show the ticket as the hub has it now.
  source.addEventListener("reset", refresh);
  source.onopen = function () { live.textContent = page.live; live.classList.remove("off"); refresh(); };
  source.onerror = function () { live.textContent = page.reconnecting; live.classList.add("off"); };
})();
