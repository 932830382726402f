/* Tsudoi editor: schedule rules edited as rules — weekdays, every week or the nth weeks of the
 * month (最終 included), start and end times — with the next three dates shown as residents will
 * see them (POST /api/schedule/preview: the server's one schedule engine, holidays included).
 * A rule's other conditions (months, days of the month, meeting on holidays) are kept as read. */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$, el = T.el;
  var seq = 0;        /* ids stay unique however often rules are added and removed */
  var asked = 0;      /* only the latest preview is shown */
  var timer = null;
  E.preview = null;   /* the last good preview */

  var WEEKS = [1, 2, 3, 4, 5, -1];

  function check(name, value, label, checked) {
    var wrap = el("label", "check");
    var input = el("input");
    input.type = "checkbox";
    input.name = name;
    input.value = String(value);
    input.checked = !!checked;
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function radio(name, value, label, checked) {
    var wrap = el("label", "check");
    var input = el("input");
    input.type = "radio";
    input.name = name;
    input.value = value;
    input.checked = checked;
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function timeField(id, label, value) {
    var box = el("div", "field time-field");
    var lab = el("label", "field-label", label);
    lab.htmlFor = id;
    var input = el("input");
    input.type = "time";
    input.id = id;
    input.value = value || "";
    box.appendChild(lab);
    box.appendChild(input);
    return box;
  }

  function group(legend, className) {
    var fs = el("fieldset", "sub-group" + (className ? " " + className : ""));
    fs.appendChild(el("legend", "field-label", legend));
    return fs;
  }

  function extraOf(rule) {
    var extra = {};
    ["months", "dates", "skip_holidays"].forEach(function (k) {
      if (rule[k] !== undefined && rule[k] !== null) extra[k] = rule[k];
    });
    return extra;
  }

  function ruleBox(rule) {
    var n = ++seq;
    var fs = el("fieldset", "rule");
    fs.ruleExtra = extraOf(rule);
    fs.appendChild(el("legend", "rule-legend"));

    var days = group(t("Weekdays"), "weekdays");
    var on = new Set(rule.weekdays || []);
    for (var d = 0; d < 7; d++) days.appendChild(check("wd-" + n, d, E.label("weekday", d), on.has(d)));
    fs.appendChild(days);

    var nth = rule.weeks !== null && rule.weeks !== undefined;
    var weeks = group(t("Which weeks"), "weeks");
    weeks.appendChild(radio("mode-" + n, "every", t("Every week (毎週)"), !nth));
    weeks.appendChild(radio("mode-" + n, "nth", t("Some weeks of the month (第n週)"), nth));
    var which = el("div", "week-checks");
    var chosen = new Set(rule.weeks || []);
    WEEKS.forEach(function (w) { which.appendChild(check("wk-" + n, w, E.label("week", w), chosen.has(w))); });
    which.hidden = !nth;
    weeks.appendChild(which);
    fs.appendChild(weeks);
    weeks.addEventListener("change", function (e) {
      if (e.target.type === "radio") which.hidden = e.target.value !== "nth" || !e.target.checked;
    });

    var times = el("div", "times");
    times.appendChild(timeField("start-" + n, t("Starts at"), rule.start));
    times.appendChild(timeField("end-" + n, t("Ends at"), rule.end));
    fs.appendChild(times);

    if (Object.keys(fs.ruleExtra).length) {
      fs.appendChild(el("p", "hint", t("This rule also has conditions this form does not show (months, days of the month, holidays); they are kept.")));
    }
    var remove = el("button", "text-button rule-remove");
    remove.type = "button";
    remove.setAttribute("data-write", "");
    remove.addEventListener("click", function () {
      var next = fs.nextElementSibling || fs.previousElementSibling;
      fs.remove();
      renumber();
      E.schedulePreview();
      if (next) next.querySelector("input").focus();
      else $("rule-add").focus();
    });
    fs.appendChild(remove);
    return fs;
  }

  function renumber() {
    Array.prototype.forEach.call($("rules").querySelectorAll(".rule"), function (fs, i) {
      fs.querySelector(".rule-legend").textContent = t("Rule {n}", { n: i + 1 });
      fs.querySelector(".rule-remove").textContent = t("Remove rule {n}", { n: i + 1 });
    });
  }

  E.setRules = function (rules) {
    var box = $("rules");
    box.textContent = "";
    (rules || []).forEach(function (r) { box.appendChild(ruleBox(r)); });
    renumber();
    E.schedulePreview(true);
  };

  function values(fs, selector) {
    return Array.prototype.map.call(fs.querySelectorAll(selector), function (i) { return parseInt(i.value, 10); });
  }

  /** The rules as the form says them now, in the stored shape. */
  E.getRules = function () {
    return Array.prototype.map.call($("rules").querySelectorAll(".rule"), function (fs) {
      var nth = fs.querySelector('.weeks input[type="radio"][value="nth"]').checked;
      var times = fs.querySelectorAll('input[type="time"]');
      var rule = {
        weekdays: values(fs, '.weekdays input:checked'),
        weeks: nth ? values(fs, '.week-checks input:checked') : null,
        start: times[0].value || null,
        end: times[1].value || null,
      };
      Object.keys(fs.ruleExtra).forEach(function (k) { rule[k] = fs.ruleExtra[k]; });
      return rule;
    });
  };

  function timesText(s) {
    if (!s.start) return "";
    return " " + s.start + (s.end ? "〜" + s.end : "");
  }

  function showPreview(res) {
    var box = $("preview");
    box.textContent = "";
    if (!res.ok) {
      E.preview = null;
      box.appendChild(el("p", "form-error", res.status === 422 && res.body ? t("These rules cannot be used: {detail}", { detail: res.body.detail }) : E.problemText(res)));
      return;
    }
    E.preview = res.body;
    if (!res.body.dates.length) {
      box.appendChild(el("p", "", E.getRules().length
        ? t("No date within a year: residents will see “Not decided yet”.")
        : t("No rules: residents will see “Please ask the organiser” instead of a date.")));
      return;
    }
    var list = el("ol", "preview-dates");
    res.body.sessions.forEach(function (s) {
      var li = el("li", "", T.formatDate(s.date) + timesText(s));
      li.setAttribute("data-date", s.date);
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(el("p", "preview-text", T.lang === "en" ? res.body.text_en : res.body.text_ja));
  }

  /** Ask for the preview after a short pause (at once with `now`). */
  E.schedulePreview = function (now) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var mine = ++asked;
      E.send("POST", T.config.api.preview, { schedule_rules: E.getRules() }).then(function (res) {
        if (mine === asked) showPreview(res);
      });
    }, now ? 0 : 250);
  };

  /** A rule in a few words for the history (the server's words are in the preview). */
  E.ruleText = function (r) {
    var days = (r.weekdays || []).map(function (d) { return E.label("weekday", d); }).join("・");
    var weeks = r.weeks ? r.weeks.map(function (w) { return E.label("week", w); }).join("・") + " " : t("Every week (毎週)") + " ";
    var times = r.start ? " " + r.start + (r.end ? "〜" + r.end : "") : "";
    var dates = r.dates ? " " + r.dates.join("・") + t("(day of month)") : "";
    return weeks + days + dates + times;
  };

  E.wireRules = function () {
    $("rules").addEventListener("change", function () { E.schedulePreview(); });
    $("rule-add").addEventListener("click", function () {
      var box = ruleBox({ weekdays: [], weeks: null, start: null, end: null });
      $("rules").appendChild(box);
      renumber();
      box.querySelector("input").focus();
    });
    $("schedule-from-rules").addEventListener("click", function () {
      if (E.preview) {
        $("p-schedule").value = E.preview.text_ja;
        E.say(t("The text now says: {text}", { text: E.preview.text_ja }));
      } else {
        E.say(t("Correct the rules first: they cannot be described yet."));
      }
    });
  };
})(window.Tsudoi);
