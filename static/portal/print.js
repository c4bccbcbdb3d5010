// The slip's Print button (no inline handlers: the Content-Security-Policy allows
// scripts from our own files only).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
