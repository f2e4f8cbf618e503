// The register form's "Add a member" without a round trip: adds a blank member's questions
// (the page's <template id="member-row">, numbered for the next member; the server reads
// as many members as the form sends) and moves to the new member's first question. Without this file the button posts the form and the server adds the member,
// keeping what was typed. Pages are swapped in by htmx (hx-boost), which runs this file
// again with each register page: it sets itself up once and finds the button when clicked.
(() => {
  if (window.sukumaMembers) return;
  window.sukumaMembers = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[name='more']");
    const row = document.getElementById("member-row");
    const list = document.getElementById("f-members");
    if (!button || !row || !list) return;
    event.preventDefault();
    const count = list.querySelectorAll(":scope > fieldset").length;
    const max = Number(button.dataset.max);
    if (count >= max) return;
    const html = row.innerHTML
      .replaceAll("__NUMBER__", String(count + 1))
      .replaceAll("__N__", String(count));
    list.insertAdjacentHTML("beforeend", html);
    const shown = document.getElementById("members-count");
    if (shown) shown.value = String(count + 1);
    if (count + 1 >= max) button.hidden = true;
    list.lastElementChild.querySelector("input, select").focus();
  });
})();
