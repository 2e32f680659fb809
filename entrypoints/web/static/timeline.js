// The case timeline: place each exhibit's bar on the shared time axis. The positions come
// from data attributes because the Content-Security-Policy forbids inline style.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".bar[data-left]"), function (bar) {
    bar.style.left = parseFloat(bar.dataset.left) + "%";
    bar.style.width = parseFloat(bar.dataset.width) + "%";
  });
})();
