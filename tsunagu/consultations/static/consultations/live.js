/* The live part of a conversation, for the person's chat and the counsellor's page alike
   (docs/consultations.md, "Real time"). Without JavaScript both pages work with plain forms.

   A WebSocket first: {"type":"hello","after":N} gets everything after N, {"type":"send"} stores a
   message and answers {"type":"ack"} once it is committed. Where the socket cannot open (a proxy
   that blocks WebSocket), long polling: POST/GET the poll URL, which waits up to 20 s for news.
   A message keeps its key until acknowledged, and is sent again with the same key after a drop,
   so it is stored once. */
(function () {
  "use strict";

  function Conversation(root, options) {
    this.root = root;
    this.options = options;
    this.after = parseInt(root.getAttribute("data-after") || "0", 10);
    this.log = root.querySelector("[data-log]");
    this.status = root.querySelector("[data-live-status]");
    this.pending = {};
    this.socket = null;
    this.failures = 0;
    this.polling = false;
    this.closed = false;
  }

  Conversation.prototype.say = function (text) {
    if (this.status) { this.status.textContent = text || ""; }
  };

  Conversation.prototype.add = function (message) {
    var self = this;
    // A staff reply on LINE that LINE did not accept: 「送信できませんでした」, and for whoever may send it
    // again a retry button (a plain form; with JavaScript it answers in place).
    function delivery(item, state) {
      var old = item.querySelector(".chat-delivery");
      if (old) { old.remove(); }
      if (state !== "failed" && state !== "sending") { return; }
      var box = document.createElement("div");
      box.className = "chat-delivery";
      box.setAttribute("data-delivery", state);
      var tag = document.createElement("span");
      tag.className = state === "failed" ? "tag tag-warn" : "tag";
      tag.textContent = self.log.getAttribute(state === "failed" ? "data-label-failed" : "data-label-sending") || "";
      box.appendChild(tag);
      var url = self.log.getAttribute("data-retry-url");
      if (state === "failed" && url) {
        var form = document.createElement("form");
        form.method = "post";
        form.action = url.replace(/\/0\/retry\/$/, "/" + item.getAttribute("data-seq") + "/retry/");
        form.setAttribute("data-retry", "");
        var token = document.createElement("input");
        token.type = "hidden";
        token.name = "csrfmiddlewaretoken";
        token.value = self.options.csrf || "";
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "button-secondary";
        button.textContent = self.log.getAttribute("data-label-retry") || "";
        form.appendChild(token);
        form.appendChild(button);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          button.disabled = true;
          self.request(form.action, {seq: item.getAttribute("data-seq")})  // an empty multipart body is refused
            .then(function (response) { return response.json(); })
            .then(function (data) {
              if (data.message) { delivery(item, data.message.delivery); } else { button.disabled = false; }
              self.say(data.text || data.error || "");
            })
            .catch(function () { form.submit(); });
        });
        box.appendChild(form);
      }
      item.appendChild(box);
    }
    if (message.seq <= this.after) {
      var known = this.log.querySelector('[data-seq="' + message.seq + '"]');
      if (known && typeof message.delivery === "string") { delivery(known, message.delivery); }
      return;
    }
    this.after = message.seq;
    var empty = this.log.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "chat-" + message.sender;
    item.setAttribute("data-seq", String(message.seq));
    var who = document.createElement("span");
    who.className = "chat-who";
    // Staff read who wrote a staff message (and its role); the person reads the role only.
    var role = this.options.labels[message.sender] || "";
    who.textContent = message.author ? message.author + " (" + role + ")" : role;
    if (message.note) {
      item.className += " chat-note";
      var tagged = document.createElement("span");
      tagged.className = "tag";
      tagged.textContent = this.options.labels.note || "";
      who.appendChild(document.createTextNode(" "));
      who.appendChild(tagged);
    }
    var at = document.createElement("span");
    at.className = "chat-at";
    at.textContent = " " + message.at;
    var text = document.createElement("p");
    text.className = "chat-text";
    text.textContent = message.text;
    item.appendChild(who);
    item.appendChild(at);
    item.appendChild(text);
    delivery(item, message.delivery);
    this.log.appendChild(item);
    item.scrollIntoView({block: "nearest"});
  };

  Conversation.prototype.news = function (data) {
    var self = this;
    (data.messages || []).forEach(function (m) { self.add(m); });
    if (this.options.onState) { this.options.onState(data); }
    if (data.status === "closed") { this.closed = true; }
  };

  Conversation.prototype.hello = function () {
    var hello = {type: "hello", after: this.after, language: this.root.getAttribute("data-language") || "ja"};
    if (this.options.secret) { hello.secret = this.options.secret; }
    if (this.resume) { hello.resume = this.resume; }  // this page view's socket already wrote its read row
    this.socket.send(JSON.stringify(hello));
    var self = this;
    Object.keys(this.pending).forEach(function (key) { self.socket.send(JSON.stringify(self.pending[key])); });
  };

  Conversation.prototype.connect = function () {
    if (this.closed || !window.WebSocket) { return this.poll(); }
    var self = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var opened = false;
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + this.root.getAttribute("data-socket"));
    } catch (error) {
      return this.poll();
    }
    this.socket = socket;
    socket.onopen = function () { opened = true; self.failures = 0; self.say(""); self.hello(); };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "messages") { self.news(data); }
      else if (data.type === "resume") { self.resume = data.token; }
      else if (data.type === "ack") {
        delete self.pending[data.key];
        if (data.message && data.message.seq === self.after + 1) { self.add(data.message); }
      }
      else if (data.type === "error") { delete self.pending[data.key]; self.say(data.error); }
    };
    socket.onclose = function (event) {
      self.socket = null;
      if (self.closed || event.code === 4404 || event.code === 4403) { return; }
      self.failures += opened ? 0 : 1;
      if (self.failures >= 2) { self.poll(); return; }  // WebSocket seems blocked: long polling
      self.say(self.options.labels.reconnecting || "");
      window.setTimeout(function () { self.connect(); }, Math.min(10000, 500 * Math.pow(2, self.failures)));
    };
  };

  Conversation.prototype.request = function (url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    var init = {method: "POST", body: body, headers: {"Accept": "application/json"}, credentials: "same-origin"};
    if (this.options.csrf) { init.headers["X-CSRFToken"] = this.options.csrf; }
    return fetch(url, init);
  };

  Conversation.prototype.poll = function () {
    if (this.polling || this.closed) { return; }
    this.polling = true;
    var self = this;
    var url = this.root.getAttribute("data-poll-url");
    function once() {
      if (self.closed) { self.polling = false; return; }
      var request = self.options.secret
        ? self.request(url, {secret: self.options.secret, after: String(self.after), wait: "1"})
        : fetch(url + "?after=" + self.after, {headers: {"Accept": "application/json"}, credentials: "same-origin"});
      request.then(function (response) { return response.json(); })
        .then(function (data) { self.news(data); self.resend(); window.setTimeout(once, 100); })
        .catch(function () { window.setTimeout(once, 3000); });
    }
    once();
  };

  Conversation.prototype.resend = function () {
    var self = this;
    Object.keys(this.pending).forEach(function (key) { self.post(self.pending[key]); });
  };

  Conversation.prototype.post = function (frame) {
    var self = this;
    var fields = {body: frame.body, key: frame.key};
    if (this.options.secret) { fields.secret = this.options.secret; }
    var url = frame.type === "note" ? this.options.noteUrl : this.options.sendUrl;
    this.request(url, fields)
      .then(function (response) { return response.json(); })
      .then(function (data) { if (data.error) { self.say(data.error); } delete self.pending[frame.key]; })
      .catch(function () { /* kept in pending: sent again on the next poll */ });
  };

  Conversation.prototype.send = function (body, type) {
    var key = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var frame = {type: type || "send", body: body, key: key};
    this.pending[key] = frame;
    if (this.socket && this.socket.readyState === 1) { this.socket.send(JSON.stringify(frame)); }
    else { this.post(frame); }
  };

  Conversation.prototype.bindForm = function (form, type) {
    var self = this;
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var field = form.querySelector("textarea");
      var text = field.value.trim();
      if (!text) { return; }
      self.send(text, type);
      field.value = "";
      field.focus();
    });
  };

  window.TsunaguConversation = Conversation;
})();
