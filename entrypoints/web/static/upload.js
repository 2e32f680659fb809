// The upload page: send the files with XMLHttpRequest (for progress), then follow the
// upload job the server answers with until its ingest report is ready.
(function () {
  "use strict";
  var form = document.getElementById("upload");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var report = document.getElementById("report");
  var reportBody = document.getElementById("report-body");
  var WAITING = {
    received: "Received. Waiting for its turn to be ingested…",
    ingesting: "Ingesting: checking, hashing, preserving and transcribing the files…"
  };

  function element(tag, text) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    return node;
  }

  function itemLink(id, label) {
    var link = element("a", label);
    link.href = "/items/" + id;
    return link;
  }

  function section(title, entries, describe) {
    if (!entries.length) { return; }
    reportBody.appendChild(element("h3", title + " (" + entries.length + ")"));
    var list = element("ul");
    entries.forEach(function (entry) {
      var li = element("li");
      describe(li, entry);
      list.appendChild(li);
    });
    reportBody.appendChild(list);
  }

  function showReport(job) {
    var result = job.report;
    reportBody.textContent = "";
    section("Preserved", result.ingested, function (li, entry) {
      li.appendChild(itemLink(entry.id, entry.path));
      li.appendChild(document.createTextNode(" (" + entry.kind + ", " + entry.size + " bytes)"));
    });
    section("Already held", result.duplicates, function (li, entry) {
      if (entry.id) {
        li.appendChild(itemLink(entry.id, entry.path));
        li.appendChild(document.createTextNode(" is already in evidence"));
      } else {
        li.textContent = entry.path + " is already in evidence (" + entry.note + ")";
      }
    });
    section("Rejected", result.rejected, function (li, entry) {
      li.textContent = entry.reason;
    });
    section("Transcription", result.transcribed, function (li, entry) {
      li.textContent = entry.status + ": " + (entry.reason || "item " + entry.item_id.slice(0, 12));
    });
    status.textContent = "Done: " + result.ingested.length + " preserved, " + result.duplicates.length +
      " already held, " + result.rejected.length + " rejected.";
  }

  function finish(job) {
    report.removeAttribute("aria-busy");
    if (job.status === "done") {
      showReport(job);
    } else {
      reportBody.textContent = "";
      var reason = element("p", job.reason);
      reason.className = "error";
      reportBody.appendChild(reason);
      status.textContent = "The ingest failed.";
    }
    report.hidden = false;
    report.focus();
  }

  function follow(url, delay) {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.addEventListener("load", function () {
      var job = {};
      try { job = JSON.parse(request.responseText); } catch (e) { job = {}; }
      if (request.status === 401) {
        status.textContent = "Your session ended; sign in again to see the result.";
      } else if (request.status === 200 && (job.status === "done" || job.status === "failed")) {
        finish(job);
      } else {
        if (WAITING[job.status] && status.textContent !== WAITING[job.status]) {
          status.textContent = WAITING[job.status];
        }
        window.setTimeout(function () { follow(url, Math.min(delay * 1.5, 5000)); }, delay);
      }
    });
    request.addEventListener("error", function () {
      window.setTimeout(function () { follow(url, 5000); }, 5000);
    });
    request.send();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = document.getElementById("files").files;
    var body = new FormData();
    body.append("incident", document.getElementById("incident").value);
    body.append("kind", document.getElementById("kind").value);
    for (var i = 0; i < files.length; i++) {
      body.append("files", files[i], files[i].webkitRelativePath || files[i].name);
    }
    report.hidden = true;
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
      status.textContent = "Sent. Waiting for the server to confirm receipt…";
    });
    request.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
      if (request.status !== 202) {
        status.textContent = "Upload refused: " + (answer.detail || request.statusText);
        return;
      }
      status.textContent = WAITING[answer.status] || "Received.";
      report.setAttribute("aria-busy", "true");
      follow(request.getResponseHeader("Location") || answer.status_url, 1000);
    });
    request.addEventListener("error", function () { status.textContent = "The upload failed: network error."; });
    status.textContent = "Sending…";
    request.send(body);
  });
})();
