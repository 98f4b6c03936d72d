/* The till's page helpers. Online, every control is a plain form boosted by HTMX; this
   file keeps the scan field focused after each scan, shows the change due as cash is
   typed, and runs the offline till:

   - a service worker (/backoffice/till/sw.js) caches the till page, its assets and this
     store's sellable catalogue (catalogue.json: barcode, SKU, price, tax rate);
   - when the browser is offline (or a request cannot reach the server), a scan is looked
     up in that catalogue and rung up in the page; "Complete cash sale" puts the sale in a
     queue in localStorage with an idempotency key;
   - when the connection is back, the queue is posted to sync/ one sale at a time, in
     order; a sale leaves the queue only once the server answered for it, and the key
     makes a sale posted twice one sale. The banner says offline and how many wait. */
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };
  var root = document.getElementById("till");
  if (!root) return;
  var register = root.getAttribute("data-register");
  var QUEUE = "till-queue-" + register;
  var CATALOGUE = "till-catalogue-" + register;
  var offline = !navigator.onLine;
  var basket = {};  // offline basket: {variant_id: qty}
  var flushing = false;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function saveQueue(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); showState(); }
  function catalogue() { try { return JSON.parse(localStorage.getItem(CATALOGUE) || "null"); } catch (e) { return null; } }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return "off-" + crypto.randomUUID().replace(/-/g, "");
    return "off-" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function showState() {
    var banner = document.getElementById("till-offline");
    var waiting = document.getElementById("till-waiting");
    var count = queue().length;
    if (!banner) return;
    banner.hidden = !offline && count === 0;
    banner.querySelector("strong").textContent = offline ? gettext("Offline") : gettext("Sending…");
    waiting.textContent = interpolate(waiting.getAttribute("data-waiting-text"), { count: count }, true);
  }

  function refocus() {
    var scan = document.getElementById("till-scan");
    if (scan) { scan.value = ""; scan.focus(); }
  }

  // --- online helpers ---------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function () { refocus(); changeDue(); });
  document.addEventListener("input", function (event) { if (event.target.id === "till-cash") changeDue(); });
  function changeDue() {
    var cash = document.getElementById("till-cash");
    var out = document.getElementById("till-change");
    var due = document.getElementById("till-due");
    if (!cash || !out || !due) return;
    var card = document.querySelector("#till-pay-form [name=card_amount]");
    var given = parseFloat((cash.value || "0").replace(",", ".")) + parseFloat(((card && card.value) || "0").replace(",", "."));
    var rest = given - parseFloat(due.getAttribute("data-due"));
    out.textContent = cash.value && rest >= 0 ? interpolate(gettext("Change due: %(amount)s"), { amount: rest.toFixed(2) }, true) : "";
  }

  // --- the catalogue and the service worker -------------------------------------------
  function loadCatalogue() {
    fetch(root.getAttribute("data-catalogue-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) localStorage.setItem(CATALOGUE, JSON.stringify(data)); })
      .catch(function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: "/backoffice/till/" }).catch(function () {});
  }

  // --- ringing up offline ---------------------------------------------------------------
  function findCode(code) {
    var cat = catalogue();
    if (!cat) return null;
    code = code.trim().toUpperCase();
    for (var i = 0; i < cat.variants.length; i++) {
      var v = cat.variants[i];
      if (v.barcode === code || v.sku.toUpperCase() === code) return v;
    }
    return null;
  }
  function units(amount, minor) { return Math.round(parseFloat(amount) * Math.pow(10, minor)); }
  function offlineTotals() {
    var cat = catalogue();
    var minor = cat.minor_units, total = 0, lines = [];
    Object.keys(basket).forEach(function (id) {
      var v = cat.variants.filter(function (x) { return String(x.id) === id; })[0];
      var line = units(v.price, minor) * basket[id];
      // The one pricing function's rule: tax per line, rounded half up, on top unless prices include it.
      var tax = cat.prices_include_tax ? 0 : Math.floor(line * parseFloat(v.tax_rate) + 0.5 + 1e-9);
      total += line + tax;
      lines.push({ variant: v, qty: basket[id], amount: line });
    });
    return { lines: lines, total: total, minor: minor, currency: cat.currency };
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function fmt(u, t) {
    var value = u / Math.pow(10, t.minor);
    try { return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "currency", currency: t.currency }).format(value); }
    catch (e) { return value.toFixed(t.minor) + " " + t.currency; }
  }
  function renderOffline(message, good) {
    var panel = document.getElementById("till-sale");
    if (!panel) return;
    var t = offlineTotals();
    var html = '<div class="card"><h2>' + gettext("Offline sale (cash only)") + "</h2>";
    if (message) html += (good ? '<p class="message success" role="status">' : '<p class="errorlist" role="alert">') + escapeHtml(message) + "</p>";
    html += '<ul class="till-lines">';
    t.lines.forEach(function (l) {
      html += '<li class="till-line"><span class="till-line-name"><strong></strong></span><span class="till-qty-n">' + l.qty + '</span><span class="money">' + fmt(l.amount, t) + "</span></li>";
    });
    html += "</ul>";
    html += '<dl class="till-totals"><dt class="till-due">' + gettext("To pay") + '</dt><dd class="money till-due" id="till-offline-due">' + fmt(t.total, t) + "</dd></dl>";
    if (t.lines.length) {
      html += '<form id="till-offline-pay" class="stack"><label>' + gettext("Cash handed over") + '<input name="cash" id="till-offline-cash" inputmode="decimal" autocomplete="off"></label><button type="submit" class="till-complete">' + gettext("Complete cash sale") + "</button></form>";
    }
    html += "</div>";
    panel.innerHTML = html;
    var names = panel.querySelectorAll(".till-line-name strong");
    t.lines.forEach(function (l, i) { names[i].textContent = l.variant.name + " " + l.variant.colour + " " + l.variant.size; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "till-offline-pay") {
      event.preventDefault();
      var t = offlineTotals();
      var cash = units((form.cash.value || "0").replace(",", "."), t.minor);
      if (!(cash >= t.total)) { renderOffline(gettext("The cash handed over is less than the amount due.")); return; }
      var q = queue();
      q.push({
        key: newKey(),
        lines: Object.keys(basket).map(function (id) { return [parseInt(id, 10), basket[id]]; }),
        cash: (cash / Math.pow(10, t.minor)).toFixed(t.minor),
        rung_up_at: new Date().toISOString(),
      });
      saveQueue(q);
      basket = {};
      renderOffline(interpolate(gettext("Sale saved; change due: %(amount)s. It is sent when the connection is back."), { amount: fmt(cash - t.total, t) }, true), true);
      refocus();
      return;
    }
    if (form.id === "till-scan-form" && offline) {
      event.preventDefault();
      event.stopPropagation();
      var code = form.code.value;
      var v = findCode(code);
      if (!v) { renderOffline(interpolate(gettext("No item has the code %(code)s."), { code: code }, true)); refocus(); return; }
      basket[v.id] = (basket[v.id] || 0) + 1;
      renderOffline("");
      refocus();
    }
  }, true);

  // A request that cannot reach the server means we are offline, whatever onLine says.
  document.body.addEventListener("htmx:sendError", function () { goOffline(); });

  function goOffline() {
    if (offline) return;
    offline = true;
    basket = {};
    renderOffline("");
    showState();
  }

  // --- sending the queue, in order, exactly once --------------------------------------------
  function flush() {
    if (flushing || offline) return;
    var q = queue();
    if (!q.length) { showState(); return; }
    flushing = true;
    showState();
    var sale = q[0];
    fetch(root.getAttribute("data-sync-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(sale),
    }).then(function (r) {
      flushing = false;
      if (r.ok || r.status === 400) {
        // Answered: done (or unreadable, which no retry fixes). Next one.
        var rest = queue().filter(function (s) { return s.key !== sale.key; });
        saveQueue(rest);
        flush();
      } else {
        setTimeout(flush, 5000);  // the server refused for now (no open shift): keep it
      }
    }).catch(function () { flushing = false; setTimeout(flush, 5000); });
  }

  window.addEventListener("offline", goOffline);
  window.addEventListener("online", function () {
    offline = false;
    showState();
    flush();
    // Back to the server's basket once everything waiting has been sent.
    var wait = setInterval(function () {
      if (!queue().length) { clearInterval(wait); window.location.reload(); }
    }, 500);
  });

  if (!offline) { loadCatalogue(); flush(); }
  showState();
  if (offline) renderOffline("");
})();
