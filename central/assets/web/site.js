// Antrian Pusat: what the pages add with a script (every step works without it):
// countdowns to a release or a bill's end, the application's live timeline, and focus on a
// form's list of problems.
(function () {
  'use strict';

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  // <span class="countdown" data-until="RFC 3339" data-prefix="…" data-over="…">
  // The service's clock, not the phone's (often wrong): the difference is taken once.
  var served = Date.parse(document.body.getAttribute('data-now') || '');
  var skew = isNaN(served) ? 0 : served - Date.now();

  function countdowns() {
    var now = Date.now() + skew;
    document.querySelectorAll('[data-until]').forEach(function (el) {
      var until = Date.parse(el.getAttribute('data-until'));
      if (isNaN(until)) { return; }
      var left = Math.max(0, Math.floor((until - now) / 1000));
      if (left === 0 && el.getAttribute('data-over')) { el.textContent = el.getAttribute('data-over'); return; }
      var days = Math.floor(left / 86400);
      var rest = left % 86400;
      var text = pad(Math.floor(rest / 3600)) + ':' + pad(Math.floor(rest % 3600 / 60)) + ':' + pad(rest % 60);
      if (days > 0) { text = days + (document.documentElement.lang === 'en' ? ' d ' : ' hari ') + text; }
      el.textContent = (el.getAttribute('data-prefix') || '') + ' ' + text;
    });
  }

  // The application page follows its state: the timeline is redrawn in place; when the bill
  // is paid or runs out, the page shows its new view.
  function follow() {
    var app = document.getElementById('application');
    if (!app) { return; }
    var id = app.getAttribute('data-id');
    var view = app.getAttribute('data-view');
    var state = app.getAttribute('data-state');
    // Every 3 s while a bill waits, every 5 s once booked; slower (30 s) after ten minutes;
    // not at all while the page is hidden, once the application has ended, or signed out.
    var ended = ['picked_up', 'cancelled', 'expired', 'no_show', 'rejected'];
    var started = Date.now();
    var stopped = ended.indexOf(state) >= 0;
    function delay() {
      if (Date.now() - started > 600000) { return 30000; }
      return view === 'bill' ? 3000 : 5000;
    }
    function later() { if (!stopped) { setTimeout(poll, delay()); } }
    function poll() {
      if (document.hidden) {
        document.addEventListener('visibilitychange', function once() {
          document.removeEventListener('visibilitychange', once);
          poll();
        });
        return;
      }
      fetch('/applications/' + encodeURIComponent(id) + '/live', { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) {
          if (r.status === 401 || r.status === 404) { stopped = true; }
          return r.ok ? r.json() : null;
        })
        .then(function (live) {
          if (!live) { return; }
          if (ended.indexOf(live.state) >= 0 && live.view === view) { stopped = true; }
          if (live.view !== view) { window.location.reload(); return; }
          if (live.state !== state) {
            state = live.state;
            app.setAttribute('data-state', state);
            document.querySelectorAll('[data-show]').forEach(function (el) {
              el.hidden = el.getAttribute('data-show').split(' ').indexOf(state) < 0;
            });
            var label = document.getElementById('state-label');
            if (label) { label.textContent = live.label; }
            var list = document.getElementById('timeline');
            if (list) {
              while (list.firstChild) { list.removeChild(list.firstChild); }
              live.steps.forEach(function (s) {
                var li = document.createElement('li');
                li.className = (s.done ? 'done' : 'todo') + (s.current ? ' current' : '');
                var step = document.createElement('span');
                step.className = 'step';
                step.textContent = s.label;
                var when = document.createElement('span');
                when.className = 'when';
                when.textContent = s.done ? s.at : live.pending;
                li.appendChild(step);
                li.appendChild(document.createTextNode(' '));
                li.appendChild(when);
                list.appendChild(li);
              });
            }
          }
        })
        .catch(function () { /* offline: try again later */ })
        .then(later);
    }
    later();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var focus = document.querySelector('[data-focus]');
    if (focus) { focus.focus(); }
    countdowns();
    if (document.querySelector('[data-until]')) { setInterval(countdowns, 1000); }
    follow();
  });
})();
