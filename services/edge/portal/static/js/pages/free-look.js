// The free look linked from a notice of docket activity: a confirmation step first (a mail
// scanner that follows the link does not use it up), then a plain form POST to the API, which
// answers the PDF once. The token is the only credential; no session is needed.
import { get } from "../api.js";
import "../layout.js";
import { $, el, fill, fromUtc, pathParam, plural, showError } from "../ui.js";

const token = pathParam(1);
const view = $("#free-look");

async function main() {
  let look;
  try {
    look = await get(`/api/v1/free-looks/${encodeURIComponent(token)}`);
  } catch (error) {
    fill(view, el("p", {}, "This free-look link cannot be used. Log in to open the document from the docket sheet (PACER fees apply)."));
    showError($("#free-look-message"), error, "This free look cannot be used");
    return;
  }
  const entry = look.entry_number ? `, docket entry ${look.entry_number}` : "";
  fill(view,
    el("dl", { class: "facts" },
      el("dt", {}, "Case"), el("dd", {}, `${look.case_number}${entry}`),
      el("dt", {}, "Document"), el("dd", {}, `${look.filename} (${plural(look.pages, "page")})`),
      el("dt", {}, "Sent to"), el("dd", {}, look.recipient_email),
      el("dt", {}, "Works until"), el("dd", {}, fromUtc(look.expires_at))),
    el("p", {}, "This link opens the document once, free of charge. After that it stops working; later views are charged at the usual PACER rate."),
    el("form", { method: "post", action: `/api/v1/free-looks/${encodeURIComponent(token)}` },
      el("button", { type: "submit", id: "use-free-look" }, "Open the document (uses this free look)")),
  );
}

main();
