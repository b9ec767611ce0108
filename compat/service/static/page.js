// smddp-compat page: asks, looks up and shows; it decides nothing.
// Plain JavaScript, served as a file so the Content-Security-Policy can say script-src 'self'.
// Live ("data-api=live"): answers come from /v1/resolve, /v1/snippets and /v1/preflight.
// Static ("data-api=static", export-site): from the stored answers, found through the
// index that export-site built with the library (v1/answers/), never matched here.
// The tables and the availability grid are rendered by the server for one region: picking
// another region loads the page for it.
(function () {
  "use strict";

  var body = document.body;
  var api = body.getAttribute("data-api") || "live";
  var pageRegion = body.getAttribute("data-region") || "";
  var defaultRegion = body.getAttribute("data-default-region") || "";
  var form = document.getElementById("resolve-form");
  var result = document.getElementById("resolve-result");
  var frameworkSelect = document.getElementById("rf-framework");
  var versionInput = document.getElementById("rf-version");
  var regionSelect = document.getElementById("region");
  var LABELS = JSON.parse(result.getAttribute("data-labels") || "[]");
  var COPYABLE = ["image_uri", "smp_image_uri", "binary_url"];
  var asked = null; // what the answer panel shows: "resolve" or "check"
  document.documentElement.classList.add("js");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // ---------------------------------------------------------------- asking
  function fetchJson(url) {
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, body: data };
      }, function () {
        return { status: response.status, body: { detail: "the answer could not be read (" +
          response.status + ")" } };
      });
    });
  }

  var loaded = {};
  function load(path) {
    if (!loaded[path]) {
      loaded[path] = fetch(path).then(function (response) {
        if (!response.ok) { throw new Error(path + ": " + response.status); }
        return response.json();
      });
    }
    return loaded[path];
  }

  // The static copy's answer for a query: a lookup in the index, then the stored file with
  // the stored difference for that spelling applied ("+key": items before and after).
  function lookup(query) {
    return load("v1/answers/index.json").then(function (index) {
      var fw = own(index.frameworks, query.framework.trim().toLowerCase());
      if (!fw) { return unknown(index, "framework", query.framework); }
      var region = "-";
      if (query.region !== null) {
        region = own(index.regions, query.region.trim().toLowerCase());
        if (!region) { return unknown(index, "region", query.region); }
      }
      return load("v1/answers/" + encodeURIComponent(fw) + ".json").then(function (data) {
        // Exactly as typed: the answer quotes the spelling, so another case is another file.
        var entry = Object.prototype.hasOwnProperty.call(data.spellings, query.version) ?
          data.spellings[query.version] : null;
        if (!entry) { return unknown(index, "version", query.version); }
        var at = data.regions.indexOf(region) * 2;
        var patch = data.patches[entry[at + 1]];
        return load(data.files[entry[at]]).then(function (stored) {
          var out = JSON.parse(JSON.stringify(stored));
          Object.keys(patch).forEach(function (key) {
            if (key.charAt(0) === "+") {
              var name = key.slice(1);
              out[name] = patch[key][0].concat(out[name], patch[key][1]);
            } else {
              out[key] = patch[key];
            }
          });
          var problem = typeof out.type === "string" && typeof out.status === "number";
          return { status: problem ? out.status : 200, body: out };
        });
      });
    });
  }

  function own(table, key) {
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : null;
  }

  function unknown(index, what, value) {
    var known = index.unknown[what];
    return { status: known.status, body: { error: known.error, title: known.title,
      detail: "this static copy has no answer for " + what + " " + JSON.stringify(value),
      hint: "it answers the names, versions and regions in its lists; the live service " +
        "(smddp-compat serve) answers every spelling" } };
  }

  function askResolve(query) {
    if (api === "static") { return lookup(query); }
    var params = new URLSearchParams();
    params.set("framework", query.framework);
    params.set("version", query.version);
    // null: not given; "" (from the address) is sent, so the API names it (400), as a link would.
    if (query.region !== null) { params.set("region", query.region); }
    return fetchJson("/v1/resolve?" + params.toString());
  }

  function askSnippets(answer) {
    if (api === "static") {
      return load("v1/snippets/" + encodeURIComponent(answer.framework) + "/" +
        encodeURIComponent(answer.framework_version) + "/" +
        (answer.region ? encodeURIComponent(answer.region) : "index") + ".json")
        .then(function (data) { return { status: 200, body: data }; });
    }
    var params = new URLSearchParams();
    params.set("framework", answer.framework);
    params.set("version", answer.framework_version);
    if (answer.region) { params.set("region", answer.region); }
    return fetchJson("/v1/snippets?" + params.toString());
  }

  // ---------------------------------------------------------------- showing
  function valueNode(key, value) {
    if (value === null || value === undefined || value === "" ||
        (Array.isArray(value) && value.length === 0)) {
      return el("span", { "class": "none" }, "-");
    }
    if (Array.isArray(value)) {
      var list = el("ul");
      value.forEach(function (item) {
        var li = el("li");
        if (key === "sources") {
          if (item.url) {
            li.appendChild(el("a", { href: item.url, rel: "noopener noreferrer" }, item.id));
          } else {
            li.appendChild(el("span", {}, item.id));
          }
          li.appendChild(document.createTextNode(" " + item.title));
        } else if (key === "alternatives") {
          li.appendChild(document.createTextNode(item.text));
          if (item.image_uri) {
            li.appendChild(el("span", { "data-copy": item.image_uri, hidden: "" }));
            li.appendChild(copyButton("Copy the image URI of " + (item.framework || "") + " " +
              (item.version || "")));
          }
        } else if (key === "corrections") {
          li.appendChild(document.createTextNode("AWS documents " + item.field + " as "));
          li.appendChild(el("code", {}, item.documented));
          li.appendChild(document.createTextNode(": " + item.note));
        } else {
          li.textContent = String(item);
        }
        list.appendChild(li);
      });
      return list;
    }
    var span = el("span");
    span.appendChild(el("code", {}, String(value)));
    if (COPYABLE.indexOf(key) >= 0) {
      span.appendChild(copyButton("Copy the " + labelOf(key)));
    }
    return span;
  }

  function labelOf(key) {
    for (var i = 0; i < LABELS.length; i++) { if (LABELS[i][0] === key) { return LABELS[i][1]; } }
    return key;
  }

  function copyButton(label) {
    var button = el("button", { type: "button", "class": "copy", "aria-label": label }, "Copy");
    return button;
  }

  function showAnswer(data) {
    result.textContent = "";
    var box = el("div", { "class": "answer", "data-status": "200" });
    box.appendChild(el("h3", {}, data.framework + " " + data.framework_version + " with smddp " +
      data.smddp_version + (data.region ? " in " + data.region : "")));
    var list = el("dl");
    LABELS.forEach(function (pair) {
      list.appendChild(el("dt", {}, pair[1]));
      var dd = el("dd", { "data-field": pair[0] });
      dd.appendChild(valueNode(pair[0], data[pair[0]]));
      list.appendChild(dd);
    });
    box.appendChild(list);
    var snippets = el("div", { "class": "snippets", "aria-live": "polite" });
    box.appendChild(snippets);
    result.appendChild(box);
    done();
    askSnippets(data).then(function (answer) {
      if (answer.status === 200) { showSnippets(snippets, answer.body); }
    }, function () { /* the answer stands without its snippets */ });
  }

  function showProblem(status, problem) {
    result.textContent = "";
    var box = el("div", { "class": "problem", "data-status": String(status) });
    box.appendChild(el("p", { role: "alert", "data-field": "detail" },
      problem.detail || problem.message || problem.title || "the request failed"));
    if (problem.hint) { box.appendChild(el("p", { "data-field": "hint" }, "Hint: " + problem.hint)); }
    if (problem.alternatives && problem.alternatives.length) {
      box.appendChild(el("h4", {}, "Alternatives"));
      var dd = el("div", { "data-field": "alternatives" });
      dd.appendChild(valueNode("alternatives", problem.alternatives));
      box.appendChild(dd);
    }
    result.appendChild(box);
    done();
  }

  var tabCount = 0;
  function showSnippets(holder, data) {
    holder.textContent = "";
    holder.appendChild(el("h4", {}, "Snippets"));
    var tabs = el("div", { role: "tablist", "aria-label": "Snippets" });
    holder.appendChild(tabs);
    var buttons = [];
    data.snippets.forEach(function (snippet, i) {
      var id = "snippet-" + (++tabCount);
      var tab = el("button", { type: "button", role: "tab", id: id + "-tab",
        "aria-controls": id, "aria-selected": i === 0 ? "true" : "false",
        tabindex: i === 0 ? "0" : "-1", "data-snippet": snippet.id }, snippet.title);
      tabs.appendChild(tab);
      buttons.push(tab);
      var panel = el("div", { role: "tabpanel", id: id, "aria-labelledby": id + "-tab",
        "class": "snippet", "data-snippet": snippet.id });
      panel.hidden = i !== 0;
      if (snippet.text !== null) {
        var pre = el("pre", { tabindex: "0" });
        pre.appendChild(el("code", {}, snippet.text));
        panel.appendChild(pre);
        panel.appendChild(copyButton("Copy the " + snippet.title));
      } else {
        panel.appendChild(el("p", { "class": "none" }, snippet.message +
          (snippet.hint ? ". Hint: " + snippet.hint : "")));
      }
      panel.appendChild(el("p", { "class": "help" }, "The CLI prints the same: " + snippet.command));
      holder.appendChild(panel);
    });
    function select(index) {
      buttons.forEach(function (b, j) {
        b.setAttribute("aria-selected", j === index ? "true" : "false");
        b.setAttribute("tabindex", j === index ? "0" : "-1");
        document.getElementById(b.getAttribute("aria-controls")).hidden = j !== index;
      });
      buttons[index].focus();
    }
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { select(i); });
      b.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight") { select((i + 1) % buttons.length); }
        if (event.key === "ArrowLeft") { select((i + buttons.length - 1) % buttons.length); }
      });
    });
  }

  function showReport(report) {
    result.textContent = "";
    // "partial": what ran passed, the quota checks did not run; say which, never "pass".
    var ran = report.status === "pass" || report.status === "partial";
    var box = el("div", { "class": ran ? "answer" : "problem", "data-status": "200" });
    box.appendChild(el("h3", {}, report.instance_count + " x " + report.instance_type + " for " +
      report.framework + " " + (report.framework_version || report.version) + " in " +
      report.region + ": " + report.status +
      (report.not_checked && report.not_checked.length ?
        " (not checked: " + report.not_checked.join(", ") + ")" : "")));
    var list = el("ul", { id: "eligibility-answer" });
    report.checks.forEach(function (check) {
      list.appendChild(el("li", {}, check.status.toUpperCase() + " " + check.name + ": " +
        check.message + (check.remedy ? " (" + check.remedy + ")" : "")));
    });
    box.appendChild(list);
    result.appendChild(box);
    done();
  }

  // data-done marks a panel the script has rendered (tests wait for it).
  function done() { result.setAttribute("data-done", ""); }

  function pending(text) {
    result.removeAttribute("data-done");
    result.textContent = "";
    result.appendChild(el("p", { "class": "pending" }, text));
  }

  // ---------------------------------------------------------------- the address
  // The form's "none" region is no region (null); an address may carry an empty one ("").
  function formQuery() {
    return { framework: frameworkSelect.value, version: versionInput.value,
      region: regionSelect.value || null };
  }

  // The address holds everything the panel shows, so that a link reproduces it.
  function remember(query, extra) {
    if (!(window.history && window.history.replaceState)) { return; }
    var params = new URLSearchParams();
    if (query) {
      params.set("framework", query.framework);
      params.set("version", query.version);
    }
    if (api !== "static" && query && query.region === "") {
      params.set("region", "");  // asked as the address had it: the panel shows the API's 400
    } else if (api !== "static" && regionSelect.value) {
      params.set("region", regionSelect.value);
    }
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    var compare = compareState();
    if (compare) { params.set("a", compare.a); params.set("b", compare.b); }
    var text = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
  }

  // Another region: the page for it (the server renders the tables for one region).
  function pageFor(region, params) {
    var text = params.toString();
    if (api === "static") {
      return (region ? "index-" + encodeURIComponent(region) + ".html" : "index.html") +
        (text ? "?" + text : "");
    }
    if (region) { params.set("region", region); }
    text = params.toString();
    return window.location.pathname + (text ? "?" + text : "");
  }

  function resolveNow(query) {
    asked = "resolve";
    pending("Resolving...");
    remember(query);
    return askResolve(query).then(function (answer) {
      if (answer.status === 200) {
        var options = Array.prototype.map.call(frameworkSelect.options, function (o) { return o.value; });
        if (options.indexOf(answer.body.framework) >= 0) {
          frameworkSelect.value = answer.body.framework; // the API's canonical name
          versionList();
          remember({ framework: answer.body.framework, version: query.version });
        }
        showAnswer(answer.body);
      } else {
        showProblem(answer.status, answer.body);
      }
    }).catch(function () {
      showProblem(0, { detail: "the server could not be reached" });
    });
  }

  function eligibilityParams() {
    return {
      instance_type: document.getElementById("ef-type").value,
      instance_count: document.getElementById("ef-count").value,
      check: "1"
    };
  }

  function checkNow(query) {
    asked = "check";
    var extra = eligibilityParams();
    remember(query, extra);
    var params = new URLSearchParams();
    params.set("framework", query.framework);
    params.set("version", query.version);
    // The eligibility check always has a region: the page's default when none (or an empty
    // one, as the no-JavaScript form sends for "none") is chosen, named on the page.
    params.set("region", query.region || defaultRegion);
    params.set("instance_type", extra.instance_type);
    params.set("instance_count", extra.instance_count);
    pending("Checking...");
    return fetchJson("/v1/preflight?" + params.toString()).then(function (answer) {
      if (answer.status === 200) { showReport(answer.body); } else { showProblem(answer.status, answer.body); }
    }).catch(function () {
      showProblem(0, { detail: "the server could not be reached" });
    });
  }

  function versionList() {
    versionInput.setAttribute("list", "versions-" + frameworkSelect.value);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = formQuery();
    var check = event.submitter && event.submitter.id === "check";
    if ((query.region || "") !== pageRegion) {  // the tables show another region: load its page
      var params = new URLSearchParams();
      params.set("framework", query.framework);
      params.set("version", query.version);
      if (check) {
        var extra = eligibilityParams();
        Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); });
      }
      window.location.assign(pageFor(query.region, params));
      return;
    }
    if (check) { checkNow(query); } else { resolveNow(query); }
  });

  frameworkSelect.addEventListener("change", versionList);

  // A region change re-asks: the page for that region, with the same question.
  var touched = false;
  frameworkSelect.addEventListener("change", function () { touched = true; });
  versionInput.addEventListener("input", function () { touched = true; });
  regionSelect.addEventListener("change", function () {
    var params = new URLSearchParams();
    if (asked || touched) {
      var query = formQuery();
      params.set("framework", query.framework);
      params.set("version", query.version);
      if (asked === "check") {
        var extra = eligibilityParams();
        Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); });
      }
    }
    var compare = compareState();
    if (compare) { params.set("a", compare.a); params.set("b", compare.b); }
    window.location.assign(pageFor(regionSelect.value, params));
  });

  // ---------------------------------------------------------------- copy
  function copy(text, button) {
    function done(ok) {
      var old = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", old);
      button.textContent = ok ? "Copied" : "Copy failed";
      window.setTimeout(function () { button.textContent = old; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      return;
    }
    var area = el("textarea", { readonly: "", "class": "offscreen" });
    area.value = text;
    body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    body.removeChild(area);
    done(ok);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var holder = button.parentNode;
    var code = holder.querySelector("[data-copy]") || holder.querySelector("pre") ||
      holder.querySelector("code");
    if (code) { copy(code.getAttribute("data-copy") || code.textContent, button); }
  });

  var copyLink = document.getElementById("copy-link");
  if (copyLink) {
    copyLink.addEventListener("click", function () { copy(window.location.href, copyLink); });
  }

  // ---------------------------------------------------------------- filters and sorting
  var filters = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.releases tbody tr"));

  function applyFilters() {
    var text = document.getElementById("f-text").value.trim().toLowerCase();
    var selects = Array.prototype.slice.call(filters.querySelectorAll("select[data-filter]"));
    var shown = 0;
    rows.forEach(function (row) {
      var ok = !text || text.split(/\s+/).every(function (word) {
        return row.getAttribute("data-text").indexOf(word) >= 0;
      });
      selects.forEach(function (select) {
        if (!ok || !select.value) { return; }
        var key = select.getAttribute("data-filter");
        var values = (row.getAttribute("data-" + key) || "").split(" ");
        ok = values.indexOf(select.value) >= 0;
      });
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("section.framework"), function (section) {
      var all = section.querySelectorAll("tbody tr").length;
      var visible = section.querySelectorAll("tbody tr:not([hidden])").length;
      section.querySelector("table").hidden = visible === 0;
      section.querySelector("p.empty").hidden = visible !== 0;
      section.querySelector(".shown-count").textContent =
        visible === all ? "(" + all + ")" : "(" + visible + " of " + all + " shown)";
    });
    document.getElementById("filter-count").textContent =
      shown + " of " + rows.length + " releases shown";
  }

  if (filters) {
    filters.addEventListener("input", applyFilters);
    filters.addEventListener("change", applyFilters);
    filters.addEventListener("submit", function (event) { event.preventDefault(); });
    filters.addEventListener("reset", function () { window.setTimeout(applyFilters, 0); });
    applyFilters();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.sort") : null;
    if (!button) { return; }
    var th = button.parentNode;
    var table = th.closest("table");
    var key = button.getAttribute("data-sort");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var tbody = table.querySelector("tbody");
    var list = Array.prototype.slice.call(tbody.rows);
    list.sort(function (x, y) {
      var a = x.getAttribute("data-k-" + key) || "";
      var b = y.getAttribute("data-k-" + key) || "";
      if (a === b) { return 0; }
      if (!a) { return 1; }  // unknown values last, either way
      if (!b) { return -1; }
      return (a < b ? -1 : 1) * (ascending ? 1 : -1);
    });
    list.forEach(function (row) { tbody.appendChild(row); });
  });

  // ---------------------------------------------------------------- compare
  var compareForm = document.getElementById("compare-form");
  var compareResult = document.getElementById("compare-result");
  var comparing = null;

  function compareState() { return comparing; }

  function fieldText(key, value) {
    var node = valueNode(key, value);
    return node.textContent;
  }

  function compareNow(a, b) {
    comparing = { a: a, b: b };
    var split = function (text) {
      var at = text.lastIndexOf(":");
      return { framework: text.slice(0, at), version: text.slice(at + 1),
        region: pageRegion || null };
    };
    compareResult.textContent = "";
    compareResult.appendChild(el("p", { "class": "pending" }, "Comparing..."));
    return Promise.all([askResolve(split(a)), askResolve(split(b))]).then(function (answers) {
      compareResult.textContent = "";
      var table = el("table", { "class": "compare" });
      table.appendChild(el("caption", {}, "Two releases side by side" +
        (pageRegion ? " in " + pageRegion : "") + "; rows that differ are marked"));
      var head = el("tr");
      head.appendChild(el("th", { scope: "col" }, "Field"));
      answers.forEach(function (answer) {
        var data = answer.body;
        head.appendChild(el("th", { scope: "col" }, answer.status === 200 ?
          data.framework + " " + data.framework_version : (data.detail || "no answer")));
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      [["smddp_version", "smddp"]].concat(LABELS).forEach(function (pair) {
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, pair[1]));
        var texts = answers.map(function (answer) {
          return answer.status === 200 ? fieldText(pair[0], answer.body[pair[0]]) : "-";
        });
        answers.forEach(function (answer) {
          var td = el("td");
          td.appendChild(answer.status === 200 ? valueNode(pair[0], answer.body[pair[0]]) :
            el("span", { "class": "none" }, "-"));
          tr.appendChild(td);
        });
        if (texts[0] !== texts[1]) {
          tr.className = "differs";
          tr.firstChild.appendChild(el("span", { "class": "tag" }, "differs"));
        }
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      var wrap = el("div", { "class": "compare-wrap" });
      wrap.appendChild(table);
      compareResult.appendChild(wrap);
      var query = asked === "resolve" ? formQuery() : null;
      remember(query, asked === "check" ? eligibilityParams() : null);
    });
  }

  if (compareForm) {
    compareForm.addEventListener("submit", function (event) {
      event.preventDefault();
      compareNow(document.getElementById("cmp-a").value, document.getElementById("cmp-b").value);
    });
  }

  // ---------------------------------------------------------------- from the address
  // ?framework=torch&version=2.3&region=US-WEST-2 asks exactly that: the API canonicalises
  // the names and the form shows the canonical names it returns. A parameter that is there
  // with an empty value is asked as it is (the API answers 400 naming it), never read as
  // "not given": a link gets the same answer from the page as from /v1/resolve.
  (function fromAddress() {
    var params = new URLSearchParams(window.location.search);
    versionList();
    var framework = params.get("framework");
    var wanted = params.get("region");
    var a = params.get("a");
    var b = params.get("b");
    if (a && b && compareForm) {
      document.getElementById("cmp-a").value = a;
      document.getElementById("cmp-b").value = b;
      compareNow(a, b);
    }
    if (api === "static" && wanted !== null) {
      // The static copy's region is its file (index-{region}.html): load that page, or say
      // that this copy has no answer for the region (an empty one included: the API's 400).
      params.delete("region");
      load("v1/answers/index.json").then(function (index) {
        var name = own(index.regions, wanted.trim().toLowerCase());
        if (name && name !== pageRegion) { window.location.replace(pageFor(name, params)); return; }
        if (name) { ask(framework, pageRegion); return; }
        if (framework !== null || wanted.trim()) {
          var problem = unknown(index, "region", wanted);
          showProblem(problem.status, problem.body);
        }
      });
      return;
    }
    // Live: the address's region as written (null when absent); static: the page's own.
    ask(framework, api === "static" ? (pageRegion || null) : wanted);

    function ask(name, region) {
      if (name === null) { return; }
      var version = params.get("version");
      var query = { framework: name, version: version === null ? "latest" : version,
        region: region };
      versionInput.value = query.version;
      var eligibility = document.getElementById("eligibility");
      if (eligibility && params.get("instance_type")) {
        document.getElementById("ef-type").value = params.get("instance_type");
      }
      if (eligibility && params.get("instance_count")) {
        document.getElementById("ef-count").value = params.get("instance_count");
      }
      if (params.get("check") && eligibility) {
        checkNow(query);
      } else {
        resolveNow(query);
      }
    }
  })();
})();
