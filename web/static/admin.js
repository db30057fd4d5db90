// The /admin page: uploads and deletions through the JSON API, with the token as a bearer header.
// A separate file because the Content-Security-Policy forbids inline script.
"use strict";

(function () {
  const root = document.getElementById("admin");
  if (!root) {
    return;
  }
  const status = document.getElementById("admin-status");
  const token = document.getElementById("admin-token");
  const form = document.getElementById("upload-form");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function say(message, isError) {
    status.textContent = message; // textContent: server messages are never parsed as HTML
    status.classList.toggle("error", Boolean(isError));
  }

  async function request(method, url, body) {
    const response = await fetch(url, {
      method: method,
      headers: { Authorization: "Bearer " + token.value.trim() },
      body: body,
      credentials: "same-origin",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = { ok: false, error: response.status + " " + response.statusText };
    }
    return { response: response, data: data };
  }

  const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

  // Uploads and deletions answer 202 with a task: follow it until it succeeds or fails.
  async function call(method, url, body) {
    say(root.dataset.msgWorking, false);
    let { response, data } = await request(method, url, body);
    if (response.status === 202) {
      const taskUrl = data.url;
      say(fill(root.dataset.msgQueued, data), false);
      do {
        await sleep(300);
        ({ response, data } = await request("GET", taskUrl));
      } while (response.ok && data.status !== "succeeded" && data.status !== "failed");
      if (response.ok && data.status === "failed") {
        say(data.error.message, true);
        return null;
      }
      if (response.ok) {
        const passages = data.documents.reduce((sum, d) => sum + (d.passages || 0), 0);
        return { doc_id: (data.documents[0] || {}).doc_id, passages: passages };
      }
    }
    if (!response.ok || !data.ok) {
      say(data.error || String(response.status), true);
      return null;
    }
    return data;
  }

  function documentUrl(docId) {
    return root.dataset.api + "/" + docId.split("/").map(encodeURIComponent).join("/");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!token.reportValidity()) {
      return;
    }
    const data = await call("POST", root.dataset.api, new FormData(form));
    if (data) {
      say(fill(root.dataset.msgUploaded, data), false);
      form.reset();
      window.setTimeout(() => window.location.reload(), 1500);
    }
  });

  for (const button of document.querySelectorAll(".delete-document")) {
    button.addEventListener("click", async () => {
      const docId = button.dataset.docId;
      if (!token.reportValidity() || !window.confirm(fill(root.dataset.msgConfirm, { doc_id: docId }))) {
        return;
      }
      const data = await call("DELETE", documentUrl(docId));
      if (data) {
        say(fill(root.dataset.msgDeleted, { doc_id: docId }), false);
        button.closest("tr").remove();
      }
    });
  }
})();
