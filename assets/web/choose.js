// Counter choice: the browser remembers the last counter and goes straight there.
(function () {
  "use strict";
  var choosing = location.search.indexOf("choose=1") >= 0;
  var remembered = null;
  try { remembered = localStorage.getItem("antrian.counter"); } catch (e) { /* private mode */ }
  var link = remembered && document.querySelector("a[data-counter='" + remembered.replace(/[^A-Za-z0-9-]/g, "") + "']");
  if (!choosing && link) { location.replace(link.href); }
})();
