/*
 * Pickers (organisation.pickers): a text input becomes a WAI-ARIA 1.2 combobox with a listbox popup.
 * Typing asks the look-up (JSON) and lists the matches grouped by province and city (units) or unit
 * (officers); the arrow keys move through them, Enter or a click chooses, Escape closes. The chosen
 * item's code or user name is sent in "<name>_picked" while the text still shows its name; anything
 * else is sent as typed and resolved on the server. Loaded as a static file (the CSP allows no inline
 * script) from each picker; the listeners sit on the document, so pickers swapped in by htmx work too.
 *
 * A multi picker (data-picker-multi, several units) adds each chosen item as a chip: its name, a
 * hidden "<name>_picked" with its code and a remove button; the input empties for the next one.
 * Backspace in the empty input removes the last chip; each addition and removal is announced.
 */
(function () {
  "use strict";
  if (window.lianbanPickers) {
    return;
  }
  window.lianbanPickers = true;

  var DELAY = 150;
  var timers = new WeakMap();
  var asked = new WeakMap();

  function isPicker(element) {
    return element instanceof HTMLInputElement && element.hasAttribute("data-picker");
  }

  function parts(input) {
    var root = input.closest(".picker");
    return {
      hidden: root.querySelector("[data-picker-value]"),
      listbox: document.getElementById(input.getAttribute("aria-controls")),
      status: root.querySelector("[data-picker-status]"),
    };
  }

  function options(listbox) {
    return Array.prototype.slice.call(listbox.querySelectorAll('[role="option"]'));
  }

  function multiRoot(input) {
    var root = input.closest(".picker");
    return root && root.hasAttribute("data-picker-multi") ? root : null;
  }

  function chosenValues(root) {
    return Array.prototype.map.call(root.querySelectorAll("[data-picker-chips] input[type=hidden]"), function (each) {
      return each.value;
    });
  }

  function announce(root, template, label) {
    root.querySelector("[data-picker-status]").textContent = template.replace("{label}", label);
  }

  function addChip(input, option) {
    var root = multiRoot(input);
    var value = option.dataset.value;
    var label = option.dataset.label;
    close(input);
    input.value = "";
    if (chosenValues(root).indexOf(value) !== -1) {
      announce(root, root.dataset.msgAlready, label);
      return;
    }
    var chip = document.createElement("li");
    chip.className = "picker__chip";
    var text = document.createElement("span");
    text.className = "picker__chip-label";
    text.textContent = label;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = root.dataset.pickerName + "_picked";
    hidden.value = value;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "picker__remove";
    remove.setAttribute("data-picker-remove", "");
    remove.setAttribute("aria-label", root.dataset.msgRemove.replace("{label}", label));
    remove.textContent = "\u00d7";
    chip.appendChild(text);
    chip.appendChild(hidden);
    chip.appendChild(remove);
    root.querySelector("[data-picker-chips]").appendChild(chip);
    announce(root, root.dataset.msgAdded, label);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function removeChip(root, chip) {
    var label = chip.querySelector(".picker__chip-label").textContent;
    chip.remove();
    announce(root, root.dataset.msgRemoved, label);
    var input = root.querySelector("[data-picker]");
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function isOpen(input) {
    return input.getAttribute("aria-expanded") === "true";
  }

  function close(input) {
    parts(input).listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function activate(input, option) {
    options(parts(input).listbox).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  // The hidden value stands only while the text shows the chosen item's name.
  function sync(input) {
    if (multiRoot(input)) {
      return;
    }
    var picked = input.dataset.pickedValue;
    var shown = input.dataset.pickedLabel;
    parts(input).hidden.value = picked && input.value === shown ? picked : "";
  }

  function choose(input, option) {
    if (multiRoot(input)) {
      addChip(input, option);
      return;
    }
    input.value = option.dataset.label;
    input.dataset.pickedValue = option.dataset.value;
    input.dataset.pickedLabel = option.dataset.label;
    sync(input);
    close(input);
    parts(input).status.textContent = input.dataset.msgChosen.replace("{label}", option.dataset.label);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function render(input, data) {
    var listbox = parts(input).listbox;
    var status = parts(input).status;
    listbox.textContent = "";
    var group = null;
    var groupId = "";
    // A multi picker does not offer again what is already chosen.
    var root = multiRoot(input);
    var chosen = root ? chosenValues(root) : [];
    data = {
      results: data.results.filter(function (item) {
        return chosen.indexOf(item.value) === -1;
      }),
      more: data.more,
    };
    data.results.forEach(function (item, index) {
      if (item.group !== group) {
        group = item.group;
        groupId = listbox.id + "_g" + index;
        var head = document.createElement("li");
        head.setAttribute("role", "presentation");
        head.className = "picker__group";
        head.id = groupId;
        head.textContent = group;
        listbox.appendChild(head);
      }
      var option = document.createElement("li");
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.id = listbox.id + "_o" + index;
      option.className = "picker__option";
      option.dataset.value = item.value;
      option.dataset.label = item.label;
      if (groupId) {
        option.setAttribute("aria-describedby", groupId);
      }
      var label = document.createElement("span");
      label.className = "picker__label";
      label.textContent = item.label;
      option.appendChild(label);
      if (item.hint) {
        var hint = document.createElement("span");
        hint.className = "picker__hint";
        hint.textContent = item.hint;
        option.appendChild(hint);
      }
      listbox.appendChild(option);
    });
    if (!data.results.length) {
      var none = document.createElement("li");
      none.setAttribute("role", "presentation");
      none.className = "picker__empty";
      none.textContent = input.dataset.msgNone;
      listbox.appendChild(none);
    }
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
    var message = data.results.length ? input.dataset.msgSome : input.dataset.msgNone;
    if (data.more) {
      message += " " + input.dataset.msgMore;
    }
    status.textContent = message.replace("{count}", String(data.results.length));
  }

  function ask(input, then) {
    var query = input.value.trim();
    if (!query && input.closest(".picker").dataset.pickerKind !== "officer") {
      close(input);
      return;
    }
    var params = new URLSearchParams({ q: query });
    if (input.dataset.pickerUnit) {
      params.set("unit", input.dataset.pickerUnit);
    }
    var ticket = {};
    asked.set(input, ticket);
    fetch(input.dataset.picker + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [], more: false };
      })
      .then(function (data) {
        // A slower answer to an older text is dropped.
        if (asked.get(input) !== ticket || document.activeElement !== input) {
          return;
        }
        render(input, data);
        if (then) {
          then();
        }
      })
      .catch(function () {
        close(input);
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!isPicker(input)) {
      return;
    }
    sync(input);
    clearTimeout(timers.get(input));
    timers.set(
      input,
      setTimeout(function () {
        ask(input);
      }, DELAY)
    );
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!isPicker(input)) {
      return;
    }
    var listbox = parts(input).listbox;
    var all = options(listbox);
    var current = document.getElementById(input.getAttribute("aria-activedescendant") || "");
    var index = all.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!isOpen(input)) {
        ask(input, function () {
          var fresh = options(listbox);
          activate(input, event.key === "ArrowDown" ? fresh[0] : fresh[fresh.length - 1]);
        });
        return;
      }
      if (!all.length) {
        return;
      }
      var next = event.key === "ArrowDown" ? index + 1 : index - 1;
      if (next >= all.length) {
        next = 0;
      }
      if (next < 0) {
        next = all.length - 1;
      }
      activate(input, all[next]);
    } else if (event.key === "Enter") {
      if (isOpen(input) && current) {
        event.preventDefault();
        choose(input, current);
      } else if (multiRoot(input) && input.value.trim() !== "") {
        // Typed ahead of its list: Enter waits for the officer to choose instead of sending the
        // form with a half-chosen unit (the list arrives a moment later, the arrows reach it).
        event.preventDefault();
      }
    } else if (event.key === "Escape") {
      if (isOpen(input)) {
        event.preventDefault();
        close(input);
      }
    } else if (event.key === "Tab") {
      close(input);
    } else if (event.key === "Backspace" && multiRoot(input) && input.value === "") {
      var chips = multiRoot(input).querySelectorAll(".picker__chip");
      if (chips.length) {
        event.preventDefault();
        removeChip(multiRoot(input), chips[chips.length - 1]);
      }
    }
  });

  // A press on an option keeps the focus in the input; the click chooses.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".picker__listbox")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var remove = event.target.closest && event.target.closest("[data-picker-remove]");
    if (remove) {
      removeChip(remove.closest(".picker"), remove.closest(".picker__chip"));
      return;
    }
    var option = event.target.closest && event.target.closest('.picker__listbox [role="option"]');
    if (!option) {
      return;
    }
    var input = option.closest(".picker").querySelector("[data-picker]");
    choose(input, option);
    input.focus();
  });

  document.addEventListener("focusout", function (event) {
    if (isPicker(event.target)) {
      close(event.target);
    }
  });

  // Before the form (or htmx) reads the fields: the hidden value of each picker, or none.
  document.addEventListener(
    "submit",
    function (event) {
      Array.prototype.forEach.call(event.target.querySelectorAll("[data-picker]"), sync);
    },
    true
  );
})();
