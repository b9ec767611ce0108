// smddp-compat page: region picker, resolve form and copy buttons.
// Plain JavaScript, served as a file so the Content-Security-Policy can say script-src 'self'.
// Image URIs are rebuilt as compat.resolve builds them:
//   {account}.dkr.ecr.{region}.{dns_suffix}/{repository}:{tag}
(function () {
  "use strict";

  var picker = document.getElementById("region");
  var form = document.getElementById("resolve-form");
  var result = document.getElementById("resolve-result");
  // "live": answers come from the API; "static": from the files written by export-site.
  var api = document.body.getAttribute("data-api") || "live";
  var frameworks = null;
  document.documentElement.classList.add("js");

  function chosenRegion() {
    var option = picker.options[picker.selectedIndex];
    if (!option || !option.value) { return null; }
    return {
      name: option.value,
      account: option.getAttribute("data-account"),
      suffix: option.getAttribute("data-suffix"),
      smp: option.getAttribute("data-smp") === "1",
      groups: (option.getAttribute("data-groups") || "").split(" ")
    };
  }

  function setCode(cell, text, available) {
    if (!cell) { return; }
    var code = cell.querySelector("code");
    var button = cell.querySelector("button.copy");
    code.textContent = text;
    code.classList.toggle("none", !available);
    if (button) { button.hidden = !available; }
  }

  function rewrite() {
    var region = chosenRegion();
    var smpAccount = picker.getAttribute("data-smp-account");
    var smpRepository = picker.getAttribute("data-smp-repository");
    var rows = document.querySelectorAll("tr[data-group]");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var repo = row.getAttribute("data-repository");
      var tag = row.getAttribute("data-tag");
      var smpTag = row.getAttribute("data-smp-tag");
      var imageCell = row.querySelector("td.image");
      var smpCell = row.querySelector("td.smp");
      if (!tag) { continue; }
      if (!region) {
        setCode(imageCell, repo + ":" + tag, true);
        if (smpTag) { setCode(smpCell, smpRepository + ":" + smpTag, true); }
        continue;
      }
      var host = "dkr.ecr." + region.name + "." + region.suffix;
      if (region.groups.indexOf(row.getAttribute("data-group")) < 0) {
        setCode(imageCell, "not published in " + region.name, false);
        setCode(smpCell, "-", false);
        continue;
      }
      setCode(imageCell, region.account + "." + host + "/" + repo + ":" + tag, true);
      if (smpTag) {
        if (region.smp) {
          setCode(smpCell, smpAccount + "." + host + "/" + smpRepository + ":" + smpTag, true);
        } else {
          setCode(smpCell, "-", false);
        }
      }
    }
    var hidden = document.getElementById("rf-region");
    if (hidden) { hidden.value = region ? region.name : ""; }
    remember();
  }

  // The address reflects the form, so that a link reproduces the answer.
  function remember(withAnswer) {
    if (!(window.history && window.history.replaceState)) { return; }
    var params = new URLSearchParams();
    var region = chosenRegion();
    if (withAnswer) {
      params.set("framework", document.getElementById("rf-framework").value);
      params.set("version", document.getElementById("rf-version").value);
    }
    if (region) { params.set("region", region.name); }
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

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
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    done(ok);
  }

  var COPYABLE = ["image", "image_uri", "smp_image_uri", "binary_url"];

  function term(list, key, value) {
    var dt = document.createElement("dt");
    dt.textContent = key;
    var dd = document.createElement("dd");
    if (value === null || value === undefined || value === "" ||
        (Array.isArray(value) && value.length === 0)) {
      dd.textContent = "-";
    } else if (Array.isArray(value)) {
      dd.textContent = value.map(function (v) {
        return typeof v === "object" ? (v.id || JSON.stringify(v)) : String(v);
      }).join(", ");
    } else {
      var code = document.createElement("code");
      code.textContent = String(value);
      dd.appendChild(code);
      if (COPYABLE.indexOf(key) >= 0) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "copy";
        button.textContent = "Copy";
        button.setAttribute("aria-label", "Copy the answer's " + key.replace(/_/g, " "));
        dd.appendChild(button);
      }
    }
    list.appendChild(dt);
    list.appendChild(dd);
  }

  function showAnswer(data) {
    result.textContent = "";
    result.className = "answer";
    var title = document.createElement("h3");
    title.textContent = data.framework + " " + data.framework_version + " with smddp " +
      data.smddp_version + (data.region ? " in " + data.region : "");
    result.appendChild(title);
    var list = document.createElement("dl");
    list.id = "resolve-answer";
    var keys = ["image_uri", "smp_image_uri", "binary_url", "python_version", "cuda_version", "os",
      "instance_types", "requirements", "confidence", "sources", "notes"];
    if (!data.region) { term(list, "image", data.repository && data.image_tag ? data.repository + ":" + data.image_tag : null); }
    keys.forEach(function (k) { term(list, k, data[k]); });
    result.appendChild(list);
  }

  function showProblem(problem) {
    result.textContent = "";
    result.className = "problem";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = problem.message || problem.detail || problem.title || "the request failed";
    result.appendChild(p);
    if (problem.hint) {
      var hint = document.createElement("p");
      hint.textContent = "hint: " + problem.hint;
      result.appendChild(hint);
    }
  }

  picker.addEventListener("change", rewrite);
  var showButton = document.querySelector("#region-form button");
  if (showButton) { showButton.hidden = true; }

  function fetchJson(url) {
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (response) {
      if (response.status === 404 && api === "static") { return { ok: false, body: null }; }
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  // The static site has one file per exact version: pick it as compat.resolve would for
  // an exact version, a prefix (1.13) or latest; a specifier needs the API.
  function staticVersion(framework, wanted) {
    var info = null;
    for (var i = 0; i < frameworks.length; i++) {
      if (frameworks[i].name === framework) { info = frameworks[i]; }
    }
    var versions = info ? info.versions : [];
    var text = wanted.trim().replace(/^v/i, "");
    if (text === "" || text.toLowerCase() === "latest") { return versions[0] || null; }
    for (var j = 0; j < versions.length; j++) {
      if (versions[j] === text || versions[j].indexOf(text + ".") === 0) { return versions[j]; }
    }
    return null;
  }

  function resolveStatic(framework, wanted, region) {
    var load = frameworks ? Promise.resolve(frameworks) :
      fetchJson("v1/frameworks.json").then(function (a) { frameworks = a.body || []; return frameworks; });
    return load.then(function () {
      var version = staticVersion(framework, wanted);
      if (!version) {
        return { ok: false, body: {
          message: "no " + framework + " release matches " + JSON.stringify(wanted) + " with smddp",
          hint: "this static copy answers exact versions, prefixes (1.13) and latest; versions: " +
            staticVersion.known(framework) } };
      }
      var file = "v1/resolve/" + encodeURIComponent(framework) + "/" + encodeURIComponent(version) +
        "/" + (region ? encodeURIComponent(region) : "index") + ".json";
      return fetchJson(file).then(function (answer) {
        if (answer.body === null) {
          answer.body = { message: framework + " " + version + " is not published in " + region,
            hint: "choose another region, or none for repository:tag" };
        }
        return answer;
      });
    });
  }
  staticVersion.known = function (framework) {
    for (var i = 0; i < frameworks.length; i++) {
      if (frameworks[i].name === framework) { return frameworks[i].versions.join(", "); }
    }
    return "-";
  };

  function submit() {
    var framework = document.getElementById("rf-framework").value;
    var version = document.getElementById("rf-version").value;
    var region = chosenRegion();
    result.className = "pending";
    result.textContent = "Resolving...";
    remember(true);
    var pending;
    if (api === "static") {
      pending = resolveStatic(framework, version, region ? region.name : null);
    } else {
      var params = new URLSearchParams();
      params.set("framework", framework);
      params.set("version", version);
      if (region) { params.set("region", region.name); }
      pending = fetchJson("/v1/resolve?" + params.toString());
    }
    pending
      .then(function (answer) {
        if (answer.ok) { showAnswer(answer.body); } else { showProblem(answer.body); }
      })
      .catch(function () { showProblem({ message: "the server could not be reached" }); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  function showReport(report) {
    result.textContent = "";
    // "partial": what ran passed, the quota checks did not run; say which, never "pass".
    var ran = report.status === "pass" || report.status === "partial";
    result.className = ran ? "answer" : "problem";
    var title = document.createElement("h3");
    title.textContent = report.instance_count + " x " + report.instance_type + " for " +
      report.framework + " " + (report.framework_version || report.version) + " in " +
      report.region + ": " + report.status +
      (report.not_checked && report.not_checked.length ?
        " (not checked: " + report.not_checked.join(", ") + ")" : "");
    result.appendChild(title);
    var list = document.createElement("ul");
    list.id = "eligibility-answer";
    report.checks.forEach(function (check) {
      var item = document.createElement("li");
      item.textContent = check.status.toUpperCase() + " " + check.name + ": " + check.message +
        (check.remedy ? " (" + check.remedy + ")" : "");
      list.appendChild(item);
    });
    result.appendChild(list);
  }

  var eligibility = document.getElementById("eligibility-form");
  if (eligibility) {
    eligibility.addEventListener("submit", function (event) {
      event.preventDefault();
      var region = chosenRegion();
      if (!region) {
        showProblem({ message: "choose a region above for the eligibility check",
          hint: "eligibility depends on where the image is published" });
        return;
      }
      var params = new URLSearchParams();
      params.set("framework", document.getElementById("ef-framework").value);
      params.set("version", document.getElementById("ef-version").value);
      params.set("region", region.name);
      params.set("instance_type", document.getElementById("ef-type").value);
      params.set("instance_count", document.getElementById("ef-count").value);
      result.className = "pending";
      result.textContent = "Checking...";
      fetchJson("/v1/preflight?" + params.toString())
        .then(function (answer) {
          if (answer.ok) { showReport(answer.body); } else { showProblem(answer.body); }
        })
        .catch(function () { showProblem({ message: "the server could not be reached" }); });
    });
  }

  // A link such as ?framework=pytorch&version=1.13.1&region=us-west-2 fills the form and answers.
  (function fromAddress() {
    var params = new URLSearchParams(window.location.search);
    var region = params.get("region");
    if (region && picker.value !== region) {
      picker.value = region;
      if (picker.value === region) { rewrite(); }
    }
    var framework = params.get("framework");
    if (framework) {
      var select = document.getElementById("rf-framework");
      select.value = framework;
      if (select.value === framework) {
        document.getElementById("rf-version").value = params.get("version") || "latest";
        submit();
      }
    }
  })();

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var code = button.parentNode.querySelector("code");
    if (code) { copy(code.textContent, button); }
  });
})();
