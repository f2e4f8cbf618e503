// The register form's "Use this phone's location": fills latitude and longitude from the
// browser's geolocation, when the phone has it and the person allows it (both optional).
// Pages are swapped in by htmx (hx-boost), which runs this file again with each register
// page: it sets itself up once, finds the button when clicked and shows it after each swap.
(() => {
  if (!("geolocation" in navigator) || window.sukumaLocate) return;
  window.sukumaLocate = true;
  const reveal = () => {
    const button = document.getElementById("gps-locate");
    if (button) button.hidden = false;
  };
  const locate = (button) => {
    const status = document.getElementById("gps-status");
    status.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      (where) => {
        document.getElementById("f-dwelling-gps-lat").value = where.coords.latitude.toFixed(6);
        document.getElementById("f-dwelling-gps-lon").value = where.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done;
      },
      () => {
        status.textContent = button.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  };
  document.addEventListener("click", (event) => {
    const button = event.target.closest("#gps-locate");
    if (button) locate(button);
  });
  document.addEventListener("htmx:afterSettle", reveal);
  reveal();
})();
