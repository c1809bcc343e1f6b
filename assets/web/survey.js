// The satisfaction survey: on a counter's tablet, the survey of the ticket the counter has
// just finished opens by itself, and a survey left untouched returns to the tablet's page.
(function () {
  "use strict";
  var tablet = document.getElementById("tablet");
  if (tablet) {
    var counter = tablet.dataset.counter;
    var lang = tablet.dataset.lang;
    // A ticket is offered once: not again after its answer, nor after it was left untouched.
    var offered = function () {
      try { return JSON.parse(sessionStorage.getItem("antrian-offered") || "[]"); } catch (e) { return []; }
    };
    var look = function () {
      fetch("/api/v1/counters/" + encodeURIComponent(counter) + "/survey", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (s && s.token && offered().indexOf(s.token) < 0) {
            sessionStorage.setItem("antrian-offered", JSON.stringify(offered().concat([s.token]).slice(-50)));
            location.href = "/t/" + encodeURIComponent(s.token) + "/survey?lang=" + lang + "&tablet=" + encodeURIComponent(counter);
          }
        })
        .catch(function () {});
    };
    look();
    setInterval(look, 3000);
    return;
  }
  var survey = document.getElementById("survey");
  if (!survey) { return; }
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
  var back = survey.dataset["return"];
  if (back && survey.dataset.state !== "open") {
    // On a tablet, after the thanks: back to waiting for the next applicant.
    setTimeout(function () { location.href = back; }, 8000);
  }
  if (back && survey.dataset.state === "open") {
    // On a counter's tablet: two minutes untouched, and the next applicant gets a fresh page.
    var idle;
    var wait = function () { clearTimeout(idle); idle = setTimeout(function () { location.href = back; }, 120000); };
    ["pointerdown", "keydown", "input"].forEach(function (e) { document.addEventListener(e, wait); });
    wait();
  }
})();
