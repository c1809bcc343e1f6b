// The supervisor page: every counter live, queues per stage, today's figures, and the
// supervisor's actions. Texts from the hub are inserted as text, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("supervisor");
  var office = root.dataset.office, csrf = root.dataset.csrf;
  var texts = JSON.parse(document.getElementById("texts").textContent);
  var S = texts.supervisor, C = texts.console, P = texts.page;
  var skew = 0, timer = null, busy = false;
  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  var requestId = window.Antrian.requestId;
  var api = window.Antrian.api(csrf);
  function say(answer, notice) {
    $("error").hidden = true; $("notice").hidden = true;
    if (answer && !answer.ok) {
      var code = answer.data && answer.data.error ? answer.data.error.code : "network";
      $("error").textContent = C["error_" + code] || (answer.data && answer.data.error ? answer.data.error.message : C.error_network);
      $("error").hidden = false;
    } else if (notice) {
      $("notice").textContent = notice; $("notice").hidden = false;
    }
  }
  function act(method, path, body, notice) {
    if (busy) { return Promise.resolve(); }
    busy = true;
    var payload = body || {};
    if (method === "POST") { payload.request_id = requestId(); }
    return api(method, path, method === "POST" ? payload : null).then(function (answer) {
      say(answer, answer.ok && notice ? notice(answer.data) : null);
      return refresh();
    }).catch(function () { say({ ok: false, data: null }); }).then(function () { busy = false; });
  }
  function minutesSince(iso) { return Math.max(0, Math.round((Date.now() + skew - new Date(iso).getTime()) / 60000)); }
  function refresh() {
    return Promise.all([
      api("GET", "/api/v1/offices/" + office + "/counters"),
      api("GET", "/api/v1/offices/" + office + "/summary"),
      api("GET", "/api/v1/offices/" + office + "/queue"),
      api("GET", "/api/v1/devices"),
      api("GET", "/api/v1/health")
    ]).then(function (a) {
      if (!a[0].ok) { say(a[0]); return; }
      if (a[4].ok) { skew = new Date(a[4].data.now).getTime() - Date.now(); }
      render(a[0].data.counters, a[1].data, a[2].data, a[3].ok ? a[3].data.devices : []);
    });
  }
  function render(counters, summary, queue, devices) {
    $("today").textContent = S.today.replace("{tickets}", summary.tickets_today).replace("{done}", summary.done_today);
    var grid = $("counter-grid");
    grid.textContent = "";
    counters.forEach(function (c) {
      var card = el("div", "card state-" + c.state);
      card.dataset.counter = c.id;
      card.append(el("strong", "", c.name));
      card.append(el("span", "state", C["counter_" + c.state]));
      var ticket = c.ticket ? c.ticket.number + " · " + (P["ticket_" + c.ticket.state] || c.ticket.state) : S.idle;
      card.append(el("span", "ticket", ticket));
      if (c.since) { card.append(el("small", "", S.since.replace("{minutes}", minutesSince(c.since)))); }
      var toggle = el("button", "", c.state === "open" ? S.close : S.open);
      toggle.disabled = c.state === "open" && c.ticket !== null;
      toggle.addEventListener("click", function () {
        act("POST", "/api/v1/counters/" + c.id + "/" + (c.state === "open" ? "close" : "open"));
      });
      card.append(toggle);
      grid.append(card);
    });
    var stages = $("stage-grid");
    stages.textContent = "";
    summary.stages.forEach(function (s) {
      var card = el("div", "card");
      card.dataset.stage = s.stage;
      card.append(el("strong", "", s.name));
      card.append(el("span", "big", s.waiting + " " + S.waiting));
      card.append(el("small", "", S.longest.replace("{minutes}", s.longest_wait_minutes)));
      card.append(el("small", "", s.served + " " + S.served + " · " + s.no_shows + " " + S.no_shows));
      card.append(el("small", "", S.average_wait.replace("{minutes}", s.average_wait_minutes)));
      stages.append(card);
    });
    var list = $("waiting-tickets");
    list.textContent = "";
    queue.stages.forEach(function (stage) {
      stage.waiting.forEach(function (t) {
        var li = el("li");
        li.dataset.ticket = t.id;
        li.append(el("span", "ticket", t.number + " · " + t.service_name + " · " + t.stage_name + (t.name ? " · " + t.name : "")));
        var cancel = el("button", "", S.cancel);
        cancel.addEventListener("click", function () { act("POST", "/api/v1/tickets/" + t.id + "/cancel"); });
        li.append(cancel);
        list.append(li);
      });
    });
    var deviceList = $("devices");
    deviceList.textContent = "";
    devices.forEach(function (d) {
      var li = el("li");
      li.dataset.device = d.name;
      li.append(el("span", "", d.name + " · " + (S[d.role] || d.role) + (d.revoked ? " · " + S.revoked : "")));
      if (!d.revoked) {
        var revoke = el("button", "", S.revoke);
        revoke.addEventListener("click", function () { act("DELETE", "/api/v1/devices/" + encodeURIComponent(d.name)); });
        li.append(revoke);
      }
      deviceList.append(li);
    });
  }
  $("walkin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    act("POST", "/api/v1/walkins", { service: $("walkin-service").value }, function (data) { return S.issued.replace("{number}", data.ticket.number); });
  });
  $("user-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var name = $("new-username").value.trim();
    act("POST", "/api/v1/users", { username: name, password: $("new-password").value, role: $("new-role").value }, function () {
      $("new-username").value = ""; $("new-password").value = "";
      return S.user_added.replace("{name}", name);
    });
  });
  $("pickup-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var codes = $("pickup-codes").value.split(/[\s,;]+/).filter(function (c) { return c.length > 0; });
    if (codes.length === 0 || busy) { return; }
    busy = true;
    $("pickup-result").hidden = true;
    // Marking is idempotent: a retry marks nothing twice, so no request id is needed.
    api("POST", "/api/v1/pickups/ready", { booking_codes: codes }).then(function (answer) {
      if (!answer.ok) { say(answer); return; }
      var notice = S.pickup_marked.replace("{count}", answer.data.marked.length);
      if (answer.data.unknown.length > 0) {
        notice += " " + S.pickup_unknown.replace("{codes}", answer.data.unknown.join(", "));
        $("pickup-codes").value = answer.data.unknown.join("\n");
      } else {
        $("pickup-codes").value = "";
      }
      $("pickup-result").textContent = notice;
      $("pickup-result").hidden = false;
    }).catch(function () { say({ ok: false, data: null }); }).then(function () { busy = false; });
  });
  var source = new EventSource("/api/v1/offices/" + office + "/events");
  // "reset": the hub's data was restored from a backup; what is shown is reloaded.
  ["called", "ticket", "waiting", "counter", "reset"].forEach(function (kind) {
    source.addEventListener(kind, function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });
  });
  setInterval(refresh, 30000);
  refresh();
})();
