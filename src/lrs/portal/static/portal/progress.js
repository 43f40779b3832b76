// A batch's progress: poll the portal's JSON endpoint twice a second, update the progress bar,
// its text (with rows a second and the time left on a large file) and the status tag, and
// reload the page (totals, downloads) once the batch is done. A worker commits every 100 rows,
// so on a file of a few thousand rows the bar moves in steps rather than jumping 0 to 100 %.
// Without JavaScript the page has a "Refresh" link instead.
//
// Each poll is a request that keeps the session alive, so polling stops after 10 minutes:
// a page left open must not defeat the sign-out after inactivity. The Refresh link remains.
const POLL_MS = 500;
const MAX_POLLING_MS = 10 * 60 * 1000;
const container = document.getElementById("batch-progress");
const started = Date.now();

function later() {
  if (Date.now() - started < MAX_POLLING_MS) window.setTimeout(poll, POLL_MS);
}

async function poll() {
  let data;
  try {
    const response = await fetch(container.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "error", // signed out: the sign-in page is not progress
    });
    if (!response.ok) return; // gone or refused: leave the Refresh link to the user
    data = await response.json();
  } catch {
    return; // signed out, offline or not JSON: the Refresh link still works
  }
  const bar = document.getElementById("batch-progress-bar");
  bar.max = data.total;
  bar.value = data.done;
  bar.textContent = `${data.percent}%`;
  document.getElementById("batch-progress-text").textContent = data.text;
  const tag = document.getElementById("batch-status");
  if (tag) tag.textContent = data.status_label;
  if (data.complete) {
    window.location.reload();
    return;
  }
  later();
}

if (container && container.dataset.complete !== "true") {
  later();
}
