// Switchboard web form snippet: <script src=".../form.js" data-form="FORM_ID" data-endpoint="https://..." async></script>
// Renders the form where the tag stands. Every text shown is set as text, never as markup.
(function () {
  "use strict";
  const tag = document.currentScript;
  if (!tag) return;
  const formId = tag.dataset.form;
  const endpoint = (tag.dataset.endpoint || "").replace(/\/+$/, "");
  const url = endpoint + "/forms/" + encodeURIComponent(formId);
  const UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  const INPUTS = {phone: "tel", email: "email", amount: "text"};

  const box = document.createElement("div");
  box.className = "switchboard-form";
  box.dataset.form = formId;
  tag.parentNode.insertBefore(box, tag.nextSibling);

  function el(name, props, children) {
    const node = document.createElement(name);
    Object.assign(node, props || {});
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function utm() {
    const params = new URLSearchParams(window.location.search);
    const found = {};
    for (const name of UTM) if (params.get(name)) found[name] = params.get(name).slice(0, 200);
    return found;
  }

  function render(form) {
    const inputs = {};
    const errors = {};
    const fields = [];
    for (const field of form.fields) {
      const id = "sb-" + formId + "-" + field.key;
      const input = field.kind === "comment" || field.kind === "custom"
        ? el("textarea", {id: id, name: field.key, rows: 3})
        : el("input", {id: id, name: field.key, type: INPUTS[field.kind] || "text"});
      if (field.kind === "amount") input.inputMode = "decimal";
      input.required = field.required;
      inputs[field.key] = input;
      errors[field.key] = el("div", {className: "switchboard-error", role: "alert"});
      const label = el("label", {htmlFor: id, textContent: field.label + (field.required ? " *" : "")});
      fields.push(el("p", {}, [label, el("br"), input, errors[field.key]]));
    }
    // Hidden from people (and from assistive technology); only an automated sender fills it.
    const trap = el("input", {name: "website", type: "text", tabIndex: -1, autocomplete: "off"});
    const trapBox = el("div", {}, [trap]);
    trapBox.setAttribute("aria-hidden", "true");
    Object.assign(trapBox.style, {position: "absolute", left: "-10000px", width: "1px", height: "1px", overflow: "hidden"});
    const consent = el("input", {type: "checkbox", name: "consent", id: "sb-" + formId + "-consent", required: true});
    errors.consent = el("div", {className: "switchboard-error", role: "alert"});
    const consentLabel = el("label", {htmlFor: consent.id, textContent: form.consent_text});
    const status = el("div", {className: "switchboard-status", role: "status"});
    const button = el("button", {type: "submit", textContent: "Send"});
    const node = el("form", {noValidate: true}, [
      ...fields, trapBox, el("p", {}, [consent, document.createTextNode(" "), consentLabel, errors.consent]), button, status,
    ]);
    for (const error of Object.values(errors)) error.style.color = "#b00020";
    // One key per filled form: a double click, or sending again after an error, is the same submission.
    let key = newKey();
    let sending = false;
    node.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (sending) return;
      sending = true;
      button.disabled = true;
      status.textContent = "Sending…";
      for (const error of Object.values(errors)) error.textContent = "";
      const values = {};
      for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) values[name] = input.value;
      const body = {
        version: form.version, fields: values, consent: consent.checked, idempotency_key: key,
        page_url: window.location.href.slice(0, 2000), utm: utm(), website: trap.value,
      };
      try {
        const response = await fetch(url, {
          method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "omit",
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok) {
          box.replaceChildren(el("p", {className: "switchboard-success", textContent: answer.message || "Thank you!"}));
          return;
        }
        if (response.status === 409) { start(); return; }
        for (const [name, problem] of Object.entries(answer.fields || {})) {
          if (errors[name]) errors[name].textContent = problem;
        }
        status.textContent = response.status === 429
          ? "Too many submissions; please wait " + (response.headers.get("Retry-After") || "a few") + " s and send again."
          : (answer.error || "The form could not be sent; please try again.");
      } catch (failure) {
        status.textContent = "The form could not be sent; please try again.";
      } finally {
        sending = false;
        button.disabled = false;
      }
    });
    box.replaceChildren(el("p", {className: "switchboard-title", textContent: form.name}), node);
  }

  async function start() {
    try {
      const response = await fetch(url, {credentials: "omit"});
      if (!response.ok) throw new Error("form " + response.status);
      render(await response.json());
    } catch (failure) {
      box.replaceChildren(el("p", {textContent: "The form cannot be shown now."}));
    }
  }

  start();
})();
