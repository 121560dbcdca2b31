// ohr static site search: the rules of queries/_search.sql, run in the browser over index.json.
// Every term must be inside the name, description, category/id/topics or README words; a term scores 100 in
// the name, 10 in the description, 1 in the README; ties by stars (none last), then name. Filters as
// `ohr search`: licence (openness verdict or licence id prefix), maturity (at least), BOM, category
// (substring of any heading), source, curator flag. Crawled text is only ever set as textContent.
"use strict";
(function () {
  var STAGES = ["concept", "prototype", "tested", "production"];
  var FACETS = [["openness", "Openness", "licence"], ["licence", "Hardware licence (SPDX)", "licence"],
    ["maturity", "Maturity (at least)", "maturity"], ["has_bom", "Bill of materials", "has_bom"],
    ["category", "Category", "category"], ["source", "Source", "source"], ["flag", "Curator flags", "flag"]];
  var LIMIT = 50;
  var rows = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function safeHref(url) {
    if (typeof url !== "string") { return null; }
    try {
      var u = new URL(url);
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (e) { return null; }
  }

  function params() {
    var p = new URLSearchParams(window.location.search);
    return { q: p.get("q") || "", licence: p.get("licence"), maturity: p.get("maturity"), has_bom: p.get("has_bom"),
      category: p.get("category"), source: p.get("source"), flag: p.get("flag"), limit: parseInt(p.get("limit") || LIMIT, 10) };
  }

  function has(s, t) { return s.indexOf(t) !== -1; }

  function matches(r, terms, f) {
    if (f.category && !has(r.categories_lc, f.category.toLowerCase())) { return false; }
    if (f.source && r.sources.indexOf(f.source) === -1) { return false; }
    if (f.licence) {
      var l = f.licence.toLowerCase();
      if (r.openness !== l && !r.licences_lc.some(function (x) { return x.indexOf(l) === 0; })) { return false; }
    }
    if (f.has_bom && !(r.bom_files > 0)) { return false; }
    if (f.maturity && STAGES.indexOf(r.maturity) < STAGES.indexOf(f.maturity.toLowerCase())) { return false; }
    if (f.flag && f.flag !== "any" && r.flags.indexOf(f.flag) === -1) { return false; }
    if (f.flag === "any" && !r.flags.length) { return false; }
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (!(has(r.name_lc, t) || has(r.description_lc, t) || has(r.other_lc, t) || has(r.readme_lc, t))) { return false; }
    }
    return true;
  }

  function score(r, terms) {
    var s = 0;
    terms.forEach(function (t) {
      s += (has(r.name_lc, t) ? 100 : 0) + (has(r.description_lc, t) ? 10 : 0) + (has(r.readme_lc, t) ? 1 : 0);
    });
    return s;
  }

  function order(a, b) {
    if (a.score !== b.score) { return b.score - a.score; }
    var sa = a.r.stars === null ? -1 : a.r.stars, sb = b.r.stars === null ? -1 : b.r.stars;
    if (sa !== sb) { return sb - sa; }
    var na = a.r.name || "", nb = b.r.name || "";
    return na < nb ? -1 : (na > nb ? 1 : 0);
  }

  function link(f, key, value) {
    var p = new URLSearchParams(window.location.search);
    if (value === null) { p.delete(key); } else { p.set(key, value); }
    p.delete("limit");
    return "?" + p.toString();
  }

  function badge(text, cls) { return el("span", "badge " + cls, text); }

  function card(r) {
    var a = el("article", "card" + (r.flags.indexOf("unsafe") !== -1 ? " unsafe" : ""));
    var thumb = el("div", "thumb");
    var img = safeHref(r.image);
    if (img && window.OHR_REMOTE_IMAGES) {
      var i = el("img");
      i.setAttribute("src", img); i.setAttribute("alt", ""); i.setAttribute("loading", "lazy");
      i.setAttribute("referrerpolicy", "no-referrer"); i.setAttribute("width", "128"); i.setAttribute("height", "96");
      thumb.appendChild(i);
    }
    a.appendChild(thumb);
    var body = el("div", "body");
    var h = el("h3");
    var name = el("a", "project", r.name || r.id);
    name.setAttribute("href", r.href);
    h.appendChild(name); body.appendChild(h);
    body.appendChild(el("p", "id", r.id));
    if (r.description) { body.appendChild(el("p", "desc", r.description.length > 220 ? r.description.slice(0, 217) + "..." : r.description)); }
    var b = el("p", "badges");
    b.appendChild(badge(r.hardware_licence || "no licence found", "lic " + (r.openness || "unknown")));
    b.appendChild(badge(r.maturity || "maturity unknown", "mat " + (r.maturity || "none")));
    b.appendChild(r.bom_lines ? badge("BOM " + r.bom_lines + " lines", "bom") : badge("no BOM", "bom none"));
    if (r.stars !== null) { b.appendChild(badge("★ " + r.stars, "stars")); }
    r.flags.forEach(function (f) { b.appendChild(badge("flag: " + f, "flag " + f)); });
    body.appendChild(b);
    var meta = [r.category, r.sources.length ? "from " + r.sources.join(", ") : null].filter(Boolean).join(" · ");
    if (meta) { body.appendChild(el("p", "meta", meta)); }
    a.appendChild(body);
    return a;
  }

  function count(hits, f) {
    var c = {};
    FACETS.forEach(function (x) { c[x[0]] = {}; });
    hits.forEach(function (h) {
      var r = h.r;
      function add(k, v) { if (v !== null && v !== undefined && v !== "") { c[k][v] = (c[k][v] || 0) + 1; } }
      add("openness", r.openness); add("licence", r.hardware_licence); add("maturity", r.maturity);
      if (r.bom_lines > 0) { add("has_bom", "with a BOM"); }
      add("category", r.category);
      r.sources.forEach(function (s) { add("source", s); });
      r.flags.forEach(function (s) { add("flag", s); });
    });
    var run = 0, at = {};
    for (var i = STAGES.length - 1; i >= 0; i--) { run += c.maturity[STAGES[i]] || 0; if (run) { at[STAGES[i]] = run; } }
    c.maturity = at;
    return c;
  }

  function render() {
    var f = params();
    var terms = f.q.toLowerCase().split(/\s+/).filter(Boolean);
    document.getElementById("q").value = f.q;
    var hits = [];
    rows.forEach(function (r) { if (matches(r, terms, f)) { hits.push({ r: r, score: score(r, terms) }); } });
    hits.sort(order);
    var out = document.getElementById("results");
    out.textContent = "";
    var total = el("p", "count");
    var strong = el("strong", null, hits.length); strong.id = "total";
    total.appendChild(strong);
    total.appendChild(document.createTextNode(" project" + (hits.length === 1 ? "" : "s") +
      (terms.length ? " match “" + terms.join(" ") + "”" : "") + "."));
    out.appendChild(total);
    hits.slice(0, f.limit).forEach(function (h) { out.appendChild(card(h.r)); });
    if (hits.length > f.limit) {
      var more = el("a", null, "show more"); more.setAttribute("href", link(f, "limit", String(f.limit * 2)));
      var p = el("p"); p.appendChild(more); out.appendChild(p);
    }
    var side = document.getElementById("facets");
    side.textContent = "";
    var c = count(hits, f);
    FACETS.forEach(function (x) {
      var key = x[0], items = Object.keys(c[key]).map(function (k) { return [k, c[key][k]]; });
      if (!items.length) { return; }
      if (key !== "maturity") { items.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }); }
      else { items.sort(function (a, b) { return STAGES.indexOf(a[0]) - STAGES.indexOf(b[0]); }); }
      var sec = el("section", "facet"); sec.setAttribute("data-facet", key);
      sec.appendChild(el("h2", null, x[1]));
      var ul = el("ul");
      items.slice(0, 12).forEach(function (it) {
        var pv = key === "has_bom" ? "1" : it[0];
        var on = f[x[2]] && f[x[2]].toLowerCase() === pv.toLowerCase();
        var li = el("li", on ? "on" : null);
        var a = el("a", null, it[0]); a.setAttribute("href", link(f, x[2], on ? null : pv));
        li.appendChild(a); li.appendChild(el("span", "n", it[1])); ul.appendChild(li);
      });
      sec.appendChild(ul); side.appendChild(sec);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.OHR_REMOTE_IMAGES = document.body.getAttribute("data-remote-images") === "1";
    fetch("index.json").then(function (r) { return r.json(); }).then(function (data) {
      rows = data.projects;
      render();
    }).catch(function (e) {
      document.getElementById("results").textContent = "could not read index.json (" + e + "); serve this folder over http";
    });
  });
})();
