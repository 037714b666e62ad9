// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // Search as you type on lists: fetch the results fragment and swap it in.
  document.querySelectorAll("input[data-live]").forEach(function (input) {
    var form = input.form;
    var target = document.getElementById(input.getAttribute("data-live"));
    if (!form || !target) return;
    var timer = null;
    var seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var params = new URLSearchParams(new FormData(form));
        params.set("partial", "1");
        var mine = ++seq;
        fetch(form.action + "?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null || mine !== seq) return;
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById(target.id);
            if (fresh) { target.replaceWith(fresh); target = fresh; }
            params.delete("partial");
            history.replaceState(null, "", form.action + "?" + params.toString());
          })
          .catch(function () {});
      }, 200);
    });
  });
  // Figures still being computed (the dashboard of a large workspace, right after the
  // server started): fetch the page again every few seconds and swap in the part that
  // waits for them once they are there.
  var pending = document.querySelector("[data-refresh][id]");
  if (pending) {
    var every = 1000 * (parseInt(pending.getAttribute("data-refresh"), 10) || 3);
    var poll = function () {
      fetch(location.pathname, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(pending.id);
          if (!fresh) return;
          pending.replaceWith(fresh);
          pending = fresh;
          if (fresh.hasAttribute("data-refresh")) setTimeout(poll, every);
        })
        .catch(function () {});
    };
    setTimeout(poll, every);
  }
  // Selecting a new stage on the pipeline board moves the deal at once.
  document.querySelectorAll(".deal select[name=stage]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.requestSubmit(); });
  });
})();
