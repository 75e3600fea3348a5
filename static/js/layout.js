/*
 * The page's own behaviour that the CSP lets run only from a file of ours (script-src 'self'):
 * the main menu's disclosure button on a phone, table column names for stacked rows, and the
 * print button. base.html loads this right after the menu, not deferred, so the menu is collapsed
 * before the rest of the page is drawn; without script the menu simply wraps and stays open.
 */
(function () {
  "use strict";

  // CSS keys the collapsed menu and the print button on this class, so neither appears without script.
  document.documentElement.classList.add("has-js");

  var nav = document.querySelector(".mainnav");
  var toggle = nav && nav.querySelector(".mainnav__toggle");

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
  }

  if (toggle) {
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and gives focus back to its button, as a disclosure should.
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // A stacked table row on a phone no longer sits under its header: each cell shows its column's
  // name above its value (the CSS reads it from data-label; screen readers keep the real header).
  function labelCells() {
    var tables = document.querySelectorAll("table.table");
    Array.prototype.forEach.call(tables, function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) {
        return;
      }
      var names = Array.prototype.map.call(head.cells, function (cell) {
        return cell.textContent.trim();
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var name = names[column];
            if (name && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", name);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", labelCells);
  } else {
    labelCells();
  }
  // Rows htmx swaps in later get their labels too.
  document.addEventListener("htmx:afterSettle", labelCells);
})();
