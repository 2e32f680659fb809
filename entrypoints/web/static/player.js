// The item page: start at ?t=, highlight the transcript segment being played, seek on click.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }
  var clock = document.getElementById("clock");
  var segments = Array.prototype.slice.call(document.querySelectorAll(".segment"));
  var start = parseFloat(player.dataset.start || "0");

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = (seconds - minutes * 60).toFixed(1);
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function seek(seconds) {
    player.currentTime = seconds;
  }

  if (start > 0) {
    if (player.readyState >= 1) { seek(start); }
    else { player.addEventListener("loadedmetadata", function () { seek(start); }, { once: true }); }
  }

  player.addEventListener("timeupdate", function () {
    var now = player.currentTime;
    if (clock) { clock.textContent = format(now); }
    segments.forEach(function (segment) {
      var on = now >= parseFloat(segment.dataset.start) && now < parseFloat(segment.dataset.end);
      segment.classList.toggle("current", on);
      if (on) { segment.setAttribute("aria-current", "true"); } else { segment.removeAttribute("aria-current"); }
    });
  });

  segments.forEach(function (segment) {
    segment.addEventListener("click", function () {
      seek(parseFloat(segment.dataset.start));
      player.play().catch(function () { /* autoplay may be refused; the seek still holds */ });
    });
  });
})();
