"use strict";
// Sign-in form: POST the token as JSON; the server answers with an HttpOnly session cookie.
document.getElementById("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("signin-error");
  error.textContent = "";
  try {
    const response = await fetch("/review/api/signin", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({token: document.getElementById("token").value}),
    });
    if (response.ok) {
      window.location.reload();
      return;
    }
    const body = await response.json().catch(() => ({}));
    error.textContent = (body.error && body.error.message) || `Sign-in failed (${response.status}).`;
  } catch (err) {
    error.textContent = `The server did not answer: ${err}`;
  }
});
