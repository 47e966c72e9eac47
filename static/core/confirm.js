/* The confirm step as a dialog (tsunagu/core/confirm.py). A form, or one of its submit buttons,
   marked data-confirm="question" (and data-confirm-detail="what will happen") first opens a native
   <dialog>: 「確定する」 submits the form with confirmed=1, 「戻る」 or Escape closes it and returns
   focus to the button that was pressed, and nothing is sent. Without JavaScript, or in a browser
   without <dialog>, the server's confirm step page asks instead. The labels come from this script's
   data attributes (templates/base.html), already in the page's language. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof HTMLDialogElement !== "function" || !HTMLFormElement.prototype.requestSubmit) { return; }
  var labels = {
    yes: script.getAttribute("data-yes") || "OK",
    no: script.getAttribute("data-no") || "Cancel"
  };
  var dialog = null;
  var heading = null;
  var detail = null;
  var pending = null; // {form, submitter}

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-heading");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    // The stylesheet allows no inline style attribute (CSP); the CSSOM is fine.
    dialog.style.maxWidth = "min(36rem, calc(100vw - 2rem))";
    heading = document.createElement("h2");
    heading.id = "confirm-dialog-heading";
    detail = document.createElement("p");
    detail.id = "confirm-dialog-detail";
    var row = document.createElement("div");
    row.className = "action-row";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button";
    yes.textContent = labels.yes;
    yes.setAttribute("data-confirm-yes", "");
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button-secondary";
    no.textContent = labels.no;
    no.setAttribute("data-confirm-no", "");
    // The safe choice has the focus first: Enter by habit does not do what cannot be undone.
    no.autofocus = true;
    row.appendChild(yes);
    row.appendChild(no);
    dialog.appendChild(heading);
    dialog.appendChild(detail);
    dialog.appendChild(row);
    document.body.appendChild(dialog);

    yes.addEventListener("click", function () {
      var target = pending;
      pending = null;
      dialog.close("confirm");
      if (target) { submitConfirmed(target.form, target.submitter); }
    });
    no.addEventListener("click", function () { dialog.close("back"); });
    // Escape fires "cancel" and closes the dialog by itself; either way "close" follows.
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "confirm") { return; }
      var target = pending;
      pending = null;
      if (target) { (target.submitter || firstSubmit(target.form) || target.form).focus(); }
    });
  }

  function firstSubmit(form) {
    return form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
  }

  function hidden(form, name, value) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = name;
    field.value = value;
    form.appendChild(field);
    return field;
  }

  function submitConfirmed(form, submitter) {
    // A handler that sends the form itself (staff.js, in place) runs now, with this field in the
    // form and event.submitter set: the pressed button's value ("send", not "draft") is its to add.
    var added = [hidden(form, "confirmed", "1")];
    form.setAttribute("data-confirming", "");
    try {
      // The submit event and the form's entry list happen synchronously inside requestSubmit, so
      // the fields can go at once: a page kept in the back/forward cache is not left confirmed.
      form.requestSubmit(submitter || undefined);
    } finally {
      form.removeAttribute("data-confirming");
      added.forEach(function (field) { form.removeChild(field); });
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-confirming")) { return; }
    var submitter = event.submitter || null;
    // A button's own question (only "send" of send/draft asks), else the form's.
    var from = submitter && submitter.hasAttribute("data-confirm") ? submitter
      : (form.hasAttribute("data-confirm") ? form : null);
    if (!from) { return; }
    event.preventDefault();
    // Captured before the form's own handlers (a form sent by fetch), which run only once confirmed.
    event.stopPropagation();
    if (!dialog) { build(); }
    pending = {form: form, submitter: submitter};
    heading.textContent = from.getAttribute("data-confirm");
    detail.textContent = from.getAttribute("data-confirm-detail") || "";
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-confirm-no]").focus();
  }, true);
})();
