/* Quick exit (docs/portal.md): without JavaScript the link simply opens the neutral site; with it,
   the page is replaced so that Back does not return, and Esc pressed twice within a second leaves too. */
(function () {
  "use strict";
  var link = document.querySelector("[data-quick-exit]");
  if (!link) { return; }
  var lastEscape = 0;
  function leave(event) {
    if (event) { event.preventDefault(); }
    // Pages with something to end first (the chat) listen for this and end it with a beacon.
    document.dispatchEvent(new Event("tsunagu:leave"));
    document.title = "";
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var now = Date.now();
    if (now - lastEscape < 1000) { leave(event); } else { lastEscape = now; }
  });
})();
