// Passerelle: optional niceties for the document page. Every link works without this file.
// - A link to a passage that no longer exists (its id is only in the URL fragment, which never
//   reaches the server) shows the notice that the page carries hidden.
// - The "link to this passage" anchors also copy the passage's permalink to the clipboard.
(function () {
  "use strict";

  function fragmentId() {
    var hash = window.location.hash.slice(1);
    // "#:~:text=..." is a text fragment, not an element id.
    if (!hash || hash.indexOf(":~:") === 0) {
      return "";
    }
    try {
      return decodeURIComponent(hash.split(":~:")[0]);
    } catch (error) {
      return hash;
    }
  }

  function showMissingNotice() {
    var notice = document.getElementById("passage-missing");
    var id = fragmentId();
    if (notice && id && !document.getElementById(id)) {
      notice.hidden = false;
    }
  }

  function announce(status) {
    status.textContent = status.getAttribute("data-message");
    status.hidden = false;
    window.clearTimeout(announce.timer);
    announce.timer = window.setTimeout(function () {
      status.hidden = true;
    }, 2500);
  }

  function copyOnClick(link, status) {
    link.addEventListener("click", function () {
      // The link still follows its #anchor; copying is a bonus where the clipboard is available.
      if (!navigator.clipboard || !status) {
        return;
      }
      navigator.clipboard.writeText(link.getAttribute("data-permalink")).then(function () {
        announce(status);
      }, function () {});
    });
  }

  function init() {
    var status = document.getElementById("copy-status");
    var links = document.querySelectorAll("a.permalink[data-permalink]");
    for (var i = 0; i < links.length; i += 1) {
      copyOnClick(links[i], status);
    }
    showMissingNotice();
    window.addEventListener("hashchange", showMissingNotice);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
