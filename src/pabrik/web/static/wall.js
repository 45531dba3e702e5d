// The wall display: rotate through the lines, refresh the figures, keep the last ones offline.
(function () {
  "use strict";
  const body = document.body;
  const wall = document.getElementById("wall");
  const offline = document.querySelector("[data-wall-offline]");
  const rotateMs = Math.max(5, Number(body.dataset.rotateS) || 15) * 1000;
  const refreshMs = Math.max(5, Number(body.dataset.refreshS) || 30) * 1000;
  let index = 0;

  function lines() {
    return Array.from(wall.querySelectorAll(".wall-line"));
  }

  function show(n) {
    const all = lines();
    if (!all.length) return;
    index = ((n % all.length) + all.length) % all.length;
    all.forEach((el, i) => { el.hidden = i !== index; });
    document.documentElement.dataset.line = all[index].dataset.line || "";
  }

  async function refresh() {
    try {
      const r = await fetch(body.dataset.partial, { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) throw new Error(String(r.status));
      wall.innerHTML = await r.text();
      offline.hidden = true;
      document.documentElement.dataset.offline = "0";
      show(index);
    } catch (err) {
      // Keep the last figures on screen and say they are not fresh.
      offline.hidden = false;
      document.documentElement.dataset.offline = "1";
    }
  }

  document.querySelector("[data-wall-fullscreen]").addEventListener("click", () => {
    const el = document.documentElement;
    if (document.fullscreenElement) document.exitFullscreen();
    else if (el.requestFullscreen) el.requestFullscreen().catch(() => {});
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight") show(index + 1);
    if (e.key === "ArrowLeft") show(index - 1);
  });
  if ("serviceWorker" in navigator) {
    // Keep the page and its assets, so a reload without the server still shows the wall.
    const root = body.dataset.root || "";
    navigator.serviceWorker.register(root + "/wall-sw.js", { scope: root + "/wall" })
      .then(() => navigator.serviceWorker.ready)
      .then(() => { document.documentElement.dataset.offlineReady = "1"; })
      .catch(() => {});
  }
  if (!navigator.onLine) {
    offline.hidden = false;
    document.documentElement.dataset.offline = "1";
  }
  show(0);
  setInterval(() => show(index + 1), rotateMs);
  setInterval(refresh, refreshMs);
})();
