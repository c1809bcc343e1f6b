// The supervisor's SKM page: a complaint's state and reply saved through the API.
(function () {
  "use strict";
  var root = document.getElementById("skm");
  if (!root) { return; }
  document.querySelectorAll("form.complaint").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var done = form.querySelector(".done");
      done.textContent = "";
      done.classList.remove("error");
      fetch("/api/v1/skm/complaints/" + form.dataset.id, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
        body: JSON.stringify({ state: form.elements.state.value, reply: form.elements.reply.value })
      }).then(function (r) {
        if (r.ok) { done.textContent = root.dataset.saved; return; }
        return r.json().then(function (b) {
          done.classList.add("error");
          done.textContent = r.status === 422 && form.elements.state.value === "answered" && !form.elements.reply.value.trim()
            ? root.dataset.needsReply
            : root.dataset.saveFailed.replace("{message}", (b.error && b.error.message) || r.status);
        });
      }).catch(function () { done.classList.add("error"); done.textContent = root.dataset.saveFailed.replace("{message}", "?"); });
    });
  });
})();
