/* The counsellor's pages: the conversation (live.js) and the queue and dashboard, which reload
   their lists whenever the queue socket says something changed (or every 15 s without it). */
(function () {
  "use strict";
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

  var root = document.querySelector("[data-conversation]");
  if (root && window.TsunaguConversation) {
    var conversation = new window.TsunaguConversation(root, {
      csrf: csrf,
      sendUrl: root.getAttribute("data-send-url"),
      labels: {
        person: root.getAttribute("data-label-person"),
        counsellor: root.getAttribute("data-label-counsellor"),
        system: "tsunagu",
        reconnecting: root.getAttribute("data-label-reconnecting")
      }
    });
    conversation.bindForm(root.querySelector("[data-send-form]"));
    conversation.connect();
  }

  var live = document.querySelector("[data-live-queue]");
  if (!live) { return; }
  var status = document.querySelector("[data-live-status]");
  var alertText = live.getAttribute("data-alert-text") || "";
  function reload(announce) {
    fetch(live.getAttribute("data-fragment-url"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        live.innerHTML = html;
        if (announce && status) { status.textContent = announce; }
      })
      .catch(function () { /* the next event or tick tries again */ });
  }
  var timer = window.setInterval(function () { reload(""); }, 15000);
  if (!window.WebSocket) { return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  function connect(delay) {
    var socket = new WebSocket(scheme + window.location.host + live.getAttribute("data-socket"));
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      reload(data.type === "alert" ? alertText : "");
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { return; }
      window.setTimeout(function () { connect(Math.min(30000, delay * 2)); }, delay);
    };
    socket.onopen = function () { window.clearInterval(timer); timer = window.setInterval(function () { reload(""); }, 60000); };
  }
  connect(1000);
})();
