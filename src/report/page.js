"use strict";
// The search box: filters the rows of the index tables (principals, resources, findings).
(function () {
  var find = document.getElementById("find");
  var q = document.getElementById("q");
  var count = document.getElementById("count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.idx tbody tr"));
  var texts = null;
  var timer = 0;
  find.hidden = false;
  function filter() {
    var s = q.value.trim().toLowerCase();
    if (texts === null) {
      // A row of a group of ARNs is searched with the group's prefix.
      texts = rows.map(function (r) {
        var g = r.parentNode.rows[0];
        var prefix = g && g !== r && g.className === "g" ? g.textContent.replace("…", "").trim() : "";
        return (prefix + r.textContent).toLowerCase();
      });
    }
    var shown = 0, total = 0, heads = [];
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].className === "g") { heads.push(rows[i]); continue; }
      var hit = s === "" || texts[i].indexOf(s) >= 0;
      rows[i].hidden = !hit;
      total++;
      if (hit) shown++;
    }
    heads.forEach(function (h) {
      var any = false;
      for (var k = 1; k < h.parentNode.rows.length && !any; k++) any = !h.parentNode.rows[k].hidden;
      h.hidden = !any;
    });
    count.textContent = s === "" ? "" : shown + " of " + total + " rows match";
  }
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(filter, rows.length > 5000 ? 200 : 0);
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      var first = rows.filter(function (r) { return !r.hidden && r.className !== "g"; })[0];
      var link = first && first.querySelector("a[href^='#']");
      if (link) link.focus();
    }
  });
})();
// The picture of the focused node: the node the address points at and the nodes its section
// links to, drawn from the page's own links (no data is repeated for it).
(function () {
  var NS = "http://www.w3.org/2000/svg";
  function label(el) {
    if (el.tagName === "TR") {
      var g = el.parentNode.rows[0];
      var prefix = g && g !== el && g.className === "g" ? g.textContent.replace("…", "").trim() : "";
      var c = el.querySelector("th") || el.cells[0];
      return (prefix + c.textContent).trim();
    }
    var h = el.querySelector("h3");
    return (h ? h.textContent : el.id).trim();
  }
  var byArn = null;
  function resourceRow(text) {
    if (byArn === null) {
      byArn = {};
      var rows = document.querySelectorAll("table.arn tr[id]");
      for (var i = 0; i < rows.length; i++) byArn[label(rows[i])] = rows[i].id;
    }
    return Object.prototype.hasOwnProperty.call(byArn, text) ? byArn[text] : null;
  }
  function draw() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!/^[aoprk][0-9]+$/.test(id)) return;
    var node = document.getElementById(id);
    if (!node) return;
    node.hidden = false;
    if (node.querySelector("figure.graph")) return;
    var seen = {}, next = [];
    var links = node.querySelectorAll("a[href^='#']");
    for (var i = 0; i < links.length; i++) {
      var to = links[i].getAttribute("href").slice(1);
      if (!/^[aoprk][0-9]+$/.test(to) || to === id || seen[to]) continue;
      seen[to] = true;
      next.push({ id: to, text: links[i].textContent });
    }
    // An app's resources that only it reaches are not linked in the page: find their rows.
    var cells = node.querySelectorAll("table.p th");
    for (var j = 0; j < cells.length; j++) {
      var first = cells[j].firstChild;
      if (!first || first.nodeType !== 3) continue;
      var row = resourceRow(first.nodeValue);
      if (row && !seen[row]) {
        seen[row] = true;
        next.push({ id: row, text: first.nodeValue });
      }
    }
    if (next.length === 0) return;
    var more = next.length > 24 ? next.length - 24 : 0;
    next = next.slice(0, 24);
    var rowH = 28, w = 760, h = Math.max(next.length, 1) * rowH + 8;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("width", w);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Neighbourhood of " + label(node));
    function box(x, y, text, href, cls) {
      var g = document.createElementNS(NS, href ? "a" : "g");
      if (href) g.setAttribute("href", "#" + href);
      if (cls) g.setAttribute("class", cls);
      var t = text.length > 46 ? text.slice(0, 45) + "…" : text;
      var r = document.createElementNS(NS, "rect");
      r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("rx", 4);
      r.setAttribute("width", 350); r.setAttribute("height", rowH - 6);
      var tx = document.createElementNS(NS, "text");
      tx.setAttribute("x", x + 6); tx.setAttribute("y", y + 15);
      tx.textContent = t;
      g.appendChild(r); g.appendChild(tx); svg.appendChild(g);
    }
    var cy = h / 2 - (rowH - 6) / 2;
    next.forEach(function (n, k) {
      var y = 4 + k * rowH;
      var l = document.createElementNS(NS, "line");
      l.setAttribute("x1", 354); l.setAttribute("y1", cy + 11);
      l.setAttribute("x2", 404); l.setAttribute("y2", y + 11);
      svg.appendChild(l);
      box(406, y, n.text, n.id, "");
    });
    box(2, cy, label(node), "", "c");
    var fig = document.createElement("figure");
    fig.className = "graph js";
    svg.setAttribute("aria-hidden", "false");
    fig.appendChild(svg);
    var cap = document.createElement("figcaption");
    cap.textContent = "Linked from here: " + next.length + (more ? " shown, " + more + " more in the table" : "") + ".";
    fig.appendChild(cap);
    var at = node.tagName === "TR" ? node.cells[node.cells.length - 1] : node.querySelector("h3");
    if (node.tagName === "TR") at.appendChild(fig); else at.parentNode.insertBefore(fig, at.nextSibling);
  }
  window.addEventListener("hashchange", draw);
  draw();
})();
