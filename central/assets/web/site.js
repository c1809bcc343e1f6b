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


  // The waiting room: the proof of work (Web Crypto), the place kept in localStorage (a
  // reload or a lost connection keeps it), and polls as gentle as the server asks.
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { bits++; b <<= 1; }
      break;
    }
    return bits;
  }

  function solve(challenge, bits) {
    var enc = new TextEncoder();
    var base = 0;
    function batch() {
      var tries = [];
      for (var i = 0; i < 256; i++) {
        tries.push(crypto.subtle.digest('SHA-256', enc.encode(challenge + ':' + (base + i))));
      }
      return Promise.all(tries).then(function (digests) {
        for (var i = 0; i < digests.length; i++) {
          if (zeroBits(new Uint8Array(digests[i])) >= bits) { return String(base + i); }
        }
        base += 256;
        return batch();
      });
    }
    return batch();
  }

  function waitingRoom() {
    var room = document.getElementById('waiting');
    if (!room) { return; }
    var office = room.getAttribute('data-office');
    var key = 'antrian-place-' + room.getAttribute('data-room');
    var state = document.getElementById('place-state');
    var position = document.getElementById('place-position');
    var detail = document.getElementById('place-detail');
    var button = document.getElementById('join');
    function text(name, values) {
      var out = room.getAttribute('data-' + name) || '';
      Object.keys(values || {}).forEach(function (k) { out = out.split('{' + k + '}').join(values[k]); });
      return out;
    }
    function show(status) {
      if (status.state === 'joining') {
        state.textContent = text('working');
      } else if (status.state === 'prequeue') {
        state.textContent = text('prequeue', { count: status.in_prequeue });
        position.textContent = '';
        detail.textContent = '';
      } else if (status.state === 'waiting') {
        state.textContent = text('position', { position: status.position });
        position.textContent = status.position;
        var minutes = status.eta_seconds < 0 ? '?' : Math.max(1, Math.round(status.eta_seconds / 60));
        detail.textContent = text('ahead', { ahead: status.ahead }) + ' ' + text('eta', { minutes: minutes });
      } else if (status.state === 'admitted') {
        state.textContent = text('admitted');
        document.cookie = 'antrian_pass=' + status.admission + '; path=/; SameSite=Lax';
        window.location.href = room.getAttribute('data-next');
        return false;
      } else if (status.state === 'expired') {
        state.textContent = text('expired');
        localStorage.removeItem(key);
        return false;
      }
      return true;
    }
    function poll(place, after) {
      setTimeout(function () {
        fetch('/api/v1/waiting-room/status?place=' + encodeURIComponent(place), { cache: 'no-store' })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
          .then(function (status) { if (show(status)) { poll(place, (status.poll_after || 5) * 1000); } })
          .catch(function () { detail.textContent = text('offline'); poll(place, 10000); });
      }, after);
    }
    var kept = localStorage.getItem(key);
    var card = document.getElementById('join-card');
    if (kept) { card.hidden = true; poll(kept, 0); }
    button.addEventListener('click', function () {
      button.disabled = true;
      state.textContent = text('working');
      var applicant = document.getElementById('applicant').value;
      var post = function (path, body) {
        return fetch('/waiting/' + encodeURIComponent(office) + path, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body || ''
        }).then(function (r) { return r.json().then(function (j) { return r.ok ? j : Promise.reject(j); }); });
      };
      post('/challenge').then(function (c) {
        var began = performance.now();
        return solve(c.challenge, c.bits).then(function (nonce) {
          room.setAttribute('data-pow-ms', String(Math.round(performance.now() - began)));
          return post('/join', 'applicant=' + encodeURIComponent(applicant) + '&challenge=' +
            encodeURIComponent(c.challenge) + '&nonce=' + encodeURIComponent(nonce));
        });
      }).then(function (joined) {
        localStorage.setItem(key, joined.place);
        card.hidden = true;
        if (show(joined.status)) { poll(joined.place, (joined.status.poll_after || 5) * 1000); }
      }).catch(function (e) {
        button.disabled = false;
        state.textContent = (e && e.error && (e.error.message || e.error)) || text('offline');
      });
    });
  }

  // The administrator's view of a room: figures every 5 s, and the rate changed live.
  function adminRoom() {
    var root = document.getElementById('admin-room');
    if (!root) { return; }
    var say = function (name) { return root.getAttribute('data-' + name); };
    var office = say('office');
    var lang = document.documentElement.lang || 'id';
    var token = '';
    var error = document.getElementById('admin-error');
    var done = document.getElementById('admin-done');
    var number = function (n) { return Number(n).toLocaleString(lang); };
    function call(method, body) {
      return fetch('/api/v1/admin/offices/' + office + '/waiting-room' + (body ? '/rate' : ''), {
        method: method, headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined
      }).then(function (r) {
        return r.json().then(function (j) { return r.ok ? j : Promise.reject({ status: r.status, body: j }); });
      }, function () { return Promise.reject({ status: 0 }); });
    }
    function failed(e) {
      done.textContent = '';
      error.textContent = e.status === 401 ? say('unknown-token')
        : e.status === 422 ? say('bad-rate')
        : (e.body && e.body.error && e.body.error.message) || say('failed');
    }
    function fill(room) {
      error.textContent = '';
      document.getElementById('f-release').textContent = new Date(room.release_at).toLocaleString(lang,
        { dateStyle: 'full', timeStyle: 'short', timeZone: say('tz') }) + ' ' + say('zone');
      document.getElementById('f-waiting').textContent = number(room.waiting);
      document.getElementById('f-admitted').textContent = number(room.admitted);
      document.getElementById('f-booked').textContent = number(room.booked);
      document.getElementById('f-rate').textContent = number(room.rate_per_minute) + ' ' + say('per-minute');
      document.getElementById('f-drain').textContent = room.drain_minutes === null ? '—'
        : number(Math.ceil(room.drain_minutes)) + ' ' + say('minutes');
      var input = document.getElementById('admin-rate');
      if (!input.value) { input.value = room.rate_per_minute; }
    }
    function refresh() {
      if (!token) { return; }
      call('GET').then(fill).catch(failed);
    }
    document.getElementById('admin-token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      token = document.getElementById('admin-token').value.trim();
      done.textContent = '';
      if (!token) { error.textContent = say('no-token'); return; }
      refresh();
    });
    document.getElementById('admin-rate-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var text = document.getElementById('admin-rate').value.trim();
      var rate = Number(text);
      if (!token) { error.textContent = say('no-token'); return; }
      if (!/^[0-9]+$/.test(text) || rate > 1000000) { done.textContent = ''; error.textContent = say('bad-rate'); return; }
      call('POST', { rate_per_minute: rate }).then(function (room) {
        fill(room);
        done.textContent = say('changed').replace('{rate}', number(room.rate_per_minute));
      }).catch(failed);
    });
    setInterval(refresh, 5000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var focus = document.querySelector('[data-focus]');
    if (focus) { focus.focus(); }
    countdowns();
    if (document.querySelector('[data-until]')) { setInterval(countdowns, 1000); }
    follow();
    waitingRoom();
    adminRoom();
  });
})();
