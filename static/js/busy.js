/*
 * A form that is posted says so and cannot be posted twice (issue 20 item 4). Issuing, approving
 * or building a dossier answers quickly now that the worker renders, but a click on a slow
 * connection still waits for the next page: the button shows "正在处理…" and is disabled, and a
 * second submit of the same form is refused. The label comes from the script tag's
 * data-busy-label, translated by the template that loads this file; the CSP allows only files of
 * ours (script-src 'self'), so there is no inline script. Loaded more than once (one include per
 * steps panel), it installs its listeners once.
 */
(function () {
  "use strict";

  if (window.lianbanBusy) {
    return;
  }
  var script = document.currentScript;
  var label = (script && script.getAttribute("data-busy-label")) || "…";
  window.lianbanBusy = { label: label };

  function buttonsOf(form) {
    return Array.prototype.slice.call(
      form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')
    );
  }

  function setBusy(form, submitter) {
    form.setAttribute("data-busy", "true");
    form.setAttribute("aria-busy", "true");
    // Disabled only after this event: a submitter disabled now would leave its name and value
    // out of the posted data, which some step forms read.
    window.setTimeout(function () {
      buttonsOf(form).forEach(function (button) {
        if (!button.hasAttribute("data-busy-text")) {
          button.setAttribute("data-busy-text", button.tagName === "INPUT" ? button.value : button.textContent);
          button.setAttribute("data-busy-was-disabled", button.disabled ? "true" : "false");
        }
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
        if (button === submitter || (!submitter && buttonsOf(form)[0] === button)) {
          if (button.tagName === "INPUT") {
            button.value = label;
          } else {
            button.textContent = label;
          }
        }
      });
    }, 0);
  }

  function clearBusy(form) {
    form.removeAttribute("data-busy");
    form.removeAttribute("aria-busy");
    buttonsOf(form).forEach(function (button) {
      if (!button.hasAttribute("data-busy-text")) {
        return;
      }
      var text = button.getAttribute("data-busy-text");
      if (button.tagName === "INPUT") {
        button.value = text;
      } else {
        button.textContent = text;
      }
      button.disabled = button.getAttribute("data-busy-was-disabled") === "true";
      if (!button.disabled) {
        button.removeAttribute("aria-disabled");
      }
      button.removeAttribute("data-busy-text");
      button.removeAttribute("data-busy-was-disabled");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.getAttribute("data-busy") === "true") {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // A form the browser refuses (a required field left empty) never reaches this event, so a
    // form marked busy here is on its way to the server.
    setBusy(form, event.submitter || null);
  }, true);

  // htmx posts in place: the form is usable again once its answer is in.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form instanceof HTMLFormElement) {
      clearBusy(form);
    }
  });

  // Back to a page from the browser's cache: its forms were left busy by the post that went away.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.querySelectorAll('form[data-busy="true"]'), clearBusy);
    }
  });
})();
