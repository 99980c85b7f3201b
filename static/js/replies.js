// Picking a canned reply fills the reply box with its text, for the worker to edit.
document.querySelectorAll("[data-canned-reply]").forEach((select) => {
  const box = select.form.querySelector("[data-reply-text]");
  if (!box) return;
  select.addEventListener("change", () => {
    const option = select.options[select.selectedIndex];
    if (option && option.dataset.text) box.value = option.dataset.text;
  });
});
