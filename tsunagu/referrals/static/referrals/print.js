// The print button of the consent slip and the referral sheet (the pages print without it too).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
