// smddp-compat page: region picker, resolve form and copy buttons.
// Plain JavaScript, served as a file so the Content-Security-Policy can say script-src 'self'.
// Image URIs are rebuilt as compat.resolve builds them:
//   {account}.dkr.ecr.{region}.{dns_suffix}/{repository}:{tag}
(function () {
  "use strict";

  var picker = document.getElementById("region");
  var form = document.getElementById("resolve-form");
  var result = document.getElementById("resolve-result");
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
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", region ? "?region=" + encodeURIComponent(region.name) : "/");
    }
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

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams();
    params.set("framework", document.getElementById("rf-framework").value);
    params.set("version", document.getElementById("rf-version").value);
    var region = chosenRegion();
    if (region) { params.set("region", region.name); }
    result.className = "pending";
    result.textContent = "Resolving...";
    fetch("/v1/resolve?" + params.toString(), { headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.ok) { showAnswer(answer.body); } else { showProblem(answer.body); }
      })
      .catch(function () { showProblem({ message: "the server could not be reached" }); });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var code = button.parentNode.querySelector("code");
    if (code) { copy(code.textContent, button); }
  });
})();
