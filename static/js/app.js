// Small page helpers shared by every page. Loaded with the page's CSP nonce.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
