/* The alert banner on every staff page of a supervisor on duty (docs/consultations.md, "Alerts").

   The server renders the open alerts into the banner region on every page, so it works without
   JavaScript. This script keeps it live: the alert socket (/ws/staff/alerts/) sends the codes of
   the open alerts whenever one is raised or acknowledged; when they differ from the banner's, the
   banner's HTML is fetched again (the same template and rules as the page) and put in place. Each
   banner item has role="alert", so screen readers announce it. A newly raised alert also plays a
   short sound (Web Audio, no file; the browser allows sound once the page has had a click or a
   key press) and, if the user allowed it with the banner's button, shows a browser notification
   that says only that an alert is waiting. Acknowledging from the banner is sent in the
   background; the alert leaves every supervisor's banner through the socket. */
(function () {
  "use strict";
  var region = document.querySelector("[data-staff-alerts]");
  if (!region) { return; }
  var list = region.querySelector("[data-alert-list]");
  var notifyRow = region.querySelector("[data-alert-notify-row]");
  var notifyButton = region.querySelector("[data-alert-notify]");
  var audio = null;

  function shownCodes() {
    var codes = [];
    list.querySelectorAll("[data-alert]").forEach(function (item) { codes.push(item.getAttribute("data-alert")); });
    return codes;
  }
  var known = {};
  shownCodes().forEach(function (code) { known[code] = true; });

  /* Sound: an AudioContext may only start after a user gesture, so it is created on the first one. */
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    if (!audio) {
      try { audio = new Context(); } catch (error) { audio = null; return; }
    }
    if (audio.state === "suspended") { audio.resume(); }
  }
  document.addEventListener("pointerdown", unlockAudio, {once: true});
  document.addEventListener("keydown", unlockAudio, {once: true});

  function beep() {
    if (!audio || audio.state !== "running") { return; }
    var start = audio.currentTime + 0.02;
    [0, 0.25].forEach(function (offset) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.2);
    });
  }

  function notify(code) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var shown = new Notification(region.getAttribute("data-notification-title") || "", {
        body: region.getAttribute("data-notification-text") || "",
        tag: "tsunagu-alert-" + code
      });
      shown.onclick = function () { window.focus(); shown.close(); };
    } catch (error) { /* some browsers allow notifications only from a service worker */ }
  }

  function offerNotifications() {
    if (!notifyRow || !("Notification" in window)) { return; }
    notifyRow.hidden = Notification.permission !== "default";
  }
  if (notifyButton) {
    notifyButton.addEventListener("click", function () {
      unlockAudio();
      if (!("Notification" in window)) { return; }
      Notification.requestPermission().then(offerNotifications, offerNotifications);
    });
  }

  function here() { return window.location.pathname + window.location.search; }

  function refresh(raised) {
    return fetch(region.getAttribute("data-fragment-url"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-alert-list]");
        if (!fresh) { return; }
        fresh.querySelectorAll("input[name=next]").forEach(function (input) { input.value = here(); });
        list.innerHTML = fresh.innerHTML;
        var arrived = raised.filter(function (code) { return list.querySelector('[data-alert="' + code + '"]'); });
        if (arrived.length) {
          beep();
          arrived.forEach(notify);
        }
      })
      .catch(function () { /* the next event or reconnect tries again */ });
  }

  function onAlerts(data) {
    var open = (data.open || []).map(function (alert) { return alert.code; });
    var raised = open.filter(function (code) { return !known[code]; });
    known = {};
    open.forEach(function (code) { known[code] = true; });
    var showing = shownCodes();
    var same = showing.length === open.length && open.every(function (code) { return showing.indexOf(code) !== -1; });
    if (!same) { refresh(raised); }
  }

  /* Acknowledge from the banner without leaving the page (the form posts normally without JavaScript). */
  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-alert-acknowledge]")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) { return Promise.reject(response.status); }
      var item = form.closest("[data-alert]");
      if (item) {
        delete known[item.getAttribute("data-alert")];
        item.remove();
      }
    }).catch(function () {
      if (button) { button.disabled = false; }
      form.submit();  /* let the server's answer (a page) explain what happened */
    });
  });

  if (!window.WebSocket) { return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  function connect(delay) {
    var socket = new WebSocket(scheme + window.location.host + region.getAttribute("data-socket"));
    socket.onopen = function () {
      delay = 1000;
      region.setAttribute("data-live", "on");
      offerNotifications();
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      if (data.type === "alerts") { onAlerts(data); }
    };
    socket.onclose = function (event) {
      region.removeAttribute("data-live");
      if (event.code === 4403) {
        if (notifyRow) { notifyRow.hidden = true; }
        return;
      }
      window.setTimeout(function () { connect(Math.min(30000, delay * 2)); }, delay);
    };
  }
  connect(1000);
})();
