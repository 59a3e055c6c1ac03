// Findings table: filters, search and pages over the embedded JSON, drawing one
// page of rows at a time so that 100,000 findings never become 100,000 rows.
// Printing (or saving as PDF) draws every matching finding, not the page on
// screen, and unfolds folded sections: a filed report must hold all it counted.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("findings-data").textContent);
  var SEV = ["information", "warning", "error"];
  var F = data.findings;
  var pageSize = data.pageSize || 100;
  var $ = function (id) { return document.getElementById(id); };
  var search = $("search"), sev = $("filter-severity"), req = $("filter-requirement"), tgt = $("filter-target");
  var body = document.querySelector("#findings tbody");
  var matches = [], page = 0, haystack = null;

  function fill(select, names) {
    names.forEach(function (n, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = n;
      select.appendChild(o);
    });
  }
  fill(req, data.requirements || []);
  fill(tgt, data.targets || []);

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function location(f) {
    var file = f[3] == null ? "" : data.files[f[3]];
    return file + (f[4] ? ":" + f[4] : "");
  }
  // Lower-cased search text per finding, built on the first search only.
  function text(i) {
    if (!haystack) {
      haystack = new Array(F.length);
      for (var j = 0; j < F.length; j++) {
        var f = F[j];
        haystack[j] = (f[8] + "\u0000" + f[5] + "\u0000" + f[6] + "\u0000" + location(f) + "\u0000" + f[7] + "\u0000" + data.requirements[f[2]]).toLowerCase();
      }
    }
    return haystack[i];
  }

  function apply() {
    var q = search.value.trim().toLowerCase();
    var s = sev.value === "" ? -1 : +sev.value;
    var r = req.value === "" ? -1 : +req.value;
    var t = tgt.value === "" ? -1 : +tgt.value;
    matches = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (s >= 0 && f[0] !== s) continue;
      if (r >= 0 && f[2] !== r) continue;
      if (t >= 0 && f[1] !== t) continue;
      if (q && text(i).indexOf(q) < 0) continue;
      matches.push(i);
    }
    page = 0;
    draw();
  }

  function draw(all) {
    var pages = Math.max(1, Math.ceil(matches.length / pageSize));
    if (page >= pages) page = pages - 1;
    var start = page * pageSize, end = Math.min(matches.length, start + pageSize);
    if (all) {
      start = 0;
      end = matches.length;
    }
    var html = [];
    for (var k = start; k < end; k++) {
      var f = F[matches[k]];
      html.push('<tr data-severity="' + SEV[f[0]] + '"><td><span class="badge s-' + SEV[f[0]] + '">' + SEV[f[0]] +
        '</span></td><td class="mono">' + esc(data.requirements[f[2]]) + '<br><span class="note">' + esc(f[7]) +
        '</span></td><td class="mono">' + esc(location(f)) + '</td><td class="mono">' + esc(f[5]) +
        '</td><td class="mono">' + esc(f[6]) + '</td><td>' + esc(f[8]) +
        (f[10] ? '<br><span class="note also">' + esc(f[10]) + '</span>' : '') + '</td><td class="mono">' + esc(f[9]) + '</td></tr>');
    }
    body.innerHTML = html.join("");
    $("match-count").textContent = String(matches.length);
    $("page-info").textContent = matches.length === 0 ? "no findings match" :
      "showing " + (start + 1) + "–" + end + " of " + matches.length + " (page " + (page + 1) + " of " + pages + ")";
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  function filtered() {
    return search.value.trim() !== "" || sev.value !== "" || req.value !== "" || tgt.value !== "";
  }
  var folded = [];
  window.addEventListener("beforeprint", function () {
    draw(true);
    $("print-note").textContent = filtered() ?
      "Printed: the " + matches.length + " of " + F.length + " kept findings that match the filters chosen on screen." :
      "Printed: all " + F.length + " kept findings.";
    folded = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    folded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    folded.forEach(function (d) { d.open = false; });
    folded = [];
    draw();
  });

  var timer = null;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  [sev, req, tgt].forEach(function (el) { el.addEventListener("change", apply); });
  $("clear").addEventListener("click", function () {
    search.value = ""; sev.value = ""; req.value = ""; tgt.value = "";
    apply();
  });
  $("prev").addEventListener("click", function () { page--; draw(); });
  $("next").addEventListener("click", function () { page++; draw(); });
  apply();
})();
