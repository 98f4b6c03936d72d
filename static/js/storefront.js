/* Storefront enhancements. Everything here is optional: each page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Django's JavaScript catalogue (the layout loads it) translates; before it loads, or
  // without it, the English text shows.
  var gettext = window.gettext || function (s) { return s; };

  // Checkout: show only the section that matches the chosen option (delivery or pickup,
  // card or pay at pickup). Without JavaScript every section stays visible.
  function syncSections(form) {
    form.querySelectorAll("input[type=radio][data-section]").forEach(function (radio) {
      // Sections may sit outside the form too (the order summary's totals).
      document.querySelectorAll('.section[data-for="' + radio.dataset.section + '"]').forEach(function (section) {
        section.hidden = !radio.checked;
      });
    });
    // A payment method only for pickup (pay at pickup) or only for delivery (cash on
    // delivery) is offered with that choice only; a checked one that no longer fits
    // gives way to the first method that does.
    var chosen = form.querySelector("input[name=fulfilment]:checked");
    var kind = chosen ? chosen.value : "";
    var lost = false;
    form.querySelectorAll("input[name=payment][data-only-for]").forEach(function (radio) {
      var fits = radio.dataset.onlyFor === kind;
      radio.disabled = !fits;
      if (!fits && radio.checked) { radio.checked = false; lost = true; }
    });
    if (lost) {
      var first = form.querySelector("input[name=payment]:not(:disabled)");
      if (first) { first.checked = true; syncSections(form); }
    }
  }
  document.querySelectorAll(".checkout-form").forEach(function (form) {
    syncSections(form);
    form.addEventListener("change", function () { syncSections(form); });
  });

  // Stores: "use my location" sends the browser's coordinates as query parameters.
  document.querySelectorAll("[data-geolocate]").forEach(function (button) {
    if (!("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = gettext("Finding you…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        var params = new URLSearchParams(window.location.search);
        params.delete("postcode");
        params.set("lat", pos.coords.latitude.toFixed(4));
        params.set("lng", pos.coords.longitude.toFixed(4));
        window.location.search = params.toString();
      }, function () {
        button.disabled = false;
        button.textContent = gettext("Location unavailable — enter a postcode");
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });

  // Search: scan a barcode with the camera where the browser has BarcodeDetector; the
  // code goes into the search box and the form is sent (an exact code opens its product).
  var scanButton = document.querySelector("[data-scan]");
  var dialog = document.getElementById("scan-dialog");
  if (scanButton && dialog && "BarcodeDetector" in window && navigator.mediaDevices &&
      typeof dialog.showModal === "function") {
    // Some browsers expose the API without any format they can read: keep the button hidden.
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.length) scanButton.hidden = false;
    }).catch(function () {});
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var stream = null;
    var stop = function () {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      if (dialog.open) dialog.close();
    };
    dialog.querySelector("[data-scan-close]").addEventListener("click", stop);
    dialog.addEventListener("cancel", stop);
    scanButton.addEventListener("click", function () {
      var detector = new window.BarcodeDetector();
      dialog.showModal();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      }).then(function tick() {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            var input = document.getElementById("header-q");
            input.value = codes[0].rawValue;
            stop();
            input.form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.setTimeout(tick, 300); });
      }).catch(function () {
        status.textContent = gettext("We could not use the camera. Type the code instead.");
      });
    });
  }
})();

/* Mini-cart: the header's cart link opens a panel listing the lines (fetched with HTMX
   when opened, again after the cart changes). Without JavaScript it stays a link to the
   cart; a click with a modifier key still opens the cart page. */
(function () {
  "use strict";
  var panel = document.getElementById("mini-cart-panel");
  if (!panel || !window.htmx) return;
  function link() { return document.getElementById("minicart"); }
  function fill() { window.htmx.ajax("GET", panel.dataset.url, { target: panel, swap: "innerHTML" }); }
  function setOpen(open) {
    panel.hidden = !open;
    var a = link();
    if (a) { a.setAttribute("aria-expanded", open ? "true" : "false"); a.setAttribute("aria-controls", panel.id); }
    if (open) fill();
  }
  document.addEventListener("click", function (event) {
    var a = event.target.closest("#minicart");
    if (a) {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
      event.preventDefault();
      setOpen(panel.hidden);
      return;
    }
    if (event.target.closest("[data-mini-cart-close]")) { setOpen(false); return; }
    if (!panel.hidden && !event.target.closest("[data-mini-cart]")) setOpen(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { setOpen(false); var a = link(); if (a) a.focus(); }
  });
  document.body.addEventListener("cart-changed", function () { if (!panel.hidden) fill(); });
})();
