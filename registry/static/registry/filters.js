// Keep the address short: a filter left empty is not sent (no "?country=&region=" in the URL).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form.filters")) return;
  form.querySelectorAll("input, select").forEach((input) => {
    if (input.name && input.value === "") input.disabled = true;
  });
  // Re-enable them once the browser has read the form, so "Back" shows the form as it was.
  setTimeout(() => form.querySelectorAll(":disabled").forEach((input) => { input.disabled = false; }), 0);
});
