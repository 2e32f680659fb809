// The upload page: send the chosen files with XMLHttpRequest so progress can be shown.
(function () {
  "use strict";
  var form = document.getElementById("upload");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var list = document.getElementById("outcomes");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = document.getElementById("files").files;
    var body = new FormData();
    body.append("incident", document.getElementById("incident").value);
    body.append("kind", document.getElementById("kind").value);
    for (var i = 0; i < files.length; i++) {
      body.append("files", files[i], files[i].webkitRelativePath || files[i].name);
    }
    var request = new XMLHttpRequest();
    request.open("POST", "/api/uploads");
    request.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = "Sending: " + bar.value + "%";
      }
    });
    request.upload.addEventListener("load", function () {
      status.textContent = "Sent. Checking, hashing and preserving the files…";
    });
    request.addEventListener("load", function () {
      list.textContent = "";
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
      if (request.status !== 200) {
        status.textContent = "Upload refused: " + (answer.detail || request.statusText);
        return;
      }
      status.textContent = "Done: " + answer.ingested.length + " item(s) preserved.";
      answer.outcomes.forEach(function (outcome) {
        var li = document.createElement("li");
        li.textContent = outcome.path + ": " + outcome.status + (outcome.reason ? " (" + outcome.reason + ")" : "");
        if (outcome.id) {
          var link = document.createElement("a");
          link.href = "/items/" + outcome.id;
          link.textContent = " open";
          li.appendChild(link);
        }
        list.appendChild(li);
      });
    });
    request.addEventListener("error", function () { status.textContent = "The upload failed: network error."; });
    status.textContent = "Sending…";
    request.send(body);
  });
})();
