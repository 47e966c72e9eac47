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
      noteUrl: root.getAttribute("data-note-url"),
      onState: function (data) {
        // A handover began, was joined or cancelled, or the conversation ended: the page's forms
        // (who may reply, transfer, join) follow from the new state, so it is read again.
        var handover = root.hasAttribute("data-handover-pending");
        if (data.handover !== undefined && data.handover !== handover) { window.location.reload(); }
        if (data.status === "closed" && root.getAttribute("data-status") !== "closed") { window.location.reload(); }
      },
      labels: {
        person: root.getAttribute("data-label-person"),
        counsellor: root.getAttribute("data-label-counsellor"),
        supervisor: root.getAttribute("data-label-supervisor"),
        note: root.getAttribute("data-label-note"),
        system: root.getAttribute("data-label-system"),
        reconnecting: root.getAttribute("data-label-reconnecting")
      }
    });
    conversation.bindForm(root.querySelector("[data-send-form]"));
    conversation.bindForm(root.querySelector("[data-note-form]"), "note");
    conversation.connect();
  }

  // Forms beside the conversation save in place: the answer (the page, after the redirect) is read
  // and only the form's own section is replaced, so the conversation stays open. Without
  // JavaScript the same forms post and come back to the same page, the chat included.
  function saveInPlace(form) {
    form.addEventListener("submit", function (event) {
      var section = form.closest("section[id]");
      if (!section || !window.fetch || !window.DOMParser) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      // The sections to read again: the form's own, and those it names (data-in-place="person refer").
      var ids = (form.getAttribute("data-in-place") || "").split(" ").concat([section.id]);
      var body = new FormData(form);
      if (event.submitter && event.submitter.name) { body.append(event.submitter.name, event.submitter.value); }
      fetch(form.action, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          if (!fresh.getElementById(section.id)) { form.submit(); return; }
          var said = fresh.querySelector(".messages");
          ids.forEach(function (id) {
            var here = id && document.getElementById(id);
            var there = id && fresh.getElementById(id);
            if (!here || !there || here.getAttribute("data-replaced") === "1") { return; }
            here.innerHTML = there.innerHTML;
            here.setAttribute("data-replaced", "1");
            here.querySelectorAll("form[data-in-place]").forEach(saveInPlace);
          });
          ids.forEach(function (id) { var here = id && document.getElementById(id); if (here) { here.removeAttribute("data-replaced"); } });
          var status = document.createElement("p");
          status.setAttribute("data-saved", "");
          status.setAttribute("role", "status");
          status.className = "hint";
          status.textContent = said ? said.textContent.trim() : "";
          var heading = section.querySelector("h2, h3");
          if (heading) { heading.after(status); } else { section.prepend(status); }
        })
        .catch(function () { form.submit(); });
    });
  }
  document.querySelectorAll("form[data-in-place]").forEach(saveInPlace);

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
