import { session } from "../api.js";
import "../layout.js";
import { wireFiling } from "../filing.js";
import { $, el, fill, loginHref } from "../ui.js";

const form = $("#case-filing-form");
const type = $("#filing-type");
const appearance = $("#appearance-fields");
const SUBMIT_LABELS = {
  notice_of_appearance: "File the notice of appearance",
  motion: "File the motion",
  brief: "File the brief",
};

function syncType() {
  const isAppearance = type.value === "notice_of_appearance";
  appearance.hidden = !isAppearance;
  $("#party-name").required = isAppearance;
  $("#submit").textContent = SUBMIT_LABELS[type.value] || "File it";
}

const params = new URLSearchParams(location.search);
if (params.get("case")) $("#case-number").value = params.get("case");
if (params.get("type") && SUBMIT_LABELS[params.get("type")]) type.value = params.get("type");
type.addEventListener("change", syncType);
syncType();

function collect() {
  const isAppearance = type.value === "notice_of_appearance";
  const party = $("#party-name").value.trim();
  return {
    metadata: {
      type: type.value,
      case_number: $("#case-number").value.trim(),
      parties: isAppearance && party ? [{ name: party, role: $("#party-role").value }] : [],
      description: $("#description").value.trim(),
      ...(isAppearance ? { receive_notices: $("#receive-notices").checked } : {}),
    },
    lead: $("#lead").files[0] || null,
    attachments: Array.from($("#attachments").files),
  };
}

if (!session()) {
  fill($("#filing-gate"), el("p", { class: "panel panel-warn" },
    el("a", { href: loginHref() }, "Log in"), " to file. New to the court? ",
    el("a", { href: "/register" }, "Register and apply to e-file"), "."));
}
wireFiling(form, collect);
