{% load static %}/* The till's service worker: network first for the till's pages and its catalogue, the
   cached copy when the network is down, so the till opens and rings up cash sales offline.
   Sales are not cached here: the page queues them (static/js/till.js). */
var CACHE = "omni-till-v1";
var ASSETS = ["{% static 'css/omni.css' %}", "{% static 'css/backoffice.css' %}", "{% static 'css/till.css' %}", "{% static 'js/till.js' %}", "{% static 'js/backoffice.js' %}", "{% static 'js/htmx.min.js' %}"];
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS).catch(function () {}); }));
  self.skipWaiting();
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || caches.match(request, { ignoreSearch: true }); });
    })
  );
});
