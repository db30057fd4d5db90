// The /admin page: with the admin token, it lists the indexed files and the recent tasks, uploads,
// replaces and deletes (a file, or one record of a collection), all through the JSON API with the token as a bearer header. Nothing of the index is
// in the page before a valid token is given. A separate file because the Content-Security-Policy
// forbids inline script.
"use strict";

(function () {
  const root = document.getElementById("admin");
  if (!root) {
    return;
  }
  const strings = JSON.parse(root.dataset.strings);
  const status = document.getElementById("admin-status");
  const token = document.getElementById("admin-token");
  const tokenForm = document.getElementById("token-form");
  const form = document.getElementById("upload-form");
  const listing = document.getElementById("admin-index");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  // The API speaks English; the page shows its messages in the interface's language.
  function translated(message) {
    let text = String(message);
    for (const [english, local] of strings.messages) {
      text = text.split(english).join(local);
    }
    return text;
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

  function failure(response, data) {
    if (response.status === 401) {
      return strings.wrong_token;
    }
    if (response.status === 413) {
      return strings.too_large;
    }
    return translated(data.error || String(response.status));
  }

  const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

  // Uploads and deletions answer 202 with a task: follow it until it succeeds or fails.
  async function call(method, url, body) {
    say(strings.working, false);
    let { response, data } = await request(method, url, body);
    if (response.status === 202) {
      const taskUrl = data.url;
      say(fill(strings.queued, data), false);
      do {
        await sleep(300);
        ({ response, data } = await request("GET", taskUrl));
      } while (response.ok && !["succeeded", "failed", "cancelled"].includes(data.status));
      if (response.ok && data.status === "failed") {
        say(translated(data.error.message), true);
        return null;
      }
      if (response.ok && data.status === "cancelled") {
        say(strings.task_cancelled, true);
        return null;
      }
      if (response.ok) {
        const passages = data.documents.reduce((sum, d) => sum + (d.passages || 0), 0);
        return { doc_id: (data.documents[0] || {}).doc_id, passages: passages };
      }
    }
    if (!response.ok || !data.ok) {
      say(failure(response, data), true);
      return null;
    }
    return data;
  }

  function documentUrl(docId) {
    return docId.split("/").map(encodeURIComponent).join("/");
  }

  function cell(row, text) {
    const td = row.insertCell();
    td.textContent = text;
    return td;
  }

  function button(className, text, onClick) {
    const made = document.createElement("button");
    made.type = "button";
    made.className = className;
    made.textContent = text;
    made.addEventListener("click", onClick);
    return made;
  }

  // "Replace": the upload form, told which document the next file replaces.
  function chooseReplacement(docId) {
    document.getElementById("upload-replace").value = docId;
    document.getElementById("upload-file").focus();
    say(fill(strings.replacing, { doc_id: docId }), false);
  }

  function showFiles(files) {
    const body = document.querySelector("#documents-table tbody");
    body.replaceChildren();
    for (const file of files) {
      const row = body.insertRow();
      cell(row, file.path);
      const ids = row.insertCell();
      file.doc_ids.forEach((docId, number) => {
        const link = document.createElement("a");
        link.href = root.dataset.doc + documentUrl(docId);
        link.textContent = docId;
        ids.append(...(number ? [", ", link] : [link]));
      });
      const action = row.insertCell();
      if (file.collection) {
        // Each record can go on its own: a small button after its id.
        ids.querySelectorAll("a").forEach((link) => {
          const docId = link.textContent;
          const remover = button("delete-record", "×", () => removeRecord(remover, file.path));
          remover.dataset.docId = docId;
          remover.setAttribute("aria-label", fill(strings.delete_record_label, { doc_id: docId }));
          remover.title = remover.getAttribute("aria-label");
          link.after(" ", remover);
        });
        const whole = button("delete-file", strings.delete_file, () => removeFile(whole));
        whole.dataset.path = file.path;
        whole.setAttribute("aria-label", fill(strings.delete_file_label, { path: file.path, n: file.doc_ids.length }));
        action.append(whole);
      } else {
        const remover = button("delete-document", strings.delete, () => remove(remover));
        remover.dataset.docId = file.doc_ids[0];
        action.append(remover);
      }
      const replacer = button("replace-document", strings.replace, () => chooseReplacement(file.doc_ids[0]));
      replacer.setAttribute("aria-label", fill(strings.replace_label, { doc_id: file.doc_ids[0] }));
      action.append(" ", replacer);
    }
    document.getElementById("documents-table").hidden = !files.length;
    document.getElementById("no-documents").hidden = Boolean(files.length);
  }

  function showTasks(tasks) {
    const body = document.querySelector("#tasks-table tbody");
    body.replaceChildren();
    for (const task of tasks) {
      const row = body.insertRow();
      cell(row, task.task);
      cell(row, strings["task_" + task.type] || task.type);
      cell(row, task.path);
      cell(row, strings["task_" + task.status] || task.status).className = "task-" + task.status;
      const outcome = task.error
        ? translated(task.error.message)
        : task.documents.map((d) => d.doc_id + (d.passages === undefined ? "" : " (" + d.passages + ")")).join(", ");
      const last = cell(row, outcome);
      // A task not yet ended can be cancelled (but a deletion already being applied).
      if (task.status === "enqueued" || (task.status === "processing" && task.type !== "delete")) {
        last.append(" ", button("cancel-task", strings.cancel, () => cancelTask(task.task)));
      }
    }
    document.getElementById("tasks-table").hidden = !tasks.length;
    document.getElementById("no-tasks").hidden = Boolean(tasks.length);
  }

  async function cancelTask(id) {
    const { response, data } = await request("DELETE", root.dataset.tasks + "/" + id);
    say(response.ok ? strings.task_cancelled : failure(response, data), !response.ok);
    await showIndex();
  }

  // The index's files and tasks, fetched with the token: shown only when it is accepted.
  async function showIndex() {
    const files = await request("GET", root.dataset.api);
    if (!files.response.ok) {
      listing.hidden = true;
      say(failure(files.response, files.data), true);
      return false;
    }
    const tasks = await request("GET", root.dataset.tasks + "?limit=20");
    showFiles(files.data.files);
    showTasks(tasks.response.ok ? tasks.data.tasks : []);
    listing.hidden = false;
    return true;
  }

  tokenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await showIndex()) {
      say("", false);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!token.reportValidity()) {
      return;
    }
    const replacing = document.getElementById("upload-replace").value.trim();
    const data = await call("POST", root.dataset.api, new FormData(form));
    if (data) {
      form.reset();
      await showIndex();
      say(fill(replacing ? strings.replaced : strings.uploaded, data), false);
    }
  });

  async function remove(button) {
    const docId = button.dataset.docId;
    if (!token.reportValidity() || !window.confirm(fill(strings.confirm, { doc_id: docId }))) {
      return;
    }
    const data = await call("DELETE", root.dataset.api + "/" + documentUrl(docId));
    if (data) {
      button.closest("tr").remove();
      await showIndex();
      say(fill(strings.deleted, { doc_id: docId }), false);
    }
  }

  async function removeRecord(remover, path) {
    const docId = remover.dataset.docId;
    if (!token.reportValidity() || !window.confirm(fill(strings.confirm_record, { doc_id: docId, path: path }))) {
      return;
    }
    if (await call("DELETE", root.dataset.api + "/" + documentUrl(docId))) {
      await showIndex();
      say(fill(strings.deleted, { doc_id: docId }), false);
    }
  }

  async function removeFile(remover) {
    const path = remover.dataset.path;
    if (!token.reportValidity() || !window.confirm(fill(strings.confirm_file, { path: path }))) {
      return;
    }
    if (await call("DELETE", root.dataset.files + documentUrl(path))) {
      await showIndex();
      say(fill(strings.deleted_file, { path: path }), false);
    }
  }
})();
