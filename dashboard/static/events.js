// The live event log: new events, pushed by the server (server-sent events), added at the top of
// every [data-event-log] region on the page. Text only: nothing received is parsed as HTML.
(function () {
  "use strict";
  var MAX_ROWS = 50;

  function text(tag, value, className) {
    var element = document.createElement(tag);
    element.textContent = value;
    if (className) element.className = className;
    return element;
  }

  function time(event) {
    var element = text("time", event.time);
    element.setAttribute("datetime", event.at);
    return element;
  }

  function status(event) {
    if (event.status === null || event.status === undefined) return "\u2014";
    return event.status + " \u00b7 " + event.ms + " ms";
  }

  function tableRow(event) {
    var row = document.createElement("tr");
    row.setAttribute("data-seq", String(event.seq));
    var when = document.createElement("td");
    when.appendChild(time(event));
    row.appendChild(when);
    row.appendChild(text("td", event.from + " \u2192 " + event.to));
    var what = text("td", event.label);
    what.appendChild(document.createElement("br"));
    what.appendChild(text("code", event.route, "route"));
    row.appendChild(what);
    row.appendChild(text("td", status(event), event.ok ? "ok" : "bad"));
    return row;
  }

  function listItem(event) {
    var item = document.createElement("li");
    item.className = event.ok ? "ok" : "bad";
    item.setAttribute("data-seq", String(event.seq));
    item.appendChild(time(event));
    item.appendChild(document.createTextNode(" " + event.label + " "));
    item.appendChild(text("span", "(" + event.from + " \u2192 " + event.to + ")", "muted"));
    return item;
  }

  function follow(region) {
    var rows = region.querySelector("[data-event-rows]");
    if (!rows || typeof window.EventSource !== "function") return;
    var empty = region.querySelector("[data-event-empty]");
    var query = [];
    var after = region.getAttribute("data-after");
    if (after && /^\d+$/.test(after)) query.push("after=" + after);
    var lang = document.documentElement.getAttribute("lang");
    if (lang === "en" || lang === "fr") query.push("lang=" + lang);
    var source = new EventSource("/ui/events/stream" + (query.length ? "?" + query.join("&") : ""));
    source.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      if (!event || typeof event.seq !== "number") return;
      if (rows.querySelector("[data-seq='" + event.seq + "']")) return;
      rows.insertBefore(rows.tagName === "TBODY" ? tableRow(event) : listItem(event), rows.firstChild);
      while (rows.children.length > MAX_ROWS) rows.removeChild(rows.lastElementChild);
      if (empty) empty.hidden = true;
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.querySelectorAll("[data-event-log]").forEach(follow);
})();
