// What the staff pages share: calls to the hub's API with the session cookie and the page's
// CSRF token, and request ids that make a repeated click harmless.
(function () {
  "use strict";
  window.Antrian = {
    requestId: function () {
      return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    },
    api: function (csrf) {
      return function (method, path, body) {
        var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
        if (body) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
        return fetch(path, options).then(function (r) {
          if (r.status === 204) { return { ok: true, status: 204, data: null }; }
          return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
        });
      };
    }
  };
})();
