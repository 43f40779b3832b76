// Start GOV.UK Frontend's components, then our own small enhancements.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// "Copy ULN" buttons: shown only where the browser can copy to the clipboard.
for (const button of document.querySelectorAll("[data-copy-uln]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(button.dataset.copyUln);
    const status = document.getElementById(button.getAttribute("aria-controls"));
    if (status) status.textContent = button.dataset.copiedText;
  });
}
