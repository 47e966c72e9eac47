/* The person's chat (templates/consultations/chat_room.html). The secret lives only in this page:
   quick exit (and "End the chat") ends the chat with a beacon, so nothing is left to come back to. */
(function () {
  "use strict";
  var root = document.querySelector("[data-chat]");
  if (!root || !window.TsunaguConversation) { return; }
  var secret = root.getAttribute("data-secret");
  var state = root.querySelector("[data-state]");
  var labels = {
    person: root.getAttribute("data-label-person"),
    counsellor: root.getAttribute("data-label-counsellor"),
    supervisor: root.getAttribute("data-label-supervisor"),
    system: root.getAttribute("data-label-system"),
    reconnecting: root.getAttribute("data-label-reconnecting")
  };
  var conversation = new window.TsunaguConversation(root, {
    secret: secret,
    sendUrl: root.getAttribute("data-send-url"),
    labels: labels,
    onState: function (data) {
      if (!state) { return; }
      if (data.status === "active" && data.handover) {
        // A handover is never a place in a queue: the first counsellor is still there.
        state.textContent = root.getAttribute("data-text-handover");
      } else if (data.status === "waiting") {
        state.textContent = root.getAttribute("data-text-waiting").replace("{position}", String(data.position));
      } else if (data.status === "active") {
        state.textContent = root.getAttribute("data-text-active");
      } else {
        state.textContent = root.getAttribute("data-text-closed");
      }
    }
  });
  document.querySelectorAll("[data-no-js-only]").forEach(function (el) { el.hidden = true; });
  conversation.bindForm(root.querySelector("[data-send-form]"));
  conversation.connect();
  function end() {
    var body = new FormData();
    body.append("secret", secret);
    body.append("beacon", "1");
    if (navigator.sendBeacon) { navigator.sendBeacon(root.getAttribute("data-end-url"), body); }
    root.removeAttribute("data-secret");
    secret = "";
  }
  document.addEventListener("tsunagu:leave", end);
})();
