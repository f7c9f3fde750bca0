import { session } from "../api.js";
import "../layout.js";
import { wireFiling } from "../filing.js";
import { $, el, fill, loginHref } from "../ui.js";

const form = $("#petition-form");
const title = $("#title");
let titleEdited = false;

function suggestTitle() {
  if (titleEdited) return;
  const petitioner = $("#petitioner").value.trim();
  const respondent = $("#respondent").value.trim();
  title.value = petitioner && respondent ? `${petitioner} v. ${respondent}` : "";
}
$("#petitioner").addEventListener("input", suggestTitle);
$("#respondent").addEventListener("input", suggestTitle);
title.addEventListener("input", () => { titleEdited = title.value.trim() !== ""; });

function collect() {
  const attachments = Array.from($("#attachments").files);
  return {
    metadata: {
      type: "petition_for_review",
      case_type: $("#case-type").value,
      title: title.value.trim(),
      parties: [
        { name: $("#petitioner").value.trim(), role: "petitioner" },
        { name: $("#respondent").value.trim(), role: "respondent" },
      ],
      description: $("#description").value.trim(),
    },
    lead: $("#lead").files[0] || null,
    attachments,
  };
}

if (!session()) {
  fill($("#filing-gate"), el("p", { class: "panel panel-warn" },
    el("a", { href: loginHref() }, "Log in"), " to file. New to the court? ",
    el("a", { href: "/register" }, "Register and apply to e-file"), "."));
}
wireFiling(form, collect);
