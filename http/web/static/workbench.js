/* The workbench's own script (no third-party code). Everything here is an
   extra: every page works without it. Written for Chromium >= 90.
   - queues refresh themselves: [data-refresh="30"] is fetched again every
     30 s and swapped in (not while the tab is hidden);
   - saved filters: a filter form with data-saved-filters="<name>" can save
     the current query under a name (kept in this browser's localStorage);
   - shortcuts ("/" search, "g h" the queues, "g r" the registry, "?" help),
     which the user can turn off in the header; they never fire while typing;
   - forms with data-confirm ask before sending. */
(function () {
  "use strict";
  var store = window.localStorage;

  // ---------------------------------------------------------- refreshing
  var region = document.querySelector("[data-refresh]");
  if (region) {
    var seconds = Math.max(5, parseInt(region.getAttribute("data-refresh"), 10) || 30);
    setInterval(function () {
      if (document.visibilityState !== "visible") return;
      fetch(window.location.href, { credentials: "same-origin", redirect: "manual" }).then(function (r) {
        if (!r.ok) return null;  // signed out or refused: leave the page as it is
        return r.text();
      }).then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (!fresh) return;
        region.innerHTML = fresh.innerHTML;
        var note = region.querySelector(".refresh-note");
        if (note) note.textContent = "已于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }) + " 自动刷新（每" + seconds + "秒）。";
      }).catch(function () { /* offline for a moment: try again next time */ });
    }, seconds * 1000);
  }

  // ------------------------------------------------------- saved filters
  var filters = document.querySelector("form[data-saved-filters]");
  if (filters && store) {
    var key = "ledger.filters." + filters.getAttribute("data-saved-filters");
    var read = function () { try { return JSON.parse(store.getItem(key) || "[]"); } catch (e) { return []; } };
    var box = document.createElement("p");
    box.className = "saved-filters";
    filters.parentNode.insertBefore(box, filters.nextSibling);
    var draw = function () {
      box.textContent = "";
      var saved = read();
      var label = document.createElement("span");
      label.textContent = saved.length ? "已保存的筛选：" : "";
      box.appendChild(label);
      saved.forEach(function (item, i) {
        var a = document.createElement("a");
        a.href = filters.getAttribute("action") + (item.query ? "?" + item.query : "");
        a.textContent = item.name;
        box.appendChild(a);
        var del = document.createElement("button");
        del.type = "button"; del.className = "link"; del.textContent = "删除";
        del.setAttribute("aria-label", "删除筛选 " + item.name);
        del.addEventListener("click", function () { var s = read(); s.splice(i, 1); store.setItem(key, JSON.stringify(s)); draw(); });
        box.appendChild(del);
      });
      var save = document.createElement("button");
      save.type = "button"; save.textContent = "保存当前筛选";
      save.addEventListener("click", function () {
        var query = new URLSearchParams(new FormData(filters)).toString();
        var name = window.prompt("为当前筛选条件起个名字：", "");
        if (!name) return;
        var s = read().filter(function (x) { return x.name !== name; });
        s.push({ name: name.slice(0, 30), query: query });
        store.setItem(key, JSON.stringify(s));
        draw();
      });
      box.appendChild(save);
    };
    draw();
  }

  // ----------------------------------------------------------- shortcuts
  var toggle = document.getElementById("shortcut-toggle");
  var on = function () { return !store || store.getItem("ledger.shortcuts") !== "off"; };
  var show = function () { if (toggle) toggle.textContent = "快捷键：" + (on() ? "开" : "关"); };
  if (toggle) {
    toggle.hidden = false;
    show();
    toggle.addEventListener("click", function () { if (store) store.setItem("ledger.shortcuts", on() ? "off" : "on"); show(); });
  }
  var pending = null;
  document.addEventListener("keydown", function (e) {
    if (!on() || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (pending === "g") {
      pending = null;
      if (e.key === "h") { window.location.href = "/w/"; e.preventDefault(); }
      if (e.key === "r") { window.location.href = "/w/registry"; e.preventDefault(); }
      return;
    }
    if (e.key === "g") { pending = "g"; setTimeout(function () { pending = null; }, 1500); return; }
    if (e.key === "/") {
      var field = document.querySelector("#filters input, #filters select");
      if (field) { field.focus(); e.preventDefault(); }
    }
    if (e.key === "?") {
      window.alert("快捷键：/ 定位到筛选框；g h 打开待办；g r 打开台账。可在页面右上角关闭快捷键。");
    }
  });

  // ------------------------------------------------------------- confirm
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
