// The booking page: service → calendar of days with places → slot → name and NIK → book.
(function () {
  "use strict";
  var form = document.getElementById("booking");
  var office = form.dataset.office;
  var lang = form.dataset.lang;
  var texts = JSON.parse(document.getElementById("texts").textContent);
  var errors = texts.errors || {};
  var page = texts.page || {};
  var state = { service: null, date: null, slot: null };
  var calendar = document.getElementById("calendar");
  var slots = document.getElementById("slots");
  var error = document.getElementById("error");
  var submit = document.getElementById("submit");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function showError(code) {
    error.textContent = errors[code] || errors.invalid_request;
    error.hidden = false;
  }
  function ready() {
    var nik = document.getElementById("nik").value;
    submit.disabled = !(state.service && state.date && state.slot && document.getElementById("name").value.trim() && /^[0-9]{16}$/.test(nik));
  }
  function press(container, button) {
    container.querySelectorAll("[aria-pressed]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    button.setAttribute("aria-pressed", "true");
  }
  function dayLabel(iso) {
    var d = new Date(iso + "T00:00:00");
    return d.toLocaleDateString(lang === "en" ? "en-GB" : "id-ID", { weekday: "short", day: "numeric", month: "short" });
  }
  function loadCalendar() {
    state.date = null; state.slot = null; slots.textContent = ""; ready();
    calendar.textContent = page.loading;
    fetch("/api/v1/offices/" + office + "/calendar?service=" + state.service).then(function (r) { return r.json(); }).then(function (data) {
      calendar.textContent = "";
      var open = 0;
      data.days.forEach(function (day) {
        var label = day.closed ? page.closed : (day.remaining > 0 ? day.remaining + " " + page.places_left : page.full);
        var button = el("button", { type: "button", class: "day", "aria-pressed": "false", "data-date": day.date }, [dayLabel(day.date), el("small", {}, [label])]);
        button.disabled = day.closed || day.remaining === 0;
        if (!button.disabled) { open += 1; }
        button.addEventListener("click", function () { press(calendar, button); state.date = day.date; loadSlots(); });
        calendar.append(button);
      });
      if (open === 0) { calendar.textContent = page.no_days.replace("{days}", data.days.length); }
    }).catch(function () { showError("unreachable"); });
  }
  function loadSlots() {
    state.slot = null; ready();
    slots.textContent = page.loading;
    fetch("/api/v1/offices/" + office + "/availability?date=" + state.date + "&service=" + state.service).then(function (r) { return r.json(); }).then(function (data) {
      slots.textContent = "";
      data.slots.forEach(function (slot) {
        var label = slot.bookable ? slot.remaining + " " + page.places_left : (data.closed || slot.capacity === 0 || slot.remaining > 0 ? page.closed : page.full);
        var button = el("button", { type: "button", class: "slot", "aria-pressed": "false", "data-slot": slot.slot }, [slot.slot + "–" + slot.end, el("small", {}, [label])]);
        button.disabled = !slot.bookable;
        button.addEventListener("click", function () { press(slots, button); state.slot = slot.slot; ready(); });
        slots.append(button);
      });
    }).catch(function () { showError("unreachable"); });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "service") { state.service = event.target.value; loadCalendar(); }
  });
  form.addEventListener("input", ready);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    var nik = document.getElementById("nik").value;
    var body = { office: office, service: state.service, date: state.date, slot: state.slot, name: document.getElementById("name").value.trim(), nik: nik };
    fetch("/api/v1/bookings", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (answer) {
        if (answer.ok) {
          location.href = "/booking/" + answer.data.booking_code + "?nik_last4=" + nik.slice(12) + "&lang=" + lang;
        } else {
          showError(answer.data.error && answer.data.error.code);
          if (answer.data.error && answer.data.error.code === "quota_full") { loadSlots(); }
          ready();
        }
      })
      .catch(function () { showError("unreachable"); ready(); });
  });
  var checked = form.querySelector("input[name=service]:checked");
  if (checked) { state.service = checked.value; loadCalendar(); }
})();
