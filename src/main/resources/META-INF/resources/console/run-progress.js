// A run's page, kept up to date in place: while the run is not finished, its JSON is read about once a second and the
// progress bar, the figures and the errors are updated without reloading the page. Without this script the page shows
// the run as it was when loaded.
(function () {
  "use strict";

  var main = document.querySelector("main[data-run]");
  if (!main || main.getAttribute("data-finished") === "true") {
    return;
  }
  var url = main.getAttribute("data-json");
  var INTERVAL_MS = 1000;

  function set(id, text) {
    var element = document.getElementById(id);
    if (element && element.textContent !== String(text)) {
      element.textContent = String(text);
    }
  }

  function time(iso) {
    return iso ? iso.replace(/\.\d+Z$/, "Z").replace("T", " ").replace("Z", " UTC") : "\u2013";
  }

  function cost(value) {
    if (value === null || value === undefined) {
      return "\u2013";
    }
    return String(Number(value.toPrecision(3)));
  }

  function eta(run, finished) {
    if (finished) {
      return "\u2013";
    }
    if (run.eta_seconds === null || run.eta_seconds === undefined) {
      return "not known yet";
    }
    var s = run.eta_seconds;
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  // the errors as last drawn: the table is drawn again only when they change, so a link that has the keyboard's focus stays
  var drawnErrors = null;

  function errors(run) {
    var section = document.getElementById("errors-section");
    var codes = Object.keys(run.errors_by_code || {}).sort();
    var examples = run.error_examples || {};
    var drawn = JSON.stringify([run.errors_by_code || {}, examples]);
    if (drawn === drawnErrors) {
      return;
    }
    drawnErrors = drawn;
    section.textContent = "";
    if (codes.length === 0) {
      var none = document.createElement("p");
      none.className = "muted";
      none.id = "no-errors";
      none.textContent = "No errors.";
      section.appendChild(none);
      return;
    }
    var table = document.createElement("table");
    table.id = "errors";
    var head = table.createTHead().insertRow();
    ["Code", "Count", "Examples"].forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    codes.forEach(function (code) {
      var row = body.insertRow();
      row.setAttribute("data-code", code);
      var name = document.createElement("code");
      name.textContent = code;
      row.insertCell().appendChild(name);
      var count = row.insertCell();
      count.className = "count";
      count.textContent = run.errors_by_code[code];
      var list = document.createElement("ul");
      list.className = "examples";
      (examples[code] || []).forEach(function (x) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "/traces/" + encodeURIComponent(x.trace_id);
        link.textContent = x.trace_id;
        item.appendChild(link);
        item.appendChild(document.createTextNode(" "));
        var who = document.createElement("span");
        who.className = "muted";
        who.textContent = x.judge + " \u00b7 " + x.model;
        item.appendChild(who);
        if (x.error_message) {
          item.appendChild(document.createTextNode(": " + x.error_message));
        }
        list.appendChild(item);
      });
      row.insertCell().appendChild(list);
    });
    section.appendChild(table);
  }

  function show(run) {
    var finished = run.status === "COMPLETED" || run.status === "CANCELLED";
    var bar = document.getElementById("run-progress");
    var percent = run.total === 0 ? 100 : Math.floor(run.completed * 100 / run.total);
    // a progress bar's maximum must be above zero: a run of nothing is whole
    bar.max = run.total === 0 ? 1 : run.total;
    bar.value = run.total === 0 ? 1 : run.completed;
    bar.textContent = percent + "%";
    set("status", run.status);
    set("done-text", run.completed + " / " + run.total);
    set("percent", percent + "%");
    set("completed", run.completed);
    set("total", run.total);
    set("succeeded", run.succeeded);
    set("errored", run.errored);
    set("cancelled", run.cancelled);
    set("rate", run.judgments_per_second === null || run.judgments_per_second === undefined ? "\u2013" : run.judgments_per_second + " / s");
    set("eta", eta(run, finished));
    set("cost", cost(run.cost));
    set("started", time(run.started_at));
    set("finished", time(run.finished_at));
    errors(run);
    var cancel = document.getElementById("cancel-form");
    if (cancel) {
      cancel.hidden = finished;
    }
    var retry = document.getElementById("retry-form");
    if (retry) {
      retry.hidden = !(run.errored > 0 && run.status !== "CANCELLED");
    }
    return finished;
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          // signed out, no longer allowed, or the run is gone: asking again would not change that
          var note = document.getElementById("live-note");
          if (note) {
            note.textContent = "No longer updated (" + response.status + "): reload the page.";
            note.hidden = false;
          }
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        if (run === null) {
          return;
        }
        if (show(run)) {
          main.setAttribute("data-finished", "true");
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        // a failed read (a restart, a dropped connection) is tried again, a little later
        window.setTimeout(poll, INTERVAL_MS * 5);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
