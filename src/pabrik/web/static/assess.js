/* pabrik assessment pages: "none of these" clears the rest, answers autosave. The radar is a server-drawn SVG.
 * No inline scripts: configuration comes from <script type="application/json"> blocks. */
(function () {
  "use strict";

  function questionOf(input) { return input.closest("[data-question]"); }

  /* A "none of these" box unticks every other option, and any other option unticks it. */
  function onMultiChange(input) {
    var box = questionOf(input);
    if (!box || box.getAttribute("data-kind") !== "multi" || !input.checked) { return; }
    var others = box.querySelectorAll('input[type="checkbox"]');
    Array.prototype.forEach.call(others, function (other) {
      if (other === input) { return; }
      if (input.hasAttribute("data-none") || other.hasAttribute("data-none")) { other.checked = false; }
    });
  }

  function answerOf(box) {
    var id = box.getAttribute("data-question");
    var selected = Array.prototype.filter.call(
      box.querySelectorAll('input[name="q.' + id + '"]'), function (i) { return i.checked; }
    ).map(function (i) { return i.value; });
    var note = box.querySelector('textarea[name="note.' + id + '"]');
    return { question: id, selected: selected, note: note ? note.value : "" };
  }

  function setupWizard(form) {
    var url = form.getAttribute("data-autosave");
    var status = form.querySelector(".autosave-status");
    var timer = null;
    var dirty = {};
    function flush() {
      var ids = Object.keys(dirty);
      dirty = {};
      if (!ids.length) { return; }
      var answers = ids.map(function (id) {
        return answerOf(form.querySelector('[data-question="' + id + '"]'));
      });
      fetch(url, {
        method: "PUT", credentials: "same-origin",
        headers: {
          "Content-Type": "application/json", Accept: "application/json",
          // The session's CSRF token (issue 7): every state change must carry it.
          "X-CSRF-Token": (document.querySelector('meta[name="csrf-token"]') || {}).content || ""
        },
        body: JSON.stringify({ answers: answers })
      }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        if (status) { status.textContent = status.getAttribute("data-saved-text"); }
        form.setAttribute("data-autosaved", String(Date.now()));
      }).catch(function () {
        if (status) { status.textContent = status.getAttribute("data-error-text"); }
      });
    }
    form.addEventListener("change", function (ev) {
      var target = ev.target;
      if (target.type === "file") { return; }
      if (target.type === "checkbox") { onMultiChange(target); }
      var box = questionOf(target);
      if (!box) { return; }
      var touched = box.querySelector('input[name^="touched."]');
      if (touched) { touched.value = "1"; }
      dirty[box.getAttribute("data-question")] = true;
      window.clearTimeout(timer);
      timer = window.setTimeout(flush, 400);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), setupWizard);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
