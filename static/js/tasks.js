/* Task pages: the reply editor (counter, drafts kept in the browser and on the server), the ranking
   (drag and drop, buttons, arrow keys), the skip confirmation, and the renewal of the task's claim. */
(function () {
  "use strict";

  var DRAFT_PREFIX = "oasst.draft.";
  var TASK_KEY_PREFIX = DRAFT_PREFIX + "task.";
  var DRAFT_MAX_AGE_MS = 2 * 24 * 3600 * 1000; // older browser copies are dropped
  var SAVE_DELAY_MS = 2000; // after the last keystroke
  var SAVE_MAX_WAIT_MS = 8000; // at most this long between two saves while typing
  var MIN_RENEW_DELAY_S = 10;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) {
      body.append(key, fields[key]);
    });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  // Drafts in the browser, under the task and, for a reply, under the message replied to (a later task for
  // the same message finds it there, as the server offers the text of a lost claim again).
  function draftKeys(element) {
    var data = element.dataset;
    var keys = [TASK_KEY_PREFIX + data.taskId];
    if (data.parentId) keys.push(DRAFT_PREFIX + "parent." + data.taskType + "." + data.parentId);
    return keys;
  }

  function readLocal(keys) {
    var best = null;
    keys.forEach(function (key) {
      try {
        var value = JSON.parse(localStorage.getItem(key) || "null");
        if (value && value.text && (!best || value.savedAt > best.savedAt)) best = value;
      } catch (error) {
        /* unreadable entry: ignore */
      }
    });
    return best;
  }

  function writeLocal(keys, text) {
    var value = JSON.stringify({ text: text, savedAt: Date.now() });
    keys.forEach(function (key) {
      try {
        localStorage.setItem(key, value);
      } catch (error) {
        /* storage full or disabled: the server copy remains */
      }
    });
  }

  function forgetLocal(keys) {
    keys.forEach(function (key) {
      try {
        localStorage.removeItem(key);
      } catch (error) {
        /* nothing to forget */
      }
    });
  }

  // Drop the browser's drafts older than DRAFT_MAX_AGE_MS and, where the page lists the open tasks (the
  // dashboard), those of tasks that are closed.
  function pruneLocal(openTaskIds) {
    var stale = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (!key || key.indexOf(DRAFT_PREFIX) !== 0) continue;
        var value = null;
        try {
          value = JSON.parse(localStorage.getItem(key) || "null");
        } catch (error) {
          /* unreadable entry: dropped below */
        }
        var old = !value || !value.savedAt || Date.now() - value.savedAt > DRAFT_MAX_AGE_MS;
        var isTaskKey = key.indexOf(TASK_KEY_PREFIX) === 0;
        var closed = openTaskIds && isTaskKey && openTaskIds.indexOf(key.slice(TASK_KEY_PREFIX.length)) < 0;
        if (old || closed) stale.push(key);
      }
    } catch (error) {
      return; /* storage disabled */
    }
    forgetLocal(stale);
  }

  function countCharacters(text) {
    return Array.from(text.replace(/\r\n/g, "\n").trim()).length;
  }

  function initEditor(form) {
    var textarea = form.querySelector("[data-editor]");
    var counter = form.querySelector("[data-char-counter]");
    var status = form.querySelector("[data-draft-status]");
    var keys = draftKeys(form);
    var max = Number(counter.dataset.max);
    var timer = null;
    var firstUnsaved = 0;

    function updateCounter() {
      var count = countCharacters(textarea.value);
      counter.textContent = count + " / " + max;
      counter.classList.toggle("over-limit", count > max);
      // A hint only: the server keeps refusing texts above the limit.
      var notice = form.querySelector("[data-over-limit]");
      var send = form.querySelector("[data-send-button]");
      if (notice) notice.hidden = count <= max;
      if (send) {
        send.disabled = count > max;
        if (count > max) send.setAttribute("aria-describedby", notice.id);
        else send.removeAttribute("aria-describedby");
      }
    }

    function saveOnServer() {
      timer = null;
      firstUnsaved = 0;
      if (!form.isConnected) return;
      post(form.dataset.draftUrl, { text: textarea.value })
        .then(function (result) {
          status.textContent = result.ok ? status.dataset.savedText : status.dataset.localText;
        })
        .catch(function () {
          status.textContent = status.dataset.localText;
        });
    }

    function scheduleSave() {
      var now = Date.now();
      if (!firstUnsaved) firstUnsaved = now;
      clearTimeout(timer);
      timer = setTimeout(saveOnServer, Math.min(SAVE_DELAY_MS, Math.max(0, firstUnsaved + SAVE_MAX_WAIT_MS - now)));
    }

    textarea.addEventListener("input", function () {
      writeLocal(keys, textarea.value);
      updateCounter();
      scheduleSave();
    });

    // Leaving the page with a save pending: send it anyway.
    window.addEventListener("pagehide", function () {
      if (!timer || !form.isConnected) return;
      clearTimeout(timer);
      var body = new FormData();
      body.append("text", textarea.value);
      body.append("csrfmiddlewaretoken", csrfToken());
      navigator.sendBeacon(form.dataset.draftUrl, body);
    });

    // Sending or skipping: no save may follow (the server refuses drafts of a task sent or skipped).
    var section = form.closest("[data-task]");
    var skipForm = section.querySelector("[data-skip-form]");
    section.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form && event.detail.elt !== skipForm) return;
      clearTimeout(timer);
      timer = null;
    });

    // The text shown comes from the server (the draft, or the text just sent back with an error); the
    // browser's copy wins when it is newer, e.g. typed after the last save reached the server.
    var local = readLocal(keys);
    if (local && local.text !== textarea.value && (local.savedAt > Number(form.dataset.savedAt) || !textarea.value.trim())) {
      textarea.value = local.text;
      status.textContent = status.dataset.restoredText;
      if (window.htmx) window.htmx.trigger(textarea, "editor-filled");
      scheduleSave();
    }
    updateCounter();
  }

  function initRanking(list) {
    var status = list.parentElement.querySelector("[data-rank-status]");
    var dragged = null;

    function items() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-rank-item]"));
    }

    function renumber() {
      items().forEach(function (item, index) {
        item.querySelector("[data-rank-position]").textContent = index + 1;
      });
    }

    function announce(item) {
      var all = items();
      status.textContent = list.dataset.movedText
        .replace("%(position)s", all.indexOf(item) + 1)
        .replace("%(total)s", all.length);
    }

    function move(item, delta) {
      var all = items();
      var target = all.indexOf(item) + delta;
      if (target < 0 || target >= all.length) return;
      list.insertBefore(item, delta < 0 ? all[target] : all[target].nextSibling);
      renumber();
      announce(item);
    }

    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (!button) return;
      move(button.closest("[data-rank-item]"), button.dataset.move === "up" ? -1 : 1);
      button.focus();
    });

    list.addEventListener("keydown", function (event) {
      var item = event.target;
      if (!item.matches || !item.matches("[data-rank-item]")) return;
      if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
      event.preventDefault();
      move(item, event.key === "ArrowUp" ? -1 : 1);
      item.focus();
    });

    function itemBelow(y) {
      var below = null;
      items().some(function (item) {
        if (item === dragged) return false;
        var box = item.getBoundingClientRect();
        if (y < box.top + box.height / 2) {
          below = item;
          return true;
        }
        return false;
      });
      return below;
    }

    function drop() {
      dragged.classList.remove("is-dragging");
      renumber();
      announce(dragged);
      dragged = null;
    }

    // Touch and pen: a reply is dragged by its number (which does not scroll the page; the rest of it does).
    // The mouse uses the native drag and drop below.
    var pointerId = null;

    list.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" || !event.isPrimary) return;
      var handle = event.target.closest("[data-rank-position]");
      if (!handle || dragged) return;
      event.preventDefault();
      dragged = handle.closest("[data-rank-item]");
      pointerId = event.pointerId;
      dragged.classList.add("is-dragging");
      handle.setPointerCapture(pointerId);
    });

    list.addEventListener("pointermove", function (event) {
      if (!dragged || event.pointerId !== pointerId) return;
      var below = itemBelow(event.clientY);
      if (below === null) list.appendChild(dragged);
      else if (below !== dragged.nextSibling) list.insertBefore(dragged, below);
    });

    function endPointerDrag(event) {
      if (!dragged || event.pointerId !== pointerId) return;
      pointerId = null;
      drop();
    }

    list.addEventListener("pointerup", endPointerDrag);
    list.addEventListener("pointercancel", endPointerDrag);
    // A touch on the handle is a drag, not a tap, a long press or a scroll for the browser.
    list.addEventListener(
      "touchstart",
      function (event) {
        if (event.target.closest("[data-rank-position]")) event.preventDefault();
      },
      { passive: false }
    );

    list.addEventListener("dragstart", function (event) {
      if (pointerId !== null) {
        event.preventDefault();
        return;
      }
      dragged = event.target.closest("[data-rank-item]");
      if (!dragged) return;
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.id);
    });

    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var below = itemBelow(event.clientY);
      if (below === null) list.appendChild(dragged);
      else if (below !== dragged.nextSibling) list.insertBefore(dragged, below);
    });

    list.addEventListener("drop", function (event) {
      event.preventDefault();
    });

    list.addEventListener("dragend", function () {
      if (dragged) drop();
    });
  }

  // Renew the claim at half of what is left, so it never runs out while the page is open.
  function initRenewal(section) {
    var url = section.dataset.renewUrl;

    function schedule(secondsLeft) {
      var delay = Math.max(MIN_RENEW_DELAY_S, secondsLeft / 2) * 1000;
      setTimeout(renew, Math.min(delay, 2147483647));
    }

    function renew() {
      if (!section.isConnected) return;
      post(url, {})
        .then(function (result) {
          if (result.ok) schedule(result.data.seconds_left);
          else section.querySelector("[data-expired-banner]").hidden = false;
        })
        .catch(function () {
          schedule(MIN_RENEW_DELAY_S * 6);
        });
    }

    if (url && Number(section.dataset.secondsLeft) > 0) schedule(Number(section.dataset.secondsLeft));
  }

  // The closed-task page shows the text kept for it; the browser's copy fills in what the server lacks.
  function initKeptText(block) {
    var textarea = block.querySelector("[data-copy-source]");
    var local = readLocal(draftKeys(block));
    if (local && !textarea.value.trim()) textarea.value = local.text;
    block.hidden = !textarea.value.trim();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-button]");
    if (!button) return;
    var source = button.closest("[data-kept-text]").querySelector("[data-copy-source]");
    source.select();
    var copied = navigator.clipboard ? navigator.clipboard.writeText(source.value) : Promise.reject();
    copied
      .catch(function () {
        document.execCommand("copy");
      })
      .then(function () {
        button.textContent = button.dataset.copiedText;
      });
  });

  // Skipping with text typed asks first.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-skip-form]")) return;
    var section = form.closest("[data-task]");
    var editor = section && section.querySelector("[data-editor]");
    if (!editor || !editor.value.trim()) return;
    event.preventDefault();
    var dialog = section.querySelector("[data-skip-confirm]");
    dialog.querySelector("[data-confirm-yes]").onclick = function () {
      dialog.close();
      event.detail.issueRequest(true);
    };
    dialog.querySelector("[data-confirm-no]").onclick = function () {
      dialog.close();
      editor.focus();
    };
    dialog.showModal();
  });

  // A task sent or skipped: its text is no longer needed in the browser. The event is fired on the swap's
  // target (the task section); the form that asked is in the request's config.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status !== 200 || !elt || !elt.matches || !elt.matches("#task-form, [data-skip-form]")) return;
    var section = elt.closest("[data-task]");
    var form = section && section.querySelector("[data-editor-form]");
    if (form) forgetLocal(draftKeys(form));
  });

  // Review form: 1-5 answer a scale, y/n a yes/no question; the one holding the focus, else the next unanswered.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var form = document.querySelector("form.review-form");
    var target = event.target;
    if (!form || document.querySelector("dialog[open]")) return;
    if (target.closest && target.closest("textarea, select, [contenteditable], input:not([type=radio]):not([type=checkbox])")) return;
    var key = event.key.toLowerCase();
    var kind;
    if (/^[1-5]$/.test(key)) kind = "scale";
    else if (key === "y" || key === "n") kind = "yes_no";
    else return;
    var current = target.closest && target.closest("fieldset.label-" + kind);
    var fieldset = current && form.contains(current) ? current : null;
    if (!fieldset) {
      fieldset = Array.prototype.find.call(form.querySelectorAll("fieldset.label-" + kind), function (candidate) {
        return !candidate.querySelector("input[type=radio]:checked");
      });
    }
    if (!fieldset) return;
    var radio = kind === "scale"
      ? fieldset.querySelectorAll("input[type=radio]")[Number(key) - 1]
      : fieldset.querySelector('input[type=radio][value="' + (key === "y" ? "1" : "0") + '"]');
    if (!radio) return;
    event.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  });

  function init(root) {
    var scope = root.querySelectorAll ? root : document;
    // A task swapped in: start reading (and tabbing) at its errors if it came back with some, else at its title.
    if (scope.id === "task") {
      var start = scope.querySelector(".form-errors, .errorlist") || scope.querySelector("h1");
      start.setAttribute("tabindex", "-1");
      start.focus();
      if (start.matches("h1")) window.scrollTo(0, 0);
    }
    function each(selector, fn) {
      if (scope.matches && scope.matches(selector)) fn(scope);
      scope.querySelectorAll(selector).forEach(fn);
    }
    var openTasks = scope.querySelector("[data-open-task-ids]");
    if (scope === document || scope === document.body || openTasks) {
      pruneLocal(openTasks ? openTasks.dataset.openTaskIds.split(/\s+/).filter(Boolean) : null);
    }
    each("[data-editor-form]", initEditor);
    each("[data-rank-list]", initRanking);
    each("[data-task]", initRenewal);
    each("[data-kept-text]", initKeptText);
  }

  if (window.htmx) window.htmx.onLoad(init);
  else document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
})();
