// The dashboard's own script: keyboard shortcuts for presenters. Pages work without it.
(function () {
  "use strict";
  // On a story's step-through, the right arrow (or "n") presses the "next step" button, unless
  // the presenter is typing in a field.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "ArrowRight" || event.key === "n") {
      const next = document.querySelector("[data-shortcut='next']");
      if (next && !next.disabled) { event.preventDefault(); next.click(); }
    }
  });
})();
