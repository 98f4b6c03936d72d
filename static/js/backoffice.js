/* Back-office helpers for the shop-floor tablet. Everything here is an extra: each form
   and link works without it (plain GET/POST), HTMX adds live results on top.

   - [data-autosubmit]: a form that submits when its select changes (location switcher);
     its [data-autosubmit-button] is hidden once we know JavaScript runs.
   - [data-camera-scan]: a "Camera" button beside a scan field, shown only where the
     browser has BarcodeDetector and a camera; it reads a code and submits the form.
   - [data-fill-sku]: puts a SKU into the add-to-list form (#add-sku) and moves on.
   - an HTMX request that fails (403/404/500) says so in #messages.
   Texts go through Django's JavaScript catalogue (gettext) when the layout loads it. */
(function () {
  "use strict";

  var gettext = window.gettext || function (s) { return s; };

  var canScan = "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);

  function init(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (form) {
      var button = form.querySelector("[data-autosubmit-button]");
      if (button) button.hidden = true;
    });
    root.querySelectorAll("[data-camera-scan]").forEach(function (button) {
      button.hidden = !canScan;
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.submit();
  });

  document.addEventListener("click", function (event) {
    var fill = event.target.closest("[data-fill-sku]");
    if (fill) {
      var input = document.getElementById("add-sku");
      if (input) {
        input.value = fill.getAttribute("data-fill-sku");
        var next = document.getElementById("add-note") || input;
        next.focus();
        input.scrollIntoView({ block: "center", behavior: "smooth" });
      }
      return;
    }
    var camera = event.target.closest("[data-camera-scan]");
    if (camera) scanWithCamera(camera.closest("form"));
  });

  function scanWithCamera(form) {
    if (!form || !canScan) return;
    var input = form.querySelector("[data-scan-input]") || form.querySelector("input[type=search], input[type=text]");
    var overlay = document.createElement("div");
    overlay.className = "bo-camera";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-label", gettext("Scan a code with the camera"));
    overlay.innerHTML = '<video playsinline muted></video><p></p><button type="button" class="secondary"></button>';
    overlay.querySelector("p").textContent = gettext("Point the camera at the barcode or QR code.");
    overlay.querySelector("button").textContent = gettext("Close");
    document.body.appendChild(overlay);
    var video = overlay.querySelector("video");
    var stream = null;
    var done = false;
    function close() {
      done = true;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      overlay.remove();
    }
    overlay.querySelector("button").addEventListener("click", close);
    var detector = new window.BarcodeDetector();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      return video.play();
    }).then(function tick() {
      if (done) return;
      detector.detect(video).then(function (codes) {
        if (codes.length && input) {
          input.value = codes[0].rawValue;
          close();
          form.requestSubmit ? form.requestSubmit() : form.submit();
        } else {
          window.requestAnimationFrame(tick);
        }
      }).catch(function () { window.setTimeout(tick, 250); });
    }).catch(close);
  }

  // HTMX does not swap error responses: say so instead of leaving a tap unanswered (a
  // stale screen, e.g. a task another associate closed at a store no longer ours).
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("messages");
    if (!box) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var text = status === 404 || status === 403
      ? gettext("That is no longer here or not yours to change. Reload the page to see it as it is now.")
      : gettext("Something went wrong. Reload the page and try again.");
    box.innerHTML = '<ul class="messages"><li class="message error"></li></ul>';
    box.querySelector("li").textContent = text;
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
