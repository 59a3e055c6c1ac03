// carecert portal: small improvements over pages that work without script.
// Filter forms apply as soon as a choice changes, and a comparison form keeps
// its Compare button disabled until at least two runs are chosen.
"use strict";
document.querySelectorAll("form.filters select").forEach(function (sel) {
  sel.addEventListener("change", function () { sel.form.requestSubmit(); });
});
document.querySelectorAll("form.choose").forEach(function (form) {
  var button = form.querySelector("button[type=submit]");
  var boxes = form.querySelectorAll("input[type=checkbox]");
  function update() {
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) { n++; } });
    button.disabled = n < 2;
    button.textContent = "Compare " + n + " chosen";
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
});
